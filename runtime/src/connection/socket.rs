//! The socket as a connection sees it: what it reads and writes, whatever the transport, and
//! the wakers that tell the connection which of its sources woke it.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use futures_util::task::{ArcWake, AtomicWaker};
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

/// A flag raised by its waker before it wakes the connection's task: tells the connection
/// which of its sources woke it. A connection woken by its queue (a broadcast to a thousand
/// members wakes a thousand) then neither polls a stream that has nothing, a poll that costs
/// tungstenite a pass over its read buffer, nor its waits.
pub(crate) struct Signal {
    pub(crate) flag: AtomicBool,
    /// The task's waker was taken by a wake since it was registered: the next turn registers
    /// it again. A turn that finds it still there skips the registration's two atomic swaps.
    taken: AtomicBool,
    task: AtomicWaker,
}

impl Signal {
    /// A raised signal: its source is polled at the first turn, with the signal's waker
    /// (`futures_util::task::waker_ref`).
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self { flag: AtomicBool::new(true), taken: AtomicBool::new(true), task: AtomicWaker::new() })
    }

    /// Makes sure a wake reaches the task whose waker is `waker`; `same` when the task was
    /// last polled with a waker that wakes the same task.
    pub(crate) fn register(&self, waker: &Waker, same: bool) {
        if !same || self.taken.load(Ordering::Acquire) {
            // A wake between the two lines finds no waker, and the flag it raised is looked
            // at after this registration, in the same turn.
            self.taken.store(false, Ordering::Relaxed);
            self.task.register(waker);
        }
    }
}

impl ArcWake for Signal {
    fn wake_by_ref(signal: &Arc<Self>) {
        signal.flag.store(true, Ordering::Release);
        signal.taken.store(true, Ordering::Release);
        signal.task.wake();
    }
}
