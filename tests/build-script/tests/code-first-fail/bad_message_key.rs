//! A misspelt key of `#[message]`.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "ping", titel = "Ping")]
struct Ping;

fn main() {}
