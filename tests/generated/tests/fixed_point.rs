//! The round trip contract → Rust → contract is a fixed point: for every fixture, the
//! document described by the generated code (its descriptors, and the schemars schemas of
//! its types) equals the contract under `tidings diff`, after the normalizations that
//! docs/ROUND-TRIP.md lists.

use std::path::PathBuf;

use tidings::DocumentConfig;
use tidings::descriptor::{ChannelDescriptor, InfoDescriptor};
use tidings_generated as generated;

fn fixture(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../build-support/tests/fixtures");
    let single = dir.join(format!("{name}.yaml"));
    if single.is_file() { single } else { dir.join(name).join("asyncapi.yaml") }
}

/// The document the generated code describes: every channel, the contract's info and servers.
fn described(info: &InfoDescriptor, channels: &[&'static ChannelDescriptor]) -> serde_json::Value {
    tidings::document::describe(&DocumentConfig::from_info(info), channels.iter().copied())
}

macro_rules! fixtures {
    ($($module:ident => $name:literal),* $(,)?) => {
        [$(($name, described(&generated::$module::INFO, generated::$module::CHANNELS))),*]
    };
}

#[test]
fn every_fixture_is_a_fixed_point() {
    let documents = fixtures![
        binary => "binary",
        chat => "chat",
        collisions => "collisions",
        discriminator_override => "discriminator-override",
        explicit_discriminator => "explicit-discriminator",
        formats => "formats",
        names => "names",
        odd_keys => "odd-keys",
        oneof_variants => "oneof-variants",
        reply_channel => "reply-channel",
        security => "security",
        several => "several",
        shared_receiver => "shared-receiver",
        shared_tag => "shared-tag",
        single => "single",
        speech => "speech",
        traits => "traits",
        type_mapping => "type-mapping",
        untagged_pairs => "untagged-pairs",
        untypeable => "untypeable",
    ];
    let failures: Vec<String> = documents
        .iter()
        .filter_map(|(name, document)| tidings::testing::check_contract(document, fixture(name)).err())
        .map(|error| error.to_string())
        .collect();
    assert!(failures.is_empty(), "{} of {} fixtures:\n\n{}", failures.len(), documents.len(), failures.join("\n\n"));
    official_parser_accepts(documents.iter().map(|(name, document)| (*name, document)));
    println!("fixed point: {} fixture contracts, each also accepted by the official parser", documents.len());
}

/// Every document the application side describes passes `@asyncapi/parser`.
fn official_parser_accepts<'a>(documents: impl Iterator<Item = (&'a str, &'a serde_json::Value)>) {
    // A folder per call: the tests of this file run at once.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("tidings-fixed-point-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let files: Vec<PathBuf> = documents
        .map(|(name, document)| {
            let file = dir.join(format!("{name}.json"));
            std::fs::write(&file, tidings::document::to_json(document)).expect("written");
            file
        })
        .collect();
    let refused: Vec<String> = tidings_tests::official_parser(&files)
        .into_iter()
        .filter(|v| !v.valid)
        .map(|v| format!("{}: {:?}", v.file, v.errors))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(refused.is_empty(), "the official parser refuses:\n{}", refused.join("\n"));
}

/// `camelize` writes channel, operation and message keys in camelCase, with every
/// reference to them, and leaves property names as the wire has them: the document never
/// says `dashedName` where the application reads `dashed-name`.
#[test]
fn camelize_renames_keys_and_never_what_the_wire_carries() {
    let config = DocumentConfig::from_info(&generated::names::INFO).camelize(true);
    let document = tidings::document::describe(&config, generated::names::CHANNELS.iter().copied());
    let keys = |section: &str| -> Vec<String> {
        document[section].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
    };
    assert_eq!(keys("channels"), ["userEvents", "type"]);
    assert!(keys("operations").contains(&"receiveUserEvents".to_owned()), "{:?}", keys("operations"));
    let messages: Vec<&String> =
        document["channels"]["userEvents"]["messages"].as_object().expect("messages").keys().collect();
    assert!(messages.contains(&&"userEvents".to_owned()) && messages.contains(&&"2faCode".to_owned()), "{messages:?}");
    assert_eq!(document["operations"]["receiveUserEvents"]["channel"]["$ref"], "#/channels/userEvents");
    assert_eq!(
        document["operations"]["receiveUserEvents"]["messages"][0]["$ref"],
        "#/channels/userEvents/messages/userEvents"
    );
    // Property names are the wire's, whatever camelize says, and so are `const` values.
    let payload = tidings::testing::lookup(&document, "/channels/userEvents/messages/userEvents/payload")
        .expect("the message's payload");
    let properties = payload["properties"].as_object().expect("properties");
    assert!(properties.contains_key("dashed-name") && properties.contains_key("with space"), "{payload}");
    assert_eq!(properties["type"]["const"], "option");
    // The address and its parameters are what the server routes: unchanged.
    assert_eq!(document["channels"]["userEvents"]["address"], "/users/{user-id}/events");
    official_parser_accepts(std::iter::once(("names-camelized", &document)));
}

/// A schema typed as a JSON value is described by the contract's own schema, written in
/// place; where that schema refers back to itself (the base of a polymorphic family, as
/// `untypeable.yaml` has), the reference back names it in `components/schemas`.
#[test]
fn a_recursive_schema_typed_as_a_json_value_is_named_where_it_recurses() {
    let document = described(&generated::untypeable::INFO, generated::untypeable::CHANNELS);
    let schemas = document["components"]["schemas"].as_object().expect("components/schemas");
    let text = document.to_string();
    for (name, schema) in schemas {
        let reference = format!("\"#/components/schemas/{name}\"");
        assert!(text.contains(&reference), "{name} is referred to");
        assert!(schema.is_object(), "{name}: {schema}");
    }
    assert!(text.contains("\"#/components/schemas/Vehicle\""), "{text}");
}

#[test]
fn types_of_one_name_from_two_contracts_are_both_written() {
    // `traits` and `untagged-pairs` both have a payload type `Done`, of different shapes. An
    // application mounting both documents each under its own name, and every message's
    // payload there is what its own contract's document says.
    let channels: Vec<&'static ChannelDescriptor> =
        generated::traits::CHANNELS.iter().chain(generated::untagged_pairs::CHANNELS).copied().collect();
    let both = described(&generated::traits::INFO, &channels);
    let schemas = both["components"]["schemas"].as_object().expect("schemas");
    assert!(schemas.contains_key("Done") && schemas.contains_key("Done2"), "{:?}", schemas.keys());
    assert_ne!(schemas["Done"], schemas["Done2"]);
    for alone in [
        described(&generated::traits::INFO, generated::traits::CHANNELS),
        described(&generated::untagged_pairs::INFO, generated::untagged_pairs::CHANNELS),
    ] {
        for (channel, object) in alone["channels"].as_object().expect("channels") {
            for key in object["messages"].as_object().expect("messages").keys() {
                let payload = format!("/channels/{channel}/messages/{key}/payload");
                assert_eq!(
                    inlined(&both, tidings::testing::lookup(&both, &payload).expect("in both")),
                    inlined(&alone, tidings::testing::lookup(&alone, &payload).expect("alone")),
                    "{payload}"
                );
            }
        }
    }
    official_parser_accepts(std::iter::once(("two-contracts", &both)));
}

/// `schema` with every reference into `document` replaced by what it points at.
fn inlined(document: &serde_json::Value, schema: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match schema {
        Value::Object(members) => match members.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let target = tidings::testing::lookup(document, reference.trim_start_matches('#')).expect("resolves");
                inlined(document, target)
            }
            None => members.iter().map(|(k, v)| (k.clone(), inlined(document, v))).collect(),
        },
        Value::Array(items) => items.iter().map(|v| inlined(document, v)).collect(),
        other => other.clone(),
    }
}
