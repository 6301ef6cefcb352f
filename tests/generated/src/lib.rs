//! Every snapshot of generated code under `build-support/tests/snapshots`, compiled with
//! warnings as errors; the tests round-trip each contract's example frames through the
//! generated message enums.
#![deny(warnings, missing_docs)]

/// `chat.yaml`, application side.
#[path = "../../../build-support/tests/snapshots/chat.rs"]
pub mod chat;

/// `chat.yaml`, peer side.
#[path = "../../../build-support/tests/snapshots/chat.peer.rs"]
pub mod chat_peer;
