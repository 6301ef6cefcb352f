//! Plain HTTP on the WebSocket port: peeking at a request line without consuming it, and
//! answering a GET of the documentation endpoints. Only the bare server and `tidings docs`
//! need it; axum does its own HTTP.

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
    let reason = match response.status {
        200 => "OK",
        404 => "Not Found",
        503 => "Service Unavailable",
        _ => "",
    };
    let header = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: {}\r\ncontent-length: {}\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n",
        response.status,
        response.content_type,
        response.body.len()
    );
    stream.write_all(header.as_bytes()).await?;
    stream.write_all(&response.body).await?;
    stream.shutdown().await
}
