//! Compact JSON for outbound frames: the bytes `serde_json::to_string` writes, written with
//! less work per string.
//!
//! serde_json escapes a string byte by byte, looking each byte up in a table: about ten
//! instructions a byte, and for an echo reply of 64 characters a sixth of everything the
//! server does for it outside the kernel. Here a string is searched for the bytes JSON escapes
//! (controls, `"` and `\`) eight at a time, in a `u64`, and copied whole when it has none;
//! one that has any, which is rare, is escaped by serde_json.
//!
//! Everything else is written as serde_json writes it (integers by `itoa` and floats by
//! `zmij`, serde_json's own; non-finite floats as `null`, enums externally tagged, integer
//! and character map keys quoted), for the common shapes of messages. What this writer does
//! not take (map keys of other kinds, serde_json's private types for raw values and
//! arbitrary-precision numbers, and any error a value reports) makes it give up, and
//! serde_json writes the whole value instead: its output and its errors are the reference,
//! and tests hold this writer to them (`every_value_is_written_as_serde_json_writes_it`).

use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// `value` as compact JSON, byte for byte as `serde_json::to_string` writes it.
pub(crate) fn to_string<T: ?Sized + Serialize>(value: &T) -> serde_json::Result<String> {
    // serde_json's own starting size, which holds most messages without growing.
    let mut out = String::with_capacity(128);
    append(&mut out, value)?;
    Ok(out)
}

/// Appends `value` as compact JSON to `out`; on an error, `out` is as it was.
pub(crate) fn append<T: ?Sized + Serialize>(out: &mut String, value: &T) -> serde_json::Result<()> {
    let start = out.len();
    let mut writer = Writer { out };
    if value.serialize(&mut writer).is_ok() {
        return Ok(());
    }
    out.truncate(start);
    let reference = serde_json::to_string(value)?;
    out.push_str(&reference);
    Ok(())
}

/// Appends `text` as a JSON string, between quotes, escaped as serde_json escapes it: copied
/// whole when nothing in it needs escaping, as almost nothing does, and through serde_json
/// otherwise.
pub(crate) fn append_str(out: &mut String, text: &str) {
    if first_escape(text.as_bytes()).is_some() {
        // A string always serializes.
        out.push_str(&serde_json::to_string(text).unwrap_or_default());
        return;
    }
    out.reserve(text.len() + 2);
    out.push('"');
    out.push_str(text);
    out.push('"');
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of every zero byte of `word`, and perhaps of bytes above the lowest zero one
/// (a borrow carries past it); the lowest bit set is always the lowest zero byte's.
const fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGHS
}

/// The high bit of every byte of `word` that JSON escapes: below 0x20, `"` or `\` (and
/// perhaps of bytes above the lowest such byte, never below it).
const fn escapes(word: u64) -> u64 {
    let controls = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    controls | zero_bytes(word ^ (ONES * b'"' as u64)) | zero_bytes(word ^ (ONES * b'\\' as u64))
}

/// The eight bytes of `bytes` from `at`, the first in the lowest.
fn word(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// The four bytes of `bytes` from `at`, the first in the lowest.
fn half(bytes: &[u8], at: usize) -> u64 {
    let mut half = [0; 4];
    half.copy_from_slice(&bytes[at..at + 4]);
    u64::from(u32::from_le_bytes(half))
}

/// The index of the first byte of `bytes` that JSON escapes. Eight bytes at a time, the last
/// eight (or, under eight, the first four and the last four) overlapping what was looked at
/// before them: bytes already found clean cannot be the first found again.
pub(crate) fn first_escape(bytes: &[u8]) -> Option<usize> {
    let len = bytes.len();
    let first = |found: u64| (found.trailing_zeros() / 8) as usize;
    if len >= 8 {
        let mut at = 0;
        while at + 8 <= len {
            let found = escapes(word(bytes, at));
            if found != 0 {
                return Some(at + first(found));
            }
            at += 8;
        }
        let found = if at < len { escapes(word(bytes, len - 8)) } else { 0 };
        return (found != 0).then(|| len - 8 + first(found));
    }
    if len >= 4 {
        let found = escapes(half(bytes, 0) | half(bytes, len - 4) << 32);
        return (found != 0).then(|| match first(found) {
            low @ 0..4 => low,
            high => high + len - 8,
        });
    }
    bytes.iter().position(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\')
}

/// The writer gave up on a value: serde_json writes it instead, and says what is wrong with
/// it if anything is.
#[derive(Debug)]
struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to serde_json")
    }
}

impl std::error::Error for GiveUp {}

impl ser::Error for GiveUp {
    fn custom<T: fmt::Display>(_: T) -> Self {
        GiveUp
    }
}

/// The names serde_json gives its own raw values and arbitrary-precision numbers, which it
/// writes unquoted: left to it.
fn private_to_serde_json(name: &str) -> bool {
    name.starts_with("$serde_json::private::")
}

/// The `serialize_*` methods of every integer type, each calling the serializer's own
/// `integer`.
macro_rules! integers {
    () => {
        integers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
            serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
            serialize_u64: u64, serialize_u128: u128);
    };
    ($($method:ident: $type:ty),*) => {
        $(
            fn $method(self, value: $type) -> Result {
                self.integer(value)
            }
        )*
    };
}

/// A compound trait of serde for [`Compound`]: its members are elements (`Trait::method`),
/// or fields with names (`Trait::method(key)`).
macro_rules! compound {
    ($($trait:ident::$method:ident $(($key:ident))?),*) => {
        $(
            impl ser::$trait for Compound<'_, '_> {
                type Ok = ();
                type Error = GiveUp;

                fn $method<T: ?Sized + Serialize>(&mut self, $($key: &'static str,)? value: &T) -> Result {
                    compound!(@member self $($key)?, value)
                }

                fn end(self) -> Result {
                    self.close()
                }
            }
        )*
    };
    (@member $self:ident, $value:ident) => { $self.element($value) };
    (@member $self:ident $key:ident, $value:ident) => { $self.field($key, $value) };
}

/// Writes JSON into a `String`.
struct Writer<'a> {
    out: &'a mut String,
}

impl Writer<'_> {
    fn integer(&mut self, value: impl itoa::Integer) -> Result {
        self.out.push_str(itoa::Buffer::new().format(value));
        Ok(())
    }

    /// A float as serde_json writes it: `null` unless it is `finite`.
    fn float(&mut self, value: impl zmij::Float, finite: bool) -> Result {
        let mut buffer = zmij::Buffer::new();
        self.out.push_str(if finite { buffer.format_finite(value) } else { "null" });
        Ok(())
    }

    /// `{"variant":`, which the compound's end closes.
    fn open_variant(&mut self, variant: &str) {
        self.out.push('{');
        append_str(self.out, variant);
        self.out.push(':');
    }
}

type Result<T = ()> = std::result::Result<T, GiveUp>;

impl<'a, 'w> ser::Serializer for &'a mut Writer<'w> {
    type Ok = ();
    type Error = GiveUp;
    type SerializeSeq = Compound<'a, 'w>;
    type SerializeTuple = Compound<'a, 'w>;
    type SerializeTupleStruct = Compound<'a, 'w>;
    type SerializeTupleVariant = Compound<'a, 'w>;
    type SerializeMap = Compound<'a, 'w>;
    type SerializeStruct = Compound<'a, 'w>;
    type SerializeStructVariant = Compound<'a, 'w>;

    fn serialize_bool(self, value: bool) -> Result {
        self.out.push_str(if value { "true" } else { "false" });
        Ok(())
    }

    integers!();

    fn serialize_f32(self, value: f32) -> Result {
        self.float(value, value.is_finite())
    }

    fn serialize_f64(self, value: f64) -> Result {
        self.float(value, value.is_finite())
    }

    fn serialize_char(self, value: char) -> Result {
        append_str(self.out, value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, value: &str) -> Result {
        append_str(self.out, value);
        Ok(())
    }

    fn serialize_bytes(self, value: &[u8]) -> Result {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(value.len()))?;
        for byte in value {
            seq.serialize_element(byte)?;
        }
        seq.end()
    }

    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_unit()
    }

    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _name: &'static str, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.out.push('}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, 'w>> {
        open(self, None, Close::Array)
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'w>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, 'w>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'w>> {
        open(self, Some(variant), Close::Array)
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, 'w>> {
        open(self, None, Close::Object)
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'a, 'w>> {
        if private_to_serde_json(name) {
            return Err(GiveUp);
        }
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'w>> {
        open(self, Some(variant), Close::Object)
    }
}

/// Opens an array or an object (`close` says which), inside `{"variant":` for an enum
/// variant's content.
fn open<'a, 'w>(writer: &'a mut Writer<'w>, variant: Option<&str>, close: Close) -> Result<Compound<'a, 'w>> {
    if let Some(variant) = variant {
        writer.open_variant(variant);
    }
    writer.out.push(match close {
        Close::Array => '[',
        Close::Object => '{',
    });
    Ok(Compound { writer, first: true, close, variant: variant.is_some() })
}

/// An array or an object being written: what separates its members, and what closes it.
struct Compound<'a, 'w> {
    writer: &'a mut Writer<'w>,
    first: bool,
    close: Close,
    /// It is an enum variant's content, in an object of its own (`{"variant":...}`).
    variant: bool,
}

/// What a compound is.
#[derive(Clone, Copy)]
enum Close {
    /// Closed by `]`.
    Array,
    /// Closed by `}`.
    Object,
}

impl Compound<'_, '_> {
    fn separate(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.writer.out.push(',');
        }
    }

    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        self.separate();
        value.serialize(&mut *self.writer)
    }

    fn field<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Result {
        self.separate();
        append_str(self.writer.out, key);
        self.writer.out.push(':');
        value.serialize(&mut *self.writer)
    }

    fn close(self) -> Result {
        // Constant characters: a string is copied by a call to `memcpy`, and a character
        // not known here is encoded.
        match self.close {
            Close::Array => self.writer.out.push(']'),
            Close::Object => self.writer.out.push('}'),
        }
        if self.variant {
            self.writer.out.push('}');
        }
        Ok(())
    }
}

compound!(SerializeSeq::serialize_element, SerializeTuple::serialize_element);
compound!(SerializeTupleStruct::serialize_field, SerializeTupleVariant::serialize_field);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = GiveUp;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result {
        self.separate();
        key.serialize(Key { out: self.writer.out })?;
        self.writer.out.push(':');
        Ok(())
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result {
        self.close()
    }
}

compound!(SerializeStruct::serialize_field(key), SerializeStructVariant::serialize_field(key));

/// Writes a map's key: a string, or an integer or a character quoted as one, as serde_json
/// does. Keys of other kinds give up (serde_json quotes booleans and finite floats, and
/// refuses the rest).
struct Key<'a> {
    out: &'a mut String,
}

impl Key<'_> {
    fn integer(self, value: impl itoa::Integer) -> Result {
        self.out.push('"');
        self.out.push_str(itoa::Buffer::new().format(value));
        self.out.push('"');
        Ok(())
    }
}

impl ser::Serializer for Key<'_> {
    type Ok = ();
    type Error = GiveUp;
    type SerializeSeq = Impossible<(), GiveUp>;
    type SerializeTuple = Impossible<(), GiveUp>;
    type SerializeTupleStruct = Impossible<(), GiveUp>;
    type SerializeTupleVariant = Impossible<(), GiveUp>;
    type SerializeMap = Impossible<(), GiveUp>;
    type SerializeStruct = Impossible<(), GiveUp>;
    type SerializeStructVariant = Impossible<(), GiveUp>;

    fn serialize_str(self, value: &str) -> Result {
        append_str(self.out, value);
        Ok(())
    }

    fn serialize_char(self, value: char) -> Result {
        self.serialize_str(value.encode_utf8(&mut [0; 4]))
    }

    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _name: &'static str, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result {
        value.serialize(self)
    }

    integers!();

    fn serialize_bool(self, _value: bool) -> Result {
        Err(GiveUp)
    }

    fn serialize_f32(self, _value: f32) -> Result {
        Err(GiveUp)
    }

    fn serialize_f64(self, _value: f64) -> Result {
        Err(GiveUp)
    }

    fn serialize_bytes(self, _value: &[u8]) -> Result {
        Err(GiveUp)
    }

    fn serialize_none(self) -> Result {
        Err(GiveUp)
    }

    fn serialize_unit(self) -> Result {
        Err(GiveUp)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        Err(GiveUp)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result {
        Err(GiveUp)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(GiveUp)
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(GiveUp)
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct> {
        Err(GiveUp)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(GiveUp)
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(GiveUp)
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(GiveUp)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(GiveUp)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use proptest::prelude::*;
    use serde::Serialize;
    use serde_json::Value;

    use super::*;

    /// What this writer and serde_json make of `value`, errors by their message.
    fn both<T: ?Sized + Serialize>(
        value: &T,
    ) -> (std::result::Result<String, String>, std::result::Result<String, String>) {
        (to_string(value).map_err(|e| e.to_string()), serde_json::to_string(value).map_err(|e| e.to_string()))
    }

    fn same<T: ?Sized + Serialize + fmt::Debug>(value: &T) {
        let (ours, reference) = both(value);
        assert_eq!(ours, reference, "{value:?}");
    }

    /// Every ASCII byte, and characters of two to four bytes, at every place against the
    /// eight-byte words, in strings shorter and longer than a word.
    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let specials: Vec<String> = (0u8..0x80)
            .map(|b| char::from(b).to_string())
            .chain(["é", "€", "😀", "\u{2028}"].map(String::from))
            .collect();
        for special in &specials {
            for len in (0..=20).chain([23, 24, 31]) {
                for at in 0..=len {
                    let text = format!("{}{special}{}", "a".repeat(at), "b".repeat(len - at));
                    same(&text);
                    // Two to escape, one in the same word and one in the next.
                    same(&format!("{text}\"{}\n", "c".repeat(len % 9)));
                }
            }
        }
    }

    #[derive(Serialize, Debug)]
    struct Unit;

    #[derive(Serialize, Debug, PartialEq, Eq, PartialOrd, Ord)]
    struct Newtype(String);

    #[derive(Serialize, Debug)]
    struct Pair(i8, Option<u16>);

    #[derive(Serialize, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    enum Kind {
        First,
        #[serde(rename = "the \"second\"")]
        Second,
    }

    #[derive(Serialize, Debug)]
    enum External {
        Unit,
        Newtype(u8),
        Tuple(u8, String),
        Struct { a: bool, b: Vec<f32> },
    }

    #[derive(Serialize, Debug)]
    #[serde(tag = "action")]
    enum Internal {
        Echo { text: String },
        Empty,
    }

    #[derive(Serialize, Debug)]
    #[serde(tag = "action", content = "payload", rename_all = "snake_case")]
    enum Adjacent {
        EchoReply(External),
        Nothing,
    }

    #[derive(Serialize, Debug)]
    #[serde(untagged)]
    enum Untagged {
        Number(f64),
        Words(Vec<String>),
    }

    #[derive(Serialize, Debug)]
    struct Flattened {
        id: u32,
        #[serde(flatten)]
        rest: BTreeMap<String, Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        absent: Option<u8>,
    }

    /// Bytes given to the serializer as bytes, not as a sequence.
    #[derive(Debug)]
    struct Raw(&'static [u8]);

    impl Serialize for Raw {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
            serializer.serialize_bytes(self.0)
        }
    }

    /// A map with one float key.
    #[derive(Debug)]
    struct FloatKey(f64);

    impl Serialize for FloatKey {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
            use ser::SerializeMap;
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry(&self.0, &1)?;
            map.end()
        }
    }

    /// A value that cannot be written.
    #[derive(Debug)]
    struct Refuses;

    impl Serialize for Refuses {
        fn serialize<S: ser::Serializer>(&self, _: S) -> std::result::Result<S::Ok, S::Error> {
            Err(ser::Error::custom("this value refuses"))
        }
    }

    /// Named as serde_json names its raw values: without its `raw_value` feature, an ordinary
    /// struct to it, and written by it here.
    #[derive(Debug)]
    struct Private;

    impl Serialize for Private {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
            use ser::SerializeStruct;
            let mut value = serializer.serialize_struct("$serde_json::private::RawValue", 1)?;
            value.serialize_field("$serde_json::private::RawValue", "[1, 2]")?;
            value.end()
        }
    }

    /// Every shape serde gives a value, the keys serde_json quotes and those it refuses, and
    /// floats where formatting differs between libraries.
    #[test]
    fn every_shape_is_written_as_serde_json_writes_it() {
        same(&Unit);
        same(&Newtype("a\tb".into()));
        same(&Pair(-8, None));
        same(&Pair(8, Some(65_535)));
        same(&[Kind::First, Kind::Second]);
        same(&[
            External::Unit,
            External::Newtype(1),
            External::Tuple(2, "x".into()),
            External::Struct { a: true, b: vec![1.5, f32::NAN, -0.0, f32::MIN_POSITIVE, f32::MAX] },
        ]);
        same(&[Internal::Echo { text: "hi".into() }, Internal::Empty]);
        same(&[Adjacent::EchoReply(External::Unit), Adjacent::Nothing]);
        same(&[Untagged::Number(1e21), Untagged::Number(1e-7), Untagged::Words(vec![])]);
        let rest = BTreeMap::from([("extra".to_owned(), serde_json::json!({"k": [null, 1, "v"]}))]);
        same(&Flattened { id: 7, rest, absent: None });
        same(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.1, 5e-324, f64::MAX, 123_456_789.0]);
        same(&(i128::MIN, u128::MAX, i64::MIN, u64::MAX, 'é', '"', '\u{0}'));
        same(&Raw(b"\x00\xffab"));
        same(&Raw(b""));
        same(&(Vec::<u8>::new(), BTreeMap::<String, u8>::new(), ()));
        // Keys: strings, integers, characters, unit variants, newtypes and options of them.
        same(&BTreeMap::from([(-3i32, 1), (4, 2)]));
        same(&BTreeMap::from([(u128::MAX, "max")]));
        same(&BTreeMap::from([('q', 1), ('"', 2)]));
        same(&HashMap::from([(Kind::Second, 1)]));
        same(&BTreeMap::from([(Newtype("k\n".into()), 1)]));
        same(&BTreeMap::from([(Some("some"), 1)]));
        // Keys serde_json quotes in its own way, or refuses.
        same(&BTreeMap::from([(true, 1), (false, 2)]));
        same(&FloatKey(1.5));
        same(&FloatKey(f64::NAN));
        same(&HashMap::from([((1u8, 2u8), 3)]));
        same(&BTreeMap::from([(None::<&str>, 1)]));
        same(&BTreeMap::from([((), 1)]));
        // Values that fail, and the private names.
        same(&(1, Refuses));
        same(&Private);
        same(&[Some(Private)]);
    }

    /// A value that fails leaves what was written before it as it was.
    #[test]
    fn a_value_that_fails_leaves_the_output_as_it_was() {
        let mut out = String::from("kept");
        assert!(append(&mut out, &(1, Refuses)).is_err());
        assert_eq!(out, "kept");
        assert!(append(&mut out, &[Private]).is_ok());
        assert_eq!(out, format!("kept{}", serde_json::to_string(&[Private]).unwrap_or_default()));
    }

    /// Any JSON value: strings of any characters, numbers of every kind, nesting.
    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
            "[\\x00-\\x7f]{0,40}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..8)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn every_value_is_written_as_serde_json_writes_it(value in any_value()) {
            let (ours, reference) = both(&value);
            prop_assert_eq!(ours, reference);
        }

        #[test]
        fn every_typed_value_is_written_as_serde_json_writes_it(
            value in any::<(String, f64, f32, i128, u128, Option<char>, Vec<u8>, BTreeMap<i16, String>)>()
        ) {
            let (ours, reference) = both(&value);
            prop_assert_eq!(ours, reference);
        }
    }
}
