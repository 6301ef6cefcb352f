// A handler that takes a message the operation does not receive.
use tidings_build_script::contract::{chat, types};

struct Chat;

impl chat::Chat for Chat {
    async fn receive_chat(&self, _: &mut chat::Context, _: types::Ping) -> Result<(), tidings::HandlerError> {
        Ok(())
    }

    async fn receive_ping(&self, _: &mut chat::Context, _: types::Ping) -> Result<types::Pong, tidings::HandlerError> {
        Ok(types::Pong { action: types::PongAction::Pong })
    }
}

fn main() {}
