//! Frames, and turning them into typed messages and back.
//!
//! Generated code implements [`Inbound`] and [`Outbound`] for each channel's message enums.
//! Decoding reads the discriminator first ([`read_tag`]) and then deserializes only the one
//! matching type, so a frame is never buffered into an intermediate value.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

pub use bytes::Bytes;
pub use tokio_tungstenite::tungstenite::Utf8Bytes;

/// A WebSocket data frame, as tidings sees it.
///
/// Both kinds hold reference-counted bytes, the very buffers the socket writes: cloning a
/// frame (a broadcast does, once per member) costs a reference count, not a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A text frame: JSON messages.
    Text(Utf8Bytes),
    /// A binary frame: byte messages.
    Binary(Bytes),
}

impl Frame {
    /// A text frame of `text` (a `String` is taken without a copy).
    pub fn text(text: impl Into<Utf8Bytes>) -> Self {
        Self::Text(text.into())
    }

    /// A binary frame of `bytes` (a `Vec<u8>` is taken without a copy).
    pub fn binary(bytes: impl Into<Bytes>) -> Self {
        Self::Binary(bytes.into())
    }
}

/// Why an incoming frame was not a message of the channel. Each kind has a stable
/// [`code`](DecodeError::code), which the error frame carries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The text is not JSON.
    #[error("the frame is not valid JSON: {detail}")]
    NotJson {
        /// What the JSON parser said.
        detail: String,
    },
    /// A binary frame on a channel that receives no byte message.
    #[error("binary frames are not accepted on this channel")]
    BinaryNotAccepted,
    /// A text frame on a channel that receives only byte messages.
    #[error("text frames are not accepted on this channel")]
    TextNotAccepted,
    /// The frame is JSON but not an object.
    #[error("a message must be a JSON object")]
    NotAnObject,
    /// The discriminator is absent.
    #[error("the message has no `{property}` property")]
    MissingDiscriminator {
        /// The discriminator's name.
        property: &'static str,
    },
    /// The discriminator is not a string.
    #[error("`{property}` must be a string")]
    DiscriminatorNotString {
        /// The discriminator's name.
        property: &'static str,
    },
    /// The discriminator names no message this side receives.
    #[error("`{property}: {value}` is not a message this channel receives; expected one of {}", expected.join(", "))]
    UnknownMessage {
        /// The discriminator's name.
        property: &'static str,
        /// The value found.
        value: String,
        /// The values accepted.
        expected: &'static [&'static str],
    },
    /// On a channel without a discriminator for every message, no message read the frame.
    #[error("the frame is none of the messages this channel receives: {details}")]
    NoMessageMatches {
        /// Why each message did not read it.
        details: String,
    },
    /// The message's type is known but its content does not fit it (or the contract's constraints).
    #[error("invalid `{message}` message{at}: {detail}", at = at_pointer(pointer))]
    Invalid {
        /// The message's key in the channel.
        message: &'static str,
        /// Where in the frame, as a JSON pointer (empty for the whole message).
        pointer: String,
        /// What is wrong.
        detail: String,
    },
}

impl DecodeError {
    /// A stable, machine-readable code for the error frame.
    pub fn code(&self) -> &'static str {
        match self {
            DecodeError::NotJson { .. } => "not_json",
            DecodeError::BinaryNotAccepted => "binary_not_accepted",
            DecodeError::TextNotAccepted => "text_not_accepted",
            DecodeError::NotAnObject => "not_an_object",
            DecodeError::MissingDiscriminator { .. } => "missing_discriminator",
            DecodeError::DiscriminatorNotString { .. } => "discriminator_not_string",
            DecodeError::UnknownMessage { .. } | DecodeError::NoMessageMatches { .. } => "unknown_message",
            DecodeError::Invalid { .. } => "invalid_message",
        }
    }

    /// Where in the frame the problem is, as a JSON pointer.
    pub fn pointer(&self) -> Option<String> {
        match self {
            DecodeError::MissingDiscriminator { .. } | DecodeError::NotAnObject => Some(String::new()),
            DecodeError::DiscriminatorNotString { property } | DecodeError::UnknownMessage { property, .. } => {
                Some(format!("/{}", escape_token(property)))
            }
            DecodeError::Invalid { pointer, .. } => Some(pointer.clone()),
            _ => None,
        }
    }
}

/// A message that could not be encoded (a payload that does not serialize, such as a map
/// with non-string keys).
#[derive(Debug, thiserror::Error)]
#[error("cannot encode `{message}`: {source}")]
pub struct EncodeError {
    /// The message's key.
    pub message: &'static str,
    /// What serde said.
    #[source]
    pub source: serde_json::Error,
}

/// A message enum of a channel: generated, one variant per message of a direction.
pub trait MessageEnum: Send + 'static {
    /// The message's key in the channel's `messages`.
    fn key(&self) -> &'static str;
}

/// Messages that can be read from frames.
pub trait Inbound: MessageEnum + Sized {
    /// Reads a text frame.
    fn decode_text(text: &str) -> Result<Self, DecodeError>;
    /// Reads a binary frame.
    fn decode_binary(bytes: &[u8]) -> Result<Self, DecodeError>;
}

/// Messages that can be written as frames.
pub trait Outbound: MessageEnum {
    /// Writes the frame.
    fn encode(&self) -> Result<Frame, EncodeError>;
}

/// The discriminator of a JSON object frame: the string value of its `property`, read
/// without building the rest of the value. Borrowed unless the string has escapes.
pub fn read_tag<'a>(text: &'a str, property: &'static str) -> Result<Cow<'a, str>, DecodeError> {
    if let Some(tag) = leading_tag(text, property) {
        return Ok(Cow::Borrowed(tag));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let found = TagSeed { property }.deserialize(&mut de).map_err(|e| classify(&e, property))?;
    de.end().map_err(|e| DecodeError::NotJson { detail: e.to_string() })?;
    match found {
        Found::Tag(tag) => Ok(tag),
        Found::Missing => Err(DecodeError::MissingDiscriminator { property }),
    }
}

/// The common shape, read without a parser: the discriminator is the object's first member
/// and neither its name nor its value has an escape (`{"action":"echo",...`). Anything else is
/// left to the full reading. The rest of the frame is checked when its message is decoded.
fn leading_tag<'a>(text: &'a str, property: &str) -> Option<&'a str> {
    // Byte by byte: every delimiter looked for is ASCII, so the slice taken is on character
    // boundaries (this runs for every frame).
    let bytes = text.as_bytes();
    let at = match canonical_opening(bytes, property) {
        Some(at) => at,
        None => {
            let at = past(bytes, 0, b'{')?;
            let at = past(bytes, at, b'"')?;
            let at = at + property.len();
            if bytes.get(at - property.len()..at)? != property.as_bytes() || bytes.get(at) != Some(&b'"') {
                return None;
            }
            let at = past(bytes, at + 1, b':')?;
            past(bytes, at, b'"')?
        }
    };
    // An escape is left to the parser, and so is a control character (not allowed in a JSON
    // string: the parser says so).
    let end = crate::json::first_escape(&bytes[at..])?;
    (bytes[at + end] == b'"').then(|| &text[at..at + end])
}

/// Where the discriminator's value starts in a frame that opens as serializers write it,
/// `{"property":"`, without whitespace: three comparisons of whole slices.
fn canonical_opening(bytes: &[u8], property: &str) -> Option<usize> {
    let name = bytes.strip_prefix(b"{\"")?;
    let rest = name.strip_prefix(property.as_bytes())?;
    rest.starts_with(b"\":\"").then_some(property.len() + 5)
}

/// Where `bytes` go on after `byte`, found at `at` after JSON whitespace.
fn past(bytes: &[u8], mut at: usize, byte: u8) -> Option<usize> {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    (bytes.get(at) == Some(&byte)).then_some(at + 1)
}

fn classify(error: &serde_json::Error, property: &'static str) -> DecodeError {
    let text = error.to_string();
    if text.starts_with(NOT_AN_OBJECT) {
        DecodeError::NotAnObject
    } else if text.starts_with(NOT_A_STRING) {
        DecodeError::DiscriminatorNotString { property }
    } else {
        DecodeError::NotJson { detail: text }
    }
}

const NOT_AN_OBJECT: &str = "tidings: not an object";
const NOT_A_STRING: &str = "tidings: discriminator is not a string";

enum Found<'a> {
    Tag(Cow<'a, str>),
    Missing,
}

struct TagSeed {
    property: &'static str,
}

impl<'de> DeserializeSeed<'de> for TagSeed {
    type Value = Found<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TagSeed {
    type Value = Found<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = Found::Missing;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == self.property && matches!(found, Found::Missing) {
                found = match map.next_value::<TagValue<'de>>()? {
                    TagValue::Str(s) => Found::Tag(s),
                    TagValue::Other => return Err(de::Error::custom(NOT_A_STRING)),
                };
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Err(de::Error::custom(NOT_AN_OBJECT))
    }
}

/// The discriminator's value: a string (borrowed when it has no escapes), or anything else.
enum TagValue<'a> {
    Str(Cow<'a, str>),
    Other,
}

impl<'de> de::Deserialize<'de> for TagValue<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TagValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(TagValue::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TagValue::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(TagValue::Str(Cow::Owned(v)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(TagValue::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(TagValue::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(TagValue::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(TagValue::Other)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(TagValue::Other)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(TagValue::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(TagValue::Other)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Deserializes the payload of message `key`, reporting where in the frame it failed.
pub fn decode_json<T: DeserializeOwned>(text: &str, key: &'static str) -> Result<T, DecodeError> {
    // Frames are nearly always valid: decode them straight, and only for a frame that fails
    // decode again, tracking the path, to say where.
    if let Ok(value) = serde_json::from_str(text) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let pointer = path_to_pointer(e.path());
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            DecodeError::NotJson { detail: inner.to_string() }
        } else {
            let (pointer, detail) = crate::wording::decode_failure(pointer, &strip_position(&inner.to_string()));
            DecodeError::Invalid { message: key, pointer, detail }
        }
    })?;
    de.end().map_err(|e| DecodeError::NotJson { detail: e.to_string() })?;
    Ok(value)
}

/// A text frame with the JSON of `value`.
pub fn encode_json<T: serde::Serialize>(value: &T, key: &'static str) -> Result<Frame, EncodeError> {
    crate::json::to_string(value).map(Frame::text).map_err(|source| EncodeError { message: key, source })
}

pub(crate) fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                out.push('/');
                out.push_str(&index.to_string());
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push('/');
                out.push_str(&escape_token(key));
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// serde_json ends messages with ` at line L column C`, which means nothing to a peer that
/// sent one line of JSON; the pointer says where instead.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// ` at `/pointer`` for a place inside the frame; nothing for the whole frame.
fn at_pointer(pointer: &str) -> String {
    if pointer.is_empty() { String::new() } else { format!(" at `{pointer}`") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_tag_without_the_rest() {
        assert_eq!(read_tag(r#"{"text": [1, {"a": 2}], "action": "say"}"#, "action").as_deref(), Ok("say"));
        assert_eq!(read_tag(r#"{"action": "s\u0061y"}"#, "action").as_deref(), Ok("say"));
        assert_eq!(
            read_tag(r#"{"text": "x"}"#, "action"),
            Err(DecodeError::MissingDiscriminator { property: "action" })
        );
        assert_eq!(
            read_tag(r#"{"action": 3}"#, "action"),
            Err(DecodeError::DiscriminatorNotString { property: "action" })
        );
        assert_eq!(read_tag("[1, 2]", "action"), Err(DecodeError::NotAnObject));
        assert_eq!(read_tag("\"x\"", "action"), Err(DecodeError::NotAnObject));
        assert!(matches!(read_tag("{\"action\": ", "action"), Err(DecodeError::NotJson { .. })));
        assert!(matches!(read_tag("{} trailing", "action"), Err(DecodeError::NotJson { .. })));
    }

    #[test]
    fn a_leading_tag_is_read_without_a_parser_and_anything_unusual_with_one() {
        assert_eq!(leading_tag(r#" { "action" : "say", "text": 1}"#, "action"), Some("say"));
        assert_eq!(leading_tag(r#"{"action":"say"}"#, "action"), Some("say"));
        // Not first, escaped, a longer name, not a string, a raw control character.
        assert_eq!(leading_tag(r#"{"text": 1, "action": "say"}"#, "action"), None);
        assert_eq!(leading_tag(r#"{"action": "s\u0061y"}"#, "action"), None);
        assert_eq!(leading_tag(r#"{"actions": "say"}"#, "action"), None);
        assert_eq!(leading_tag(r#"{"action": 3}"#, "action"), None);
        assert_eq!(leading_tag("{\"action\": \"s\ty\"}", "action"), None);
        assert!(matches!(read_tag("{\"action\": \"s\ty\"}", "action"), Err(DecodeError::NotJson { .. })));
        // Characters past ASCII are kept whole; a frame cut short is left to the parser.
        assert_eq!(leading_tag(r#"{"action":"grüß","n":1}"#, "action"), Some("grüß"));
        assert_eq!(leading_tag(r#"{"action":"say"#, "action"), None);
        assert_eq!(leading_tag(r#"{"act"#, "action"), None);
        assert_eq!(leading_tag("", "action"), None);
        // The same without whitespace, the serializers' form, read by whole-slice comparisons.
        assert_eq!(leading_tag(r#"{"action":"s\u0061y"}"#, "action"), None);
        assert_eq!(leading_tag(r#"{"actions":"say"}"#, "action"), None);
        assert_eq!(leading_tag(r#"{"action":3}"#, "action"), None);
        assert_eq!(leading_tag("{\"action\":\"s\ty\"}", "action"), None);
        assert_eq!(leading_tag(r#"{"action":""}"#, "action"), Some(""));
        // Tags longer than a word: the end and an escape found past the first eight bytes.
        assert_eq!(leading_tag(r#"{"action":"a_rather_long_tag","n":1}"#, "action"), Some("a_rather_long_tag"));
        assert_eq!(leading_tag(r#"{"action":"a_rather_long_t\u0061g"}"#, "action"), None);
        assert_eq!(leading_tag(r#"{"action":"#, "action"), None);
        // Each of those gives the same answer through the full reading.
        assert_eq!(read_tag(r#"{"actions": "say", "action": "ask"}"#, "action").as_deref(), Ok("ask"));
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code, reason = "read only through Debug in assertions")]
    struct Say {
        text: String,
        user: User,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code, reason = "read only through Debug in assertions")]
    struct User {
        id: u32,
    }

    #[test]
    fn decoding_errors_point_into_the_frame() {
        let err = decode_json::<Say>(r#"{"text": "hi", "user": {"id": "seven"}}"#, "say").expect_err("bad id");
        assert_eq!(err.pointer().as_deref(), Some("/user/id"));
        assert_eq!(err.code(), "invalid_message");
        assert_eq!(err.to_string(), "invalid `say` message at `/user/id`: must be an integer");
        let err = decode_json::<Say>(r#"{"user": {"id": 1}}"#, "say").expect_err("no text");
        assert_eq!(err.pointer().as_deref(), Some("/text"));
        assert_eq!(err.to_string(), "invalid `say` message at `/text`: is required");
    }
}
