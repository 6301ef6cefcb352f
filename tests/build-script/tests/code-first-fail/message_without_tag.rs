//! A message without its tag.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
struct Ping;

fn main() {}
