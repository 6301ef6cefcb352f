//! A handler whose argument is not a message.
use tidings::{Context, HandlerError};

struct Room;

#[tidings::channel(address = "/room")]
impl Room {
    #[handler]
    async fn say(&self, _: &mut Context<Self>, _: String) -> Result<(), HandlerError> {
        Ok(())
    }
}

fn main() {}
