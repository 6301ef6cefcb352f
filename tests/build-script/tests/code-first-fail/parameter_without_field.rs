//! An address parameter the parameters struct has no field for.

#[derive(tidings::Params)]
struct RoomParams {
    room: String,
}

struct Room;

#[tidings::channel(address = "/rooms/{room_id}", params = RoomParams)]
impl Room {}

fn main() {}
