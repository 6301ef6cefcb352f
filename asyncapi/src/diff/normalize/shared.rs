//! What normalization and the diff share: JSON equality and canonical text, the types a
//! schema allows, the member that stands for a whole schema, references, channel addresses
//! and content types.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::model::SchemaFormat;
use crate::pointer::follow_reference;

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

/// The JSON type of a value, `integer` for whole numbers.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The schema keywords that constrain values (draft 07 and AsyncAPI's `discriminator`);
/// every other keyword annotates.
pub(crate) const VALIDATION_KEYWORDS: &[&str] = &[
    "type",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "uniqueItems",
    "pattern",
    "format",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "propertyNames",
    "dependencies",
    "items",
    "additionalItems",
    "contains",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "discriminator",
];

const TYPES: [&str; 7] = ["null", "boolean", "object", "array", "number", "string", "integer"];

/// Whether a set of types lets a value of type `t` through (`number` takes integers).
pub(crate) fn accepts(types: &BTreeSet<&'static str>, t: &str) -> bool {
    types.contains(t) || (t == "integer" && types.contains("number"))
}

/// The types a schema allows, from its `type` and `enum` (and `null` when a nullable
/// wrapper added it); `None` when any type is allowed.
pub(crate) fn effective_types(
    declared: Option<&Value>,
    enumerated: Option<&[Value]>,
    null_added: bool,
) -> Option<BTreeSet<&'static str>> {
    let declared: Option<BTreeSet<&'static str>> = declared.map(|t| {
        let names: Vec<&Value> = match t {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        TYPES.iter().copied().filter(|known| names.iter().any(|n| n.as_str() == Some(known))).collect()
    });
    let mut types = match (declared, enumerated) {
        (declared, Some(values)) => {
            values.iter().map(kind).filter(|k| declared.as_ref().is_none_or(|d| accepts(d, k))).collect()
        }
        (Some(mut declared), None) => {
            if null_added {
                declared.insert("null");
            }
            declared
        }
        (None, None) => return None,
    };
    if types.contains("number") {
        types.remove("integer");
    }
    Some(types)
}

/// Whether a schema allows `null` alone.
fn is_null_schema(root: &Value, schema: &Value) -> bool {
    let schema = resolve(root, schema);
    let null_type = match schema.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => ts.len() == 1 && ts[0] == "null",
        _ => false,
    };
    let null_enum = schema.get("enum").and_then(Value::as_array).is_some_and(|v| v.len() == 1 && v[0].is_null());
    null_type || null_enum || schema.get("const").is_some_and(Value::is_null)
}

/// The member of a schema's `allOf`/`anyOf`/`oneOf` that stands for the whole schema: the
/// only member of a one-member list, or the non-null member of a nullable pair (then
/// `null_added`). `(keyword, index, null_added)`.
pub(crate) fn unwrap_target(root: &Value, map: &Map<String, Value>) -> Option<(&'static str, usize, bool)> {
    let present: Vec<&'static str> =
        ["allOf", "anyOf", "oneOf"].into_iter().filter(|k| map.get(*k).is_some_and(Value::is_array)).collect();
    let [keyword] = present.as_slice() else { return None };
    // A wrapper with constraints of its own is a conjunction, not a stand-in.
    if map.keys().any(|k| k != keyword && VALIDATION_KEYWORDS.contains(&k.as_str())) {
        return None;
    }
    let items = map.get(*keyword).and_then(Value::as_array)?;
    match items.as_slice() {
        [_] => Some((keyword, 0, false)),
        [a, b] if *keyword != "allOf" => match (is_null_schema(root, a), is_null_schema(root, b)) {
            (false, true) => Some((keyword, 0, true)),
            (true, false) => Some((keyword, 1, true)),
            _ => None,
        },
        _ => None,
    }
}

/// A value with a `$ref` replaced by what it designates (as written when it leads nowhere).
pub(super) fn resolve<'v>(root: &'v Value, value: &'v Value) -> &'v Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => follow_reference(root, r).map_or(value, |(_, v)| v),
        None => value,
    }
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
pub(crate) fn content_type(root: &Value, message: &Map<String, Value>) -> String {
    message
        .get("contentType")
        .or_else(|| root.get("defaultContentType"))
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_CONTENT_TYPE)
        .to_owned()
}

/// A payload or headers value that holds JSON Schema: the schema, and whether it sits under
/// a multi-format `schema`. `None` for schemas in other formats.
pub(crate) fn json_schema_of<'v>(root: &'v Value, value: &'v Value) -> Option<(bool, &'v Value)> {
    let resolved = resolve(root, value);
    match resolved.get("schemaFormat").and_then(Value::as_str) {
        None => Some((false, value)),
        Some(format) if SchemaFormat::parse(format).is_some_and(SchemaFormat::is_json_schema) => {
            Some((true, resolved.get("schema").unwrap_or(&Value::Bool(true))))
        }
        Some(_) => None,
    }
}

/// The property a `discriminator` names (a string in AsyncAPI 3; `{propertyName}` in
/// OpenAPI, accepted too).
pub(crate) fn discriminator(value: &Value) -> Option<&str> {
    value.as_str().or_else(|| value.get("propertyName").and_then(Value::as_str))
}

/// A `$ref` string, when the value is a Reference Object.
pub(crate) fn reference_text(value: &Value) -> Option<String> {
    value.get("$ref").and_then(Value::as_str).map(str::to_owned)
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
