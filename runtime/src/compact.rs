//! The compact form of a small type every contract has many of: a discriminator's one value
//! (`"action": "chat"`). `tidings-build` writes one macro call for each instead of the
//! hundred-odd lines typify would, with the same API: generating and compiling a large
//! contract stays fast. (Length-bounded strings, the other such type, are one generic type:
//! [`crate::bounded::BoundedString`].)

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

#[cfg(test)]
#[allow(unreachable_pub, reason = "the macros make public types, as in generated modules")]
mod tests {
    crate::__tag!(
        /// The tag.
        Kind, Chat = "chat"
    );
    #[test]
    fn tags_read_and_write_their_one_value() {
        assert_eq!(serde_json::to_string(&Kind::Chat).ok().as_deref(), Some("\"chat\""));
        assert!(serde_json::from_str::<Kind>("\"chat\"").is_ok());
        let error = serde_json::from_str::<Kind>("\"ping\"").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("\"chat\""), "{error}");
        assert_eq!("chat".parse::<Kind>().ok(), Some(Kind::Chat));
        assert_eq!(schemars::schema_for!(Kind).get("const"), Some(&serde_json::json!("chat")));
    }
}
