//! What is wrong with a frame, said in the contract's words.
//!
//! A peer wrote JSON against a contract, not against Rust types: an error frame says "must be
//! at least 1" where serde would say "expected a nonzero u64", and "is required" at the
//! missing field's own pointer where serde names the field in prose at its parent. Both
//! checkers are translated here: the JSON Schema validator (validation on) and serde with the
//! generated types (validation off), so the frame reads the same either way.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

use crate::codec::escape_token;

/// Where and what, for a schema violation found by the validator.
pub(crate) fn schema_violation(error: &ValidationError<'_>) -> (String, String) {
    let mut pointer = error.instance_path().as_str().to_owned();
    let words = match error.kind() {
        ValidationErrorKind::MinLength { limit } => too_short(*limit),
        ValidationErrorKind::MaxLength { limit } => too_long(*limit),
        ValidationErrorKind::Minimum { limit } => format!("must be at least {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("must be at most {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("must be greater than {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
        ValidationErrorKind::MultipleOf { multiple_of, .. } => format!("must be a multiple of {multiple_of}"),
        ValidationErrorKind::MinItems { limit } => format!("must have at least {limit} {}", plural(*limit, "item")),
        ValidationErrorKind::MaxItems { limit } => format!("must have at most {limit} {}", plural(*limit, "item")),
        ValidationErrorKind::UniqueItems => "must not repeat an item".to_owned(),
        ValidationErrorKind::MinProperties { limit } => {
            format!("must have at least {limit} {}", plural(*limit, "property"))
        }
        ValidationErrorKind::MaxProperties { limit } => {
            format!("must have at most {limit} {}", plural(*limit, "property"))
        }
        ValidationErrorKind::Required { property } => {
            pointer.push('/');
            pointer.push_str(&escape_token(property.as_str().unwrap_or_default()));
            "is required".to_owned()
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            if let Some(first) = unexpected.first() {
                pointer.push('/');
                pointer.push_str(&escape_token(first));
            }
            "is not allowed here".to_owned()
        }
        ValidationErrorKind::Type { kind } => match kind {
            TypeKind::Single(one) => format!("must be {}", a_json_type(*one)),
            TypeKind::Multiple(several) => {
                let names: Vec<&str> = several.iter().map(a_json_type).collect();
                format!("must be {}", names.join(" or "))
            }
        },
        ValidationErrorKind::Constant { expected_value } => format!("must be {expected_value}"),
        ValidationErrorKind::Enum { options } => match options.as_array() {
            Some(options) if options.len() == 1 => format!("must be {}", options[0]),
            Some(options) => format!("must be one of {}", list(options)),
            None => format!("must be one of {options}"),
        },
        ValidationErrorKind::Pattern { pattern } => format!("must match the pattern `{pattern}`"),
        ValidationErrorKind::Format { format } => format!("must be a valid `{format}`"),
        // `additionalProperties: false` reports the property's value against a false schema.
        ValidationErrorKind::FalseSchema => "is not allowed here".to_owned(),
        ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => {
            "must match one of the shapes the contract allows here".to_owned()
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            "matches more than one of the shapes the contract allows here, and must match exactly one".to_owned()
        }
        _ => error.to_string(),
    };
    (pointer, words)
}

/// Where and what, for a frame serde could not read into the generated type: `pointer` is
/// where serde stopped and `detail` its message, without the line and column.
pub(crate) fn decode_failure(mut pointer: String, detail: &str) -> (String, String) {
    if let Some(field) = between(detail, "missing field `", "`") {
        pointer.push('/');
        pointer.push_str(&escape_token(field));
        return (pointer, "is required".to_owned());
    }
    if let Some(field) = between(detail, "unknown field `", "`") {
        let token = format!("/{}", escape_token(field));
        if !pointer.ends_with(&token) {
            pointer.push_str(&token);
        }
        return (pointer, "is not allowed here".to_owned());
    }
    if let Some(rest) = detail.strip_prefix("unknown variant `") {
        let expected = rest.split_once("expected ").map_or("", |(_, e)| e);
        let options = expected.trim_start_matches("one of ").replace(" or ", ", ");
        let options: Vec<String> = options
            .split(", ")
            .filter_map(|o| o.strip_prefix('`')?.strip_suffix('`').map(|o| format!("{o:?}")))
            .collect();
        let words = match options.as_slice() {
            [] => detail.to_owned(),
            [one] => format!("must be {one}"),
            several => format!("must be one of {}", several.join(", ")),
        };
        return (pointer, words);
    }
    let words = if let Some(rest) = detail.strip_prefix("invalid type: ") {
        rest.split_once(", expected ").map_or_else(|| detail.to_owned(), |(_, expected)| must_be(expected))
    } else if let Some(rest) = detail.strip_prefix("invalid value: ") {
        match rest.split_once(", expected ") {
            Some((_, expected)) if expected.starts_with("a nonzero") => "must be at least 1".to_owned(),
            Some((found, expected)) if integer_type(expected).is_some() => {
                let (min, max) = integer_type(expected).unwrap_or_default();
                if found.contains("`-") { format!("must be at least {min}") } else { format!("must be at most {max}") }
            }
            Some((_, expected)) if expected.starts_with('"') => format!("must be {expected}"),
            _ => detail.to_owned(),
        }
    } else {
        detail.to_owned()
    };
    (pointer, words)
}

/// "must be an integer" for serde's "u64", and so on for what serde expected.
fn must_be(expected: &str) -> String {
    let what = if integer_type(expected).is_some() || expected.starts_with("a nonzero") {
        "an integer"
    } else {
        match expected {
            "f32" | "f64" => "a number",
            "a string" | "a borrowed string" | "a character" => "a string",
            "a boolean" => "a boolean",
            "a sequence" | "a tuple" => "an array",
            "unit" => "null",
            e if e.starts_with("a map") || e.starts_with("struct ") || e.starts_with("a JSON object") => "an object",
            e if e.starts_with("a tuple of size") => "an array",
            e if e.starts_with('"') => return format!("must be {e}"),
            _ => return format!("must be {expected}"),
        }
    };
    format!("must be {what}")
}

/// The bounds of serde's name for an integer type.
fn integer_type(expected: &str) -> Option<(i128, i128)> {
    Some(match expected {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" => (i64::MIN.into(), i64::MAX.into()),
        _ => return None,
    })
}

fn a_json_type(kind: JsonType) -> &'static str {
    match kind {
        JsonType::Array => "an array",
        JsonType::Boolean => "a boolean",
        JsonType::Integer => "an integer",
        JsonType::Null => "null",
        JsonType::Number => "a number",
        JsonType::Object => "an object",
        JsonType::String => "a string",
    }
}

/// A string shorter than `minLength`, in the contract's words (also `BoundedString`'s).
pub(crate) fn too_short(limit: u64) -> String {
    match limit {
        1 => "must not be empty".to_owned(),
        _ => format!("must be at least {limit} {}", plural(limit, "character")),
    }
}

/// A string longer than `maxLength`, in the contract's words (also `BoundedString`'s).
pub(crate) fn too_long(limit: u64) -> String {
    format!("must be at most {limit} {}", plural(limit, "character"))
}

fn plural(count: u64, word: &str) -> String {
    match (count, word) {
        (1, _) => word.to_owned(),
        (_, "property") => "properties".to_owned(),
        _ => format!("{word}s"),
    }
}

fn list(values: &[Value]) -> String {
    values.iter().map(Value::to_string).collect::<Vec<_>>().join(", ")
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(schema: Value, instance: Value) -> (String, String) {
        let validator = jsonschema::draft7::new(&schema).expect("a valid schema");
        let error = validator.validate(&instance).expect_err("an invalid instance");
        schema_violation(&error)
    }

    #[test]
    fn schema_violations_read_as_the_contract_would_say_them() {
        let object = |property: Value| serde_json::json!({"type": "object", "properties": {"a": property}});
        let cases = [
            (object(serde_json::json!({"minLength": 1})), serde_json::json!({"a": ""}), "/a", "must not be empty"),
            (
                object(serde_json::json!({"maxLength": 3})),
                serde_json::json!({"a": "abcd"}),
                "/a",
                "must be at most 3 characters",
            ),
            (object(serde_json::json!({"minimum": 1})), serde_json::json!({"a": 0}), "/a", "must be at least 1"),
            (object(serde_json::json!({"type": "integer"})), serde_json::json!({"a": "x"}), "/a", "must be an integer"),
            (
                object(serde_json::json!({"enum": ["x", "y"]})),
                serde_json::json!({"a": "z"}),
                "/a",
                "must be one of \"x\", \"y\"",
            ),
            (
                serde_json::json!({"type": "object", "required": ["bidder"]}),
                serde_json::json!({}),
                "/bidder",
                "is required",
            ),
            (
                serde_json::json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false}),
                serde_json::json!({"a": 1, "b": 1}),
                "/b",
                "is not allowed here",
            ),
        ];
        for (schema, instance, pointer, words) in cases {
            assert_eq!(violation(schema, instance), (pointer.to_owned(), words.to_owned()));
        }
    }

    #[test]
    fn serde_failures_read_as_the_contract_would_say_them() {
        let cases = [
            ("", "missing field `bidder`", "/bidder", "is required"),
            ("/amount", "invalid value: integer `0`, expected a nonzero u64", "/amount", "must be at least 1"),
            ("/amount", "invalid value: integer `-3`, expected u64", "/amount", "must be at least 0"),
            ("/amount", "invalid type: string \"5\", expected u64", "/amount", "must be an integer"),
            ("/name", "invalid type: integer `5`, expected a string", "/name", "must be a string"),
            ("/action", "invalid value: string \"pong\", expected \"ping\"", "/action", "must be \"ping\""),
            ("/side", "unknown variant `up`, expected `buy` or `sell`", "/side", "must be one of \"buy\", \"sell\""),
            (
                "/side",
                "unknown variant `up`, expected one of `a`, `b`, `c`",
                "/side",
                "must be one of \"a\", \"b\", \"c\"",
            ),
            ("", "unknown field `extra`, expected `a` or `b`", "/extra", "is not allowed here"),
        ];
        for (pointer, detail, at, words) in cases {
            assert_eq!(decode_failure(pointer.to_owned(), detail), (at.to_owned(), words.to_owned()), "{detail}");
        }
    }
}
