//! Connections as the rest of the runtime sees them: their ids, unique across processes, and
//! the bounded queue of what waits to be written to each: frames, and server events each
//! connection turns into a frame.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
#[derive(Debug)]
pub struct Outbox {
    shared: Arc<Shared>,
}

/// What both ends of a queue share, in one allocation.
///
/// The queue is a `VecDeque` under a mutex rather than a channel: a broadcast to a thousand
/// members touches each member's queue once, and at that many connections each touch of
/// something shared is a cache miss. Here a push touches the lock with the queue beside it
/// and the slot it fills; tokio's unbounded channel touched its tail, its block, its
/// semaphore and its receiver's waker, each on a cache line of its own, and the bound needed a
/// count beside it. The lock is held for a push or a pop, never across an await. An empty
/// queue holds no buffer (a channel allocates its first block of slots when it is made).
///
/// The connection's task keeps here too what tells it which of its sources woke it: every
/// turn of the task reads the signals.
#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// How many deliveries the queue holds, written under the lock: the task's look at an
    /// empty queue, once a turn, is a load rather than a lock and an unlock.
    len: AtomicUsize,
    /// At most how many deliveries the queue holds.
    capacity: usize,
    /// A push found the queue full.
    overflowed: AtomicBool,
    /// How many [`Outbox`]es there are: when the last goes, the queue ends once it is empty.
    senders: AtomicUsize,
    /// The connection task's signals, and its waker: a push to an empty queue wakes the task,
    /// and a push to a full one raises its waits' flag.
    signals: Signals,
}

#[derive(Debug, Default)]
struct State {
    deliveries: VecDeque<Delivery>,
    /// The [`Inbox`] is gone: nothing is taken from the queue anymore.
    closed: bool,
}

/// A queue drained to empty keeps a buffer of at most this many slots: a burst does not
/// leave an idle connection holding room for the whole burst.
const KEPT_SLOTS: usize = 16;

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
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
        if let Some(delivery) = self.pop() {
            return Ok(delivery);
        }
        if self.shared.senders.load(Ordering::Acquire) > 0 {
            return Err(mpsc::error::TryRecvError::Empty);
        }
        // The last sender may have pushed just before it went.
        self.pop().ok_or(mpsc::error::TryRecvError::Disconnected)
    }

    /// Polls for the next delivery.
    pub fn poll_recv(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Delivery>> {
        // Registered before the queue is looked at: a push that finds it empty after the
        // look wakes this waker.
        self.shared.signals.register(cx.waker(), false);
        match self.try_recv() {
            Ok(delivery) => std::task::Poll::Ready(Some(delivery)),
            Err(mpsc::error::TryRecvError::Empty) => std::task::Poll::Pending,
            Err(mpsc::error::TryRecvError::Disconnected) => std::task::Poll::Ready(None),
        }
    }

    /// The next delivery, if one is queued, for a task that registered its waker with the
    /// [`signals`](Self::signals) in this turn: a push to the queue found empty wakes it.
    pub(crate) fn pop(&mut self) -> Option<Delivery> {
        // A push that this load misses found the queue empty, and wakes the task.
        if self.shared.len.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut state = self.shared.lock();
        let delivery = state.deliveries.pop_front();
        self.shared.len.store(state.deliveries.len(), Ordering::Release);
        if state.deliveries.is_empty() && state.deliveries.capacity() > KEPT_SLOTS {
            state.deliveries.shrink_to(KEPT_SLOTS);
        }
        delivery
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
        self.shared.len.load(Ordering::Acquire)
    }

    /// Whether nothing is queued.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Inbox {
    /// Ends the queue for its senders; what it held is dropped (outside the lock).
    fn drop(&mut self) {
        let left = {
            let mut state = self.shared.lock();
            state.closed = true;
            self.shared.len.store(0, Ordering::Release);
            std::mem::take(&mut state.deliveries)
        };
        drop(left);
    }
}

impl Outbox {
    /// A queue of at most `capacity` deliveries and its receiving end.
    pub fn bounded(capacity: usize) -> (Self, Inbox) {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            len: AtomicUsize::new(0),
            capacity: capacity.max(1),
            overflowed: AtomicBool::new(false),
            senders: AtomicUsize::new(1),
            signals: Signals::default(),
        });
        (Self { shared: Arc::clone(&shared) }, Inbox { shared })
    }

    /// Queues a frame without waiting.
    pub fn push(&self, frame: Frame) -> Result<(), SendError> {
        self.deliver(Delivery::Frame(frame))
    }

    /// Queues a frame or an event without waiting.
    pub fn deliver(&self, delivery: Delivery) -> Result<(), SendError> {
        let shared = &*self.shared;
        let mut state = shared.lock();
        if state.closed {
            return Err(SendError::Closed);
        }
        if state.deliveries.len() >= shared.capacity {
            drop(state);
            crate::telemetry::outbound_dropped();
            shared.overflowed.store(true, Ordering::Release);
            shared.signals.raise(true);
            return Err(SendError::QueueFull);
        }
        let was_empty = state.deliveries.is_empty();
        state.deliveries.push_back(delivery);
        shared.len.store(state.deliveries.len(), Ordering::Release);
        drop(state);
        // A task that found the queue empty waits for this push; one that did not has yet
        // to look, and needs no wake.
        if was_empty {
            shared.signals.wake();
        }
        Ok(())
    }

    /// Whether a push has found the queue full. The first to find it so raised the
    /// connection's waits' flag and woke its task.
    pub(crate) fn overflowed(&self) -> bool {
        self.shared.overflowed.load(Ordering::Acquire)
    }
}

impl Clone for Outbox {
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Self { shared: Arc::clone(&self.shared) }
    }
}

impl Drop for Outbox {
    /// The last sender gone ends the queue: its receiver is woken to find out.
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.signals.wake();
        }
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

    #[tokio::test]
    async fn a_push_wakes_a_receiver_waiting_on_the_empty_queue_and_the_last_sender_ends_it() {
        let (outbox, mut inbox) = Outbox::bounded(4);
        let second = outbox.clone();
        let receiver = tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(Delivery::Frame(Frame::Text(text))) = inbox.recv().await {
                got.push(text.to_string());
            }
            got
        });
        // The receiver waits on the empty queue before each push.
        for (sender, text) in [(&outbox, "a"), (&second, "b")] {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            assert!(sender.push(Frame::text(text)).is_ok());
        }
        // One sender gone leaves the queue open; the last one gone ends it, after what it held.
        drop(outbox);
        assert!(second.push(Frame::text("c")).is_ok());
        drop(second);
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), receiver).await;
        assert_eq!(got.ok().and_then(Result::ok), Some(vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]));
    }

    #[test]
    fn a_drained_queue_gives_back_the_room_a_burst_took() {
        let (outbox, mut inbox) = Outbox::bounded(1000);
        for _ in 0..1000 {
            assert!(outbox.push(Frame::text("x")).is_ok());
        }
        assert!(inbox.shared.lock().deliveries.capacity() >= 1000);
        while inbox.try_recv().is_ok() {}
        assert!(inbox.shared.lock().deliveries.capacity() <= KEPT_SLOTS);
        assert!(matches!(inbox.try_recv(), Err(mpsc::error::TryRecvError::Empty)));
        drop(outbox);
        assert!(matches!(inbox.try_recv(), Err(mpsc::error::TryRecvError::Disconnected)));
    }
}
