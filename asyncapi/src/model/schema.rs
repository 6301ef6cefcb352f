//! Schema Objects: kept as JSON values, checked keyword by keyword.

use crate::pointer::member;
use serde::Serialize;
use serde_json::Value;

use super::node::{Absent, Cx, FromNode, kind_of};
use crate::diagnostic::Problem;

/// An AsyncAPI Schema Object (JSON Schema draft 07 plus `discriminator`, `externalDocs` and
/// `deprecated`), kept as written. Reading checks the keywords' types, recursively, so a
/// `required: name` or `type: text` is reported where it is written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Schema(pub Value);

impl Absent for Schema {
    fn is_absent(&self) -> bool {
        false
    }
}

impl FromNode for Schema {
    fn from_node(v: &Value, cx: &mut Cx) -> Option<Self> {
        let before = cx.findings.len();
        check_schema(v, cx);
        let clean = cx.findings[before..].iter().all(|f| f.severity != crate::Severity::Error);
        clean.then(|| Schema(v.clone()))
    }
}

const TYPES: [&str; 7] = ["null", "boolean", "object", "array", "number", "string", "integer"];

fn invalid(cx: &mut Cx, reason: String) {
    cx.error(Problem::InvalidSchema { reason });
}

/// Checks one schema and, through its subschema keywords, all schemas under it.
fn check_schema(v: &Value, cx: &mut Cx) {
    let map = match v {
        Value::Bool(_) => return,
        Value::Object(map) => map,
        other => {
            cx.error(Problem::WrongType { expected: "a schema (an object or a boolean)", found: kind_of(other) });
            return;
        }
    };
    for (key, value) in map {
        cx.within(key, |cx| check_keyword(key, value, cx));
    }
    check_required_defined(map, cx);
}

/// A `required` name that `properties` does not define is a typo more often than not
/// (`bider` for `bidder`): the generated type then has an optional `bidder` and nothing
/// called `bider`. JSON Schema allows it, so it is a warning; with `additionalProperties:
/// false` no message can satisfy the schema, and the warning says so. Schemas that may get
/// properties elsewhere (composition, pattern properties, conditionals) are left alone.
fn check_required_defined(map: &serde_json::Map<String, Value>, cx: &mut Cx) {
    let (Some(Value::Array(required)), Some(Value::Object(properties))) =
        (member(map, "required"), member(map, "properties"))
    else {
        return;
    };
    let open_elsewhere = ["allOf", "anyOf", "oneOf", "patternProperties", "if", "dependencies", "$ref"];
    if open_elsewhere.iter().any(|k| map.contains_key(*k)) {
        return;
    }
    let closed = member(map, "additionalProperties") == Some(&Value::Bool(false));
    for (i, name) in required.iter().enumerate() {
        let Some(name) = name.as_str() else { continue };
        if properties.contains_key(name) {
            continue;
        }
        let suggestion = properties
            .keys()
            .filter(|key| !required.iter().any(|r| r.as_str() == Some(key.as_str())))
            .map(|key| (strsim::levenshtein(key, name), key))
            .filter(|(distance, _)| *distance <= (name.chars().count() / 3).max(1))
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, key)| key.clone());
        let problem = Problem::RequiredNotDefined { name: name.to_owned(), closed, suggestion };
        cx.within("required", |cx| cx.within(&i.to_string(), |cx| cx.warning(problem)));
    }
}

fn check_keyword(key: &str, value: &Value, cx: &mut Cx) {
    match key {
        "type" => match value {
            Value::String(t) if TYPES.contains(&t.as_str()) => {}
            Value::Array(items)
                if !items.is_empty() && items.iter().all(|t| t.as_str().is_some_and(|t| TYPES.contains(&t))) => {}
            _ => cx.error(Problem::NotAllowed {
                found: value_text(value),
                allowed: "one of null, boolean, object, array, number, string, integer, or an array of them",
            }),
        },
        // Keywords of later drafts are unknown to draft-07: validators ignore them, so a
        // document using them says something it does not enforce. A warning, never an error.
        "prefixItems"
        | "unevaluatedItems"
        | "unevaluatedProperties"
        | "dependentSchemas"
        | "minContains"
        | "maxContains" => {
            let well_formed = match key {
                "prefixItems" => value.as_array().is_some_and(|items| !items.is_empty() && items.iter().all(is_schema)),
                "dependentSchemas" => value.as_object().is_some_and(|m| m.values().all(is_schema)),
                "minContains" | "maxContains" => value.as_u64().is_some(),
                _ => is_schema(value),
            };
            cx.warning(Problem::LaterDraftKeyword { keyword: key.to_owned(), malformed: !well_formed });
        }
        "$defs" if !value.is_object() => {
            cx.warning(Problem::LaterDraftKeyword { keyword: key.to_owned(), malformed: true });
        }
        "properties" | "patternProperties" | "definitions" | "$defs" => match value {
            Value::Object(map) => {
                for (name, schema) in map {
                    cx.within(name, |cx| check_schema(schema, cx));
                }
            }
            other => cx.error(Problem::WrongType { expected: "an object of schemas", found: kind_of(other) }),
        },
        "items" => match value {
            Value::Array(items) => check_schema_list(items, cx),
            other => check_schema(other, cx),
        },
        "additionalItems" | "additionalProperties" | "contains" | "propertyNames" | "not" | "if" | "then" | "else" => {
            check_schema(value, cx)
        }
        "allOf" | "anyOf" | "oneOf" => match value {
            Value::Array(items) if !items.is_empty() => check_schema_list(items, cx),
            Value::Array(_) => invalid(cx, format!("`{key}` must list at least one schema")),
            other => cx.error(Problem::WrongType { expected: "an array of schemas", found: kind_of(other) }),
        },
        "required" => match value {
            Value::Array(items) if items.iter().all(Value::is_string) => {}
            Value::Array(_) => invalid(cx, "`required` must list property names as strings".to_owned()),
            other => cx.error(Problem::WrongType { expected: "an array of property names", found: kind_of(other) }),
        },
        "enum" if !value.is_array() => {
            cx.error(Problem::WrongType { expected: "an array of values", found: kind_of(value) });
        }
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" if !value.is_number() => {
            cx.error(Problem::WrongType { expected: "a number", found: kind_of(value) });
        }
        "multipleOf" if !value.as_f64().is_some_and(|m| m > 0.0) => {
            invalid(cx, format!("`multipleOf` must be a number greater than 0, found {}", value_text(value)));
        }
        "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties" | "maxProperties"
            if value.as_u64().is_none() =>
        {
            invalid(cx, format!("`{key}` must be a non-negative integer, found {}", value_text(value)));
        }
        "pattern" | "format" | "title" | "description" | "$ref" | "$id" | "$schema" | "$comment" | "discriminator"
        | "contentEncoding" | "contentMediaType"
            if !value.is_string() =>
        {
            cx.error(Problem::WrongType { expected: "a string", found: kind_of(value) });
        }
        "uniqueItems" | "deprecated" | "readOnly" | "writeOnly" if !value.is_boolean() => {
            cx.error(Problem::WrongType { expected: "a boolean", found: kind_of(value) });
        }
        "dependencies" => match value {
            Value::Object(map) => {
                for (name, dep) in map {
                    if !dep.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
                        cx.within(name, |cx| check_schema(dep, cx));
                    }
                }
            }
            other => cx.error(Problem::WrongType { expected: "an object", found: kind_of(other) }),
        },
        "examples" if !value.is_array() => {
            cx.error(Problem::WrongType { expected: "an array of examples", found: kind_of(value) });
        }
        // `const`, `default`, `externalDocs`, extensions and unknown keywords are data.
        _ => {}
    }
}

/// Whether a value can be a schema at all: an object or a boolean.
fn is_schema(value: &Value) -> bool {
    value.is_object() || value.is_boolean()
}

fn check_schema_list(items: &[Value], cx: &mut Cx) {
    for (i, item) in items.iter().enumerate() {
        cx.within(&i.to_string(), |cx| check_schema(item, cx));
    }
}

fn value_text(v: &Value) -> String {
    let text = v.to_string();
    if text.len() > 60 { format!("{}...", &text[..text.floor_char_boundary(57)]) } else { text }
}

/// The schema formats the specification names, with their family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SchemaFormat {
    /// `application/vnd.aai.asyncapi[+json|+yaml];version=...`: an AsyncAPI Schema Object.
    AsyncApi,
    /// `application/schema[+json|+yaml];version=draft-07`: JSON Schema.
    JsonSchema,
    /// `application/vnd.apache.avro[+json|+yaml];version=...`.
    Avro,
    /// `application/raml+yaml;version=1.0`.
    Raml,
    /// `application/vnd.google.protobuf;version=...`.
    Protobuf,
}

impl SchemaFormat {
    /// Reads a `schemaFormat` media type.
    pub fn parse(text: &str) -> Option<Self> {
        let media_type = text.split(';').next().unwrap_or(text).trim().to_ascii_lowercase();
        let base = media_type.strip_suffix("+json").or_else(|| media_type.strip_suffix("+yaml")).unwrap_or(&media_type);
        Some(match base {
            "application/vnd.aai.asyncapi" => SchemaFormat::AsyncApi,
            "application/schema" => SchemaFormat::JsonSchema,
            "application/vnd.apache.avro" => SchemaFormat::Avro,
            "application/raml" => SchemaFormat::Raml,
            "application/vnd.google.protobuf" => SchemaFormat::Protobuf,
            _ => return None,
        })
    }

    /// Whether schemas of this format are JSON Schema (which tidings generates code from).
    pub fn is_json_schema(self) -> bool {
        matches!(self, SchemaFormat::AsyncApi | SchemaFormat::JsonSchema)
    }
}
