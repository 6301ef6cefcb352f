//! Connections as the rest of the runtime sees them: their ids, unique across processes, and
//! the bounded queue of what waits to be written to each: frames, and server events each
//! connection turns into a frame.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::task::AtomicWaker;
use tokio::sync::mpsc;

use crate::codec::Frame;
use crate::event::Event;

/// A connection's identity, unique across processes for its lifetime.
///
/// The high 32 bits name the process (its *node*, drawn at random when the process issues its
/// first id), the low 32 bits count the process's connections. So an id says which process
/// holds the connection, which is how a cross-process layer routes a directed send, and ids
/// from two processes do not collide (two nodes of 100 processes coincide with odds of about
/// one in a million). Displayed as `#<count>@<node in hex>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub(crate) u64);

impl ConnectionId {
    /// A fresh id.
    pub fn next() -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(1);
        // After 2^32 connections the count wraps, skipping 0; an id repeats only if a
        // connection outlives four billion others of its process.
        let mut count = NEXT.fetch_add(1, Ordering::Relaxed);
        if count == 0 {
            count = NEXT.fetch_add(1, Ordering::Relaxed);
        }
        Self((u64::from(process_node()) << 32) | u64::from(count))
    }

    /// The id as a number.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The id whose number is `raw`, as [`get`](Self::get) gave it: how an id passed between
    /// processes (in a message, a database) comes back, for a directed send through a
    /// cross-process layer.
    pub fn from_u64(raw: u64) -> Self {
        Self(raw)
    }

    /// The process that issued the id: the same for every id of a process, different (with
    /// high probability) between processes.
    pub fn node(self) -> u32 {
        (self.0 >> 32) as u32
    }
}

impl std::fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}@{:08x}", self.0 & u64::from(u32::MAX), self.node())
    }
}

/// This process's node: the high half of every [`ConnectionId`] it issues. Random, from the
/// standard library's randomly keyed hasher (seeded by the operating system), never 0.
pub(crate) fn process_node() -> u32 {
    static NODE: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *NODE.get_or_init(|| {
        let random = random_u64();
        ((random >> 32) as u32 ^ random as u32).max(1)
    })
}

/// 64 random bits, without a dependency: a hash of the process id and the time under the
/// standard library's randomly keyed `RandomState`.
pub(crate) fn random_u64() -> u64 {
    use std::hash::BuildHasher;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    std::collections::hash_map::RandomState::new().hash_one((std::process::id(), now.as_nanos()))
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

/// What a layer delivers to a connection: a frame to write as it is, or a server event for
/// the connection's [`Events`](crate::Events) handler to turn into one (or none).
#[derive(Debug, Clone)]
pub enum Delivery {
    /// A frame, written as it is.
    Frame(Frame),
    /// A server event.
    Event(Event),
}

impl From<Frame> for Delivery {
    fn from(frame: Frame) -> Self {
        Self::Frame(frame)
    }
}

impl From<Event> for Delivery {
    fn from(event: Event) -> Self {
        Self::Event(event)
    }
}

/// The sending half of a connection's bounded outbound queue.
///
/// Pushing never waits: a full queue means the peer reads slower than the server writes,
/// and the connection is closed as too slow rather than let memory grow.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Delivery>,
    overflow: Arc<Overflow>,
}

#[derive(Debug, Default)]
struct Overflow {
    happened: AtomicBool,
    /// The connection's task, woken by the first overflow.
    waker: AtomicWaker,
}

impl Outbox {
    /// A queue of `capacity` deliveries and its receiving end.
    pub fn bounded(capacity: usize) -> (Self, mpsc::Receiver<Delivery>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (Self { tx, overflow: Arc::default() }, rx)
    }

    /// Queues a frame without waiting.
    pub fn push(&self, frame: Frame) -> Result<(), SendError> {
        self.deliver(Delivery::Frame(frame))
    }

    /// Queues a frame or an event without waiting.
    pub fn deliver(&self, delivery: Delivery) -> Result<(), SendError> {
        self.tx.try_send(delivery).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                crate::telemetry::outbound_dropped();
                self.overflow.happened.store(true, Ordering::Release);
                self.overflow.waker.wake();
                SendError::QueueFull
            }
            mpsc::error::TrySendError::Closed(_) => SendError::Closed,
        })
    }

    /// Ready once a push has found the queue full; registers the connection's task to be
    /// woken when one does.
    pub(crate) fn poll_overflowed(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        if self.overflow.happened.load(Ordering::Acquire) {
            return std::task::Poll::Ready(());
        }
        self.overflow.waker.register(cx.waker());
        if self.overflow.happened.load(Ordering::Acquire) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    }
}
