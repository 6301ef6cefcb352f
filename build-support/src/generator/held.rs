//! Which payload schemas their generated Rust types hold whole: every frame the schema refuses,
//! deserializing into the type refuses too, so validation need not interpret the schema for
//! that message (`docs/TYPES.md`, "What the types hold").
//!
//! The answer is a whitelist, and a conservative one: a schema is held only when each of its
//! keywords is one the generated types enforce exactly (a `required` property is a field that
//! must be present, `minLength`/`maxLength` a `BoundedString`, a `const` a one-variant enum,
//! `minimum: 0` a `u64`). Anything else, such as an optional property (a Rust `Option` takes
//! `null` where the schema may not), a `maximum`, a `pattern` or a `format` (whose dialects or
//! ranges differ), or a composition, keeps the message under the interpreter.

use serde_json::{Map, Value};
use tidings_asyncapi::pointer::member;

/// Keywords that say nothing about which values are valid, and that leave a schema's
/// generated type as it is (the compact forms of `compact.rs` allow these alone).
const ANNOTATIONS: &[&str] = &["title", "description", "examples"];

/// Whether the generated type of `schema` (self-contained: what it refers to is under its
/// `definitions`) refuses every value the schema refuses.
pub(crate) fn held_by_type(schema: &Value) -> bool {
    let definitions = schema.get("definitions").and_then(Value::as_object);
    Walk { definitions, depth: 0 }.held(schema)
}

struct Walk<'a> {
    definitions: Option<&'a Map<String, Value>>,
    depth: u32,
}

impl Walk<'_> {
    fn held(&mut self, schema: &Value) -> bool {
        // A recursive type is boxed and holds its schema too, but a bound on the walk keeps
        // this simple: deep or cyclic schemas stay under the interpreter.
        if self.depth > 32 {
            return false;
        }
        let Value::Object(map) = schema else { return false };
        if let Some(reference) = member(map, "$ref") {
            let target = reference
                .as_str()
                .and_then(|r| r.strip_prefix("#/definitions/"))
                .and_then(|name| self.definitions?.get(name));
            let only_reference = map.keys().all(|k| k == "$ref" || ANNOTATIONS.contains(&k.as_str()));
            return only_reference && target.is_some_and(|target| self.nested(target));
        }
        let known = |allowed: &[&str]| {
            map.keys().all(|k| allowed.contains(&k.as_str()) || ANNOTATIONS.contains(&k.as_str()) || k == "definitions")
        };
        // A string constant, or a choice of strings: an enum of those values.
        let strings = |values: &[Value]| !values.is_empty() && values.iter().all(Value::is_string);
        if let Some(value) = member(map, "const") {
            return value.is_string() && known(&["const", "type"]) && member(map, "type").is_none_or(|t| t == "string");
        }
        if let Some(values) = member(map, "enum") {
            return values.as_array().is_some_and(|v| strings(v))
                && known(&["enum", "type"])
                && member(map, "type").is_none_or(|t| t == "string");
        }
        match member(map, "type").and_then(Value::as_str) {
            Some("object") => self.object(map, &known),
            Some("string") => known(&["type", "minLength", "maxLength"]) && lengths(map),
            Some("integer") => known(&["type", "minimum"]) && member(map, "minimum").is_none_or(unsigned_floor),
            Some("number") => known(&["type"]),
            Some("boolean") => known(&["type"]),
            Some("array") => known(&["type", "items"]) && member(map, "items").is_some_and(|items| self.nested(items)),
            _ => false,
        }
    }

    /// An object with properties, every one of them required and held.
    fn object(&mut self, map: &Map<String, Value>, known: &dyn Fn(&[&str]) -> bool) -> bool {
        if !known(&["type", "properties", "required"]) {
            return false;
        }
        let properties = match member(map, "properties") {
            Some(Value::Object(properties)) if !properties.is_empty() => properties,
            _ => return false,
        };
        let required: Vec<&str> =
            member(map, "required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        properties.iter().all(|(name, property)| required.contains(&name.as_str()) && self.nested(property))
    }

    fn nested(&mut self, schema: &Value) -> bool {
        self.depth += 1;
        let held = self.held(schema);
        self.depth -= 1;
        held
    }
}

/// Length bounds the runtime's `BoundedString` holds: whole numbers.
fn lengths(map: &Map<String, Value>) -> bool {
    ["minLength", "maxLength"].iter().all(|k| member(map, k).is_none_or(|v| v.as_u64().is_some()))
}

/// A lower bound that makes the integer a `u64` (`minimum: 0`) or a `NonZeroU64` (`minimum:
/// 1`): the type refuses exactly what the bound does.
fn unsigned_floor(minimum: &Value) -> bool {
    matches!(minimum.as_u64(), Some(0 | 1))
}

#[cfg(test)]
mod tests {
    use super::held_by_type;
    use serde_json::json;

    #[test]
    fn plain_required_fields_are_held() {
        let body = json!({"type": "object", "required": ["seq", "text"], "properties": {
            "seq": {"type": "integer", "minimum": 0, "description": "a number"},
            "text": {"type": "string", "maxLength": 65536}}});
        let echo = json!({"type": "object", "required": ["action", "payload"], "properties": {
            "action": {"type": "string", "const": "echo"},
            "payload": {"$ref": "#/definitions/Body"}},
            "definitions": {"Body": body}});
        assert!(held_by_type(&echo));
        let kinds = json!({"type": "object", "required": ["a", "b", "c", "d", "e"], "properties": {
            "a": {"enum": ["x", "y"]}, "b": {"type": "boolean"}, "c": {"type": "number"},
            "d": {"type": "array", "items": {"type": "integer"}}, "e": {"type": "integer", "minimum": 1}}});
        assert!(held_by_type(&kinds));
    }

    #[test]
    fn what_a_type_would_let_through_stays_with_the_interpreter() {
        let with =
            |property: serde_json::Value| json!({"type": "object", "required": ["p"], "properties": {"p": property}});
        for property in [
            json!({"type": "integer", "maximum": 10}),
            json!({"type": "integer", "minimum": 5}),
            json!({"type": "integer", "format": "int32"}),
            json!({"type": "string", "pattern": "^a"}),
            json!({"type": "string", "format": "date-time"}),
            json!({"type": "array", "items": {"type": "string"}, "maxItems": 3}),
            json!({"type": ["string", "null"]}),
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
            json!({"enum": ["x", 1]}),
            json!({"$ref": "#/definitions/Missing"}),
            json!({}),
        ] {
            assert!(!held_by_type(&with(property.clone())), "{property}");
        }
        // An optional property: `null` reads as `None`, which the schema may refuse.
        let optional = json!({"type": "object", "properties": {"p": {"type": "string"}}});
        assert!(!held_by_type(&optional));
        let closed = json!({"type": "object", "required": ["p"], "additionalProperties": false,
            "properties": {"p": {"type": "string"}}});
        assert!(!held_by_type(&closed));
        // A schema that refers to itself is left to the interpreter rather than walked forever.
        let list = json!({"$ref": "#/definitions/Node", "definitions": {"Node": {"type": "object",
            "required": ["next"], "properties": {"next": {"$ref": "#/definitions/Node"}}}}});
        assert!(!held_by_type(&list));
    }
}
