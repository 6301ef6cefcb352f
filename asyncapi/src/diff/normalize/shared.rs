//! What normalization and the diff share: JSON equality and canonical text, references,
//! channel addresses, content types and schema formats. The JSON Schema vocabulary they
//! share is in `diff/schema/keywords.rs`.

use serde_json::Value;

use crate::model::{MultiFormatSchema, SchemaFormat};
use crate::pointer::{follow_value, reference_of};

/// JSON equality where numbers compare by value (`1` equals `1.0`) and key order never
/// matters.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// A value with a `$ref` replaced by what it designates (as written when it leads nowhere).
pub(super) fn resolve<'v>(root: &'v Value, value: &'v Value) -> &'v Value {
    follow_value(root, value).map_or(value, |(_, v)| v)
}

/// A channel address with its parameter names left out: `/rooms/{}` for `/rooms/{id}`.
pub(crate) fn address_template(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut inside = false;
    for c in address.chars() {
        match c {
            '{' => {
                inside = true;
                out.push('{');
            }
            '}' if inside => {
                inside = false;
                out.push('}');
            }
            _ if inside => {}
            c => out.push(c),
        }
    }
    out
}

/// The parameter names of an address, in order.
pub(crate) fn placeholders(address: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = address;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        out.push(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    out
}

/// The content type of a message that names none in a document that names no default:
/// tidings frames are JSON.
const DEFAULT_CONTENT_TYPE: &str = "application/json";

/// A message's content type: its own, else the document's default, else JSON.
pub(crate) fn content_type(own: Option<&str>, default: Option<&str>) -> String {
    own.or(default).unwrap_or(DEFAULT_CONTENT_TYPE).to_owned()
}

/// A payload or headers value that holds JSON Schema: the schema, and whether it sits under
/// a multi-format `schema`. `None` for schemas in other formats.
pub(crate) fn json_schema_of<'v>(root: &'v Value, value: &'v Value) -> Option<(bool, &'v Value)> {
    match MultiFormatSchema::written(resolve(root, value)) {
        None => Some((false, value)),
        Some((format, schema)) if SchemaFormat::parse(format).is_some_and(SchemaFormat::is_json_schema) => {
            Some((true, schema.unwrap_or(&Value::Bool(true))))
        }
        Some(_) => None,
    }
}

/// A `$ref` string, when the value is a Reference Object.
pub(crate) fn reference_text(value: &Value) -> Option<String> {
    reference_of(value).map(str::to_owned)
}

/// A value's JSON text with keys sorted: a total order for sorting lists whose order does
/// not matter.
pub(crate) fn canonical_text(value: &Value) -> String {
    sort_keys(value).to_string()
}

/// A copy of a data value with every object's keys sorted.
pub(crate) fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().filter_map(|k| Some((k.clone(), sort_keys(map.get(k)?)))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}
