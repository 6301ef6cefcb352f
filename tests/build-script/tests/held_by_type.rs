//! A message whose generated type holds its schema whole (`held_by_type`, `docs/TYPES.md`) is
//! not interpreted by validation: its type must then refuse every frame the schema refuses.
//! Each such message of the contracts generated here is checked against the schema itself,
//! with its examples broken in every way this test knows (each property removed, or replaced
//! by a value of every JSON type, a negative, a fraction, a long string), one level deep.

use serde_json::{Value, json};
use tidings::__private::Inbound;
use tidings::ChannelSpec;
use tidings_build_script::{bids, code_first, contract, events_camel};

/// The mutations of `value`: for an object, each property removed, or replaced by each kind
/// of JSON value (and, for an object-valued property, that property's own mutations).
fn mutations(value: &Value, depth: u32) -> Vec<Value> {
    let Value::Object(map) = value else { return Vec::new() };
    let replacements = [
        Value::Null,
        json!(true),
        json!(-1),
        json!(1.5),
        json!(0),
        json!(""),
        json!("x".repeat(70_000)),
        json!("unknown"),
        json!([]),
        json!({}),
    ];
    let mut out = Vec::new();
    for (key, inner) in map {
        let mut removed = map.clone();
        removed.remove(key);
        out.push(Value::Object(removed));
        for replacement in replacements.iter().cloned().chain(if depth == 0 { mutations(inner, 1) } else { Vec::new() })
        {
            let mut changed = map.clone();
            changed.insert(key.clone(), replacement);
            out.push(Value::Object(changed));
        }
    }
    out
}

/// Every frame the schema of a held message refuses is refused by its type too: returns how
/// many held messages there are and how many broken frames were checked.
fn held_messages_refuse_what_their_schemas_refuse<C: ChannelSpec>() -> (usize, usize) {
    let mut checked = 0;
    let held: Vec<_> = C::DESCRIPTOR.messages.iter().filter(|m| m.held_by_type).collect();
    for message in &held {
        let schema = message.schema.to_value();
        let validator = jsonschema::draft7::new(&schema).expect("the contract's schema compiles");
        for example in message.examples {
            let example: Value = serde_json::from_str(example).expect("an example is JSON");
            assert!(validator.is_valid(&example), "{}: its example fits its schema", message.key);
            for broken in mutations(&example, 0) {
                if validator.is_valid(&broken) {
                    continue;
                }
                let text = broken.to_string();
                let incoming = C::Incoming::decode_text(&text);
                let outgoing = C::Outgoing::decode_text(&text);
                // The side the message is on refuses it: neither enum may read it as that message.
                let read_as_it =
                    incoming.as_ref().is_ok_and(|m| tidings::__private::MessageEnum::key(m) == message.key)
                        || outgoing.as_ref().is_ok_and(|m| tidings::__private::MessageEnum::key(m) == message.key);
                assert!(
                    !read_as_it,
                    "{}/{}: the schema refuses {text:.200} but the type reads it",
                    C::DESCRIPTOR.name,
                    message.key
                );
                checked += 1;
            }
        }
    }
    (held.len(), checked)
}

#[test]
fn every_held_message_refuses_what_its_schema_refuses() {
    let (mut held, mut checked) = (0, 0);
    for (messages, frames) in [
        held_messages_refuse_what_their_schemas_refuse::<contract::chat::Spec>(),
        held_messages_refuse_what_their_schemas_refuse::<contract::registration::Spec>(),
        held_messages_refuse_what_their_schemas_refuse::<contract::announcements::Spec>(),
        held_messages_refuse_what_their_schemas_refuse::<bids::auction::Spec>(),
        held_messages_refuse_what_their_schemas_refuse::<events_camel::events::Spec>(),
        held_messages_refuse_what_their_schemas_refuse::<code_first::chat::Spec>(),
        held_messages_refuse_what_their_schemas_refuse::<code_first::registration::Spec>(),
        held_messages_refuse_what_their_schemas_refuse::<code_first::admin::Spec>(),
    ] {
        held += messages;
        checked += frames;
    }
    // Twelve messages and 189 broken frames when this was written: a change that held fewer
    // (or checked nothing) would make this test say nothing.
    assert!(held >= 10, "only {held} messages are held by their types");
    assert!(checked >= 150, "only {checked} broken frames were checked");
}
