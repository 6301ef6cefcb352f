//! A misspelt key of `#[channel]`.

struct Room;

#[tidings::channel(adress = "/room")]
impl Room {}

fn main() {}
