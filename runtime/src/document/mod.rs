//! The application's own AsyncAPI 3.0 document, built from what it runs: the channels
//! mounted and their real addresses, the schemas of the real Rust types (through schemars),
//! the security schemes the server checks, and the [`DocumentConfig`] given.
//!
//! Shapes come from the Rust types, so the document says what goes over the wire. What a
//! Rust type cannot say (numeric bounds, examples, titles, descriptions) comes from the
//! contract, which the generated code carries in its descriptors; it is laid over the shape
//! where both agree that the same property exists. A property the type has and the contract
//! lacks appears, one the contract has and the type lacks does not: a diff against the
//! contract then shows where implementation and contract part.
//!
//! An application's document is [`App::document`](crate::App::document); [`describe`] gives
//! the document of channels from their descriptors alone, without implementations.
//!
//! ```
//! use tidings::DocumentConfig;
//! let document = tidings::App::new().document_config(DocumentConfig::new("Empty", "1.0.0")).document();
//! assert_eq!(document["asyncapi"], "3.0.0");
//! assert_eq!(document["info"]["title"], "Empty");
//! ```
//!
//! The module's parts: [`DocumentConfig`] in `config.rs`; assembly in `build.rs`; laying the
//! contract over the real types' schemas in `reconcile.rs`, with the keyword table in
//! `keywords.rs`.

mod build;
mod config;
mod keywords;
mod reconcile;

use serde_json::Value;

pub(crate) use build::build;
pub use config::{DocumentConfig, DocumentServer};

use crate::descriptor::ChannelDescriptor;

/// A document as pretty JSON, with a final newline.
pub fn to_json(document: &Value) -> String {
    tidings_asyncapi::emit::to_json(document)
}

/// A document as YAML.
pub fn to_yaml(document: &Value) -> String {
    tidings_asyncapi::emit::to_yaml(document)
}

/// Marks what the runtime adds to the document on its own: the error frame's message and
/// operation, which the contract need not declare.
pub const ERROR_FRAME_EXTENSION: &str = "x-tidings-error-frame";

/// The document of the channels `descriptors` describe, without implementations and without
/// a server: a generated module's `CHANNELS` describe its whole contract.
///
/// ```
/// # fn demo(info: &tidings::descriptor::InfoDescriptor, channels: &[&'static tidings::descriptor::ChannelDescriptor]) {
/// // `info` and `channels`: a generated module's `contract::INFO` and `contract::CHANNELS`.
/// let config = tidings::DocumentConfig::from_info(info);
/// let document = tidings::document::describe(&config, channels.iter().copied());
/// # let _ = document;
/// # }
/// ```
pub fn describe(config: &DocumentConfig, descriptors: impl IntoIterator<Item = &'static ChannelDescriptor>) -> Value {
    build(config, descriptors, None)
}

/// Where a channel is served: its contract address, else `/<channel name>`.
pub(crate) fn mount_address(descriptor: &ChannelDescriptor) -> String {
    descriptor.address.map_or_else(|| format!("/{}", descriptor.name), str::to_owned)
}

/// A `$ref` to the place named by `tokens`, each escaped: `#/channels/a~1b`.
pub(crate) fn reference<const N: usize>(tokens: [&str; N]) -> String {
    // Names are nearly always plain (letters, digits, `.`, `-`, `_`): written straight out;
    // anything else is escaped and percent-encoded by the pointer type.
    let plain = |t: &str| t.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if !tokens.iter().all(|t| plain(t)) {
        return tidings_asyncapi::JsonPointer::from_tokens(tokens).to_fragment();
    }
    let mut out = String::with_capacity(1 + tokens.iter().map(|t| t.len() + 1).sum::<usize>());
    out.push('#');
    for token in tokens {
        out.push('/');
        out.push_str(token);
    }
    out
}

/// `name`, or `name2`, `name3`, ...: the first that `map` holds `value` under or holds nothing under.
pub(crate) fn free_name(map: &serde_json::Map<String, Value>, name: &str, value: &Value) -> String {
    let mut free = name.to_owned();
    let mut n = 1;
    while map.get(&free).is_some_and(|there| there != value) {
        n += 1;
        free = format!("{name}{n}");
    }
    free
}
