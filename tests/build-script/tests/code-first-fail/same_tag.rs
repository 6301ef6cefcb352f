//! Two messages of one channel with the same tag: the channel could not tell them apart.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tidings::{Context, HandlerError};

#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "chat")]
struct Say {
    text: String,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "chat")]
struct Shout {
    text: String,
}

struct Room;

#[tidings::channel(address = "/room")]
impl Room {
    #[handler]
    async fn say(&self, _: &mut Context<Self>, _: Say) -> Result<(), HandlerError> {
        Ok(())
    }

    #[handler]
    async fn shout(&self, _: &mut Context<Self>, _: Shout) -> Result<(), HandlerError> {
        Ok(())
    }
}

fn main() {}
