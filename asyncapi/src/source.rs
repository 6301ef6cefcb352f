//! Source text to JSON values, keeping where every node was written.
//!
//! YAML and JSON both go through one YAML 1.2 event parser (JSON is YAML flow syntax), so
//! one code path gives every node of every file a line and column. The value and its positions are
//! kept apart: the [`serde_json::Value`] is what the rest of the crate works on, and the
//! [`Spans`] tree beside it is only walked when a diagnostic needs a position.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span, StrInput, Tag};
use serde_json::{Map, Number, Value};

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

/// How deep collections may nest; deeper input is refused instead of exhausting the stack.
const MAX_DEPTH: usize = 256;

/// How many nodes aliases may copy in one file; a few aliases of aliases can otherwise
/// expand to billions of nodes.
const MAX_ALIAS_NODES: usize = 1_000_000;

/// Parses YAML or JSON text into a value and its positions.
///
/// Scalars are read by the YAML 1.2 core schema with two deliberate strictnesses: only
/// `true` and `false` (any case style) are booleans, so `on: yes` stays a string; and a
/// number written with a leading zero (`012`) stays the string `"012"`. Quoted and block
/// scalars are always strings. Duplicate keys are an error, merge keys (`<<`) are applied,
/// anchors and aliases are expanded, and a file holds exactly one document.
pub fn parse_text(text: &str) -> Result<(Value, Spans), SyntaxError> {
    let mut reader = Reader { events: Parser::new_from_str(text), anchors: HashMap::new(), alias_nodes: 0 };
    if !reader.expect_start()? {
        return Ok((Value::Null, Spans { at: Pos { line: 1, column: 1 }, key: None, children: Vec::new() }));
    }
    let (event, span) = reader.next()?;
    if matches!(event, Event::DocumentEnd | Event::StreamEnd) {
        return Ok((Value::Null, Spans { at: pos(span.start), key: None, children: Vec::new() }));
    }
    let (value, spans) = reader.node(event, span, 0)?;
    reader.expect_end()?;
    Ok((value, spans))
}

fn pos(marker: Marker) -> Pos {
    Pos {
        line: u32::try_from(marker.line()).unwrap_or(u32::MAX),
        column: u32::try_from(marker.col() + 1).unwrap_or(u32::MAX),
    }
}

fn error_at(marker: Marker, message: impl Into<String>) -> SyntaxError {
    SyntaxError { message: message.into(), pos: pos(marker) }
}

/// Builds values from the parser's events.
struct Reader<'a> {
    events: Parser<'a, StrInput<'a>>,
    /// Anchored nodes with the depth of their deepest descendant below them.
    anchors: HashMap<usize, (Value, Spans, usize)>,
    alias_nodes: usize,
}

impl<'a> Reader<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span), SyntaxError> {
        match self.events.next_event() {
            Some(Ok(event)) => Ok(event),
            Some(Err(e)) => Err(error_at(*e.marker(), e.info())),
            None => Err(SyntaxError { message: "unexpected end of input".into(), pos: Pos::default() }),
        }
    }

    /// Reads the stream and document starts; `false` for a stream with no document at all.
    fn expect_start(&mut self) -> Result<bool, SyntaxError> {
        let (event, span) = self.next()?;
        if !matches!(event, Event::StreamStart) {
            return Err(error_at(span.start, "expected the start of a YAML stream"));
        }
        match self.next()? {
            (Event::DocumentStart(_), _) => Ok(true),
            (Event::StreamEnd, _) => Ok(false),
            (_, span) => Err(error_at(span.start, "expected a YAML document")),
        }
    }

    fn expect_end(&mut self) -> Result<(), SyntaxError> {
        loop {
            match self.next()? {
                (Event::DocumentEnd | Event::Nothing, _) => {}
                (Event::StreamEnd, _) => return Ok(()),
                (_, span) => {
                    return Err(error_at(
                        span.start,
                        "a contract file holds one YAML document, and a second one starts here",
                    ));
                }
            }
        }
    }

    fn node(&mut self, event: Event<'a>, span: Span, depth: usize) -> Result<(Value, Spans), SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(error_at(span.start, format!("collections nest deeper than {MAX_DEPTH} levels")));
        }
        let at = pos(span.start);
        let (value, children, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                (scalar(&text, style, tag.as_deref()).map_err(|m| error_at(span.start, m))?, Vec::new(), anchor)
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                let mut children = Vec::new();
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    let (value, spans) = self.node(event, span, depth + 1)?;
                    items.push(value);
                    children.push(spans);
                }
                (Value::Array(items), children, anchor)
            }
            Event::MappingStart(anchor, _) => {
                let (map, children) = self.mapping(depth)?;
                (Value::Object(map), children, anchor)
            }
            Event::Alias(id) => {
                let Some((value, spans, height)) = self.anchors.get(&id) else {
                    return Err(error_at(span.start, "alias to an unknown anchor"));
                };
                // An alias grafts a whole subtree here; together they must stay within the limit.
                if depth + height > MAX_DEPTH {
                    return Err(error_at(
                        span.start,
                        format!("aliases nest collections deeper than {MAX_DEPTH} levels"),
                    ));
                }
                self.alias_nodes += count_nodes(value);
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(error_at(span.start, format!("aliases expand to more than {MAX_ALIAS_NODES} nodes")));
                }
                let mut spans = spans.clone();
                spans.at = at;
                return Ok((value.clone(), spans));
            }
            _ => return Err(error_at(span.start, "unexpected YAML event")),
        };
        let spans = Spans { at, key: None, children };
        if anchor != 0 {
            self.anchors.insert(anchor, (value.clone(), spans.clone(), height(&value)));
        }
        Ok((value, spans))
    }

    fn mapping(&mut self, depth: usize) -> Result<(Map<String, Value>, Vec<Spans>), SyntaxError> {
        let mut map = Map::new();
        let mut children: Vec<Spans> = Vec::new();
        let mut merges = Vec::new();
        loop {
            let (event, key_span) = self.next()?;
            let key = match event {
                Event::MappingEnd => break,
                Event::Scalar(text, style, _, _) => {
                    if style == ScalarStyle::Plain && text == "<<" {
                        let (event, span) = self.next()?;
                        let merge_at = span.start;
                        merges.push((merge_at, self.node(event, span, depth + 1)?));
                        continue;
                    }
                    text.into_owned()
                }
                _ => return Err(error_at(key_span.start, "mapping keys must be scalars (strings or numbers)")),
            };
            if let Some(first) = map.contains_key(&key).then(|| map.keys().position(|k| *k == key)).flatten() {
                let first_line = children[first].key.map_or(0, |p| p.line);
                return Err(error_at(
                    key_span.start,
                    format!("duplicate key `{key}` (first written on line {first_line})"),
                ));
            }
            let (event, span) = self.next()?;
            let (value, mut spans) = self.node(event, span, depth + 1)?;
            spans.key = Some(pos(key_span.start));
            map.insert(key, value);
            children.push(spans);
        }
        // Merged keys never override keys written in the mapping itself, and earlier merge
        // sources win over later ones.
        for (merge_at, (value, spans)) in merges {
            let sources: Vec<(Value, Spans)> = match value {
                Value::Object(_) => vec![(value, spans)],
                Value::Array(items) => items.into_iter().zip(spans.children).collect(),
                _ => return Err(error_at(merge_at, "a merge key (`<<`) takes a mapping or a list of mappings")),
            };
            for (source, source_spans) in sources {
                let Value::Object(entries) = source else {
                    return Err(error_at(merge_at, "a merge key (`<<`) takes a mapping or a list of mappings"));
                };
                for ((key, value), spans) in entries.into_iter().zip(source_spans.children) {
                    if !map.contains_key(&key) {
                        map.insert(key, value);
                        children.push(spans);
                    }
                }
            }
        }
        Ok((map, children))
    }
}

/// How many levels of collections a value has below it.
fn height(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(height).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(height).max().unwrap_or(0),
        _ => 0,
    }
}

fn count_nodes(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Value::Object(map) => 1 + map.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

/// The JSON value of a scalar.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let core_tag = tag.filter(|t| t.handle == "!!" || t.handle == "tag:yaml.org,2002:").map(|t| t.suffix.as_str());
    match core_tag {
        Some("str") | Some("binary") => return Ok(Value::String(text.to_owned())),
        Some("null") => return Ok(Value::Null),
        Some(kind @ ("int" | "float" | "bool")) => {
            return match plain_scalar(text)? {
                Value::Number(n) if kind != "bool" => Ok(Value::Number(n)),
                Value::Bool(b) if kind == "bool" => Ok(Value::Bool(b)),
                _ => Err(format!("`{text}` is not a valid !!{kind}")),
            };
        }
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_owned()));
    }
    plain_scalar(text)
}

/// A plain (unquoted) scalar by the core schema, strictly.
fn plain_scalar(text: &str) -> Result<Value, String> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Ok(Value::String(text.to_owned()));
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let lower = unsigned.to_ascii_lowercase();
    if matches!(lower.as_str(), ".inf" | ".nan") {
        return Err(format!("`{text}` is not a JSON number (JSON has no infinities or NaN)"));
    }
    let radix = |digits: &str, base| {
        (unsigned.len() == text.len() && !digits.is_empty())
            .then(|| u64::from_str_radix(digits, base).ok())
            .flatten()
            .map(|n| Value::Number(n.into()))
    };
    if let Some(hex) = unsigned.strip_prefix("0x") {
        return Ok(radix(hex, 16).unwrap_or_else(|| Value::String(text.to_owned())));
    }
    if let Some(oct) = unsigned.strip_prefix("0o") {
        return Ok(radix(oct, 8).unwrap_or_else(|| Value::String(text.to_owned())));
    }
    if !is_core_number(unsigned) {
        return Ok(Value::String(text.to_owned()));
    }
    // `012` and `01.5` stay strings: a leading zero is an identifier, not a number.
    let digits = unsigned.as_bytes();
    if digits.len() > 1 && digits[0] == b'0' && digits[1].is_ascii_digit() {
        return Ok(Value::String(text.to_owned()));
    }
    if unsigned.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = text.parse::<i64>() {
            return Ok(Value::Number(n.into()));
        }
        if let Ok(n) = text.trim_start_matches('+').parse::<u64>() {
            return Ok(Value::Number(n.into()));
        }
    }
    let float: f64 = text.parse().map_err(|_| format!("`{text}` is not a number"))?;
    Number::from_f64(float).map(Value::Number).ok_or_else(|| format!("`{text}` is out of range for a JSON number"))
}

/// `[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?` or `\.[0-9]+(...)?`, the core schema's number forms.
fn is_core_number(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok =
        all_digits(int) && frac.is_none_or(all_digits) && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
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
    fn core_schema_numbers() {
        let (v, _) = parse("a: 1.0.0\nb: 1.5e3\nc: -7\nd: 0x1F\ne: 0o17\nf: 01.5\ng: .5\nh: '12'\ni: !!str 3\nj: 1e\n");
        assert_eq!(
            v,
            serde_json::json!({"a": "1.0.0", "b": 1500.0, "c": -7, "d": 31, "e": 15, "f": "01.5", "g": 0.5, "h": "12", "i": "3", "j": "1e"})
        );
        assert!(parse_text("a: .inf\n").is_err());
    }

    #[test]
    fn anchors_merges_and_limits() {
        let (v, _) = parse("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n");
        assert_eq!(v, serde_json::json!({"base": {"x": 1, "y": 2}, "use": {"y": 3, "x": 1}}));
        let bomb = "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n";
        assert!(parse_text(bomb).expect_err("alias bomb").message.contains("aliases expand"));
        let deep = "[".repeat(1000);
        assert!(parse_text(&deep).is_err());
        assert!(parse_text("a: 1\n---\nb: 2\n").expect_err("two documents").message.contains("one YAML document"));
        assert_eq!(parse_text("").expect("empty").0, Value::Null);
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
        // The parser notices the unclosed bracket where the input ends.
        let err = parse_text("a: [1\n").expect_err("unclosed");
        assert!((1..=2).contains(&err.pos.line), "{err:?}");
    }
}
