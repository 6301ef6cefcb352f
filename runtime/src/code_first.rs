//! Code first: channels declared in Rust rather than in a contract. `#[derive(Message)]`
//! makes a struct a message ([`Message`]), `#[derive(Params)]` a struct of address
//! parameters, and `#[channel]` on an `impl` block makes its type a channel: the same
//! [`ChannelSpec`](crate::ChannelSpec), [`Handler`](crate::channel::Handler) and
//! [`ChannelDescriptor`](crate::descriptor::ChannelDescriptor) that `tidings-build` generates
//! from a contract, so that the one runtime serves, validates, documents and calls both. See
//! `docs/CODE-FIRST.md` for the attributes.
//!
//! A message travels as its struct's JSON object with the discriminator first:
//! `#[message(tag = "chat")] struct Chat { text: String }` is `{"action":"chat","text":"hi"}`
//! on the wire. The struct does not hold the discriminator: the codec writes it and skips it,
//! and the payload schema of the document adds it.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::codec::{DecodeError, EncodeError, Frame, decode_json};
use crate::contract::ParamError;
use crate::descriptor::{MessageDescriptor, PayloadSchema};

/// A message a code-first channel receives or sends: derived with `#[derive(tidings::Message)]`
/// and `#[message(tag = "...")]` on a struct that also derives `Serialize`, `Deserialize` and
/// `JsonSchema` and `Debug`.
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// /// Say something in the room.
/// #[derive(Debug, Serialize, Deserialize, schemars::JsonSchema, tidings::Message)]
/// #[message(tag = "chat")]
/// struct Chat {
///     text: String,
/// }
///
/// use tidings::Message;
/// assert_eq!((Chat::DISCRIMINATOR, Chat::TAG), ("action", "chat"));
/// assert_eq!(Chat::DESCRIPTOR.description, Some("Say something in the room."));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a message",
    label = "not a message",
    note = "derive `tidings::Message` for it, with its tag: `#[message(tag = \"...\")]`"
)]
pub trait Message:
    serde::Serialize + serde::de::DeserializeOwned + schemars::JsonSchema + fmt::Debug + Send + Sync + 'static
{
    /// The property whose value tells the messages of a channel apart (`action` unless
    /// `#[message(discriminator = "...")]` says otherwise).
    const DISCRIMINATOR: &'static str;
    /// This message's value of the discriminator.
    const TAG: &'static str;
    /// The message as the application's document describes it.
    const DESCRIPTOR: MessageDescriptor;
}

/// Reads a text frame as message `T`: the struct's fields, the discriminator skipped.
#[doc(hidden)]
pub fn decode_tagged<T: Message>(text: &str) -> Result<T, DecodeError> {
    decode_json::<Untagged<T>>(text, T::TAG).map(|message| message.0)
}

/// Writes message `T` as a text frame: the discriminator first, then the struct's fields.
#[doc(hidden)]
pub fn encode_tagged<T: Message>(message: &T) -> Result<Frame, EncodeError> {
    let failed = |source| EncodeError { message: T::TAG, source };
    // serde_json's own starting size, which holds most messages without growing.
    let mut out = String::with_capacity(128);
    out.push('{');
    crate::json::append_str(&mut out, T::DISCRIMINATOR);
    out.push(':');
    crate::json::append_str(&mut out, T::TAG);
    let fields = out.len();
    crate::json::append(&mut out, message).map_err(failed)?;
    match &out.as_bytes()[fields..] {
        // A unit struct, or a struct whose fields were all skipped.
        b"null" | b"{}" => {
            out.truncate(fields);
            out.push('}');
        }
        [b'{', ..] => out.replace_range(fields..=fields, ","),
        _ => return Err(failed(serde::ser::Error::custom("a message must serialize as a JSON object"))),
    }
    Ok(Frame::text(out))
}

/// The payload schema of message `T`: its type's schema with the discriminator added as the
/// first, required, property. What [`Message::DESCRIPTOR`] points the document at.
#[doc(hidden)]
pub fn tagged_schema<T: Message>(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let schema = generator.subschema_for::<T>();
    let named = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|reference| reference.rsplit('/').next())
        .map(|name| name.replace("~1", "/").replace("~0", "~"));
    if let Some(definition) = named.and_then(|name| generator.definitions_mut().get_mut(&name)) {
        add_tag(definition, T::DISCRIMINATOR, T::TAG);
        return schema;
    }
    let mut inline = schema.to_value();
    add_tag(&mut inline, T::DISCRIMINATOR, T::TAG);
    schemars::Schema::try_from(inline).unwrap_or_default()
}

/// The payload schema `payload` writes, standalone (its definitions beside it), in
/// draft-07: what validation holds a code-first message to.
pub(crate) fn standalone_schema(payload: PayloadSchema) -> Value {
    let mut generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = payload(&mut generator);
    let definitions = generator.take_definitions(true);
    serde_json::json!({ "allOf": [schema], "definitions": definitions })
}

/// Makes `property: {const: tag}` the first property of an object schema, and required;
/// the rest keeps schemars' order.
fn add_tag(schema: &mut Value, property: &str, tag: &str) {
    if !schema.is_object() || schema.get("type").is_some_and(|t| t == "null") {
        // A unit struct: nothing but the discriminator.
        *schema = serde_json::json!({ "type": "object" });
    }
    let Some(object) = schema.as_object_mut() else { return };
    let tag_schema = serde_json::json!({ "const": tag });
    match object.get_mut("properties") {
        Some(Value::Object(existing)) => {
            let mut properties = Map::new();
            properties.insert(property.to_owned(), tag_schema);
            properties.extend(std::mem::take(existing).into_iter().filter(|(key, _)| key != property));
            *existing = properties;
        }
        _ => {
            object.insert("properties".into(), serde_json::json!({ property: tag_schema }));
        }
    }
    match object.get_mut("required") {
        Some(Value::Array(existing)) => {
            existing.retain(|key| key != property);
            existing.insert(0, property.into());
        }
        _ => {
            object.insert("required".into(), serde_json::json!([property]));
        }
    }
}

/// An address parameter's value as the field's type reads it, when it is one of `allowed`
/// (any value when `allowed` is empty).
#[doc(hidden)]
pub fn parse_param<T: std::str::FromStr>(
    name: &'static str,
    value: String,
    allowed: &'static [&'static str],
) -> Result<T, ParamError> {
    if !allowed.is_empty() && !allowed.contains(&value.as_str()) {
        return Err(ParamError { name, value, allowed });
    }
    value.parse().map_err(|_| ParamError { name, value, allowed })
}

/// Whether two strings are equal, in a constant: for the checks `#[channel]` writes.
#[doc(hidden)]
pub const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether two lists of strings are equal, in a constant.
#[doc(hidden)]
pub const fn same_strs(a: &[&str], b: &[&str]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !same_str(a[i], b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// A message read without its discriminator, which the tag peek has already matched.
struct Untagged<T>(T);

impl<'de, T: Message> serde::Deserialize<'de> for Untagged<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(WithoutTag { inner: deserializer, property: T::DISCRIMINATOR }).map(Untagged)
    }
}

/// A deserializer whose objects lack one property.
struct WithoutTag<D> {
    inner: D,
    property: &'static str,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for WithoutTag<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(Skipping { visitor, property: self.property })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(Skipping { visitor, property: self.property })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_struct(name, fields, Skipping { visitor, property: self.property })
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(Unit { visitor })
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(Unit { visitor })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        newtype_struct seq tuple tuple_struct enum identifier ignored_any
    }
}

/// Hands the visitor the object without the property.
struct Skipping<V> {
    visitor: V,
    property: &'static str,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Skipping<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(SkipKey { inner: map, property: self.property })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(seq)
    }
}

/// An object read as a unit struct: its members (the discriminator) are skipped.
struct Unit<V> {
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Unit<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<V::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.visitor.visit_unit()
    }
}

/// The members of an object but one.
struct SkipKey<A> {
    inner: A,
    property: &'static str,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for SkipKey<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(Key(key)) = self.inner.next_key::<Key<'de>>()? else { return Ok(None) };
            if key == self.property {
                self.inner.next_value::<IgnoredAny>()?;
                continue;
            }
            return match key {
                Cow::Borrowed(key) => seed.deserialize(de::value::BorrowedStrDeserializer::new(key)).map(Some),
                Cow::Owned(key) => seed.deserialize(de::value::StringDeserializer::new(key)).map(Some),
            };
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// An object key, borrowed from the frame unless it has escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }

            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }

            fn visit_string<E: de::Error>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}
