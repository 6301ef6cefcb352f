// Mounting a type that does not implement the channel's consumer trait.
use tidings_build_script::contract::chat;

struct NotAChat;

fn main() {
    let _ = chat::channel(NotAChat);
}
