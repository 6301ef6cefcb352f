//! Two messages of one channel told apart by different properties: a frame could not say
//! which of them to read.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tidings::{Context, HandlerError};

#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "ping")]
struct Ping;

#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "pong", discriminator = "type")]
struct Pong;

struct Room;

#[tidings::channel(address = "/room")]
impl Room {
    #[handler]
    async fn ping(&self, _: &mut Context<Self>, _: Ping) -> Result<Pong, HandlerError> {
        Ok(Pong)
    }
}

fn main() {}
