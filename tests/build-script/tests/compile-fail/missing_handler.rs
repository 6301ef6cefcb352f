// A consumer that does not implement every operation the application receives.
use tidings_build_script::contract::{chat, types};

struct Chat;

impl chat::Chat for Chat {
    async fn receive_chat(&self, _: &mut chat::Context, _: types::Chat) -> Result<(), tidings::HandlerError> {
        Ok(())
    }
}

fn main() {}
