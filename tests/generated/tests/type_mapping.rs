//! The schema-to-Rust table of `docs/TYPES.md`, row by row: each typed binding below fails to
//! compile if generation maps a row differently, and the frames check what the types carry
//! on their own (validation off) against what only validation checks.

use std::num::{NonZeroU8, NonZeroU32, NonZeroU64};

use serde_json::{Value, json};
use tidings::bounded::BoundedString;
use tidings_generated::type_mapping::types::{self, Sample};

fn example() -> Value {
    json!({
        "kind": "sample", "plain": -3, "count": 0, "positive": 1, "percent": 100, "at_least_five": 5,
        "small": -7, "small_unsigned": 7, "tiny": 255, "signed_bounded": -10, "price": 0, "id": 1, "port": 1,
        "name": "ada", "nickname": "lovelace", "handle": "countess", "text": "", "ratio": 0.5,
        "ratio32": 0.25, "flag": true, "tags": ["a", "b"], "nullable_required": null
    })
}

#[test]
fn each_row_of_the_table_is_the_type_it_says() {
    let sample: Sample = serde_json::from_value(example()).expect("the example decodes");
    let _: i64 = sample.plain; // integer
    let _: u64 = sample.count; // minimum: 0
    let _: NonZeroU64 = sample.positive; // minimum: 1
    let _: u64 = sample.percent; // minimum: 0, maximum: 100 (the maximum is validation's)
    let _: NonZeroU64 = sample.at_least_five; // minimum: 5 rules out zero too
    let _: i32 = sample.small; // format: int32
    let _: u32 = sample.small_unsigned; // format: int32, minimum: 0 (validation holds it to int32)
    let _: u8 = sample.tiny; // format: uint8
    let _: i64 = sample.signed_bounded; // minimum: -10, maximum: 10
    let _: u64 = sample.price; // format: int64, minimum: 0
    let _: NonZeroU64 = sample.id; // format: int64, minimum: 1
    let _: NonZeroU32 = sample.port; // format: uint32, minimum: 1
    let _: BoundedString<1, 40> = sample.name.clone(); // minLength, maxLength
    let _: String = sample.text.clone(); // string
    let _: f64 = sample.ratio; // number
    let _: f32 = sample.ratio32; // format: float
    let _: bool = sample.flag;
    let _: Vec<String> = sample.tags.clone();
    let _: Option<String> = sample.nullable_required.clone(); // required, but null is allowed
    let _: Option<String> = sample.maybe.clone(); // not required
    let _: u64 = sample.retries; // not required, with a default
    assert_eq!(sample.retries, 3, "an absent property with a default has its default");
    assert_eq!(NonZeroU8::new(1).map(u8::from), Some(1));
}

#[test]
fn fields_with_equal_bounds_share_one_type() {
    let sample: Sample = serde_json::from_value(example()).expect("the example decodes");
    // A name, a nickname and a named `Handle` schema are one type: moved, not converted.
    let mut moved = sample.clone();
    moved.nickname = sample.name.clone();
    moved.handle = sample.name;
    assert_eq!((moved.nickname.as_str(), &*moved.handle), ("ada", "ada"));
    let nickname: types::SampleNickname = "x".repeat(40).parse().expect("40 characters fit");
    let wider: BoundedString<0, 100> = nickname.clone().convert().expect("widening always fits");
    assert_eq!(wider.len(), 40);
    let narrower = nickname.convert::<1, 10>().expect_err("40 characters do not fit in 10");
    assert_eq!(narrower.to_string(), "must be at most 10 characters");
}

#[test]
fn the_types_alone_reject_what_they_carry_and_leave_the_rest_to_validation() {
    let with = |field: &str, value: Value| {
        let mut frame = example();
        frame[field] = value;
        serde_json::from_value::<Sample>(frame).map(drop).map_err(|e| e.to_string())
    };
    assert!(with("count", json!(-1)).is_err(), "unsigned");
    assert!(with("positive", json!(0)).is_err(), "nonzero");
    assert!(with("small", json!(i64::from(i32::MAX) + 1)).is_err(), "32 bits");
    assert!(with("name", json!("")).expect_err("empty").starts_with("must not be empty"));
    assert!(with("kind", json!("other")).is_err(), "the tag");
    assert!(with("text", Value::Null).is_err(), "required and not nullable");
    // Bounds the types do not carry: the contract's schema checks them when validation is on.
    assert!(with("percent", json!(101)).is_ok());
    assert!(with("at_least_five", json!(2)).is_ok());
    assert!(with("signed_bounded", json!(11)).is_ok());
}

struct Sink;

impl tidings_generated::type_mapping::samples::Samples for Sink {
    async fn receive_sample(
        &self,
        _: &mut tidings_generated::type_mapping::samples::Context,
        _: Sample,
    ) -> Result<(), tidings::HandlerError> {
        Ok(())
    }
}

#[tokio::test]
async fn validation_holds_integers_to_their_formats_range_where_the_type_holds_more() {
    use tidings::channel::FrameError;
    use tidings::codec::Frame;
    use tidings::layer::{Groups, Outbox};

    let channel = tidings_generated::type_mapping::samples::channel(Sink);
    let (outbox, _queue) = Outbox::bounded(4);
    let session = channel.open(tidings::ConnectionId::next(), vec![], outbox, Groups::default(), true).expect("open");
    let with = |field: &str, value: Value| {
        let mut frame = example();
        frame["kind"] = json!("sample");
        frame[field] = value;
        Frame::text(frame.to_string())
    };
    assert!(matches!(session.frame(with("small_unsigned", json!(i32::MAX))).await, Ok(None)));
    // A `u32` holds 2^31, `int32` does not: validation refuses it, at the field.
    match session.frame(with("small_unsigned", json!(1_u64 << 31))).await.map_err(|failed| failed.error) {
        Err(FrameError::Decode(e)) => {
            assert_eq!(e.pointer().as_deref(), Some("/small_unsigned"));
            assert!(e.to_string().ends_with("must be at most 2147483647"), "{e}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert!(session.frame(with("tiny", json!(256))).await.is_err(), "past `uint8`");
    assert!(session.frame(with("percent", json!(101))).await.is_err(), "a maximum the type does not carry");
}
