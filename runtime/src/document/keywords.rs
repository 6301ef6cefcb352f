//! JSON Schema keywords as bits, so that one pass over a schema's keys ([`keywords`]) answers
//! which it has and most lookups are skipped without hashing: the reconciler runs this for
//! every node of every payload. One table below gives each keyword its bit and says whether
//! it is carried from the contract; the bits, [`CARRIED`] and [`keyword`] all derive from it.

use serde_json::{Map, Value};

use crate::descriptor::Json;

/// Declares the keywords: `NAME = "keyword"`, followed by `carried` for those carried from
/// the contract onto the real type's schema. Each gets the bit of its place in the table.
macro_rules! keyword_table {
    ($($(#[$doc:meta])* $name:ident = $key:literal $($carried:ident)?;)*) => {
        /// The table's places: each keyword's bit is `1 << place`.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms, reason = "named as the keywords' constants")]
        #[repr(u32)]
        enum Place { $($name,)* }

        $(
            $(#[$doc])*
            #[allow(dead_code, reason = "the table names every keyword; only some are looked at by name")]
            pub(super) const $name: u64 = 1 << (Place::$name as u32);
        )*

        /// Keywords a Rust type's schema cannot carry, taken from the contract where the shape
        /// agrees: titles, descriptions, bounds and formats; `type`, because an untagged enum's
        /// schema has none and the contract's says what all its variants share; `enum` and
        /// `const`, for values typify cannot make a Rust enum of (numbers, mixed types), checked
        /// by validation; and what validation against the contract's schema (on by default)
        /// enforces, not the type: `not`, `if`, `then`, `else`.
        pub(super) const CARRIED: u64 = 0 $(| keyword_table!(@carried $name $($carried)?))*;

        /// The bit of a keyword (0 for other keys).
        pub(super) fn keyword(key: &str) -> u64 {
            match key {
                $($key => $name,)*
                _ => 0,
            }
        }

        // Every bit fits in a `u64`.
        const _: () = assert!([$($key),*].len() <= 64);
    };
    (@carried $name:ident carried) => { $name };
    (@carried $name:ident) => { 0 };
}

keyword_table! {
    // Those the reconciler acts on.
    TYPE = "type" carried;
    ONE_OF = "oneOf";
    ANY_OF = "anyOf";
    ALL_OF = "allOf";
    CONST = "const" carried;
    ENUM = "enum" carried;
    PROPERTIES = "properties";
    REF = "$ref";
    DESCRIPTION = "description" carried;
    TITLE = "title" carried;
    FORMAT = "format" carried;
    NOT = "not" carried;
    // Keywords holding one subschema ([`SUBSCHEMAS`], with `not`).
    ITEMS = "items";
    ADDITIONAL_PROPERTIES = "additionalProperties";
    CONTAINS = "contains";
    PROPERTY_NAMES = "propertyNames";
    // Keywords only carried.
    EXAMPLES = "examples" carried;
    DEFAULT = "default" carried;
    DEPRECATED = "deprecated" carried;
    READ_ONLY = "readOnly" carried;
    WRITE_ONLY = "writeOnly" carried;
    MINIMUM = "minimum" carried;
    MAXIMUM = "maximum" carried;
    EXCLUSIVE_MINIMUM = "exclusiveMinimum" carried;
    EXCLUSIVE_MAXIMUM = "exclusiveMaximum" carried;
    MULTIPLE_OF = "multipleOf" carried;
    MIN_LENGTH = "minLength" carried;
    MAX_LENGTH = "maxLength" carried;
    PATTERN = "pattern" carried;
    MIN_ITEMS = "minItems" carried;
    MAX_ITEMS = "maxItems" carried;
    UNIQUE_ITEMS = "uniqueItems" carried;
    MIN_PROPERTIES = "minProperties" carried;
    MAX_PROPERTIES = "maxProperties" carried;
    CONTENT_ENCODING = "contentEncoding" carried;
    CONTENT_MEDIA_TYPE = "contentMediaType" carried;
    DISCRIMINATOR = "discriminator" carried;
    EXTERNAL_DOCS = "externalDocs" carried;
    NULLABLE = "nullable" carried;
    IF = "if" carried;
    THEN = "then" carried;
    ELSE = "else" carried;
    ADDITIONAL_ITEMS = "additionalItems" carried;
    DEPENDENCIES = "dependencies" carried;
    // Said by the contract, enforced by nothing a Rust type has: the singular `example` some
    // tools write, identifiers, and keywords of later drafts that draft-07 ignores.
    EXAMPLE = "example" carried;
    ID = "$id" carried;
    SCHEMA = "$schema" carried;
    COMMENT = "$comment" carried;
    PREFIX_ITEMS = "prefixItems" carried;
    UNEVALUATED_ITEMS = "unevaluatedItems" carried;
    UNEVALUATED_PROPERTIES = "unevaluatedProperties" carried;
    DEPENDENT_SCHEMAS = "dependentSchemas" carried;
    DEPENDENT_REQUIRED = "dependentRequired" carried;
    MIN_CONTAINS = "minContains" carried;
    MAX_CONTAINS = "maxContains" carried;
}

/// The compositions: `oneOf`, `anyOf`, `allOf`.
pub(super) const COMPOSITIONS: u64 = ONE_OF | ANY_OF | ALL_OF;

/// Keywords holding one subschema, reconciled with the contract's.
pub(super) const SUBSCHEMAS: [(u64, &str); 5] = [
    (ITEMS, "items"),
    (ADDITIONAL_PROPERTIES, "additionalProperties"),
    (CONTAINS, "contains"),
    (PROPERTY_NAMES, "propertyNames"),
    (NOT, "not"),
];

/// Which keywords a schema has.
pub(super) fn keywords<'k>(keys: impl Iterator<Item = &'k str>) -> u64 {
    keys.fold(0, |bits, key| bits | keyword(key))
}

/// The keys of a real schema.
pub(super) fn real_keys(schema: &Map<String, Value>) -> impl Iterator<Item = &str> {
    schema.keys().map(String::as_str)
}

/// The keys of a contract schema.
pub(super) fn contract_keys(members: &[(&'static str, Json)]) -> impl Iterator<Item = &'static str> {
    members.iter().map(|(key, _)| *key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_keyword_has_a_bit_of_its_own_and_the_carried_ones_are_carried() {
        let carried = [
            "title",
            "description",
            "examples",
            "default",
            "deprecated",
            "readOnly",
            "writeOnly",
            "format",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "minLength",
            "maxLength",
            "pattern",
            "minItems",
            "maxItems",
            "uniqueItems",
            "minProperties",
            "maxProperties",
            "contentEncoding",
            "contentMediaType",
            "discriminator",
            "externalDocs",
            "nullable",
            "type",
            "enum",
            "const",
            "if",
            "then",
            "else",
            "not",
            "additionalItems",
            "dependencies",
            "example",
            "$id",
            "$schema",
            "$comment",
            "prefixItems",
            "unevaluatedItems",
            "unevaluatedProperties",
            "dependentSchemas",
            "dependentRequired",
            "minContains",
            "maxContains",
        ];
        let structural = [
            "oneOf",
            "anyOf",
            "allOf",
            "properties",
            "$ref",
            "items",
            "additionalProperties",
            "contains",
            "propertyNames",
        ];
        let mut seen = 0;
        for key in carried.iter().chain(&structural) {
            let bit = keyword(key);
            assert_eq!(bit.count_ones(), 1, "{key}");
            assert_eq!(seen & bit, 0, "{key} shares a bit");
            seen |= bit;
            assert_eq!(bit & CARRIED != 0, carried.contains(key), "{key}");
        }
        assert_eq!(keyword("required") | keyword("x-note"), 0);
    }
}
