//! Compact forms of the small types every contract has many of: a discriminator's one value
//! (`"action": "chat"`) and a length-bounded string. `tidings-build` writes one macro call
//! for each instead of the hundred-odd lines typify would, with the same API: generating and
//! compiling a large contract stays fast.

use std::fmt;

/// Why a value does not fit its generated type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionError(std::borrow::Cow<'static, str>);

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConversionError {}

impl From<&'static str> for ConversionError {
    fn from(text: &'static str) -> Self {
        Self(text.into())
    }
}

impl From<String> for ConversionError {
    fn from(text: String) -> Self {
        Self(text.into())
    }
}

/// Checks a string against `minLength` and `maxLength`, counted in characters, and says
/// what is wrong in the contract's words.
pub fn check_length(value: &str, min: Option<usize>, max: Option<usize>) -> Result<(), ConversionError> {
    let count = value.chars().count();
    if let Some(max) = max
        && count > max
    {
        return Err(format!("must be at most {max} {}", characters(max)).into());
    }
    if let Some(min) = min
        && count < min
    {
        return Err(match min {
            1 => "must not be empty".into(),
            _ => format!("must be at least {min} {}", characters(min)).into(),
        });
    }
    Ok(())
}

/// [`check_length`], for a value converted in code: the error names the field it was for.
pub fn check_field_length(
    field: &'static str,
    value: &str,
    min: Option<usize>,
    max: Option<usize>,
) -> Result<(), ConversionError> {
    check_length(value, min, max).map_err(|e| ConversionError(format!("`{field}` {}", e.0).into()))
}

fn characters(count: usize) -> &'static str {
    if count == 1 { "character" } else { "characters" }
}

/// Reads a string that must be `expected`.
pub fn deserialize_tag<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
    expected: &'static str,
) -> Result<(), D::Error> {
    struct Tag(&'static str);
    impl serde::de::Visitor<'_> for Tag {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "\"{}\"", self.0)
        }
        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<(), E> {
            if value == self.0 { Ok(()) } else { Err(E::invalid_value(serde::de::Unexpected::Str(value), &self)) }
        }
    }
    deserializer.deserialize_str(Tag(expected))
}

/// A one-variant enum for a string `const`: `tag!(ChatAction, Chat = "chat")`.
#[doc(hidden)]
#[macro_export]
macro_rules! __tag {
    ($(#[$meta:meta])* $name:ident, $variant:ident = $value:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
        pub enum $name {
            #[doc = concat!("`", $value, "`")]
            $variant,
        }
        impl ::std::default::Default for $name {
            fn default() -> Self {
                Self::$variant
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($value)
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = $crate::__private::ConversionError;
            fn from_str(value: &str) -> ::std::result::Result<Self, $crate::__private::ConversionError> {
                if value == $value { Ok(Self::$variant) } else { Err("invalid value".into()) }
            }
        }
        impl ::std::convert::TryFrom<&str> for $name {
            type Error = $crate::__private::ConversionError;
            fn try_from(value: &str) -> ::std::result::Result<Self, $crate::__private::ConversionError> {
                value.parse()
            }
        }
        impl ::std::convert::TryFrom<::std::string::String> for $name {
            type Error = $crate::__private::ConversionError;
            fn try_from(value: ::std::string::String) -> ::std::result::Result<Self, $crate::__private::ConversionError> {
                value.parse()
            }
        }
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str($value)
            }
        }
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                $crate::__private::deserialize_tag(deserializer, $value).map(|()| Self::$variant)
            }
        }
        impl $crate::__private::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn inline_schema() -> bool {
                true
            }
            fn json_schema(_: &mut $crate::__private::schemars::SchemaGenerator) -> $crate::__private::schemars::Schema {
                $crate::__private::schemars::json_schema!({ "type": "string", "const": $value })
            }
        }
    };
}

/// A string newtype with length bounds: `bounded_string!(Name, field = "name", min = Some(2), max = Some(32))`;
/// `field` names the property in errors from conversions in code.
#[doc(hidden)]
#[macro_export]
macro_rules! __bounded_string {
    ($(#[$meta:meta])* $name:ident, field = $field:literal, min = $min:expr, max = $max:expr) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
        pub struct $name(::std::string::String);
        impl ::std::ops::Deref for $name {
            type Target = ::std::string::String;
            fn deref(&self) -> &::std::string::String {
                &self.0
            }
        }
        impl ::std::convert::From<$name> for ::std::string::String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl $name {
            /// An empty value, for a correlation id the runtime fills in before it is sent.
            #[doc(hidden)]
            #[must_use]
            pub fn __unfilled() -> Self {
                Self(::std::string::String::new())
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = $crate::__private::ConversionError;
            fn from_str(value: &str) -> ::std::result::Result<Self, $crate::__private::ConversionError> {
                $crate::__private::check_field_length($field, value, $min, $max)?;
                Ok(Self(value.to_owned()))
            }
        }
        impl ::std::convert::TryFrom<&str> for $name {
            type Error = $crate::__private::ConversionError;
            fn try_from(value: &str) -> ::std::result::Result<Self, $crate::__private::ConversionError> {
                value.parse()
            }
        }
        impl ::std::convert::TryFrom<::std::string::String> for $name {
            type Error = $crate::__private::ConversionError;
            fn try_from(value: ::std::string::String) -> ::std::result::Result<Self, $crate::__private::ConversionError> {
                $crate::__private::check_field_length($field, &value, $min, $max)?;
                Ok(Self(value))
            }
        }
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::string::String as $crate::__private::serde::Deserialize>::deserialize(deserializer)?;
                // On the wire the error frame's pointer names the field.
                $crate::__private::check_length(&value, $min, $max)
                    .map_err(<D::Error as $crate::__private::serde::de::Error>::custom)?;
                Ok(Self(value))
            }
        }
        impl $crate::__private::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn inline_schema() -> bool {
                true
            }
            fn json_schema(_: &mut $crate::__private::schemars::SchemaGenerator) -> $crate::__private::schemars::Schema {
                let mut schema = $crate::__private::schemars::json_schema!({ "type": "string" });
                let bounds: [(&str, ::std::option::Option<usize>); 2] = [("minLength", $min), ("maxLength", $max)];
                for (keyword, bound) in bounds {
                    if let ::std::option::Option::Some(bound) = bound {
                        schema.insert(keyword.into(), bound.into());
                    }
                }
                schema
            }
        }
    };
}

#[cfg(test)]
#[allow(unreachable_pub, reason = "the macros make public types, as in generated modules")]
mod tests {
    crate::__tag!(
        /// The tag.
        Kind, Chat = "chat"
    );
    crate::__bounded_string!(
        /// A name.
        Name, field = "name", min = Some(2), max = Some(4)
    );

    #[test]
    fn tags_read_and_write_their_one_value() {
        assert_eq!(serde_json::to_string(&Kind::Chat).ok().as_deref(), Some("\"chat\""));
        assert!(serde_json::from_str::<Kind>("\"chat\"").is_ok());
        let error = serde_json::from_str::<Kind>("\"ping\"").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("\"chat\""), "{error}");
        assert_eq!("chat".parse::<Kind>().ok(), Some(Kind::Chat));
    }

    #[test]
    fn bounded_strings_check_their_lengths_in_characters() {
        assert!(serde_json::from_str::<Name>("\"éé\"").is_ok());
        let short = serde_json::from_str::<Name>("\"a\"").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(short.starts_with("must be at least 2 characters"), "{short}");
        assert_eq!(
            "abcde".parse::<Name>().err().map(|e| e.to_string()).as_deref(),
            Some("`name` must be at most 4 characters")
        );
        let schema = schemars::schema_for!(Name);
        assert_eq!(schema.get("maxLength"), Some(&serde_json::json!(4)));
        assert_eq!(schemars::schema_for!(Kind).get("const"), Some(&serde_json::json!("chat")));
    }
}
