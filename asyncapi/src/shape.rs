//! The shape of a JSON Schema, as message dispatch sees it: which JSON types a value of it
//! may have, and which properties an object of it must have.
//!
//! Messages that share no discriminator are told apart by shape before their schemas are
//! tried (`docs/ARCHITECTURE.md`, "Dispatch without a discriminator"). The generator reads
//! shapes to warn about messages a frame's shape cannot tell apart; the runtime reads the
//! same shapes to order the candidates of a frame. One reading serves both, so the warning
//! says exactly what dispatch does.

use serde_json::Value;

use crate::pointer::{RefTarget, follow};

/// A set of JSON types, as the `type` keyword names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JsonTypes(u8);

impl JsonTypes {
    /// `null`.
    pub const NULL: Self = Self(1);
    /// `boolean`.
    pub const BOOLEAN: Self = Self(1 << 1);
    /// `object`.
    pub const OBJECT: Self = Self(1 << 2);
    /// `array`.
    pub const ARRAY: Self = Self(1 << 3);
    /// `string`.
    pub const STRING: Self = Self(1 << 4);
    /// `integer`: numbers without a fractional part.
    pub const INTEGER: Self = Self(1 << 5);
    /// `number`: every number, integers included.
    pub const NUMBER: Self = Self(1 << 6 | 1 << 5);
    /// Any JSON value.
    pub const ANY: Self = Self(0x7f);
    /// No value at all (the schema `false`, or types that exclude each other).
    pub const NONE: Self = Self(0);

    /// The type named by a `type` keyword's entry.
    pub fn named(name: &str) -> Option<Self> {
        Some(match name {
            "null" => Self::NULL,
            "boolean" => Self::BOOLEAN,
            "object" => Self::OBJECT,
            "array" => Self::ARRAY,
            "string" => Self::STRING,
            "integer" => Self::INTEGER,
            "number" => Self::NUMBER,
            _ => return None,
        })
    }

    /// The type of a value: an integral number is both `integer` and `number`.
    pub fn of(value: &Value) -> Self {
        match value {
            Value::Null => Self::NULL,
            Value::Bool(_) => Self::BOOLEAN,
            Value::Object(_) => Self::OBJECT,
            Value::Array(_) => Self::ARRAY,
            Value::String(_) => Self::STRING,
            Value::Number(n) if n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                Self::INTEGER
            }
            Value::Number(_) => Self(1 << 6),
        }
    }

    /// Whether a value of type `self` (as [`of`](Self::of) gives it) is one of `types`.
    pub fn is_in(self, types: Self) -> bool {
        self.0 & types.0 != 0
    }

    /// The types in both sets.
    pub fn and(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// The types in either set.
    pub fn or(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The set's names, as the `type` keyword would list them.
    pub fn names(self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (bits, name) in [
            (Self::NULL, "null"),
            (Self::BOOLEAN, "boolean"),
            (Self::OBJECT, "object"),
            (Self::ARRAY, "array"),
            (Self::STRING, "string"),
        ] {
            if self.0 & bits.0 != 0 {
                out.push(name);
            }
        }
        if self.0 & Self::NUMBER.0 == Self::NUMBER.0 {
            out.push("number");
        } else if self.0 & Self::INTEGER.0 != 0 {
            out.push("integer");
        }
        out
    }
}

/// What dispatch knows of a schema without validating against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// The JSON types a value may have.
    pub types: JsonTypes,
    /// The properties an object must have, in the order the schema lists them.
    pub required: Vec<String>,
}

/// How deep `$ref` and composition are followed; a schema deeper than this is taken as it
/// is read so far, which can only make its shape wider, never wrong.
const MAX_DEPTH: usize = 16;

impl Shape {
    /// The shape of `schema`; `root` is the document its local `$ref`s point into.
    pub fn of(schema: &Value, root: &Value) -> Self {
        shape(schema, root, 0)
    }

    /// Why `value` cannot be an instance of this shape, or `None` when it may be.
    pub fn rejects(&self, value: &Value) -> Option<String> {
        let found = JsonTypes::of(value);
        if !found.is_in(self.types) {
            let names = self.types.names();
            let expected = if names.is_empty() { "nothing".to_owned() } else { names.join(" or ") };
            return Some(format!("expects {expected}, the frame is {}", found.names().join(" or ")));
        }
        let object = value.as_object()?;
        let missing = self.required.iter().find(|p| !object.contains_key(p.as_str()))?;
        Some(format!("requires property `{missing}`, which the frame lacks"))
    }

    /// Whether a frame's shape alone cannot tell `self` from `other`: both admit one JSON
    /// type, and both require the same properties. Dispatch then falls to their schemas, and
    /// a frame both schemas accept goes to the one first in the contract.
    pub fn indistinct_from(&self, other: &Self) -> bool {
        if self.types.and(other.types) == JsonTypes::NONE {
            return false;
        }
        let mut mine: Vec<&String> = self.required.iter().collect();
        let mut theirs: Vec<&String> = other.required.iter().collect();
        mine.sort();
        mine.dedup();
        theirs.sort();
        theirs.dedup();
        mine == theirs
    }
}

fn shape(schema: &Value, root: &Value, depth: usize) -> Shape {
    let any = Shape { types: JsonTypes::ANY, required: Vec::new() };
    let map = match schema {
        Value::Bool(false) => return Shape { types: JsonTypes::NONE, required: Vec::new() },
        Value::Object(map) if depth < MAX_DEPTH => map,
        _ => return any,
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        // Draft-07 ignores a reference's siblings; so does dispatch.
        return match RefTarget::split(reference).pointer().ok().and_then(|p| follow(root, &p)) {
            Some((_, target)) => shape(target, root, depth + 1),
            None => any,
        };
    }
    let mut types = match map.get("type") {
        Some(Value::String(name)) => JsonTypes::named(name).unwrap_or(JsonTypes::ANY),
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .map(|n| JsonTypes::named(n).unwrap_or(JsonTypes::ANY))
            .fold(JsonTypes::NONE, JsonTypes::or),
        _ => JsonTypes::ANY,
    };
    if let Some(constant) = map.get("const") {
        types = types.and(JsonTypes::of(constant));
    }
    if let Some(Value::Array(allowed)) = map.get("enum") {
        types = types.and(allowed.iter().map(JsonTypes::of).fold(JsonTypes::NONE, JsonTypes::or));
    }
    let mut required: Vec<String> = Vec::new();
    let mut require = |names: &mut dyn Iterator<Item = String>| {
        for name in names {
            if !required.contains(&name) {
                required.push(name);
            }
        }
    };
    require(
        &mut map
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned)),
    );
    for member in map.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        let member = shape(member, root, depth + 1);
        types = types.and(member.types);
        require(&mut member.required.into_iter());
    }
    for keyword in ["oneOf", "anyOf"] {
        let Some(Value::Array(variants)) = map.get(keyword) else { continue };
        if variants.is_empty() {
            continue;
        }
        let shapes: Vec<Shape> = variants.iter().map(|v| shape(v, root, depth + 1)).collect();
        types = types.and(shapes.iter().fold(JsonTypes::NONE, |t, s| t.or(s.types)));
        // A property every variant requires is required of the whole.
        let common = shapes[0].required.iter().filter(|p| shapes[1..].iter().all(|s| s.required.contains(p)));
        require(&mut common.cloned());
    }
    Shape { types, required }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_types_and_required_through_refs_and_composition() {
        let root = json!({
            "definitions": {
                "Base": { "type": "object", "required": ["id"] },
            }
        });
        let schema = json!({
            "allOf": [{ "$ref": "#/definitions/Base" }, { "required": ["result"] }],
        });
        let shape = Shape::of(&schema, &root);
        assert_eq!(shape.types, JsonTypes::OBJECT);
        assert_eq!(shape.required, ["id", "result"]);
    }

    #[test]
    fn a_property_is_required_of_a_one_of_only_when_every_variant_requires_it() {
        let schema = json!({
            "oneOf": [
                { "type": "object", "required": ["id", "a"] },
                { "type": "object", "required": ["b", "id"] },
            ]
        });
        let shape = Shape::of(&schema, &schema);
        assert_eq!(shape.required, ["id"]);
        assert_eq!(shape.types, JsonTypes::OBJECT);
    }

    #[test]
    fn rejects_says_why() {
        let shape = Shape::of(&json!({ "type": "object", "required": ["id"] }), &Value::Null);
        assert_eq!(shape.rejects(&json!({ "id": 1 })), None);
        assert_eq!(
            shape.rejects(&json!({ "other": 1 })).as_deref(),
            Some("requires property `id`, which the frame lacks")
        );
        assert_eq!(shape.rejects(&json!([1])).as_deref(), Some("expects object, the frame is array"));
    }

    #[test]
    fn integers_are_numbers_but_fractions_are_not_integers() {
        let integer = Shape::of(&json!({ "type": "integer" }), &Value::Null);
        let number = Shape::of(&json!({ "type": "number" }), &Value::Null);
        assert_eq!(integer.rejects(&json!(3)), None);
        assert!(integer.rejects(&json!(3.5)).is_some());
        assert_eq!(number.rejects(&json!(3)), None);
        assert_eq!(number.rejects(&json!(3.5)), None);
    }

    #[test]
    fn indistinct_means_same_type_and_same_required() {
        let a = Shape::of(&json!({ "type": "object", "required": ["id", "x"] }), &Value::Null);
        let b = Shape::of(&json!({ "type": "object", "required": ["x", "id"] }), &Value::Null);
        let c = Shape::of(&json!({ "type": "object", "required": ["id"] }), &Value::Null);
        let d = Shape::of(&json!({ "type": "array" }), &Value::Null);
        assert!(a.indistinct_from(&b));
        assert!(!a.indistinct_from(&c));
        assert!(!c.indistinct_from(&d));
    }
}
