// A handler that replies with a message the contract does not give as its reply.
use tidings_build_script::contract::{chat, types};

struct Chat;

impl chat::Chat for Chat {
    async fn receive_chat(&self, _: &mut chat::Context, _: types::Chat) -> Result<(), tidings::HandlerError> {
        Ok(())
    }

    async fn receive_ping(&self, _: &mut chat::Context, _: types::Ping) -> Result<types::Ping, tidings::HandlerError> {
        Ok(types::Ping { action: types::PingAction::Ping })
    }
}

fn main() {}
