//! The JSON Schema vocabulary the diff and normalization share: the keywords that
//! constrain, the types a schema allows, the member that stands for a whole schema, and the
//! property a `discriminator` names.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

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
    let schema = crate::pointer::follow_value(root, schema).map_or(schema, |(_, v)| v);
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

/// The property a `discriminator` names (a string in AsyncAPI 3; `{propertyName}` in
/// OpenAPI, accepted too).
pub(crate) fn discriminator(value: &Value) -> Option<&str> {
    value.as_str().or_else(|| value.get("propertyName").and_then(Value::as_str))
}
