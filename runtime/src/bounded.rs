//! Strings with length bounds, as contracts declare them with `minLength` and `maxLength`.
//!
//! Every such schema with nothing else to say (no `pattern`, no `format`) becomes one
//! [`BoundedString`] whose bounds are its type parameters. Generated code names it through
//! an alias per field (`PriceUpdateLeader = BoundedString<1, 40>`), so two fields with the
//! same bounds have the same type: a value moves from one to the other without a conversion
//! and without being checked again. Different bounds are different types, converted with
//! [`BoundedString::convert`], which checks only what the target adds.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

/// A string of `MIN` to `MAX` characters (Unicode scalar values, as JSON Schema counts
/// them). `MIN = 0` means no lower bound and `MAX = usize::MAX` no upper bound.
///
/// Built by [`str::parse`], [`TryFrom`] or deserialization, each of which checks the bounds;
/// read through [`Deref`] to `str`, or taken apart with [`BoundedString::into_string`].
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BoundedString<const MIN: usize, const MAX: usize>(String);

/// A string outside its bounds, said as the contract would: "must be at most 40 characters".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LengthError {
    min: usize,
    max: usize,
    found: usize,
}

impl LengthError {
    /// How many characters the rejected string has.
    #[must_use]
    pub fn found(&self) -> usize {
        self.found
    }
}

impl fmt::Display for LengthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The same words as a frame that breaks `minLength` or `maxLength` on the wire.
        let limit = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        f.write_str(&if self.found > self.max {
            crate::wording::too_long(limit(self.max))
        } else {
            crate::wording::too_short(limit(self.min))
        })
    }
}

impl std::error::Error for LengthError {}

impl<const MIN: usize, const MAX: usize> BoundedString<MIN, MAX> {
    /// Checks `value` against the bounds.
    ///
    /// # Errors
    /// A [`LengthError`] when it is shorter than `MIN` or longer than `MAX` characters.
    pub fn new(value: impl Into<String>) -> Result<Self, LengthError> {
        let value = value.into();
        check(&value, MIN, MAX)?;
        Ok(Self(value))
    }

    /// The string, as a `&str`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The string, no longer bounded.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }

    /// The same string with other bounds, checked only where they are narrower than these.
    ///
    /// # Errors
    /// A [`LengthError`] when the string does not fit the new bounds.
    pub fn convert<const MIN2: usize, const MAX2: usize>(self) -> Result<BoundedString<MIN2, MAX2>, LengthError> {
        if MIN2 > MIN || MAX2 < MAX {
            check(&self.0, MIN2, MAX2)?;
        }
        Ok(BoundedString(self.0))
    }

    /// An empty value whatever the bounds, for a correlation id the runtime fills in before
    /// the message is sent.
    #[doc(hidden)]
    #[must_use]
    pub fn __unfilled() -> Self {
        Self(String::new())
    }
}

fn check(value: &str, min: usize, max: usize) -> Result<(), LengthError> {
    // A character is one to four bytes: most strings are inside the bounds by their byte
    // length alone, and are not counted (this runs for every bounded field of every frame).
    let bytes = value.len();
    if bytes <= max && bytes.div_ceil(4) >= min {
        return Ok(());
    }
    let found = value.chars().count();
    if found < min || found > max { Err(LengthError { min, max, found }) } else { Ok(()) }
}

impl<const MIN: usize, const MAX: usize> Deref for BoundedString<MIN, MAX> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const MIN: usize, const MAX: usize> AsRef<str> for BoundedString<MIN, MAX> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<const MIN: usize, const MAX: usize> Borrow<str> for BoundedString<MIN, MAX> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl<const MIN: usize, const MAX: usize> PartialEq<str> for BoundedString<MIN, MAX> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl<const MIN: usize, const MAX: usize> PartialEq<&str> for BoundedString<MIN, MAX> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl<const MIN: usize, const MAX: usize> fmt::Debug for BoundedString<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const MIN: usize, const MAX: usize> fmt::Display for BoundedString<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MIN: usize, const MAX: usize> From<BoundedString<MIN, MAX>> for String {
    fn from(value: BoundedString<MIN, MAX>) -> Self {
        value.0
    }
}

impl<const MIN: usize, const MAX: usize> FromStr for BoundedString<MIN, MAX> {
    type Err = LengthError;
    fn from_str(value: &str) -> Result<Self, LengthError> {
        check(value, MIN, MAX)?;
        Ok(Self(value.to_owned()))
    }
}

impl<const MIN: usize, const MAX: usize> TryFrom<&str> for BoundedString<MIN, MAX> {
    type Error = LengthError;
    fn try_from(value: &str) -> Result<Self, LengthError> {
        value.parse()
    }
}

impl<const MIN: usize, const MAX: usize> TryFrom<String> for BoundedString<MIN, MAX> {
    type Error = LengthError;
    fn try_from(value: String) -> Result<Self, LengthError> {
        Self::new(value)
    }
}

impl<const MIN: usize, const MAX: usize> serde::Serialize for BoundedString<MIN, MAX> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de, const MIN: usize, const MAX: usize> serde::Deserialize<'de> for BoundedString<MIN, MAX> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        // The error frame's pointer names the field; the message says what is wrong with it.
        Self::new(value).map_err(serde::de::Error::custom)
    }
}

impl<const MIN: usize, const MAX: usize> schemars::JsonSchema for BoundedString<MIN, MAX> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("BoundedString_{MIN}_{MAX}").into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = schemars::json_schema!({ "type": "string" });
        if MIN > 0 {
            schema.insert("minLength".into(), MIN.into());
        }
        if MAX < usize::MAX {
            schema.insert("maxLength".into(), MAX.into());
        }
        schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Name = BoundedString<1, 4>;

    #[test]
    fn bounds_are_counted_in_characters_and_said_in_the_contracts_words() {
        assert_eq!("żółw".parse::<Name>().expect("within bounds").as_str(), "żółw");
        assert_eq!("".parse::<Name>().expect_err("out of bounds").to_string(), "must not be empty");
        assert_eq!("abcde".parse::<Name>().expect_err("out of bounds").to_string(), "must be at most 4 characters");
        let err = "a".parse::<BoundedString<2, { usize::MAX }>>().expect_err("out of bounds");
        assert_eq!(err.to_string(), "must be at least 2 characters");
        assert_eq!(
            "x".repeat(100_000).parse::<BoundedString<0, { usize::MAX }>>().expect("within bounds").len(),
            100_000
        );
        // Bytes and characters differ: four two-byte characters fit in four, five do not.
        assert!("éééé".parse::<Name>().is_ok());
        let five = "ééééé".parse::<Name>().expect_err("five characters");
        assert_eq!((five.to_string().as_str(), five.found()), ("must be at most 4 characters", 5));
        assert!("é".parse::<BoundedString<2, 4>>().is_err(), "one two-byte character is short of 2");
        assert!("éé".parse::<BoundedString<2, 4>>().is_ok());
    }

    #[test]
    fn deserializing_checks_the_bounds_and_serializing_writes_a_plain_string() {
        let name: Name = serde_json::from_str("\"ab\"").expect("within bounds");
        assert_eq!(serde_json::to_string(&name).expect("within bounds"), "\"ab\"");
        let err = serde_json::from_str::<Name>("\"abcdef\"").expect_err("out of bounds");
        assert!(err.to_string().starts_with("must be at most 4 characters"), "{err}");
    }

    #[test]
    fn converting_checks_only_what_the_target_narrows() {
        let wide: BoundedString<0, 10> = "abcdefgh".parse().expect("within bounds");
        assert_eq!(wide.clone().convert::<0, 20>().expect("within bounds"), "abcdefgh");
        assert_eq!(wide.convert::<1, 4>().expect_err("out of bounds").to_string(), "must be at most 4 characters");
    }
}
