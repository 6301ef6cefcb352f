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
//! The connection's data frames are written by the adapter too. A frame a server sends as a
//! whole message is two to ten bytes of header before the payload, unmasked (RFC 6455, section
//! 5.2); the adapter formats it into its own buffer, which goes out at the connection's flush
//! or once [`ServerConfig::write_buffer_size`] bytes wait, and which the thread keeps
//! ([`SPARE_OUT`]) while the connection has nothing unwritten. tungstenite still writes its
//! pongs, pings and closes, and the adapter writes its formatted frames before any of them.
//! Through tungstenite, each reply ran its write path (the frame's header built, formatted into
//! its buffer, that buffer written), 190 instructions, and that code pushed the rest of a
//! reply's path out of the instruction cache: a connection reads, handles and writes each frame
//! before it reads the next, and the whole of that is more code than the cache holds. Formatted
//! here, the write is 35 instructions, and a reply misses the instruction cache 142 times
//! instead of 191 (callgrind, `scripts/bench-instructions`).
//!
//! The peer's close changes one thing. tungstenite answers it at its next write or flush, and a
//! data frame after that answer would break the protocol. The replies of handlers still at work
//! when the close came are formatted before that flush, so they go out ahead of the answer;
//! after it, the socket refuses data frames.
//!
//! [`ServerConfig::read_buffer_size`]: crate::ServerConfig::read_buffer_size
//! [`ServerConfig::write_buffer_size`]: crate::ServerConfig::write_buffer_size

use std::cell::Cell;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use bytes::{Buf, BufMut, BytesMut};
use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::ServerHandshake;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::handshake::server::Callback;
use tokio_tungstenite::tungstenite::handshake::{HandshakeError, MidHandshake};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Error, Message};

use crate::codec::Frame;
use crate::connection::Write;

/// A server-side WebSocket on `S`, as a [`Stream`] of messages and a [`Sink`] of them, for a
/// single task: a wake-up for either direction goes to the waker of the last poll.
pub(crate) struct WebSocket<S> {
    inner: tungstenite::WebSocket<Io<S>>,
    /// tungstenite's last write (a ping, a close) was taken whole: no flush is needed before
    /// the next write.
    ready: bool,
    /// The stream ended, or failed and said so once.
    ended: bool,
    /// A close was queued and is being flushed.
    closing: bool,
    /// The peer's close was read: tungstenite answers it at its next write or flush.
    peer_closed: bool,
    /// A close was given to tungstenite, or may have been written by it: no data frame may
    /// follow.
    sealed: bool,
    /// Formatted frames beyond this many bytes are written out before another is taken.
    write_size: usize,
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
    /// The connection's data frames, formatted and not yet written to the stream; whatever
    /// tungstenite writes (a pong, a close) goes after them. No allocation when empty (the
    /// thread keeps it, [`SPARE_OUT`]).
    out: BytesMut,
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
    /// The write buffer of the connection that last wrote all of its own on this thread, for
    /// the next that formats a frame: a connection whose frames went out holds none.
    static SPARE_OUT: Cell<Option<BytesMut>> = const { Cell::new(None) };
}

/// A buffer at most this large goes back to the thread once written out; a larger one (a
/// large message went through it) is freed.
const SPARE_LIMIT: usize = 64 * 1024;

/// The first byte of a data frame that is a whole message: FIN and the opcode.
const FIN_TEXT: u8 = 0x81;
const FIN_BINARY: u8 = 0x82;

impl<S: AsyncWrite + Unpin> Io<S> {
    /// Appends a data frame that is a whole message, as a server sends it (unmasked, RFC 6455
    /// section 5.2): the first byte, the payload length in 7, 7+16 or 7+64 bits, the payload.
    fn append_frame(&mut self, first: u8, payload: &[u8]) {
        if self.out.capacity() == 0 {
            self.out = SPARE_OUT.take().unwrap_or_default();
        }
        let len = payload.len();
        self.out.reserve(10 + len);
        if len < 126 {
            // Below 126 the length fits the second byte.
            self.out.put_slice(&[first, len as u8]);
        } else if let Ok(len) = u16::try_from(len) {
            self.out.put_slice(&[first, 126]);
            self.out.put_u16(len);
        } else {
            self.out.put_slice(&[first, 127]);
            self.out.put_u64(len as u64);
        }
        self.out.put_slice(payload);
    }

    /// Writes the formatted frames to the stream: `WouldBlock` while some are left. An emptied
    /// buffer goes to the thread.
    fn drain(&mut self) -> io::Result<()> {
        while !self.out.is_empty() {
            let cx = &mut Context::from_waker(&self.waker);
            match would_block(Pin::new(&mut self.stream).poll_write(cx, &self.out))? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                written => self.out.advance(written),
            }
        }
        if self.out.capacity() != 0 {
            let emptied = std::mem::take(&mut self.out);
            if emptied.capacity() <= SPARE_LIMIT {
                SPARE_OUT.set(Some(emptied));
            }
        }
        Ok(())
    }
}

impl<S: AsyncRead + Unpin> io::Read for Io<S> {
    /// What is staged, or else what the stream has now (`WouldBlock` if nothing; 0 at its end).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.staged.is_empty() {
            let mut staged = SPARE.take().unwrap_or_default();
            // An empty buffer that no one else holds is reused from its start.
            staged.reserve(self.read_size);
            let cx = &mut Context::from_waker(&self.waker);
            let read =
                tokio_util::io::poll_read_buf(Pin::new(&mut self.stream), cx, &mut (&mut staged).limit(self.read_size));
            if !matches!(read, Poll::Ready(Ok(1..))) {
                SPARE.set(Some(staged));
                return would_block(read);
            }
            self.staged = staged;
        }
        let taken = buf.len().min(self.staged.len());
        buf[..taken].copy_from_slice(&self.staged[..taken]);
        self.staged.advance(taken);
        if self.staged.is_empty() {
            SPARE.set(Some(std::mem::take(&mut self.staged)));
        }
        Ok(taken)
    }
}

/// tungstenite's writes: after the frames formatted before them.
impl<S: AsyncWrite + Unpin> io::Write for Io<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.drain()?;
        let cx = &mut Context::from_waker(&self.waker);
        would_block(Pin::new(&mut self.stream).poll_write(cx, buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
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
    let write_size = config.write_buffer_size;
    let config = config.read_buffer_size(ENGINE_READ);
    let mut start = Some((stream, callback));
    let mut interrupted: Option<MidHandshake<ServerHandshake<Io<S>, C>>> = None;
    let inner = poll_fn(|cx| {
        let result = match (start.take(), interrupted.take()) {
            (Some((stream, callback)), _) => {
                let io =
                    Io { stream, waker: cx.waker().clone(), staged: BytesMut::new(), read_size, out: BytesMut::new() };
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
    Ok(WebSocket { inner, ready: true, ended: false, closing: false, peer_closed: false, sealed: false, write_size })
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocket<S> {
    /// Runs `f` on the protocol engine, its stream polled with `cx`'s waker.
    ///
    /// Once the peer's close was read, anything that runs the engine may write tungstenite's
    /// answer to it, and a data frame after that answer would break the protocol: the socket
    /// takes none from then on.
    fn with<R>(&mut self, cx: &mut Context<'_>, f: impl FnOnce(&mut tungstenite::WebSocket<Io<S>>) -> R) -> R {
        self.sealed |= self.peer_closed;
        self.inner.get_mut().wake(cx.waker());
        f(&mut self.inner)
    }

    /// The formatted frames, written with `cx`'s waker: pending while more than `limit` bytes
    /// of them are left.
    fn poll_frames_below(&mut self, cx: &mut Context<'_>, limit: usize) -> Poll<Result<(), Error>> {
        let io = self.inner.get_mut();
        if io.out.len() <= limit {
            return Poll::Ready(Ok(()));
        }
        io.wake(cx.waker());
        match io.drain() {
            Ok(()) => Poll::Ready(Ok(())),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                if io.out.len() > limit {
                    Poll::Pending
                } else {
                    Poll::Ready(Ok(()))
                }
            }
            Err(error) => Poll::Ready(Err(Error::Io(error))),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocket<S> {
    type Item = Result<Message, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match std::task::ready!(self.with(cx, |ws| pending(ws.read()))) {
            Ok(message) => {
                self.peer_closed |= matches!(message, Message::Close(_));
                Poll::Ready(Some(Ok(message)))
            }
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

/// Data frames are formatted here, into the adapter's buffer, and written with the next flush
/// or once `write_buffer_size` bytes of them wait; pings and closes go through tungstenite,
/// whose writes follow the frames formatted before them.
impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Write> for WebSocket<S> {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if !self.ready {
            // tungstenite's last write did not go out whole: what is buffered goes first.
            let flushed = std::task::ready!(self.with(cx, |ws| pending(ws.flush())));
            self.ready = true;
            flushed?;
        }
        let limit = self.write_size;
        self.poll_frames_below(cx, limit)
    }

    fn start_send(mut self: Pin<&mut Self>, write: Write) -> Result<(), Error> {
        let message = match write {
            Write::Frame(_) if self.sealed => return Err(Error::Protocol(ProtocolError::SendAfterClosing)),
            Write::Frame(Frame::Text(text)) => {
                self.inner.get_mut().append_frame(FIN_TEXT, text.as_bytes());
                return Ok(());
            }
            Write::Frame(Frame::Binary(bytes)) => {
                self.inner.get_mut().append_frame(FIN_BINARY, &bytes);
                return Ok(());
            }
            Write::Ping => Message::Ping(Default::default()),
            Write::Close(code, reason) => {
                self.sealed = true;
                Message::Close(Some(CloseFrame { code: CloseCode::from(code), reason: reason.into() }))
            }
        };
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
        // tungstenite's flush writes the formatted frames first, then what it has of its own.
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
            out: BytesMut::new(),
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

    /// Data frames formatted by the adapter reach a tungstenite client whole, at every length
    /// encoding (7, 7+16 and 7+64 bits) and at both edges of each, text and binary, in the
    /// order written, with tungstenite's own ping after them; a socket whose frames went out
    /// holds no write buffer.
    #[tokio::test]
    async fn frames_formatted_here_are_read_by_tungstenite() -> Result<(), Box<dyn std::error::Error>> {
        use futures_util::{SinkExt, StreamExt};
        let (server, client) = tokio::io::duplex(64 * 1024);
        let accepted =
            tokio::spawn(accept(server, tungstenite::handshake::server::NoCallback, WebSocketConfig::default()));
        let (mut client, _) = tokio_tungstenite::client_async("ws://localhost/", client).await?;
        let mut server = accepted.await??;
        let sizes = [0, 1, 125, 126, 127, 65_535, 65_536, 200_000];
        let frames: Vec<Frame> = sizes
            .iter()
            .flat_map(|&size| [Frame::text("t".repeat(size)), Frame::Binary(vec![0xa5; size].into())])
            .collect();
        // Fed from one task while the other reads: the frames are larger than the pipe.
        let reader = tokio::spawn(async move {
            let mut read = Vec::new();
            while let Some(message) = client.next().await {
                match message? {
                    Message::Ping(_) => break,
                    message => read.push(message),
                }
            }
            Ok::<_, Error>(read)
        });
        for frame in frames.clone() {
            server.feed(Write::Frame(frame)).await?;
        }
        server.feed(Write::Ping).await?;
        server.flush().await?;
        let read = reader.await??;
        assert_eq!(read.len(), frames.len());
        for (message, frame) in read.iter().zip(&frames) {
            match (message, frame) {
                (Message::Text(read), Frame::Text(sent)) => assert_eq!(read.as_str(), sent.as_str()),
                (Message::Binary(read), Frame::Binary(sent)) => assert_eq!(read, sent),
                (read, _) => panic!("{read:?} where {frame:?} was sent"),
            }
        }
        assert_eq!(server.inner.get_ref().out.capacity(), 0, "a socket whose frames went out holds no buffer");
        Ok(())
    }

    /// Frames written after the peer's close was read, before anything answers it (the replies
    /// of handlers that were still at work), reach the peer ahead of the answering close;
    /// once tungstenite may have answered, a frame is refused.
    #[tokio::test]
    async fn frames_after_the_peers_close_go_ahead_of_the_answer() -> Result<(), Box<dyn std::error::Error>> {
        use futures_util::{SinkExt, StreamExt};
        let (server, client) = tokio::io::duplex(64 * 1024);
        let accepted =
            tokio::spawn(accept(server, tungstenite::handshake::server::NoCallback, WebSocketConfig::default()));
        let (mut client, _) = tokio_tungstenite::client_async("ws://localhost/", client).await?;
        let mut server = accepted.await??;
        client.send(Message::text("question")).await?;
        client.close(None).await?;
        assert!(matches!(server.next().await, Some(Ok(Message::Text(_)))));
        assert!(matches!(server.next().await, Some(Ok(Message::Close(_)))));
        server.feed(Write::Frame(Frame::text("late answer"))).await?;
        server.flush().await?;
        assert!(server.feed(Write::Frame(Frame::text("too late"))).await.is_err(), "a frame after the close's answer");
        match client.next().await {
            Some(Ok(Message::Text(text))) => assert_eq!(text.as_str(), "late answer"),
            other => panic!("the frame did not come before the close: {other:?}"),
        }
        assert!(matches!(client.next().await, Some(Ok(Message::Close(_)))), "the answering close");
        Ok(())
    }
}
