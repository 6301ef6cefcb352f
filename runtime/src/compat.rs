//! The names this crate had before [`App`](crate::App) held the application once, kept
//! (hidden) for crates not moved yet: `Spec` (now [`document::describe`]), `SpecConfig` (now
//! [`DocumentConfig`]) and the `spec` module (now [`document`](crate::document)). Nothing
//! here is documented API; it goes once its last user has moved.

use serde_json::Value;

use crate::channel::Channel;
use crate::descriptor::ChannelDescriptor;
use crate::document::{self, DocumentConfig};

/// Old name of [`DocumentConfig`].
pub type SpecConfig = DocumentConfig;

/// Old home of [`document::to_json`], [`document::to_yaml`] and
/// [`document::ERROR_FRAME_EXTENSION`].
pub mod spec {
    pub use crate::document::{DocumentServer as SpecServer, ERROR_FRAME_EXTENSION, to_json, to_yaml};
}

/// The document of channels without a server: now [`document::describe`], or
/// [`App::document`](crate::App::document) for an application.
#[derive(Debug, Clone)]
pub struct Spec {
    config: DocumentConfig,
    channels: Vec<&'static ChannelDescriptor>,
}

impl Spec {
    /// No channels yet.
    pub fn new(config: DocumentConfig) -> Self {
        Self { config, channels: Vec::new() }
    }

    /// Adds a channel at its contract address.
    #[must_use]
    pub fn mount(self, channel: &Channel) -> Self {
        self.describe(channel.descriptor())
    }

    /// Adds a channel by its descriptor alone.
    #[must_use]
    pub fn describe(mut self, descriptor: &'static ChannelDescriptor) -> Self {
        self.channels.push(descriptor);
        self
    }

    /// The document, as a JSON value.
    pub fn document(&self) -> Value {
        document::describe(&self.config, self.channels.iter().copied())
    }
}
