//! The contract becomes Rust: `src/main.rs` includes it with `tidings::include_contract!()`.
fn main() {
    tidings_build::compile("asyncapi.yaml");
}
