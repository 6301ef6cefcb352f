//! What a handler knows about, and can do with, its connection.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::channel::ChannelSpec;
use crate::codec::{Frame, Outbound};

/// A connection's identity, unique within the process for its lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub(crate) u64);

impl ConnectionId {
    /// A fresh id.
    pub(crate) fn next() -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The id as a number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Why a frame could not be queued for a connection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The connection's outbound queue is full: the peer does not read fast enough.
    #[error("the connection's outbound queue is full")]
    QueueFull,
    /// The connection is closed.
    #[error("the connection is closed")]
    Closed,
    /// The message could not be encoded.
    #[error(transparent)]
    Encode(#[from] crate::codec::EncodeError),
}

/// The sending half of a connection's bounded outbound queue.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Frame>,
}

impl Outbox {
    /// A queue of `capacity` frames and its receiving end.
    pub fn bounded(capacity: usize) -> (Self, mpsc::Receiver<Frame>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (Self { tx }, rx)
    }

    /// Queues a frame without waiting: a full queue is the peer's problem, not the sender's.
    pub fn push(&self, frame: Frame) -> Result<(), SendError> {
        self.tx.try_send(frame).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SendError::QueueFull,
            mpsc::error::TrySendError::Closed(_) => SendError::Closed,
        })
    }
}

/// A handler's view of its connection on channel `C`: the address parameters, the
/// connection's id, and typed sending of what the channel may send.
pub struct Context<C: ChannelSpec> {
    id: ConnectionId,
    params: Arc<C::Params>,
    outbox: Outbox,
}

impl<C: ChannelSpec> Context<C> {
    /// A context for a new connection.
    pub fn new(params: C::Params, outbox: Outbox) -> Self {
        Self { id: ConnectionId::next(), params: Arc::new(params), outbox }
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
