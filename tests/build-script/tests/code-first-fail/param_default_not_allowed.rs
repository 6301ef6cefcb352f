//! An address parameter whose default is not one of its allowed values.

#[derive(tidings::Params)]
struct ShelfParams {
    #[param(allowed = ["books", "games"], default = "toys")]
    kind: String,
}

fn main() {}
