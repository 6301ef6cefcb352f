//! A handler that takes its message by reference.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "ping")]
struct Ping;

struct Room;

#[tidings::channel(address = "/room")]
impl Room {
    #[handler]
    async fn ping(&self, _: &mut Context<Self>, _: &Ping) -> Result<(), HandlerError> {
        Ok(())
    }
}

fn main() {}
