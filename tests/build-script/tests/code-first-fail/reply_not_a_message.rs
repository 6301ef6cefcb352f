//! A handler whose reply is not a message.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tidings::{Context, HandlerError};

#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "ping")]
struct Ping;

struct Room;

#[tidings::channel(address = "/room")]
impl Room {
    #[handler]
    async fn ping(&self, _: &mut Context<Self>, _: Ping) -> Result<u32, HandlerError> {
        Ok(1)
    }
}

fn main() {}
