//! What a handler knows about, and can do with, its connection.

use std::sync::Arc;

use crate::codec::Outbound;
use crate::contract::ChannelSpec;
use crate::groups::{Groups, Sender, scoped};
use crate::outbox::{ConnectionId, Outbox, SendError};

/// A handler's view of its connection on channel `C`: the address parameters, the
/// connection's id, typed sending of what the channel may send, and groups.
pub struct Context<C: ChannelSpec> {
    id: ConnectionId,
    params: Arc<C::Params>,
    outbox: Outbox,
    groups: Groups,
}

impl<C: ChannelSpec> Clone for Context<C> {
    fn clone(&self) -> Self {
        Self { id: self.id, params: Arc::clone(&self.params), outbox: self.outbox.clone(), groups: self.groups.clone() }
    }
}

impl<C: ChannelSpec> Context<C> {
    /// A context for connection `id`.
    pub(crate) fn new(id: ConnectionId, params: C::Params, outbox: Outbox, groups: Groups) -> Self {
        Self { id, params: Arc::new(params), outbox, groups }
    }

    /// Joins `group` of this channel.
    pub fn join(&self, group: &str) {
        self.groups.layer().join(self.id, &scoped(C::DESCRIPTOR.name, group));
    }

    /// Leaves `group` of this channel.
    pub fn leave(&self, group: &str) {
        self.groups.layer().leave(self.id, &scoped(C::DESCRIPTOR.name, group));
    }

    /// Sends `message` to every member of `group` on this channel, this connection included
    /// if it is a member; encoded once. Returns how many members it was queued for here.
    pub fn broadcast(&self, group: &str, message: impl Into<C::Outgoing>) -> Result<usize, SendError> {
        Ok(self.groups.sender::<C>().broadcast(group, message)?)
    }

    /// Typed sends on this channel from tasks the handler spawns.
    pub fn sender(&self) -> Sender<C> {
        self.groups.sender::<C>()
    }

    /// The connection's id.
    pub fn id(&self) -> ConnectionId {
        self.id
    }

    /// The address parameters the connection was opened with.
    pub fn params(&self) -> &C::Params {
        &self.params
    }

    /// Sends a message to this connection's peer.
    pub fn send(&self, message: impl Into<C::Outgoing>) -> Result<(), SendError> {
        let frame = message.into().encode()?;
        self.outbox.push(frame)
    }
}
