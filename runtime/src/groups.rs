//! Groups of connections and messages to them: joined from handlers, broadcast to from
//! anywhere, typed by the channel ([`Sender`]), and server events published to them.
//! Membership itself lives in a [`Layer`](crate::layer::Layer).

use std::marker::PhantomData;
use std::sync::Arc;

use crate::codec::{EncodeError, Outbound};
use crate::contract::ChannelSpec;
use crate::event::{Event, Target, To};
use crate::membership::{InProcess, Layer};
use crate::outbox::{ConnectionId, Delivery};

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

/// The group every connection on `channel` whose channel handles server events is in.
pub(crate) fn channel_group(channel: &str) -> String {
    format!("{channel}\u{1f}\u{1e}all")
}

/// Sends channel `C`'s outgoing messages, and publishes server events, to its groups and
/// connections, from anywhere.
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
        Ok(self.groups.layer.broadcast(&scoped(C::DESCRIPTOR.name, group), frame.into()))
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
        Ok(self.groups.layer.broadcast_except(&scoped(C::DESCRIPTOR.name, group), frame.into(), except))
    }

    /// Sends `message` to every connection on this channel whose principal has `key`
    /// ([`Principal::key`](crate::Principal::key)): all of one user's tabs, in this process
    /// and, through the Redis layer, in others. Returns how many it was queued for here.
    pub fn to_principal(&self, key: &str, message: impl Into<C::Outgoing>) -> Result<usize, EncodeError> {
        let frame = message.into().encode()?;
        Ok(self.groups.layer.broadcast(&principal_group(C::DESCRIPTOR.name, key), frame.into()))
    }

    /// Sends `message` to one connection; `false` when it is not connected here.
    pub fn send(&self, id: ConnectionId, message: impl Into<C::Outgoing>) -> Result<bool, EncodeError> {
        let frame = message.into().encode()?;
        Ok(self.groups.layer.send_to(id, frame.into()))
    }

    /// Publishes server event `event` to connections of this channel (see [`To`]): each
    /// recipient's [`Events`](crate::Events) handler decides what, if anything, its peer
    /// receives. In this process the value itself reaches the handlers (no encoding); a
    /// cross-process layer carries it to the others as JSON. Returns how many connections it
    /// was queued for here (for [`To::connection`], 1 also when it was handed on to the
    /// process that holds the connection).
    ///
    /// Connections of a channel mounted without an event handler are not reached.
    pub fn publish<E: serde::Serialize + Send + Sync + 'static>(&self, to: To<'_>, event: E) -> usize {
        self.publish_event(to, Event::new(event))
    }

    /// Publishes an event already made: see [`publish`](Self::publish).
    pub fn publish_event(&self, to: To<'_>, event: Event) -> usize {
        let layer = &self.groups.layer;
        let channel = C::DESCRIPTOR.name;
        let group = match to.target {
            Target::Connection(id) if to.except == Some(id) => return 0,
            Target::Connection(id) => return usize::from(layer.send_to(id, event.into())),
            Target::Group(group) => scoped(channel, group),
            Target::Principal(key) => principal_group(channel, key),
            Target::Channel => channel_group(channel),
        };
        let delivery = Delivery::Event(event);
        match to.except {
            Some(except) => layer.broadcast_except(&group, delivery, except),
            None => layer.broadcast(&group, delivery),
        }
    }

    /// The members of `group` on this channel, connected here.
    pub fn members(&self, group: &str) -> Vec<ConnectionId> {
        self.groups.layer.members(&scoped(C::DESCRIPTOR.name, group))
    }
}
