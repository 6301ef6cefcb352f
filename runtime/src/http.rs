//! Plain HTTP on the WebSocket port: reading a request head (the bare server reads it before
//! tungstenite does, so that an async authenticator can decide the handshake, and replays it),
//! peeking at a request line without consuming it (`tidings docs`), and answering a GET of
//! the documentation endpoints. axum does its own HTTP.

use std::io;

use bytes::Bytes;
use tokio::net::TcpStream;

/// An HTTP response to a plain GET.
#[derive(Debug, Clone)]
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Bytes,
}

impl HttpResponse {
    pub(crate) fn ok(content_type: &'static str, body: &Bytes) -> Self {
        Self { status: 200, content_type, body: body.clone() }
    }
}

/// The request target of an HTTP request whose line has arrived, read without consuming it,
/// so that a WebSocket handshake goes on untouched.
pub(crate) async fn request_target(stream: &TcpStream) -> Option<String> {
    let mut buffer = [0u8; 1024];
    for _ in 0..50 {
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(5), stream.peek(&mut buffer)).await.ok()?.ok()?;
        if read == 0 {
            return None;
        }
        let head = &buffer[..read];
        if let Some(end) = head.windows(2).position(|w| w == b"\r\n") {
            let line = std::str::from_utf8(&head[..end]).ok()?;
            let mut parts = line.split(' ');
            return match (parts.next(), parts.next()) {
                (Some("GET"), Some(target)) => Some(target.to_owned()),
                _ => None,
            };
        }
        if read == buffer.len() {
            return None;
        }
        // Only part of the request line is here yet.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    None
}

/// Reads the rest of a plain HTTP request and answers it, closing the connection.
pub(crate) async fn answer(stream: &mut TcpStream, response: &HttpResponse) -> io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // The request head is read before answering, so that closing does not reset the
    // connection under a client still sending it.
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let read = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..read]);
    }
    stream.write_all(response_head(response).as_bytes()).await?;
    stream.write_all(&response.body).await?;
    stream.shutdown().await
}

/// The most a request head may take; tungstenite's handshake has the same cap.
pub(crate) const MAX_HEAD: usize = 64 * 1024;

/// A request head read off a socket, with what came after it in the same reads.
pub(crate) struct Head {
    bytes: Vec<u8>,
    /// Where the head ends (after its blank line).
    end: usize,
}

/// A parsed request head, borrowing from [`Head`].
pub(crate) struct Parsed<'a> {
    pub(crate) method: &'a str,
    pub(crate) target: &'a str,
    pub(crate) headers: Vec<(&'a str, &'a str)>,
}

impl Head {
    /// Reads until the blank line that ends a request head: `None` when the peer closes
    /// first or the head is over [`MAX_HEAD`]. Each read waits for the socket to be
    /// readable, so a peer that trickles bytes costs a wake-up per segment, not a poll loop.
    pub(crate) async fn read(stream: &mut TcpStream) -> io::Result<Option<Self>> {
        use tokio::io::AsyncReadExt;
        let mut bytes = Vec::with_capacity(1024);
        let mut searched: usize = 0;
        loop {
            if bytes.len() == bytes.capacity() {
                bytes.reserve(bytes.len().min(MAX_HEAD));
            }
            if stream.read_buf(&mut bytes).await? == 0 {
                return Ok(None);
            }
            let from = searched.saturating_sub(3);
            if let Some(at) = bytes[from..].windows(4).position(|w| w == b"\r\n\r\n") {
                return Ok(Some(Self { end: from + at + 4, bytes }));
            }
            searched = bytes.len();
            if bytes.len() > MAX_HEAD {
                return Ok(None);
            }
        }
    }

    /// The head parsed; `None` when it is not an HTTP/1.x request.
    pub(crate) fn parse(&self) -> Option<Parsed<'_>> {
        let mut slots = [httparse::EMPTY_HEADER; 124];
        let mut request = httparse::Request::new(&mut slots);
        match request.parse(&self.bytes[..self.end]) {
            Ok(httparse::Status::Complete(_)) => {}
            _ => return None,
        }
        let headers = request
            .headers
            .iter()
            .filter_map(|h| std::str::from_utf8(h.value).ok().map(|value| (h.name, value.trim())))
            .collect();
        Some(Parsed { method: request.method?, target: request.path?, headers })
    }

    /// The socket with the bytes read so far put back in front, for tungstenite to read the
    /// handshake from.
    pub(crate) fn replay(self, stream: TcpStream) -> Replayed {
        Replayed { prefix: self.bytes, at: 0, stream }
    }
}

/// A socket whose first bytes were read already, and are read again from memory.
#[derive(Debug)]
pub(crate) struct Replayed {
    prefix: Vec<u8>,
    at: usize,
    stream: TcpStream,
}

impl tokio::io::AsyncRead for Replayed {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        let this = &mut *self;
        if this.at < this.prefix.len() {
            let n = buf.remaining().min(this.prefix.len() - this.at);
            buf.put_slice(&this.prefix[this.at..this.at + n]);
            this.at += n;
            if this.at == this.prefix.len() {
                // Replayed: the memory goes back now, not when the connection closes.
                this.prefix = Vec::new();
                this.at = 0;
            }
            return std::task::Poll::Ready(Ok(()));
        }
        std::pin::Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Replayed {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> std::task::Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Answers a plain HTTP request whose head was read, closing the connection.
pub(crate) async fn answer_read(stream: &mut TcpStream, response: &HttpResponse) -> io::Result<()> {
    use tokio::io::AsyncWriteExt;
    stream.write_all(response_head(response).as_bytes()).await?;
    stream.write_all(&response.body).await?;
    stream.shutdown().await
}

fn response_head(response: &HttpResponse) -> String {
    let reason = match response.status {
        200 => "OK",
        404 => "Not Found",
        503 => "Service Unavailable",
        _ => "",
    };
    format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: {}\r\ncontent-length: {}\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n",
        response.status,
        response.content_type,
        response.body.len()
    )
}
