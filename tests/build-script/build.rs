//! Generates both sides of the chat contract (the fixture the example's contract grew from),
//! a multi-file contract, a snake_case contract with its wire camelized, an auction whose
//! bids carry a correlation id, the document the code-first example exports, a contract some of
//! whose schemas the crate types itself, and two contracts without a discriminator, as a user's
//! build script would.
fn main() {
    tidings_build::compile("../../build-support/tests/fixtures/chat.yaml");
    tidings_build::Builder::new("../../build-support/tests/fixtures/chat.yaml")
        .side(tidings_build::Side::Peer)
        .output_name("chat_peer")
        .compile();
    tidings_build::Builder::new("../../build-support/tests/fixtures/collisions/asyncapi.yaml")
        .output_name("collisions")
        .derive("Eq")
        .compile();
    tidings_build::Builder::new("contracts/events.yaml").camelize(true).output_name("events_camel").compile();
    // The code-first example's exported document, read back as a contract: both halves meet.
    tidings_build::Builder::new("../../examples/code-first/asyncapi.yaml").output_name("code_first").compile();
    // Three schemas typed by the crate's own types (`src/lib.rs`, `model`).
    tidings_build::Builder::new("contracts/replaced.yaml")
        .output_name("replaced")
        .replace("Person", "crate::model::Person")
        .replace("Handle", "crate::model::Handle")
        .replace("Place", "crate::model::Place")
        .compile();
    // Bids with bounded fields and a correlation id, for error frames word for word.
    tidings_build::Builder::new("contracts/auction.yaml").output_name("auction").compile();
    // Contracts with no discriminator: binary and JSON on one channel, and untagged
    // request/response pairs, both sides.
    for (fixture, name) in [("speech", "speech"), ("untagged-pairs", "pairs")] {
        let path = format!("../../build-support/tests/fixtures/{fixture}.yaml");
        tidings_build::Builder::new(&path).output_name(name).compile();
        tidings_build::Builder::new(&path)
            .side(tidings_build::Side::Peer)
            .output_name(format!("{name}_peer"))
            .compile();
    }
}
