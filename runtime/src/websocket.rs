//! tungstenite's WebSocket over a tokio stream, driven by the one task that owns it.
//!
//! tokio-tungstenite's `WebSocketStream` lets a reader and a writer on different tasks share
//! a socket: every poll registers the caller's waker into two `AtomicWaker`s, so that
//! readiness of either direction wakes both. A connection here is one task, which polls its
//! socket with one waker; those registrations (four to six atomic swaps per turn, 3.5% of
//! the server's time in an echo load) buy it nothing. This module keeps the same protocol
//! engine, tungstenite's, and hands it the stream through an adapter that holds the task's
//! waker and clones it again only when it changes.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::ServerHandshake;
use tokio_tungstenite::tungstenite::handshake::server::Callback;
use tokio_tungstenite::tungstenite::handshake::{HandshakeError, MidHandshake};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Error, Message};

/// A server-side WebSocket on `S`, as a [`Stream`] of messages and a [`Sink`] of them, for a
/// single task: a wake-up for either direction goes to the waker of the last poll.
pub(crate) struct WebSocket<S> {
    inner: tungstenite::WebSocket<Io<S>>,
    /// The last write was taken whole: no flush is needed before the next one.
    ready: bool,
    /// The stream ended, or failed and said so once.
    ended: bool,
    /// A close was queued and is being flushed.
    closing: bool,
}

/// The async stream seen as a blocking one: an operation that would wait returns
/// `WouldBlock`, with the waker registered for the readiness it waits for.
struct Io<S> {
    stream: S,
    waker: Waker,
}

impl<S> Io<S> {
    /// Polls with `waker` from now on; a clone only when it wakes another task than before.
    fn wake(&mut self, waker: &Waker) {
        self.waker.clone_from(waker);
    }
}

fn would_block<T>(poll: Poll<io::Result<T>>) -> io::Result<T> {
    match poll {
        Poll::Ready(result) => result,
        Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
    }
}

impl<S: AsyncRead + Unpin> io::Read for Io<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut buf = ReadBuf::new(buf);
        let cx = &mut Context::from_waker(&self.waker);
        would_block(Pin::new(&mut self.stream).poll_read(cx, &mut buf))?;
        Ok(buf.filled().len())
    }
}

impl<S: AsyncWrite + Unpin> io::Write for Io<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let cx = &mut Context::from_waker(&self.waker);
        would_block(Pin::new(&mut self.stream).poll_write(cx, buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        let cx = &mut Context::from_waker(&self.waker);
        would_block(Pin::new(&mut self.stream).poll_flush(cx))
    }
}

/// Ready with `Ok` or the error, pending on `WouldBlock`.
fn pending<T>(result: Result<T, Error>) -> Poll<Result<T, Error>> {
    match result {
        Err(Error::Io(error)) if error.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
        other => Poll::Ready(other),
    }
}

/// Answers the upgrade request read from `stream`, with `callback` deciding its response.
pub(crate) async fn accept<S, C>(stream: S, callback: C, config: WebSocketConfig) -> Result<WebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    C: Callback + Unpin,
{
    let mut start = Some((stream, callback));
    let mut interrupted: Option<MidHandshake<ServerHandshake<Io<S>, C>>> = None;
    let inner = poll_fn(|cx| {
        let result = match (start.take(), interrupted.take()) {
            (Some((stream, callback)), _) => {
                let io = Io { stream, waker: cx.waker().clone() };
                tungstenite::accept_hdr_with_config(io, callback, Some(config))
            }
            (None, Some(mut handshake)) => {
                handshake.get_mut().get_mut().wake(cx.waker());
                handshake.handshake()
            }
            (None, None) => unreachable!("polled after the handshake ended"),
        };
        match result {
            Ok(socket) => Poll::Ready(Ok(socket)),
            Err(HandshakeError::Interrupted(handshake)) => {
                interrupted = Some(handshake);
                Poll::Pending
            }
            Err(HandshakeError::Failure(error)) => Poll::Ready(Err(error)),
        }
    })
    .await?;
    Ok(WebSocket { inner, ready: true, ended: false, closing: false })
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocket<S> {
    /// Runs `f` on the protocol engine, its stream polled with `cx`'s waker.
    fn with<R>(&mut self, cx: &mut Context<'_>, f: impl FnOnce(&mut tungstenite::WebSocket<Io<S>>) -> R) -> R {
        self.inner.get_mut().wake(cx.waker());
        f(&mut self.inner)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocket<S> {
    type Item = Result<Message, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match std::task::ready!(self.with(cx, |ws| pending(ws.read()))) {
            Ok(message) => Poll::Ready(Some(Ok(message))),
            Err(error) => {
                self.ended = true;
                match error {
                    Error::AlreadyClosed | Error::ConnectionClosed => Poll::Ready(None),
                    error => Poll::Ready(Some(Err(error))),
                }
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for WebSocket<S> {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.ready {
            return Poll::Ready(Ok(()));
        }
        // The last write did not go out whole: what is buffered goes first.
        let flushed = std::task::ready!(self.with(cx, |ws| pending(ws.flush())));
        self.ready = true;
        Poll::Ready(flushed)
    }

    fn start_send(mut self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        // A write that would block is buffered: the next poll_ready flushes it.
        match self.inner.write(message) {
            Err(Error::Io(error)) if error.kind() == io::ErrorKind::WouldBlock => {
                self.ready = false;
                Ok(())
            }
            other => {
                self.ready = true;
                other
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let flushed = std::task::ready!(self.with(cx, |ws| pending(ws.flush())));
        self.ready = true;
        // A close just completed: the flush is done, not failed.
        Poll::Ready(match flushed {
            Err(Error::ConnectionClosed) => Ok(()),
            other => other,
        })
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.ready = true;
        let closing = self.closing;
        let result = self.with(cx, |ws| if closing { ws.flush() } else { ws.close(None) });
        match result {
            Ok(()) | Err(Error::ConnectionClosed) => Poll::Ready(Ok(())),
            Err(Error::Io(error)) if error.kind() == io::ErrorKind::WouldBlock => {
                self.closing = true;
                Poll::Pending
            }
            Err(error) => Poll::Ready(Err(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection's socket is polled through `waker_ref` on the same `Arc` every time: the
    /// adapter must see the waker it keeps (a clone) as that same waker, or it would clone it
    /// again at every poll, two atomic operations each.
    #[test]
    fn the_kept_waker_is_not_cloned_again() {
        let (_outbox, inbox) = crate::outbox::Outbox::bounded(1);
        let (socket, _) = inbox.wakers();
        let mut io = Io { stream: (), waker: Waker::noop().clone() };
        io.wake(&futures_util::task::waker_ref(&socket));
        let kept = io.waker.data();
        io.wake(&futures_util::task::waker_ref(&socket));
        assert!(std::ptr::eq(io.waker.data(), kept));
        assert!(io.waker.will_wake(&futures_util::task::waker_ref(&socket)), "the kept waker is cloned at every poll");
    }
}
