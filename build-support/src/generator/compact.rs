//! The types generation writes itself rather than through typify, and the rewriting of
//! integer schemas before typify reads them: what makes a contract's fields agree with each
//! other (`docs/TYPES.md`) and keeps large contracts fast to generate and compile.

use serde_json::Value;
use tidings_asyncapi::pointer::member;

use super::names::{Case, ident_text};
use super::source::Source;

/// A small type every contract has many of, written as one call of a runtime macro with
/// the API typify would give it, instead of typify's hundred-odd lines: generating and
/// compiling a large contract stays fast.
#[derive(Debug, Clone)]
pub(crate) enum Compact {
    /// A string `const` (or one-value `enum`), such as a discriminator: a one-variant enum.
    Tag { value: String, variant: String },
    /// A string with length bounds and nothing else: an alias of the runtime's
    /// `BoundedString<MIN, MAX>`, so fields with equal bounds share one type.
    Bounded { min: Option<u64>, max: Option<u64>, description: Option<String> },
}

impl Compact {
    /// The compact form of a property's schema, when it has one.
    pub(super) fn of(schema: &Value) -> Option<Self> {
        let map = schema.as_object()?;
        let annotation = |k: &str| matches!(k, "description" | "title" | "examples");
        let string_typed = member(map, "type").is_none_or(|t| t == "string");
        let tag = match (member(map, "const"), member(map, "enum")) {
            (Some(Value::String(value)), None) => Some(value.clone()),
            (None, Some(Value::Array(values))) if values.len() == 1 => values[0].as_str().map(str::to_owned),
            _ => None,
        };
        if let Some(value) = tag {
            let variant = ident_text(&value, Case::Type);
            let only = map.keys().all(|k| matches!(k.as_str(), "const" | "enum" | "type") || annotation(k));
            return (only && string_typed && !value.is_empty() && !variant.starts_with("r#"))
                .then_some(Self::Tag { value, variant });
        }
        let min = member(map, "minLength").and_then(Value::as_u64);
        let max = member(map, "maxLength").and_then(Value::as_u64);
        let only = map.keys().all(|k| matches!(k.as_str(), "type" | "minLength" | "maxLength") || annotation(k));
        (member(map, "type").is_some_and(|t| t == "string") && only && (min.is_some() || max.is_some())).then(|| {
            let description = member(map, "description").or_else(|| member(map, "title")).and_then(Value::as_str);
            Self::Bounded { min, max, description: description.map(str::to_owned) }
        })
    }

    /// The item that defines type `name`, as text: a macro call or a type alias.
    pub(super) fn text(&self, name: &str) -> String {
        let mut out = Source::with_capacity(256);
        match self {
            Self::Tag { value, variant } => {
                out.raw("::tidings::__private::tag!(#[doc = ").str(&format!(" Always `{value:?}`."));
                out.raw("] ").raw(name).raw(", ").raw(variant).raw(" = ").str(value).raw(");\n");
            }
            Self::Bounded { min, max, description } => {
                let bound = |b: Option<u64>, none: usize| b.and_then(|b| usize::try_from(b).ok()).unwrap_or(none);
                let (low, high) = (bound(*min, 0), bound(*max, usize::MAX));
                let high = if high == usize::MAX { "{ usize::MAX }".to_owned() } else { high.to_string() };
                let doc = match (min, max) {
                    (Some(min), Some(max)) => format!("A string of {min} to {max} characters."),
                    (Some(min), None) => format!("A string of at least {min} characters."),
                    (None, _) => format!("A string of at most {} characters.", max.unwrap_or_default()),
                };
                // The description's lines (a block scalar's final line break is not one),
                // a blank line, then the bounds.
                let doc = match description {
                    Some(description) => {
                        let lines: Vec<&str> = description.lines().chain(["", doc.as_str()]).collect();
                        lines.join("\n")
                    }
                    None => doc,
                };
                out.doc("", &doc).raw("pub type ").raw(name).raw(" = ::tidings::bounded::BoundedString<");
                out.raw(&low.to_string()).raw(", ").raw(&high).raw(">;\n");
            }
        }
        out.into_string()
    }
}

/// Gives an integer schema the Rust type of the one rule in the docs' type table: unsigned
/// when the contract rules out negative values (`minimum` of 0 or more, `exclusiveMinimum`
/// of -1 or more, or a `uint` format) and `NonZero` when it rules out zero too, signed
/// otherwise; as wide as its `format` says (8, 16, 32 bits; `int` and `uint` are 32), 64
/// bits without one. typify alone picks by the exact bounds (`minimum: 1` a `NonZeroU64`,
/// `minimum: 0` a `u64`, but `minimum: 2` or `minimum: 0, maximum: 100` an `i64`), so that
/// the fields of one contract disagree. The bounds a type does not carry, and the range of
/// the format (a `u32` for `format: int32, minimum: 0` holds more than `int32`), are checked
/// by validation, which holds integers to their format's range.
pub(super) fn integer_by_one_rule(map: &mut serde_json::Map<String, Value>) {
    let integer = match member(map, "type") {
        Some(Value::String(t)) => t == "integer",
        Some(Value::Array(types)) => {
            types.iter().any(|t| t == "integer") && types.iter().all(|t| t == "integer" || t == "null")
        }
        _ => false,
    };
    if !integer || map.contains_key("enum") {
        return;
    }
    let format = member(map, "format").and_then(Value::as_str).unwrap_or_default();
    let lower = |at_least: f64| {
        member(map, "minimum").and_then(Value::as_f64).is_some_and(|m| m >= at_least)
            || member(map, "exclusiveMinimum").and_then(Value::as_f64).is_some_and(|m| m >= at_least - 1.0)
    };
    let (non_negative, positive) = (format.starts_with("uint") || lower(0.0), lower(1.0));
    let bits = match format {
        "int8" | "uint8" => 8,
        "int16" | "uint16" => 16,
        "int" | "uint" | "int32" | "uint32" => 32,
        _ => 64,
    };
    let chosen = format!("{}{bits}", if non_negative { "uint" } else { "int" });
    // A plain integer is an `i64` to typify already; a format it was not given would rename
    // the variants it makes of it (`Int64` for `Integer`).
    if !(format.is_empty() && chosen == "int64") {
        map.insert("format".into(), Value::String(chosen));
    }
    for bound in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"] {
        map.remove(bound);
    }
    if positive {
        // What typify reads as "a `NonZero` type".
        map.insert("minimum".into(), Value::from(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_strings_are_documented_by_their_description_then_their_bounds() {
        // A block scalar's description ends with a line break, which adds no line.
        let described =
            |description: &str| Compact::Bounded { min: None, max: Some(3), description: Some(description.to_owned()) };
        let expected = "/// Day, short.\n///\n/// A string of at most 3 characters.\n\
                        pub type Day = ::tidings::bounded::BoundedString<0, 3>;\n";
        assert_eq!(described("Day, short.\n").text("Day"), expected);
        assert_eq!(described("Day, short.").text("Day"), expected);
        let bare = Compact::Bounded { min: Some(1), max: None, description: None };
        assert_eq!(
            bare.text("Name"),
            "/// A string of at least 1 characters.\n\
             pub type Name = ::tidings::bounded::BoundedString<1, { usize::MAX }>;\n"
        );
    }

    #[test]
    fn tags_are_one_macro_call() {
        let tag = Compact::Tag { value: "chat".to_owned(), variant: "Chat".to_owned() };
        let expected = r#"::tidings::__private::tag!(#[doc = " Always `\"chat\"`."] ChatAction, Chat = "chat");"#;
        assert_eq!(tag.text("ChatAction"), format!("{expected}\n"));
    }
}
