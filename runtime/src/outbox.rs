//! Connections as the rest of the runtime sees them: their ids, unique across processes, and
//! the bounded queue of what waits to be written to each: frames, and server events each
//! connection turns into a frame.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_util::task::ArcWake;
use tokio::sync::mpsc;

use crate::codec::Frame;
use crate::connection::Signals;
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
    tx: mpsc::UnboundedSender<Delivery>,
    shared: Arc<Shared>,
}

/// What both ends of a queue share. The bound is a count beside an unbounded channel rather
/// than a bounded channel: tokio's bounded channel gives a permit back under a mutex for
/// every delivery taken, which a broadcast to a thousand members pays a thousand times.
///
/// The connection's task keeps here too what tells it which of its sources woke it: every
/// delivery touches this allocation, and every turn of the task reads the signals.
#[derive(Debug)]
struct Shared {
    /// Deliveries in the queue, and at most how many it holds.
    queued: AtomicUsize,
    capacity: usize,
    /// A push found the queue full.
    overflowed: AtomicBool,
    /// The connection task's signals; the first overflow raises its waits' flag.
    signals: Signals,
}

/// A waker of a connection's task that raises the flag of one of its sources first: the
/// stream's (`WAITS` false) or the waits' (`WAITS` true).
pub(crate) struct Wake<const WAITS: bool>(Arc<Shared>);

impl<const WAITS: bool> ArcWake for Wake<WAITS> {
    fn wake_by_ref(wake: &Arc<Self>) {
        wake.0.signals.raise(WAITS);
    }
}

/// The receiving half of a connection's outbound queue: what its task writes.
#[derive(Debug)]
pub struct Inbox {
    rx: mpsc::UnboundedReceiver<Delivery>,
    shared: Arc<Shared>,
}

impl Inbox {
    /// The next delivery; `None` once every [`Outbox`] of the queue is gone and it is empty.
    pub async fn recv(&mut self) -> Option<Delivery> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The next delivery, if one is queued.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`](mpsc::error::TryRecvError::Empty) when nothing is queued,
    /// [`Disconnected`](mpsc::error::TryRecvError::Disconnected) when nothing can be anymore.
    pub fn try_recv(&mut self) -> Result<Delivery, mpsc::error::TryRecvError> {
        let delivery = self.rx.try_recv()?;
        self.shared.queued.fetch_sub(1, Ordering::AcqRel);
        Ok(delivery)
    }

    /// Polls for the next delivery.
    pub fn poll_recv(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Delivery>> {
        let polled = self.rx.poll_recv(cx);
        if let std::task::Poll::Ready(Some(_)) = &polled {
            self.shared.queued.fetch_sub(1, Ordering::AcqRel);
        }
        polled
    }

    /// The connection task's signals.
    pub(crate) fn signals(&self) -> &Signals {
        &self.shared.signals
    }

    /// The wakers the connection polls its stream (`false`) and its waits (`true`) with,
    /// used through `futures_util::task::waker_ref`, which neither counts nor touches them.
    pub(crate) fn wakers(&self) -> (Arc<Wake<false>>, Arc<Wake<true>>) {
        (Arc::new(Wake(Arc::clone(&self.shared))), Arc::new(Wake(Arc::clone(&self.shared))))
    }

    /// How many deliveries are queued.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shared.queued.load(Ordering::Acquire)
    }

    /// Whether nothing is queued.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Outbox {
    /// A queue of at most `capacity` deliveries and its receiving end.
    pub fn bounded(capacity: usize) -> (Self, Inbox) {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            queued: AtomicUsize::new(0),
            capacity: capacity.max(1),
            overflowed: AtomicBool::new(false),
            signals: Signals::default(),
        });
        (Self { tx, shared: Arc::clone(&shared) }, Inbox { rx, shared })
    }

    /// Queues a frame without waiting.
    pub fn push(&self, frame: Frame) -> Result<(), SendError> {
        self.deliver(Delivery::Frame(frame))
    }

    /// Queues a frame or an event without waiting.
    pub fn deliver(&self, delivery: Delivery) -> Result<(), SendError> {
        let shared = &*self.shared;
        if shared.queued.fetch_add(1, Ordering::AcqRel) >= shared.capacity {
            shared.queued.fetch_sub(1, Ordering::AcqRel);
            crate::telemetry::outbound_dropped();
            shared.overflowed.store(true, Ordering::Release);
            shared.signals.raise(true);
            return Err(SendError::QueueFull);
        }
        self.tx.send(delivery).map_err(|_| {
            shared.queued.fetch_sub(1, Ordering::AcqRel);
            SendError::Closed
        })
    }

    /// Whether a push has found the queue full. The first to find it so raised the
    /// connection's waits' flag and woke its task.
    pub(crate) fn overflowed(&self) -> bool {
        self.shared.overflowed.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_queue_holds_its_capacity_and_overflows_past_it() {
        let (outbox, mut inbox) = Outbox::bounded(2);
        assert!(outbox.push(Frame::text("1")).is_ok() && outbox.push(Frame::text("2")).is_ok());
        assert_eq!(inbox.len(), 2);
        assert!(matches!(outbox.push(Frame::text("3")), Err(SendError::QueueFull)));
        assert!(outbox.overflowed());
        // A delivery taken makes room for one more, and only one.
        assert!(matches!(inbox.recv().await, Some(Delivery::Frame(_))));
        assert!(outbox.push(Frame::text("4")).is_ok());
        assert!(matches!(outbox.push(Frame::text("5")), Err(SendError::QueueFull)));
        assert!(inbox.try_recv().is_ok() && inbox.try_recv().is_ok() && inbox.is_empty());
        // Once every sender is gone, the queue ends; pushes to an ended queue say so.
        drop(outbox);
        assert!(inbox.recv().await.is_none());
        let (outbox, inbox) = Outbox::bounded(1);
        drop(inbox);
        assert!(matches!(outbox.push(Frame::text("x")), Err(SendError::Closed)));
    }
}
