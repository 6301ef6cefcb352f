//! JSON Pointers (RFC 6901) and the `$ref` strings that carry them.

use std::fmt;

/// A parsed JSON Pointer: the reference tokens, unescaped.
///
/// `Display` writes the escaped form with a leading `/` per token (`""` for the whole
/// document), so a pointer prints the way it appears after `#` in a `$ref`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsonPointer {
    tokens: Vec<String>,
}

impl JsonPointer {
    /// The pointer to the whole document.
    pub fn root() -> Self {
        Self::default()
    }

    /// Builds a pointer from unescaped tokens.
    pub fn from_tokens<I, S>(tokens: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self { tokens: tokens.into_iter().map(Into::into).collect() }
    }

    /// Parses the escaped form (`/a/b~1c`); the empty string is the root.
    pub fn parse(text: &str) -> Result<Self, PointerError> {
        if text.is_empty() {
            return Ok(Self::root());
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(PointerError::NoLeadingSlash(text.to_owned()));
        };
        let mut tokens = Vec::new();
        for raw in rest.split('/') {
            tokens.push(unescape(raw).ok_or_else(|| PointerError::BadEscape(text.to_owned()))?);
        }
        Ok(Self { tokens })
    }

    /// The unescaped tokens.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// Whether this is the pointer to the whole document.
    pub fn is_root(&self) -> bool {
        self.tokens.is_empty()
    }

    /// This pointer with one more token.
    pub fn join(&self, token: impl Into<String>) -> Self {
        let mut tokens = self.tokens.clone();
        tokens.push(token.into());
        Self { tokens }
    }

    /// Appends a token in place.
    pub fn push(&mut self, token: impl Into<String>) {
        self.tokens.push(token.into());
    }

    /// Removes the last token.
    pub fn pop(&mut self) -> Option<String> {
        self.tokens.pop()
    }

    /// The last token, if any.
    pub fn last(&self) -> Option<&str> {
        self.tokens.last().map(String::as_str)
    }

    /// Whether `prefix` is this pointer or one of its ancestors.
    pub fn starts_with(&self, prefix: &JsonPointer) -> bool {
        self.tokens.starts_with(&prefix.tokens)
    }

    /// The tokens after `prefix`, when `prefix` is an ancestor.
    pub fn strip_prefix(&self, prefix: &JsonPointer) -> Option<&[String]> {
        self.tokens.strip_prefix(prefix.tokens.as_slice())
    }

    /// The value this pointer designates inside `root`.
    pub fn get<'v>(&self, root: &'v serde_json::Value) -> Option<&'v serde_json::Value> {
        self.tokens.iter().try_fold(root, |node, token| step(node, token))
    }

    /// The mutable value this pointer designates inside `root`.
    pub fn get_mut<'v>(&self, root: &'v mut serde_json::Value) -> Option<&'v mut serde_json::Value> {
        self.tokens.iter().try_fold(root, |node, token| match node {
            serde_json::Value::Object(map) => map.get_mut(token),
            serde_json::Value::Array(items) => index(token).and_then(|i| items.get_mut(i)),
            _ => None,
        })
    }

    /// The `#`-fragment form used inside `$ref`: `#/components/schemas/Foo`.
    pub fn to_fragment(&self) -> String {
        format!("#{self}")
    }
}

impl fmt::Display for JsonPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for token in &self.tokens {
            f.write_str("/")?;
            for c in token.chars() {
                match c {
                    '~' => f.write_str("~0")?,
                    '/' => f.write_str("~1")?,
                    c => fmt::Write::write_char(f, c)?,
                }
            }
        }
        Ok(())
    }
}

/// How many references one [`follow`] may pass through; real documents need a handful, and
/// the bound keeps a cycle (which the loader reports) from recursing forever.
const MAX_REFERENCE_HOPS: usize = 32;

/// The value `pointer` designates in the self-contained document `root`, and where it really
/// is: `$ref`s met along the pointer and at its end are followed (local references only).
/// `None` when it leads nowhere, or through more than 32 references.
///
/// This is the one place references inside a bundled document are followed; the loader does
/// the same across files, with cycle reporting.
pub fn follow<'v>(root: &'v serde_json::Value, pointer: &JsonPointer) -> Option<(JsonPointer, &'v serde_json::Value)> {
    follow_within(root, pointer, MAX_REFERENCE_HOPS)
}

fn follow_within<'v>(
    root: &'v serde_json::Value,
    pointer: &JsonPointer,
    budget: usize,
) -> Option<(JsonPointer, &'v serde_json::Value)> {
    let budget = budget.checked_sub(1)?;
    let mut at = JsonPointer::root();
    let mut node = root;
    for token in pointer.tokens() {
        if let Some(reference) = reference_of(node) {
            (at, node) = follow_within(root, &RefTarget::split(reference).pointer().ok()?, budget)?;
        }
        node = step(node, token)?;
        at.push(token.clone());
    }
    match reference_of(node) {
        Some(reference) => follow_within(root, &RefTarget::split(reference).pointer().ok()?, budget),
        None => Some((at, node)),
    }
}

/// The `$ref` member of a JSON object, whatever its type: what makes the object a Reference
/// Object (or a schema's reference). `None` for anything else.
///
/// Raw JSON is asked for its `$ref` here and in [`reference_of`] only, so that every
/// reader (the loader's reference finder, [`follow`], validation, the diff) agrees on what
/// a reference is.
pub fn ref_member(value: &serde_json::Value) -> Option<&serde_json::Value> {
    member(value.as_object()?, "$ref")
}

/// The member `key` of a JSON object: found by comparing names in a small object, by the map's
/// hash in a larger one.
///
/// Contracts are mostly small objects, and build scripts run unoptimized by default: there,
/// hashing a key for `Map::get` costs about 1,500 instructions, and comparing it with eight
/// names a few hundred (`docs/BENCHMARKS.md`, "Generating code in build.rs").
pub fn member<'v>(map: &'v serde_json::Map<String, serde_json::Value>, key: &str) -> Option<&'v serde_json::Value> {
    if map.len() > SCANNED_MEMBERS {
        return map.get(key);
    }
    for (name, value) in map {
        if name == key {
            return Some(value);
        }
    }
    None
}

/// The most members [`member`] compares names for.
const SCANNED_MEMBERS: usize = 8;

/// The reference text of a Reference Object (`{"$ref": "#/components/messages/hello"}`);
/// `None` for anything else, including a `$ref` that is not a string (which the loader
/// reports).
pub fn reference_of(value: &serde_json::Value) -> Option<&str> {
    ref_member(value)?.as_str()
}

/// `value` with its reference followed, when it is a Reference Object whose reference
/// leads somewhere: where the reference leads, and what is there.
pub fn follow_value<'v>(
    root: &'v serde_json::Value,
    value: &'v serde_json::Value,
) -> Option<(JsonPointer, &'v serde_json::Value)> {
    follow_reference(root, reference_of(value)?)
}

/// [`follow`] for a `$ref` string of the same document.
pub fn follow_reference<'v>(
    root: &'v serde_json::Value,
    reference: &str,
) -> Option<(JsonPointer, &'v serde_json::Value)> {
    follow(root, &RefTarget::split(reference).pointer().ok()?)
}

/// One step down a JSON value: a key of an object or an index of an array.
pub(crate) fn step<'v>(node: &'v serde_json::Value, token: &str) -> Option<&'v serde_json::Value> {
    match node {
        serde_json::Value::Object(map) => member(map, token),
        serde_json::Value::Array(items) => index(token).and_then(|i| items.get(i)),
        _ => None,
    }
}

/// An array index token: digits without a leading zero (RFC 6901 section 4).
fn index(token: &str) -> Option<usize> {
    let canonical = token == "0" || (!token.starts_with('0') && !token.is_empty());
    if canonical && token.bytes().all(|b| b.is_ascii_digit()) { token.parse().ok() } else { None }
}

fn unescape(raw: &str) -> Option<String> {
    if !raw.contains('~') {
        return Some(raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// A malformed JSON Pointer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointerError {
    /// A non-empty pointer must start with `/`.
    #[error("JSON pointer `{0}` must be empty or start with `/`")]
    NoLeadingSlash(String),
    /// `~` must be followed by `0` or `1`.
    #[error("JSON pointer `{0}` has a `~` that is not followed by `0` or `1`")]
    BadEscape(String),
}

/// A `$ref` value split into the document it names and the pointer inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefTarget<'a> {
    /// The part before `#`: empty for the same document, else a relative path or a URL.
    pub document: &'a str,
    /// The part after `#`, still escaped and percent-encoded as written.
    pub fragment: &'a str,
}

impl<'a> RefTarget<'a> {
    /// Splits a `$ref` string at its first `#`.
    pub fn split(reference: &'a str) -> Self {
        match reference.split_once('#') {
            Some((document, fragment)) => Self { document, fragment },
            None => Self { document: reference, fragment: "" },
        }
    }

    /// Whether the document part names something fetched over a network (`http:`, `https:`, ...).
    pub fn is_remote(&self) -> bool {
        let scheme_end = self.document.find(':');
        match scheme_end {
            // One letter before `:` is a Windows drive, not a scheme.
            Some(i) if i > 1 => {
                self.document[..i].chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            }
            _ => self.document.starts_with("//"),
        }
    }

    /// The fragment as a pointer, with `%XX` escapes decoded first (RFC 6901 section 6).
    pub fn pointer(&self) -> Result<JsonPointer, PointerError> {
        JsonPointer::parse(&percent_decode(self.fragment))
    }
}

fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_is_what_the_map_holds_under_its_name_small_or_large() {
        for size in [0, 1, SCANNED_MEMBERS, SCANNED_MEMBERS + 1, 40] {
            let map: serde_json::Map<String, serde_json::Value> =
                (0..size).map(|i| (format!("k{i}"), serde_json::Value::from(i))).collect();
            for key in (0..=size).map(|i| format!("k{i}")).chain(["".to_owned(), "k".to_owned()]) {
                assert_eq!(member(&map, &key), map.get(&key), "{key} of {size}");
            }
        }
    }

    #[test]
    fn escapes_round_trip() {
        let p = JsonPointer::parse("/a~1b/c~0d/0").expect("valid pointer");
        assert_eq!(p.tokens(), ["a/b", "c~d", "0"]);
        assert_eq!(p.to_string(), "/a~1b/c~0d/0");
    }

    #[test]
    fn rejects_bad_pointers() {
        assert!(matches!(JsonPointer::parse("a"), Err(PointerError::NoLeadingSlash(_))));
        assert!(matches!(JsonPointer::parse("/a~2"), Err(PointerError::BadEscape(_))));
    }

    #[test]
    fn splits_refs() {
        let r = RefTarget::split("../common/messages.yaml#/components/messages/a%20b");
        assert_eq!(r.document, "../common/messages.yaml");
        assert_eq!(r.pointer().expect("valid").tokens(), ["components", "messages", "a b"]);
        assert!(RefTarget::split("https://example.com/x.yaml#/a").is_remote());
        assert!(!RefTarget::split("C:/x.yaml").is_remote());
        assert!(!RefTarget::split("#/a").is_remote());
    }

    #[test]
    fn follow_passes_references_along_and_at_the_end() {
        let doc = serde_json::json!({
            "a": {"$ref": "#/b"},
            "b": {"c": {"$ref": "#/d"}},
            "d": 1,
            "loop": {"$ref": "#/loop"}
        });
        let (at, value) = follow(&doc, &JsonPointer::parse("/a/c").expect("valid")).expect("resolves");
        assert_eq!((at.to_string(), value), ("/d".to_owned(), &serde_json::json!(1)));
        assert!(follow(&doc, &JsonPointer::parse("/loop").expect("valid")).is_none());
        assert!(follow_reference(&doc, "#/missing").is_none());
    }

    #[test]
    fn array_indexes_are_canonical() {
        let v = serde_json::json!({"a": [1, 2]});
        assert_eq!(JsonPointer::parse("/a/1").expect("valid").get(&v), Some(&serde_json::json!(2)));
        assert_eq!(JsonPointer::parse("/a/01").expect("valid").get(&v), None);
    }
}
