//! The socket as a connection sees it: what it reads and writes, whatever the transport, and
//! the signals that tell the connection which of its sources woke it.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use futures_util::task::AtomicWaker;
use futures_util::{Sink, SinkExt, Stream, StreamExt};

use crate::codec::Frame;

/// What a transport read, reduced to what the connection needs.
pub(crate) enum Read {
    Text(crate::codec::Utf8Bytes),
    Binary(crate::codec::Bytes),
    /// The peer closed, or the connection failed.
    Closed,
    /// A message over the size limit.
    TooBig,
    /// Pings, pongs: the transport answers them; they only count as activity.
    Control,
}

/// What the connection writes.
pub(crate) enum Write {
    Frame(Frame),
    Ping,
    Close(u16, &'static str),
}

/// A transport's socket seen as what a connection reads and writes: tungstenite's or axum's,
/// with the functions that translate their messages.
pub(crate) struct Socket<T, R, W> {
    pub(crate) inner: T,
    pub(crate) read: R,
    pub(crate) write: W,
}

impl<T, I, R, W> Stream for Socket<T, R, W>
where
    T: Stream<Item = I> + Unpin,
    R: Fn(I) -> Read + Unpin,
    W: Unpin,
{
    type Item = Read;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Read>> {
        let this = &mut *self;
        this.inner.poll_next_unpin(cx).map(|item| item.map(&this.read))
    }
}

impl<T, M, R, W> Sink<Write> for Socket<T, R, W>
where
    T: Sink<M> + Unpin,
    R: Unpin,
    W: Fn(Write) -> M + Unpin,
{
    type Error = T::Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), T::Error>> {
        self.inner.poll_ready_unpin(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Write) -> Result<(), T::Error> {
        let message = (self.write)(item);
        self.inner.start_send_unpin(message)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), T::Error>> {
        self.inner.poll_flush_unpin(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), T::Error>> {
        self.inner.poll_close_unpin(cx)
    }
}

/// Which of a connection's sources woke its task: the peer's stream, or one of its waits (an
/// overflowed queue among them). A connection woken by its queue (a broadcast to a thousand
/// members wakes a thousand) then neither polls a stream that has nothing, a poll that costs
/// tungstenite a pass over its read buffer, nor its waits.
///
/// The signals live beside the connection's queue, in the allocation every delivery touches
/// (see `outbox::Shared`): at a thousand connections, each turn's first touch of something
/// shared is a cache miss, and this makes it one rather than two. The task's waker here is
/// also the one a push to its empty queue wakes.
#[derive(Debug)]
pub(crate) struct Signals {
    /// The stream woke the task (or may have more to read).
    readable: AtomicBool,
    /// One of the waits woke the task.
    waits_due: AtomicBool,
    /// A wake took the task's waker since it was registered: the next turn registers it
    /// again. A turn that finds it still there skips the registration's atomic swaps.
    taken: AtomicBool,
    task: AtomicWaker,
}

impl Default for Signals {
    /// Raised signals: the stream and the waits are looked at in the first turn.
    fn default() -> Self {
        Self {
            readable: AtomicBool::new(true),
            waits_due: AtomicBool::new(true),
            taken: AtomicBool::new(true),
            task: AtomicWaker::new(),
        }
    }
}

impl Signals {
    /// Makes sure a wake reaches the task whose waker is `waker`; `same` when the task was
    /// last polled with a waker that wakes the same task.
    ///
    /// One waker serves every flag: a wake takes it and wakes the task, which registers it
    /// again at its next turn, before it looks at any flag.
    pub(crate) fn register(&self, waker: &Waker, same: bool) {
        if !same || self.taken.load(Ordering::Acquire) {
            // A wake between the two lines finds no waker, and the flag it raised is looked
            // at after this registration, in the same turn.
            self.taken.store(false, Ordering::Relaxed);
            self.task.register(waker);
        }
    }

    /// Lowers the stream's flag, saying whether it was raised.
    pub(crate) fn take_readable(&self) -> bool {
        lower(&self.readable)
    }

    /// Lowers the waits' flag, saying whether it was raised.
    pub(crate) fn take_waits_due(&self) -> bool {
        lower(&self.waits_due)
    }

    /// Raises the stream's flag (`waits` false) or the waits' (`waits` true) from the task
    /// itself, for its next turn to look again: no wake, the task is running.
    pub(crate) fn keep(&self, waits: bool) {
        self.flag(waits).store(true, Ordering::Relaxed);
    }

    /// Raises the stream's flag (`waits` false) or the waits' (`waits` true), and wakes the
    /// task.
    pub(crate) fn raise(&self, waits: bool) {
        self.flag(waits).store(true, Ordering::Release);
        self.wake();
    }

    /// Wakes the task, raising no flag: a push to its queue, which the task looks at in
    /// every turn.
    pub(crate) fn wake(&self) {
        self.taken.store(true, Ordering::Release);
        self.task.wake();
    }

    fn flag(&self, waits: bool) -> &AtomicBool {
        if waits { &self.waits_due } else { &self.readable }
    }
}

/// Lowers `flag`, saying whether it was raised. A lowered flag costs a load, not an atomic
/// swap: a turn woken by the queue finds both flags lowered. A flag raised just after the load
/// comes with a wake, and the next turn sees it.
fn lower(flag: &AtomicBool) -> bool {
    flag.load(Ordering::Relaxed) && flag.swap(false, Ordering::Acquire)
}
