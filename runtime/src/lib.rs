//! Contract-first WebSockets: serve and call an AsyncAPI 3.0 contract with typed Rust.
//!
//! A user's `build.rs` runs [`tidings-build`](https://docs.rs/tidings-build) on the contract;
//! [`include_contract!`] brings the generated module in: message types, one message enum
//! per channel and direction, one consumer trait per channel, and a descriptor of each
//! channel. This crate is what that code runs on.
//!
//! An application is an [`App`]: the channels it mounts and everything about serving them.
//!
//! ```no_run
//! # async fn serve(chat: tidings::Channel) -> std::io::Result<()> {
//! // `chat` is `contract::chat::channel(MyChat)`, the generated channel over your type.
//! let app = tidings::App::new().mount(chat);
//! let server = app.bind("127.0.0.1:8080").await?;
//! server.serve().await
//! # }
//! ```
//!
//! The crate root holds what an application author writes most. The modules hold the rest,
//! by concern and audience: [`app`] the bound server and its shutdown handle, [`auth`] the
//! credentials and refusals of handshakes, [`config`] the server's settings with origins,
//! [`event`] the events a connection's handler receives, [`client`] the typed client's
//! errors, [`code_first`] the `Message` trait of code-first channels; [`channel`](mod@channel) and
//! [`codec`] what generated code implements (and what tests drive by hand), [`layer`] what a
//! group layer implements, [`document`] and [`docs`] the application's own AsyncAPI document
//! and its endpoints, [`descriptor`] the contract as generated code carries it, [`testing`]
//! helpers for tests.

pub mod app;
pub mod auth;
#[cfg(feature = "axum")]
mod axum;
pub mod bounded;
pub mod channel;
pub mod client;
pub mod code_first;
pub mod codec;
mod compact;
pub mod config;
mod connection;
mod context;
pub mod contract;
pub mod descriptor;
pub mod docs;
pub mod document;
mod error;
pub mod event;
mod groups;
mod handshake;
mod http;
mod json;
mod membership;
mod outbox;
#[cfg(feature = "redis")]
mod redis;
mod routing;
mod shape;
mod tcp;
mod telemetry;
pub mod testing;
mod websocket;
mod wording;

// The application, served by a bound [`app::Server`] or an axum router.
pub use app::App;
// Who may connect: the authenticator of the contract's security schemes.
pub use auth::{AuthError, Authenticator, Handshake, Principal};
// A channel implementation, as `contract::<channel>::channel(imp)` returns it.
pub use channel::Channel;
// A typed client of a channel.
pub use client::Client;
// Server settings.
pub use config::ServerConfig;
// What a handler sees of its connection.
pub use context::Context;
// The generated marker type of a channel (`contract::<channel>::Spec`) implements this.
pub use contract::ChannelSpec;
// The documentation endpoints.
pub use docs::DocsConfig;
// The application's own AsyncAPI document: what it says beyond the channels.
pub use document::DocumentConfig;
// Code first: messages, address parameters and channels declared in Rust.
pub use code_first::Message;
#[cfg(feature = "macros")]
pub use tidings_macros::{Message, Params, channel};
// Errors a handler returns.
pub use error::HandlerError;
// Server events: published to connections, turned into messages by each.
pub use event::{Events, To};
// Typed sends from outside any connection.
pub use groups::Sender;
// A connection's id.
pub use outbox::ConnectionId;

/// Where group membership lives: the [`Layer`](layer::Layer) trait and its implementations,
/// in this process ([`InProcess`](layer::InProcess)) or across processes through Redis
/// (`RedisLayer`, feature `redis`), and the handle on an application's layer
/// ([`Groups`](layer::Groups)). What implementing a layer takes: [`Outbox`](layer::Outbox),
/// [`ConnectionId`] and [`codec::Frame`].
pub mod layer {
    pub use crate::groups::Groups;
    pub use crate::membership::{Census, InProcess, Layer, LayerHealth};
    pub use crate::outbox::{Delivery, Inbox, Outbox, SendError};
    #[cfg(feature = "redis")]
    pub use crate::redis::{InvalidRedisUrl, RedisConfig, RedisLayer, RedisLayerError};
}

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

/// Code first: fails unless an application's document is the checked-in document at a path
/// relative to the calling crate's manifest, or writes it there with
/// `TIDINGS_UPDATE_DOCUMENT=1`: see [`testing::assert_document`].
///
/// ```ignore
/// tidings::assert_document!(app.document(), "asyncapi.yaml");
/// ```
#[macro_export]
macro_rules! assert_document {
    ($document:expr, $path:literal) => {
        $crate::testing::assert_document(&$document, concat!(env!("CARGO_MANIFEST_DIR"), "/", $path))
    };
}

/// What generated code uses. Not a stable API: its contents follow the generator.
#[doc(hidden)]
pub mod __private {
    pub use crate::__tag as tag;
    pub use crate::channel::{Channel, Handler};
    pub use crate::code_first::{decode_tagged, encode_tagged, parse_param, same_str, same_strs, tagged_schema};
    pub use crate::codec::{DecodeError, EncodeError, Frame, Inbound, MessageEnum, Outbound};
    pub use crate::codec::{decode_json, encode_json, read_tag};
    pub use crate::compact::{ConversionError, deserialize_tag};
    pub use crate::context::Context;
    pub use crate::contract::{ChannelSpec, ParamError, Params, check_allowed};
    pub use crate::descriptor;
    pub use crate::error::HandlerError;
    pub use crate::event::Events;
    pub use crate::shape::{Reader, Shapes, decode_value};
    pub use chrono;
    pub use regress;
    pub use schemars;
    pub use serde;
    pub use serde_json;
    pub use uuid;
}
