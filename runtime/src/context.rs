//! What a handler knows about, and can do with, its connection.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::codec::Outbound;
use crate::contract::ChannelSpec;
use crate::groups::{Groups, Sender, scoped};
use crate::outbox::{ConnectionId, Outbox, SendError};

/// A handler's view of its connection on channel `C`: the address parameters, the
/// connection's id, who opened it (`P`, the [`Principal`](crate::Principal) the application's
/// authenticator returned), the connection's own state `S`, what the handshake said, typed
/// sending of what the channel may send, and groups.
///
/// `P` and `S` are `()` unless the channel's consumer trait is implemented for others
/// (`impl chat::Chat<User, Session> for Consumer`).
pub struct Context<C: ChannelSpec, P = (), S = ()> {
    id: ConnectionId,
    /// What every clone of the context shares: one reference count to take per frame handled,
    /// rather than one for each of its parts.
    shared: Arc<Shared<C, P, S>>,
    /// The state, while a handler or hook of this connection runs.
    held: Option<OwnedMutexGuard<S>>,
    /// A state of no type (`()`), which handlers need not take turns for.
    unit: Option<S>,
}

/// The parts of a connection's context that its clones share.
struct Shared<C: ChannelSpec, P, S> {
    params: C::Params,
    outbox: Outbox,
    groups: Groups,
    remote: Option<SocketAddr>,
    /// What else the handshake said; `None` when it said nothing more (no principal, query,
    /// or kept header), as for most connections of a channel without users.
    peer: Option<Peer<P>>,
    /// The state its handlers share; `None` for a state of no type (`()`).
    state: Option<Arc<Mutex<S>>>,
}

/// What the handshake said about the peer beyond its address, kept for the connection's life.
#[derive(Debug)]
pub(crate) struct Peer<P> {
    /// `None` for a channel whose principal is `()`.
    pub(crate) principal: Option<Arc<P>>,
    /// The principal's key, which its connections are addressed by.
    pub(crate) key: Option<String>,
    pub(crate) query: Option<String>,
    /// The headers `ServerConfig::context_headers` names, lower-cased.
    pub(crate) headers: Vec<(String, String)>,
}

impl<C: ChannelSpec, P, S> Clone for Context<C, P, S> {
    /// A context for a task the handler spawns: it sends, broadcasts and reads what the
    /// handshake said, but has not the connection's state (see [`Context::state`]).
    fn clone(&self) -> Self {
        Self { id: self.id, shared: Arc::clone(&self.shared), held: None, unit: None }
    }
}

impl<C: ChannelSpec, P: Send + Sync + 'static, S: Send + Sync + 'static> Context<C, P, S> {
    /// A context for connection `id`.
    pub(crate) fn new(
        id: ConnectionId,
        params: C::Params,
        outbox: Outbox,
        groups: Groups,
        remote: Option<SocketAddr>,
        peer: Option<Peer<P>>,
        state: S,
    ) -> Self {
        let unit = std::any::TypeId::of::<S>() == std::any::TypeId::of::<()>();
        let state = (!unit).then(|| Arc::new(Mutex::new(state)));
        Self { id, shared: Arc::new(Shared { params, outbox, groups, remote, peer, state }), held: None, unit: None }
    }

    /// Takes the connection's state for a handler or hook to use (waiting for another
    /// handler of the same connection that has it, when frames are handled concurrently).
    /// A channel without state (`()`) takes nothing: its handlers never wait for each other.
    pub(crate) async fn hold(&mut self)
    where
        S: Default,
    {
        match &self.shared.state {
            None => {
                self.unit.get_or_insert_with(S::default);
            }
            Some(state) if self.held.is_none() => self.held = Some(Arc::clone(state).lock_owned().await),
            Some(_) => {}
        }
    }

    /// Gives the state back.
    pub(crate) fn release(&mut self) {
        self.held = None;
    }

    /// Joins the group of everyone on the channel, which server events reach.
    pub(crate) fn join_channel(&self) {
        self.shared.groups.layer().join(self.id, &crate::groups::channel_group(C::DESCRIPTOR.name));
    }

    /// Joins the group every connection of its principal is in, when the principal has a key.
    pub(crate) fn join_principal(&self) {
        if let Some(key) = self.shared.peer.as_ref().and_then(|peer| peer.key.as_ref()) {
            self.shared.groups.layer().join(self.id, &crate::groups::principal_group(C::DESCRIPTOR.name, key));
        }
    }
}

impl<C: ChannelSpec, P: 'static, S> Context<C, P, S> {
    /// Who opened the connection: what the application's authenticator returned for its
    /// handshake.
    pub fn principal(&self) -> &P {
        match self.peer().and_then(|peer| peer.principal.as_deref()) {
            Some(principal) => principal,
            None => {
                // Only a channel whose principal is `()` opens without one.
                static UNIT: () = ();
                let unit: &dyn std::any::Any = &UNIT;
                unit.downcast_ref::<P>().expect("a connection opened without a principal reads `()`")
            }
        }
    }

    fn peer(&self) -> Option<&Peer<P>> {
        self.shared.peer.as_ref()
    }

    /// The connection's state: set in `on_connect`, read and changed by every handler of the
    /// connection, gone when it closes. Handlers of one connection never share it at once:
    /// on a channel with `concurrency(n)` and a state, a handler waits for the one before it
    /// to finish (without a state, `()`, they do not wait).
    ///
    /// # Panics
    ///
    /// In a clone of the context (a task the handler spawned): the state belongs to the
    /// connection's handlers.
    pub fn state(&self) -> &S {
        self.held
            .as_deref()
            .or(self.unit.as_ref())
            .expect("the connection's state is for its handlers and hooks, not for a clone of their context")
    }

    /// The connection's state, to change. See [`state`](Self::state).
    ///
    /// # Panics
    ///
    /// In a clone of the context, as [`state`](Self::state).
    pub fn state_mut(&mut self) -> &mut S {
        let Self { held, unit, .. } = self;
        held.as_deref_mut()
            .or(unit.as_mut())
            .expect("the connection's state is for its handlers and hooks, not for a clone of their context")
    }

    /// The peer's address, when the front end knows it.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.shared.remote
    }

    /// The handshake's query string, without the `?`.
    pub fn query(&self) -> Option<&str> {
        self.peer()?.query.as_deref()
    }

    /// The value of the handshake's query parameter `name`, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query().and_then(|q| crate::auth::query_value(q, name))
    }

    /// The value of handshake header `name`, when
    /// [`ServerConfig::context_headers`](crate::ServerConfig::context_headers) keeps it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.peer()?.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Joins `group` of this channel.
    pub fn join(&self, group: &str) {
        self.shared.groups.layer().join(self.id, &scoped(C::DESCRIPTOR.name, group));
    }

    /// Leaves `group` of this channel.
    pub fn leave(&self, group: &str) {
        self.shared.groups.layer().leave(self.id, &scoped(C::DESCRIPTOR.name, group));
    }

    /// Sends `message` to every member of `group` on this channel, this connection included
    /// if it is a member; encoded once. Returns how many members it was queued for here.
    pub fn broadcast(&self, group: &str, message: impl Into<C::Outgoing>) -> Result<usize, SendError> {
        Ok(self.shared.groups.sender::<C>().broadcast(group, message)?)
    }

    /// Sends `message` to every member of `group` on this channel but this connection (in
    /// every process); encoded once. Returns how many members it was queued for here.
    pub fn broadcast_others(&self, group: &str, message: impl Into<C::Outgoing>) -> Result<usize, SendError> {
        Ok(self.shared.groups.sender::<C>().broadcast_except(group, self.id, message)?)
    }

    /// Publishes server event `event` to connections of this channel: see
    /// [`Sender::publish`]. `To::group(room).except(cx.id())` leaves this connection out.
    pub fn publish<E: serde::Serialize + Send + Sync + 'static>(&self, to: crate::To<'_>, event: E) -> usize {
        self.shared.groups.sender::<C>().publish(to, event)
    }

    /// Typed sends on this channel from tasks the handler spawns.
    pub fn sender(&self) -> Sender<C> {
        self.shared.groups.sender::<C>()
    }

    /// The connection's id.
    pub fn id(&self) -> ConnectionId {
        self.id
    }

    /// The address parameters the connection was opened with.
    pub fn params(&self) -> &C::Params {
        &self.shared.params
    }

    /// Sends a message to this connection's peer.
    pub fn send(&self, message: impl Into<C::Outgoing>) -> Result<(), SendError> {
        let frame = message.into().encode()?;
        self.shared.outbox.push(frame)
    }
}
