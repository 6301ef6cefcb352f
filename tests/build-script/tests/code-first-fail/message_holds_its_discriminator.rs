//! A message with a field where the discriminator goes.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "ping")]
struct Ping {
    action: String,
}

fn main() {}
