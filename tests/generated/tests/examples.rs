//! Example frames deserialize into the generated message enums and serialize back to the
//! same JSON value, for every fixture contract: the contract's own `examples`, and frames
//! written here for contracts that have none.

use serde_json::{Value, json};
use tidings::ChannelSpec;
use tidings::codec::{Frame, Inbound, MessageEnum, Outbound};
use tidings_generated as generated;

/// Decodes `frame` as `E`, checks it is message `key`, and encodes it back to the same value.
fn round_trip<E: Inbound + Outbound>(key: &str, frame: &Value) -> Result<(), String> {
    let text = frame.to_string();
    let decoded = E::decode_text(&text).map_err(|e| format!("`{key}` example {frame} does not decode: {e}"))?;
    if decoded.key() != key {
        return Err(format!("{frame} decoded as `{}`, not `{key}`", decoded.key()));
    }
    let Ok(Frame::Text(encoded)) = decoded.encode() else { return Err(format!("`{key}` does not encode as text")) };
    let back: Value = serde_json::from_str(&encoded).map_err(|e| e.to_string())?;
    if !same_json(&back, frame) {
        return Err(format!("`{key}`: {frame} came back as {back}"));
    }
    Ok(())
}

/// JSON equality, where `1` and `1.0` are the same number (a `number` field is an `f64`).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Round-trips `frame` through whichever direction of channel `C` carries message `key`.
fn check<C: ChannelSpec>(key: &str, frame: &Value) -> Result<(), String> {
    let incoming = round_trip::<C::Incoming>(key, frame);
    let outgoing = round_trip::<C::Outgoing>(key, frame);
    match (incoming, outgoing) {
        (Ok(()), _) | (_, Ok(())) => Ok(()),
        (Err(a), Err(b)) => Err(format!("{}: {a}; {b}", C::DESCRIPTOR.name)),
    }
}

/// Every example the contract gives for channel `C`'s messages; returns how many.
fn contract_examples<C: ChannelSpec>() -> usize {
    let mut count = 0;
    for message in C::DESCRIPTOR.messages {
        for example in message.examples {
            let frame: Value = serde_json::from_str(example).expect("examples are JSON");
            check::<C>(message.key, &frame).unwrap_or_else(|e| panic!("{e}"));
            count += 1;
        }
    }
    count
}

#[test]
fn the_contracts_own_examples_round_trip() {
    let count = contract_examples::<generated::chat::chat::Spec>()
        + contract_examples::<generated::chat::registration::Spec>()
        + contract_examples::<generated::chat::announcements::Spec>()
        + contract_examples::<generated::chat_peer::chat::Spec>()
        + contract_examples::<generated::chat_peer::registration::Spec>()
        + contract_examples::<generated::chat_peer::announcements::Spec>()
        + contract_examples::<generated::traits::commands::Spec>()
        + contract_examples::<generated::traits_peer::commands::Spec>();
    assert_eq!(count, 22, "every example of chat.yaml and traits.yaml, both sides");
}

/// Messages no tag tells apart reach the right variant by shape and schema, with every
/// example of the contracts written to need it, on both sides.
#[test]
fn untagged_examples_reach_their_own_message() {
    use generated::*;
    let count = contract_examples::<speech::stream::Spec>()
        + contract_examples::<speech_peer::stream::Spec>()
        + contract_examples::<untagged_pairs::rpc::Spec>()
        + contract_examples::<untagged_pairs_peer::rpc::Spec>()
        + contract_examples::<oneof_variants::shapes::Spec>()
        + contract_examples::<oneof_variants_peer::shapes::Spec>()
        + contract_examples::<untypeable::vehicles::Spec>()
        + contract_examples::<untypeable_peer::vehicles::Spec>();
    assert_eq!(count, 2 * (5 + 6 + 5 + 2), "every example of the four contracts, both sides");
}

/// What shape dispatch does with a frame no message takes, and with one two messages'
/// shapes share: it says why each candidate refused, and the schema decides.
#[test]
fn a_frame_no_untagged_message_takes_says_why_for_each() {
    use generated::untagged_pairs::rpc::Incoming;
    let error = Incoming::decode_text(r#"{"id": 3, "resubscribe": "prices"}"#).expect_err("no message has that shape");
    let text = error.to_string();
    assert!(text.contains("`subscribe` requires property `subscribe`, which the frame lacks"), "{text}");
    assert!(text.contains("`unsubscribe` requires property `unsubscribe`, which the frame lacks"), "{text}");
    assert_eq!(error.code(), "unknown_message");
    // The shape fits `subscribe`, the schema does not: the reason names where.
    let error = Incoming::decode_text(r#"{"id": 3, "subscribe": {"topic": 7}}"#).expect_err("topic is a string");
    assert!(error.to_string().contains("`subscribe` does not accept it at `/subscribe/topic`"), "{error}");
    // `heartbeat` and `update` share a shape; only the schema tells a heartbeat from an update.
    use generated::untagged_pairs_peer::rpc::Incoming as PeerIncoming;
    let heartbeat = PeerIncoming::decode_text(r#"{"topic": "heartbeat", "price": null}"#).expect("a heartbeat");
    assert_eq!(heartbeat.key(), "heartbeat");
    let update = PeerIncoming::decode_text(r#"{"topic": "heartbeat", "price": 3}"#).expect("an update");
    assert_eq!(update.key(), "update");
    // A frame with both `done` and `error` fits both shapes; the first in the contract takes it.
    let both = PeerIncoming::decode_text(r#"{"id": 1, "done": true, "error": {"code": 1}}"#).expect("a reply");
    assert_eq!(both.key(), "done");
    // A tag two messages share picks the two, and their shapes and schemas pick one; a frame
    // without the tag is one of the untagged messages.
    use generated::shared_tag::rpc::Incoming as Rpc;
    let book = Rpc::decode_text(r#"{"method": "subscribe", "params": {"type": "book", "symbol": "X", "depth": 5}}"#);
    assert_eq!(book.expect("a book subscription").key(), "subscribeBook");
    let trades = Rpc::decode_text(r#"{"method": "subscribe", "params": {"type": "trades", "symbol": "X"}}"#);
    assert_eq!(trades.expect("a trades subscription").key(), "subscribeTrades");
    assert_eq!(Rpc::decode_text(r#"{"ping": 3}"#).expect("a ping").key(), "ping");
    let error =
        Rpc::decode_text(r#"{"method": "subscribe", "params": {"type": "news"}}"#).expect_err("no such subscription");
    assert!(error.to_string().contains("`subscribeTrades`"), "{error}");
    assert!(!error.to_string().contains("`ping`"), "only the messages of the tag are candidates: {error}");
    // Binary frames and JSON frames on one channel.
    use generated::speech::stream::Incoming as Speech;
    assert_eq!(Speech::decode_binary(&[1, 2, 3]).expect("audio").key(), "audio");
    assert_eq!(Speech::decode_text(r#"{"finish": true}"#).expect("finish").key(), "finish");
    let error = Speech::decode_text(r#"{"sampleRate": 100, "language": "en"}"#).expect_err("below the minimum");
    assert!(error.to_string().contains("`start` does not accept it at `/sampleRate`"), "{error}");
}

#[test]
fn frames_of_fixtures_without_examples_round_trip() {
    use generated::*;
    let cases: Vec<(&str, Result<(), String>)> = vec![
        ("binary start", check::<binary::audio::Spec>("start", &json!({"event": "start", "codec": "opus"}))),
        ("binary stop", check::<binary::audio::Spec>("stop", &json!({"event": "stop"}))),
        ("binary transcript", check::<binary::audio::Spec>("transcript", &json!({"text": "hello"}))),
        ("collisions a", check::<collisions::things::Spec>("fromA", &json!({"source": "a", "foo": {"name": "x"}}))),
        ("collisions b", check::<collisions::things::Spec>("fromB", &json!({"source": "b", "foo": {"count": 2}}))),
        (
            "override start",
            check::<discriminator_override::jobs::Spec>("start", &json!({"action": "go", "kind": "start"})),
        ),
        (
            "override halt",
            check::<discriminator_override::jobs::Spec>("halt", &json!({"action": "stop", "kind": "halt"})),
        ),
        (
            "circle",
            check::<explicit_discriminator::shapes::Spec>(
                "circle",
                &json!({"shape": "circle", "version": "v1", "radius": 2.5}),
            ),
        ),
        (
            "square",
            check::<explicit_discriminator::shapes::Spec>(
                "square",
                &json!({"shape": "square", "version": "v1", "side": 1.0}),
            ),
        ),
        (
            "record",
            check::<formats::records::Spec>(
                "record",
                &json!({
                    "id": "67e55044-10b1-426f-9247-bb680e5fe0c8",
                    "created": "2026-11-23T20:00:00Z",
                    "count": 3,
                    "note": "kept",
                    "present": null,
                    "level": "mid",
                    "labels": {"a": "b"},
                    "tags": ["x"],
                    "code": "ABC",
                    "anything": [1, {"two": 2}],
                    "tree": {"label": "root", "children": [{"label": "leaf"}]},
                    "choice": 7
                }),
            ),
        ),
        (
            "names option",
            check::<names::user_events::Spec>(
                "user.events",
                &json!({"type": "option", "self": "me", "crate": 1, "dashed-name": true, "with space": "s"}),
            ),
        ),
        ("names self", check::<names::user_events::Spec>("2fa code", &json!({"type": "2fa", "code": "123456"}))),
        ("names result", check::<names::r#type::Spec>("Result", &json!({"ok": true}))),
        ("names box", check::<names::r#type::Spec>("Box", &json!({"size": 1.5}))),
        (
            "reply channel sum",
            check::<reply_channel::requests::Spec>("sum", &json!({"method": "sum", "id": 1, "numbers": [1, 2]})),
        ),
        ("reply channel result", check::<reply_channel::requests::Spec>("result", &json!({"id": 1, "result": 3.0}))),
        ("security", check::<security::admin::Spec>("command", &json!({"command": "restart"}))),
        ("several place", check::<several::orders::Spec>("place", &json!({"type": "place", "item": "tea"}))),
        (
            "several rejected",
            check::<several::orders::Spec>("rejected", &json!({"type": "rejected", "reason": "none left"})),
        ),
        ("single text", check::<single::echo::Spec>("text", &json!({"text": "hi"}))),
        ("single echoed", check::<single::echo::Spec>("echoed", &json!({"text": "hi", "at": "2026-11-23T20:00:00Z"}))),
        ("single tick", check::<single::ticker::Spec>("tick", &json!(42))),
    ];
    let failures: Vec<String> =
        cases.into_iter().filter_map(|(name, r)| r.err().map(|e| format!("{name}: {e}"))).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_null_optional_field_comes_back_absent() {
    // typify types an optional nullable field as `Option<T>`, which cannot tell `null` from
    // absent; both read as `None`, which writes as absent. A documented normalization.
    use generated::formats::records::Incoming;
    let frame = json!({"id": "67e55044-10b1-426f-9247-bb680e5fe0c8", "created": "2026-11-23T20:00:00Z",
                       "tree": {"label": "t"}, "present": "p", "note": null});
    let decoded = Incoming::decode_text(&frame.to_string()).expect("decodes");
    let Ok(Frame::Text(text)) = decoded.encode() else { panic!("encodes") };
    let back: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(back.get("note"), None);
}

#[test]
fn frames_that_break_the_contract_are_refused_with_a_pointer() {
    use generated::chat::chat::{Incoming, Outgoing};
    // The discriminator decides, then only that message's type is read.
    let err = Incoming::decode_text(r#"{"action": "shout"}"#).expect_err("unknown action");
    assert_eq!(err.code(), "unknown_message");
    assert_eq!(err.pointer().as_deref(), Some("/action"));
    let err = Incoming::decode_text(r#"{"action": "chat", "payload": {"message": 5}}"#).expect_err("wrong type");
    assert_eq!(err.pointer().as_deref(), Some("/payload/message"));
    // A constraint typify keeps (minLength) is enforced when reading.
    let err = Incoming::decode_text(r#"{"action": "chat", "payload": {"message": ""}}"#).expect_err("too short");
    assert_eq!(err.code(), "invalid_message");
    // additionalProperties: false is enforced.
    let err =
        Incoming::decode_text(r#"{"action": "chat", "payload": {"message": "hi", "extra": 1}}"#).expect_err("extra");
    assert!(err.to_string().contains("extra"), "{err}");
    // A message the application sends is not one it receives.
    assert!(Incoming::decode_text(r#"{"action": "pong"}"#).is_err());
    assert!(Outgoing::decode_text(r#"{"action": "pong"}"#).is_ok());
    assert_eq!(Incoming::decode_binary(b"x").expect_err("binary").code(), "binary_not_accepted");
    // The discriminator's value is part of the type: it cannot be written wrong.
    let pong = generated::chat::types::Pong { action: generated::chat::types::PongAction::Pong };
    assert_eq!(Outgoing::from(pong).encode().ok(), Some(Frame::text(r#"{"action":"pong"}"#)));
}

#[test]
fn binary_frames_reach_the_byte_message() {
    use generated::binary::audio::Incoming;
    let decoded = Incoming::decode_binary(&[1, 2, 3]).expect("bytes are a chunk");
    assert_eq!(decoded.key(), "chunk");
    assert_eq!(decoded.encode().ok(), Some(Frame::binary(vec![1, 2, 3])));
}
