//! Source text to JSON values, keeping where every node was written.
//!
//! YAML and JSON both go through serde-saphyr (JSON is YAML 1.2 flow syntax), so one code
//! path gives every node of every file a line and column. The value and its positions are
//! kept apart: the [`serde_json::Value`] is what the rest of the crate works on, and the
//! [`Spans`] tree beside it is only walked when a diagnostic needs a position.

use std::fmt;
use std::path::PathBuf;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::Spanned;

use crate::pointer::JsonPointer;

/// A line and column in a source file, both 1-based.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Positions of a value and, recursively, of its entries, parallel to the value itself:
/// child `i` belongs to the `i`-th entry of the object (in document order) or array.
#[derive(Debug, Clone, Default)]
pub struct Spans {
    /// Where the value starts.
    pub at: Pos,
    /// Where the key of this entry starts, for object entries.
    pub key: Option<Pos>,
    children: Vec<Spans>,
}

impl Spans {
    /// The spans of the value that `pointer` designates in `value`, or of the deepest
    /// ancestor that exists, so that a pointer to a missing key still finds its object.
    pub fn find<'s>(&'s self, value: &Value, pointer: &JsonPointer) -> &'s Spans {
        let mut spans = self;
        let mut node = value;
        for token in pointer.tokens() {
            let (index, next) = match node {
                Value::Object(map) => match map.keys().position(|k| k == token) {
                    Some(i) => (i, &map[token.as_str()]),
                    None => break,
                },
                Value::Array(items) => match token.parse::<usize>().ok().and_then(|i| items.get(i).map(|v| (i, v))) {
                    Some(found) => found,
                    None => break,
                },
                _ => break,
            };
            match spans.children.get(index) {
                Some(child) => spans = child,
                None => break,
            }
            node = next;
        }
        spans
    }
}

/// A file the loader read: its path as given, its text and its parsed value.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user or the referring `$ref` gave it, joined to its base.
    pub path: PathBuf,
    /// The full text, for snippets in diagnostics.
    pub text: String,
    /// The parsed document.
    pub value: Value,
    /// Where each node of `value` was written.
    pub spans: Spans,
}

impl SourceFile {
    /// Parses `text` (YAML or JSON) read from `path`.
    pub fn parse(path: impl Into<PathBuf>, text: String) -> Result<Self, SyntaxError> {
        let (value, spans) = parse_text(&text)?;
        Ok(Self { path: path.into(), text, value, spans })
    }

    /// Where the value at `pointer` starts (or its deepest existing ancestor).
    pub fn pos(&self, pointer: &JsonPointer) -> Pos {
        self.spans.find(&self.value, pointer).at
    }

    /// Where the key of the entry at `pointer` starts, else where its value starts.
    pub fn key_pos(&self, pointer: &JsonPointer) -> Pos {
        let spans = self.spans.find(&self.value, pointer);
        spans.key.unwrap_or(spans.at)
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        self.text.lines().nth(usize::try_from(line).ok()?.checked_sub(1)?)
    }

    /// The path for messages: as given.
    pub fn display_path(&self) -> std::path::Display<'_> {
        self.path.display()
    }
}

/// Text that is not well-formed YAML or JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    /// What the parser said, without its location.
    pub message: String,
    /// Where it stopped.
    pub pos: Pos,
}

/// The reading options every contract is parsed with: only `true` and `false` are booleans
/// (`on: yes` stays a string, as in YAML 1.2), and `012` stays the string `"012"`.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! { strict_booleans: true, leading_zero_numbers_as_strings: true, with_snippet: false }
}

/// Parses YAML or JSON text into a value and its positions.
pub fn parse_text(text: &str) -> Result<(Value, Spans), SyntaxError> {
    let node: Spanned<Built> = serde_saphyr::from_str_with_options(text, options()).map_err(|e| {
        let pos = e.location().map_or(Pos { line: 1, column: 1 }, |l| Pos {
            line: u32::try_from(l.line()).unwrap_or(u32::MAX),
            column: u32::try_from(l.column()).unwrap_or(u32::MAX),
        });
        SyntaxError { message: clean_message(&e.to_string()), pos }
    })?;
    let at = pos_of(&node);
    let Built { value, children } = node.value;
    Ok((value, Spans { at, key: None, children }))
}

/// serde-saphyr prefixes its messages with `error: line L column C:` and may append a
/// snippet; our diagnostics print both themselves.
fn clean_message(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let without_location = match first.find(": ") {
        Some(i) if first[..i].starts_with("line ") => &first[i + 2..],
        _ => first,
    };
    without_location.trim().to_owned()
}

fn pos_of<T>(spanned: &Spanned<T>) -> Pos {
    Pos {
        line: u32::try_from(spanned.referenced.line()).unwrap_or(u32::MAX),
        column: u32::try_from(spanned.referenced.column()).unwrap_or(u32::MAX),
    }
}

/// A value under construction with the spans of its children.
struct Built {
    value: Value,
    children: Vec<Spans>,
}

impl Built {
    fn leaf(value: Value) -> Self {
        Self { value, children: Vec::new() }
    }
}

impl<'de> Deserialize<'de> for Built {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BuiltVisitor)
    }
}

struct BuiltVisitor;

impl<'de> Visitor<'de> for BuiltVisitor {
    type Value = Built;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML or JSON value")
    }

    fn visit_unit<E>(self) -> Result<Built, E> {
        Ok(Built::leaf(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Built, E> {
        Ok(Built::leaf(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Built, D::Error> {
        Built::deserialize(deserializer)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Built, E> {
        Ok(Built::leaf(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Built, E> {
        Ok(Built::leaf(Value::Number(v.into())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Built, E> {
        Ok(Built::leaf(Value::Number(v.into())))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Built, E> {
        i64::try_from(v)
            .map(|v| Built::leaf(Value::Number(v.into())))
            .map_err(|_| E::custom(format_args!("integer {v} is out of the range JSON numbers keep here")))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Built, E> {
        u64::try_from(v)
            .map(|v| Built::leaf(Value::Number(v.into())))
            .map_err(|_| E::custom(format_args!("integer {v} is out of the range JSON numbers keep here")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Built, E> {
        Number::from_f64(v)
            .map(|n| Built::leaf(Value::Number(n)))
            .ok_or_else(|| E::custom(format_args!("`{v}` is not a JSON number (NaN and infinities have no JSON form)")))
    }

    fn visit_str<E>(self, v: &str) -> Result<Built, E> {
        Ok(Built::leaf(Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Built, E> {
        Ok(Built::leaf(Value::String(v)))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Built, E> {
        Ok(Built::leaf(Value::Array(v.iter().map(|b| Value::from(*b)).collect())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Built, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let mut children = Vec::with_capacity(items.capacity());
        while let Some(item) = seq.next_element::<Spanned<Built>>()? {
            let at = pos_of(&item);
            items.push(item.value.value);
            children.push(Spans { at, key: None, children: item.value.children });
        }
        Ok(Built { value: Value::Array(items), children })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Built, A::Error> {
        let mut map = Map::new();
        let mut children: Vec<Spans> = Vec::new();
        while let Some(key) = access.next_key::<Spanned<Key>>()? {
            let value = access.next_value::<Spanned<Built>>()?;
            let spans = Spans { at: pos_of(&value), key: Some(pos_of(&key)), children: value.value.children };
            // A merge key (`<<`) can bring a key again; the later one replaces it in place,
            // so child positions stay aligned with the map's order.
            let key = key.value.0;
            match map.contains_key(&key).then(|| map.keys().position(|k| *k == key)).flatten() {
                Some(i) => children[i] = spans,
                None => children.push(spans),
            }
            map.insert(key, value.value.value);
        }
        Ok(Built { value: Value::Object(map), children })
    }
}

/// A mapping key: any scalar, kept as its text (`200:` is the key `"200"`).
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Key, E> {
                Ok(Key(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<Key, E> {
                Ok(Key("null".to_owned()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Value, Spans) {
        parse_text(text).expect("valid text")
    }

    #[test]
    fn yaml_scalars_follow_strict_rules() {
        let (v, _) = parse("a: on\nb: yes\nc: 012\nd: true\ne: 1.5\nf: ~\n200: x\n");
        assert_eq!(
            v,
            serde_json::json!({"a": "on", "b": "yes", "c": "012", "d": true, "e": 1.5, "f": null, "200": "x"})
        );
    }

    #[test]
    fn positions_of_nested_nodes() {
        let text = "info:\n  title: T\nlist:\n  - a\n  - {b: 1}\n";
        let (v, spans) = parse(text);
        let at = |p: &str| spans.find(&v, &JsonPointer::parse(p).expect("pointer")).at;
        assert_eq!(at("/info/title"), Pos { line: 2, column: 10 });
        assert_eq!(
            spans.find(&v, &JsonPointer::parse("/info/title").expect("pointer")).key,
            Some(Pos { line: 2, column: 3 })
        );
        assert_eq!(at("/list/1/b"), Pos { line: 5, column: 9 });
        // A missing key falls back to its nearest ancestor.
        assert_eq!(at("/info/missing"), Pos { line: 2, column: 3 });
    }

    #[test]
    fn json_with_tabs_parses() {
        let (v, spans) = parse("{\n\t\"a\": [1, \"x\"],\n\t\"b\": {\"c\": false}\n}\n");
        assert_eq!(v, serde_json::json!({"a": [1, "x"], "b": {"c": false}}));
        assert_eq!(spans.find(&v, &JsonPointer::parse("/b/c").expect("pointer")).at.line, 3);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse_text("a: 1\na: 2\n").expect_err("duplicate key");
        assert_eq!(err.pos, Pos { line: 2, column: 1 });
        assert!(err.message.contains("duplicate"), "{}", err.message);
        let err = parse_text("a: [1\n").expect_err("unclosed");
        assert_eq!(err.pos.line, 1);
    }
}
