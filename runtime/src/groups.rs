//! Groups of connections and messages to them: joined from handlers, broadcast to from
//! anywhere, typed by the channel ([`Sender`]). Membership itself lives in a
//! [`Layer`](crate::layer::Layer).

use std::marker::PhantomData;
use std::sync::Arc;

use crate::codec::{EncodeError, Outbound};
use crate::contract::ChannelSpec;
use crate::membership::{InProcess, Layer};
use crate::outbox::ConnectionId;

/// A cloneable handle on the server's layer.
#[derive(Clone)]
pub struct Groups {
    layer: Arc<dyn Layer>,
}

impl std::fmt::Debug for Groups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Groups").finish_non_exhaustive()
    }
}

impl Groups {
    /// A handle on `layer`.
    pub fn new(layer: impl Layer) -> Self {
        Self { layer: Arc::new(layer) }
    }

    /// The layer.
    pub fn layer(&self) -> &dyn Layer {
        &*self.layer
    }

    /// Typed sends on channel `C` from outside any connection: an HTTP handler, a timer.
    pub fn sender<C: ChannelSpec>(&self) -> Sender<C> {
        Sender { groups: self.clone(), channel: PhantomData }
    }
}

impl Default for Groups {
    fn default() -> Self {
        Self::new(InProcess::default())
    }
}

/// Group names are scoped to their channel, so that a group of one channel never receives
/// another channel's messages.
pub(crate) fn scoped(channel: &str, group: &str) -> String {
    format!("{channel}\u{1f}{group}")
}

/// The group every connection of the principal with `key` on `channel` is in. Its name
/// starts with a character no group name a handler joins by a word is likely to.
pub(crate) fn principal_group(channel: &str, key: &str) -> String {
    format!("{channel}\u{1f}\u{1e}principal\u{1e}{key}")
}

/// Sends channel `C`'s outgoing messages to its groups and connections, from anywhere.
pub struct Sender<C: ChannelSpec> {
    groups: Groups,
    channel: PhantomData<fn() -> C>,
}

impl<C: ChannelSpec> Clone for Sender<C> {
    fn clone(&self) -> Self {
        Self { groups: self.groups.clone(), channel: PhantomData }
    }
}

impl<C: ChannelSpec> std::fmt::Debug for Sender<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").field("channel", &C::DESCRIPTOR.name).finish()
    }
}

impl<C: ChannelSpec> Sender<C> {
    /// Sends `message` to every member of `group` on this channel; encoded once for all.
    /// Returns how many members it was queued for in this process.
    pub fn broadcast(&self, group: &str, message: impl Into<C::Outgoing>) -> Result<usize, EncodeError> {
        let frame = message.into().encode()?;
        Ok(self.groups.layer.broadcast(&scoped(C::DESCRIPTOR.name, group), frame))
    }

    /// Sends `message` to every member of `group` on this channel but connection `except`
    /// (the sender, usually); encoded once for all. Returns how many members it was queued
    /// for in this process.
    pub fn broadcast_except(
        &self,
        group: &str,
        except: ConnectionId,
        message: impl Into<C::Outgoing>,
    ) -> Result<usize, EncodeError> {
        let frame = message.into().encode()?;
        Ok(self.groups.layer.broadcast_except(&scoped(C::DESCRIPTOR.name, group), frame, except))
    }

    /// Sends `message` to every connection on this channel whose principal has `key`
    /// ([`Principal::key`](crate::Principal::key)): all of one user's tabs, in this process
    /// and, through the Redis layer, in others. Returns how many it was queued for here.
    pub fn to_principal(&self, key: &str, message: impl Into<C::Outgoing>) -> Result<usize, EncodeError> {
        let frame = message.into().encode()?;
        Ok(self.groups.layer.broadcast(&principal_group(C::DESCRIPTOR.name, key), frame))
    }

    /// Sends `message` to one connection; `false` when it is not connected here.
    pub fn send(&self, id: ConnectionId, message: impl Into<C::Outgoing>) -> Result<bool, EncodeError> {
        let frame = message.into().encode()?;
        Ok(self.groups.layer.send_to(id, frame))
    }

    /// The members of `group` on this channel, connected here.
    pub fn members(&self, group: &str) -> Vec<ConnectionId> {
        self.groups.layer.members(&scoped(C::DESCRIPTOR.name, group))
    }
}
