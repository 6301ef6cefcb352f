//! tungstenite's WebSocket over a tokio stream, driven by the one task that owns it.
//!
//! tokio-tungstenite's `WebSocketStream` lets a reader and a writer on different tasks share
//! a socket: every poll registers the caller's waker into two `AtomicWaker`s, so that
//! readiness of either direction wakes both. A connection here is one task, which polls its
//! socket with one waker; those registrations (four to six atomic swaps per turn, 3.5% of
//! the server's time in an echo load) buy it nothing. This module keeps the same protocol
//! engine, tungstenite's, and hands it the stream through an adapter that holds the task's
//! waker and clones it again only when it changes.
//!
//! The adapter also does the socket's reads. tungstenite zero-fills the free part of its read
//! buffer before every read it makes, as much as the configured read size (8 KiB zeroed for
//! a 60-byte frame, and all of it resident once it has been read into). Here the socket is read
//! into the adapter's own buffer, whose free part is never initialized
//! (`tokio_util::io::poll_read_buf`), at most [`ServerConfig::read_buffer_size`] bytes at a
//! time; tungstenite takes what it needs from there in pieces of 1 KiB ([`ENGINE_READ`]), each
//! zero-filled at that size only and then copied once. A buffer emptied goes to the thread
//! ([`SPARE`]) for the next connection that reads there, so a connection waiting for its peer
//! holds no read buffer.
//!
//! The adapter knows where frames begin and end in what it stages (a frame's header gives its
//! length), which lets the connection read frames ahead of their handling
//! ([`WebSocket::read_ahead`]) without ever reading a close: tungstenite answers a close as
//! it reads it, and the replies to the frames before it could not be written after. It hands
//! tungstenite the frame in progress, then only whole frames that may be read ahead.
//!
//! [`ServerConfig::read_buffer_size`]: crate::ServerConfig::read_buffer_size

use std::cell::Cell;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use bytes::{Buf, BufMut, BytesMut};
use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite};
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

/// How much tungstenite asks of the adapter per read, and zero-fills before it asks: several
/// small frames, most chat and RPC frames whole, or a piece of a larger one (a 64 KiB message
/// is taken in 64 pieces, each copied from the adapter's buffer without a system call).
const ENGINE_READ: usize = 1024;

/// The async stream seen as a blocking one: an operation that would wait returns
/// `WouldBlock`, with the waker registered for the readiness it waits for.
struct Io<S> {
    stream: S,
    waker: Waker,
    /// Bytes read from the stream that tungstenite has not taken yet; no allocation when there
    /// are none (the thread keeps it, [`SPARE`]).
    staged: BytesMut,
    /// The most read from the stream at once.
    read_size: usize,
    /// The upgrade is done: what the stream carries is WebSocket frames, handed to tungstenite
    /// one at a time, so that what is staged starts with the next frame's header.
    framed: bool,
    /// Bytes of the frame tungstenite is reading that it has not been handed yet.
    frame_left: u64,
    /// Frames are read ahead of the connection's handling ([`WebSocket::read_ahead`]).
    ahead: bool,
    /// The largest message, which tungstenite refuses: never handed over while reading ahead.
    max_message: u64,
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

thread_local! {
    /// The read buffer of the connection that last emptied its own on this thread, for the
    /// next that reads: a connection holds one only while it has bytes tungstenite has not
    /// taken, so a waiting connection holds none, whatever `read_buffer_size` is.
    static SPARE: Cell<Option<BytesMut>> = const { Cell::new(None) };
}

impl<S: AsyncRead + Unpin> Io<S> {
    /// Reads the stream into what is staged, at most `read_size` bytes: how many (0 at its end),
    /// or `WouldBlock` with the waker registered.
    fn fill(&mut self) -> io::Result<usize> {
        if self.staged.is_empty()
            && let Some(spare) = SPARE.take()
        {
            // An empty buffer that no one else holds is reused from its start.
            self.staged = spare;
        }
        self.staged.reserve(self.read_size);
        let cx = &mut Context::from_waker(&self.waker);
        let read = tokio_util::io::poll_read_buf(
            Pin::new(&mut self.stream),
            cx,
            &mut (&mut self.staged).limit(self.read_size),
        );
        self.spare_if_empty();
        would_block(read)
    }

    /// Gives an empty buffer to the thread.
    fn spare_if_empty(&mut self) {
        if self.staged.is_empty() && self.staged.capacity() > 0 {
            SPARE.set(Some(std::mem::take(&mut self.staged)));
        }
    }

    /// Whether a frame may be handed over behind others, or while reading ahead: a whole
    /// message in one frame (text or binary) or a ping or pong, `available` whole, within the
    /// size limit. Not a close, which tungstenite answers as it reads it (nothing can be
    /// written after), nor anything tungstenite would refuse, nor anything not read yet.
    fn may_read_ahead(&self, first: u8, total: u64, available: usize) -> bool {
        let fin = first & 0x80 != 0;
        let reserved = first & 0x70 != 0;
        let whole = matches!(first & 0x0F, 0x1 | 0x2) && fin;
        let control = matches!(first & 0x0F, 0x9 | 0xA) && fin;
        !reserved && (whole || control) && total <= available as u64 && total <= self.max_message
    }

    /// How many staged bytes tungstenite may be handed now, at most `max`, and what will be
    /// left of the frame they end in. First the frame in progress, or the next one (any frame,
    /// in part, unless reading ahead, when it must be one [`may_read_ahead`] allows); then,
    /// whole, the frames behind it that it allows, as many as fit. So what tungstenite holds
    /// past the frame it reads can always be read ahead, and a close reaches it only as the
    /// first frame of a read the connection asked for. `None` when nothing may be handed: the
    /// next frame's header is not all staged, or reading ahead refuses the next frame.
    ///
    /// [`may_read_ahead`]: Io::may_read_ahead
    fn handed(&self, max: usize) -> Option<(usize, u64)> {
        let staged: &[u8] = &self.staged;
        let mut left = self.frame_left;
        if left == 0 {
            let (total, first) = next_frame(staged)?;
            if self.ahead && !self.may_read_ahead(first, total, staged.len()) {
                return None;
            }
            left = total;
        } else if self.ahead && (staged.len() as u64) < left {
            return None;
        }
        let mut at = usize::try_from(left).unwrap_or(usize::MAX).min(staged.len()).min(max);
        left -= at as u64;
        if left > 0 {
            return Some((at, left));
        }
        while let Some((total, first)) = next_frame(&staged[at..]) {
            let end = at.saturating_add(usize::try_from(total).unwrap_or(usize::MAX));
            if end > max || !self.may_read_ahead(first, total, staged.len() - at) {
                break;
            }
            at = end;
        }
        Some((at, 0))
    }
}

/// The length of the frame whose header opens `bytes`, header included, and its first byte;
/// `None` while its length is not all there.
fn next_frame(bytes: &[u8]) -> Option<(u64, u8)> {
    let (&first, rest) = bytes.split_first()?;
    let &second = rest.first()?;
    let (payload, extended) = match second & 0x7F {
        126 => (u64::from(u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?])), 2),
        127 => {
            let mut length = [0; 8];
            length.copy_from_slice(bytes.get(2..10)?);
            (u64::from_be_bytes(length), 8)
        }
        short => (u64::from(short), 0),
    };
    let mask = if second & 0x80 != 0 { 4 } else { 0 };
    Some((payload.saturating_add(2 + extended + mask), first))
}

impl<S: AsyncRead + Unpin> io::Read for Io<S> {
    /// What is staged, or else what the stream has now (`WouldBlock` if nothing; 0 at its end),
    /// as [`handed`](Io::handed) allows. Reading ahead, only what is staged (`WouldBlock`
    /// otherwise, with no waker registered).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let would_block = || Err(io::ErrorKind::WouldBlock.into());
        if self.staged.is_empty() {
            if self.ahead {
                return would_block();
            }
            if self.fill()? == 0 {
                return Ok(0);
            }
        }
        let taken = if self.framed {
            loop {
                match self.handed(buf.len()) {
                    Some((taken, left)) => {
                        self.frame_left = left;
                        break taken;
                    }
                    None if self.ahead => return would_block(),
                    // The next frame's header is not all staged yet.
                    None => {
                        if self.fill()? == 0 {
                            return Ok(0);
                        }
                    }
                }
            }
        } else {
            buf.len().min(self.staged.len())
        };
        buf[..taken].copy_from_slice(&self.staged[..taken]);
        self.staged.advance(taken);
        self.spare_if_empty();
        Ok(taken)
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
/// The stream is read `config.read_buffer_size` bytes at a time at most; tungstenite itself
/// reads [`ENGINE_READ`] bytes at a time from what was read.
pub(crate) async fn accept<S, C>(stream: S, callback: C, config: WebSocketConfig) -> Result<WebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    C: Callback + Unpin,
{
    let read_size = config.read_buffer_size.max(ENGINE_READ);
    let max_message =
        [config.max_message_size, config.max_frame_size].into_iter().flatten().min().map_or(u64::MAX, |max| max as u64);
    let config = config.read_buffer_size(ENGINE_READ);
    let mut start = Some((stream, callback));
    let mut interrupted: Option<MidHandshake<ServerHandshake<Io<S>, C>>> = None;
    let inner = poll_fn(|cx| {
        let result = match (start.take(), interrupted.take()) {
            (Some((stream, callback)), _) => {
                let io = Io {
                    stream,
                    waker: cx.waker().clone(),
                    staged: BytesMut::new(),
                    read_size,
                    framed: false,
                    frame_left: 0,
                    ahead: false,
                    max_message,
                };
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
    let mut inner = inner;
    inner.get_mut().framed = true;
    Ok(WebSocket { inner, ready: true, ended: false, closing: false })
}

impl<S> WebSocket<S> {
    /// Reads frames ahead of the connection's handling (`true`), or as it needs them: reading
    /// ahead, the stream gives only frames already read whole from the socket, never a close,
    /// and is pending (with no waker registered) at anything else.
    pub(crate) fn read_ahead(&mut self, on: bool) {
        self.inner.get_mut().ahead = on;
    }
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
        let mut io = Io {
            stream: (),
            waker: Waker::noop().clone(),
            staged: BytesMut::new(),
            read_size: 0,
            framed: true,
            frame_left: 0,
            ahead: false,
            max_message: u64::MAX,
        };
        io.wake(&futures_util::task::waker_ref(&socket));
        let kept = io.waker.data();
        io.wake(&futures_util::task::waker_ref(&socket));
        assert!(std::ptr::eq(io.waker.data(), kept));
        assert!(io.waker.will_wake(&futures_util::task::waker_ref(&socket)), "the kept waker is cloned at every poll");
    }

    /// Frames come out whole and in order whatever their size against the adapter's read size
    /// and tungstenite's piece size: several small frames staged by one read, a frame split
    /// over several reads, a frame many times both sizes, and the close after them; a socket
    /// that has nothing staged holds no buffer.
    #[tokio::test]
    async fn frames_of_every_size_are_read_through_the_staging_buffer() -> Result<(), Box<dyn std::error::Error>> {
        use futures_util::{SinkExt, StreamExt};
        let (server, client) = tokio::io::duplex(256 * 1024);
        let config = WebSocketConfig::default().read_buffer_size(1500);
        let accepted = tokio::spawn(accept(server, tungstenite::handshake::server::NoCallback, config));
        let (mut client, _) = tokio_tungstenite::client_async("ws://localhost/", client).await?;
        let mut server = accepted.await??;
        let sizes = [1, 60, 1023, 1024, 1025, 1499, 1500, 1501, 4000, 70_000, 5, 5];
        let texts: Vec<String> = sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| "abcdefgh".repeat(size / 8 + 1)[..size].replace('a', &(i % 10).to_string()))
            .collect();
        // All sent before any is read: they reach the server back to back.
        for text in &texts {
            client.feed(Message::text(text.as_str())).await?;
        }
        client.flush().await?;
        for text in &texts {
            match server.next().await {
                Some(Ok(Message::Text(read))) => assert_eq!(read.as_str(), text, "a frame of {} bytes", text.len()),
                other => panic!("a frame of {} bytes came out as {other:?}", text.len()),
            }
        }
        assert_eq!(server.inner.get_ref().staged.capacity(), 0, "a socket that has nothing staged holds no buffer");
        client.close(None).await?;
        assert!(matches!(server.next().await, Some(Ok(Message::Close(_)))), "the close comes after the frames");
        assert!(server.next().await.is_none(), "the close ends the socket");
        Ok(())
    }

    /// Reading ahead, the stream gives the frames the socket has read whole, and is pending
    /// (with nothing lost) before a close and before a frame not read whole; read as the
    /// connection needs, it then gives them.
    #[tokio::test]
    async fn reading_ahead_stops_before_a_close_and_before_a_frame_not_read_whole()
    -> Result<(), Box<dyn std::error::Error>> {
        use futures_util::{SinkExt, StreamExt};
        let (server, client) = tokio::io::duplex(256 * 1024);
        let config = WebSocketConfig::default().read_buffer_size(4096);
        let accepted = tokio::spawn(accept(server, tungstenite::handshake::server::NoCallback, config));
        let (mut client, _) = tokio_tungstenite::client_async("ws://localhost/", client).await?;
        let mut server = accepted.await??;
        let big = "d".repeat(10_000);
        for text in ["a", "b", "c", big.as_str()] {
            client.feed(Message::text(text)).await?;
        }
        client.flush().await?;
        let text = |read: Option<Result<Message, Error>>| match read {
            Some(Ok(Message::Text(text))) => text.as_str().to_owned(),
            other => panic!("a text frame expected, got {other:?}"),
        };
        // The first read stages 4 KiB: "a", "b", "c" whole, and the start of the big one.
        assert_eq!(text(server.next().await), "a");
        server.read_ahead(true);
        assert_eq!(text(server.next().await), "b");
        assert_eq!(text(server.next().await), "c");
        assert!(futures_util::FutureExt::now_or_never(server.next()).is_none(), "the big frame is not read whole");
        server.read_ahead(false);
        assert_eq!(text(server.next().await), big);
        client.send(Message::text("e")).await?;
        client.close(None).await?;
        assert_eq!(text(server.next().await), "e");
        server.read_ahead(true);
        assert!(futures_util::FutureExt::now_or_never(server.next()).is_none(), "a close is not read ahead");
        server.read_ahead(false);
        assert!(matches!(server.next().await, Some(Ok(Message::Close(_)))), "the close, read as needed");
        Ok(())
    }
}
