//! Contract-first WebSockets: serve and call an AsyncAPI 3.0 contract with typed Rust.
//!
//! A user's `build.rs` runs [`tidings-build`](https://docs.rs/tidings-build) on the contract;
//! [`include_contract!`] brings the generated module in: message types, one message enum
//! per channel and direction, one consumer trait per channel, and a descriptor of each
//! channel. This crate is what that code runs on.

mod auth;
#[cfg(feature = "axum")]
pub mod axum;
mod channel;
mod client;
mod codec;
mod compact;
mod config;
mod connection;
mod context;
pub mod descriptor;
pub mod docs;
mod error;
mod groups;
mod params;
#[cfg(feature = "redis")]
mod redis;
mod routing;
mod server;
mod shape;
pub mod spec;
pub mod testing;

pub use auth::{AuthError, Authenticator, Credential};
pub use channel::{Channel, ChannelSpec, FrameError, Handler, Session};
pub use client::{Client, ClientError};
pub use codec::{DecodeError, EncodeError, Frame, Inbound, Message, Outbound};
pub use config::{Origins, ServerConfig};
pub use context::{ConnectionId, Context, Outbox, SendError};
pub use docs::{Assets, DocsConfig};
pub use error::{ErrorBody, HandlerError};
pub use groups::{Groups, InProcess, Layer, LayerHealth, Sender};
pub use params::{ParamError, Params};
#[cfg(feature = "redis")]
pub use redis::{RedisConfig, RedisLayer, RedisLayerError};
pub use server::{Server, ShutdownHandle};
pub use spec::{Spec, SpecConfig, SpecServer};

/// Includes the module `tidings-build` generated into `OUT_DIR`.
///
/// `include_contract!()` includes `contract.rs`, the default of `tidings_build::compile`;
/// `include_contract!("name")` includes `name.rs`.
#[macro_export]
macro_rules! include_contract {
    () => {
        $crate::include_contract!("contract");
    };
    ($name:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $name, ".rs"));
    };
}

/// Fails unless an application's document says what its contract says: see
/// [`testing::assert_contract`]. The path is relative to the calling crate's manifest.
///
/// ```ignore
/// tidings::assert_contract!(server.document(), "asyncapi.yaml");
/// ```
#[macro_export]
macro_rules! assert_contract {
    ($document:expr, $contract:literal) => {
        $crate::testing::assert_contract(&$document, concat!(env!("CARGO_MANIFEST_DIR"), "/", $contract))
    };
}

/// What generated code uses. Not a stable API: its contents follow the generator.
#[doc(hidden)]
pub mod __private {
    pub use crate::codec::{decode_json, encode_json, read_tag};
    pub use crate::compact::{ConversionError, check_length, deserialize_tag};
    pub use crate::params::check_allowed;
    pub use crate::shape::{Reader, Shapes, decode_value};
    pub use crate::{__bounded_string as bounded_string, __tag as tag};
    pub use chrono;
    pub use regress;
    pub use schemars;
    pub use serde;
    pub use serde_json;
    pub use uuid;
}
