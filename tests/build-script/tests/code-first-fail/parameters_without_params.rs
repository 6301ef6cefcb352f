//! An address with parameters and no struct to read them into.

struct Room;

#[tidings::channel(address = "/rooms/{room_id}")]
impl Room {}

fn main() {}
