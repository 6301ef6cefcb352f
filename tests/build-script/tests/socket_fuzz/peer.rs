//! The client side of a case: the fuzz socket writes the case, reads what the server sends
//! (frames parsed by hand), and checks it against what the case expects.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::cases::{Case, Ending, Expect, hex};
use crate::frames::{CLOSE, FIN, PING, PING_JSON, PONG, TEXT, masked};
use crate::support::{self, Rng};
use crate::{BOUND, HANDSHAKE_TIMEOUT};

/// A server frame (unmasked, as servers send them).
#[derive(Debug)]
struct ServerFrame {
    opcode: u8,
    payload: Vec<u8>,
}

/// Takes one whole frame off the front of `buffer`, if there is one.
fn take_frame(buffer: &mut Vec<u8>) -> Result<Option<ServerFrame>, String> {
    if buffer.len() < 2 {
        return Ok(None);
    }
    let opcode = buffer[0] & 0x0F;
    let masked = buffer[1] & 0x80 != 0;
    let (len, mut at) = match buffer[1] & 0x7F {
        126 if buffer.len() >= 4 => (u16::from_be_bytes([buffer[2], buffer[3]]) as usize, 4),
        127 if buffer.len() >= 10 => {
            let len = u64::from_be_bytes(buffer[2..10].try_into().map_err(|_| "length")?);
            (usize::try_from(len).map_err(|_| format!("the server sent a frame of {len} bytes"))?, 10)
        }
        126 | 127 => return Ok(None),
        len => (len as usize, 2),
    };
    if masked {
        return Err(format!("the server sent a masked frame: {}", hex(&buffer[..buffer.len().min(16)])));
    }
    if buffer.len() < at + len {
        return Ok(None);
    }
    let payload = buffer[at..at + len].to_vec();
    at += len;
    buffer.drain(..at);
    Ok(Some(ServerFrame { opcode, payload }))
}

/// How a read ended.
enum Read {
    Data,
    Closed,
    TimedOut,
}

/// A fuzz socket and what the server sent on it.
struct Peer {
    stream: TcpStream,
    received: Vec<u8>,
}

impl Peer {
    async fn read(&mut self, deadline: Instant) -> Read {
        let mut chunk = [0u8; 16 * 1024];
        match tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await {
            Err(_) => Read::TimedOut,
            Ok(Ok(0) | Err(_)) => Read::Closed,
            Ok(Ok(n)) => {
                self.received.extend_from_slice(&chunk[..n]);
                Read::Data
            }
        }
    }

    /// Reads until the server closes the socket, within `within`.
    async fn until_closed(&mut self, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        loop {
            match self.read(deadline).await {
                Read::Data => {
                    // Keep only the start, enough to tell what the server answered.
                    if self.received.len() > 64 * 1024 {
                        self.received.truncate(64 * 1024);
                    }
                }
                Read::Closed => return Ok(()),
                Read::TimedOut => return Err(format!("the server kept the connection open for {within:?}")),
            }
        }
    }

    /// Reads the server's answer to the upgrade.
    async fn upgraded(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + BOUND;
        loop {
            if let Some(end) = self.received.windows(4).position(|w| w == b"\r\n\r\n") {
                let head: Vec<u8> = self.received.drain(..end + 4).collect();
                return if head.starts_with(b"HTTP/1.1 101 ") {
                    Ok(())
                } else {
                    Err(format!("a valid upgrade was answered {:?}", String::from_utf8_lossy(&head)))
                };
            }
            match self.read(deadline).await {
                Read::Data => {}
                Read::Closed => return Err("the server closed a valid upgrade".to_owned()),
                Read::TimedOut => return Err(format!("no answer to a valid upgrade in {BOUND:?}")),
            }
        }
    }

    /// The next text frame the server sends (pings and pongs skipped), within [`BOUND`].
    async fn text(&mut self) -> Result<String, String> {
        let deadline = Instant::now() + BOUND;
        loop {
            while let Some(frame) = take_frame(&mut self.received)? {
                match frame.opcode {
                    TEXT => {
                        let text = String::from_utf8(frame.payload).map_err(|_| "a text frame not UTF-8")?;
                        // Another connection's chat in the room is no answer to this one.
                        if !text.starts_with(r#"{"action":"chatNotification""#) {
                            return Ok(text);
                        }
                    }
                    CLOSE => return Err(format!("the server closed with {}", close_code(&frame.payload))),
                    PING | PONG => {}
                    other => return Err(format!("the server sent opcode {other:#x}")),
                }
            }
            match self.read(deadline).await {
                Read::Data => {}
                Read::Closed => return Err("the server closed the connection".to_owned()),
                Read::TimedOut => return Err(format!("no answer in {BOUND:?}")),
            }
        }
    }

    /// The close code the server sent, if it sent a close frame.
    fn close_code(&mut self) -> Option<String> {
        while let Ok(Some(frame)) = take_frame(&mut self.received) {
            if frame.opcode == CLOSE {
                return Some(close_code(&frame.payload));
            }
        }
        None
    }
}

fn close_code(payload: &[u8]) -> String {
    match payload {
        [a, b, ..] => u16::from_be_bytes([*a, *b]).to_string(),
        _ => "no code".to_owned(),
    }
}

/// What happened in a case, for the summary.
pub(crate) type Outcome = String;

pub(crate) async fn run(addr: SocketAddr, case: &Case, rng: &mut Rng) -> Result<Outcome, String> {
    let stream = support::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    let mut peer = Peer { stream, received: Vec::new() };
    if let Some(path) = &case.upgrade {
        let request = support::upgrade_request(&addr.to_string(), path);
        peer.stream.write_all(&request).await.map_err(|e| format!("writing the upgrade: {e}"))?;
        peer.upgraded().await?;
    }
    let mut write_failed = None;
    for chunk in &case.chunks {
        if let Err(error) = peer.stream.write_all(&chunk.bytes).await {
            write_failed = Some(error);
            break;
        }
        if !chunk.pause.is_zero() {
            tokio::time::sleep(chunk.pause).await;
        }
    }
    let outcome = match case.expect {
        Expect::Refused | Expect::Status(_) => {
            peer.until_closed(HANDSHAKE_TIMEOUT + BOUND).await?;
            let answer = peer.received.split(|b| *b == b'\r').next().unwrap_or_default();
            let answer = String::from_utf8_lossy(answer).into_owned();
            if let Expect::Status(status) = case.expect {
                if !answer.starts_with(&format!("HTTP/1.1 {status} ")) {
                    return Err(format!("expected HTTP {status}, got {answer:?}"));
                }
            } else if answer.starts_with("HTTP/1.1 101") {
                return Err("the server upgraded a bad handshake".to_owned());
            }
            if answer.is_empty() { "closed, no answer".to_owned() } else { answer }
        }
        Expect::Closes => {
            peer.until_closed(BOUND).await?;
            if case.upgrade.is_none() && peer.received.starts_with(b"HTTP/1.1 101") {
                // The junk came after the upgrade's read: the frame reader refused it instead.
                let end = peer.received.windows(4).position(|w| w == b"\r\n\r\n").map_or(0, |e| e + 4);
                peer.received.drain(..end);
            }
            match peer.close_code() {
                Some(code) => format!("closed with {code}"),
                None => "closed, no close frame".to_owned(),
            }
        }
        Expect::Reply => {
            if let Some(error) = write_failed {
                return Err(format!("writing: {error}"));
            }
            let answer = peer.text().await?;
            let value: serde_json::Value =
                serde_json::from_str(&answer).map_err(|_| format!("an answer that is not JSON: {answer:?}"))?;
            let outcome = match value["action"].as_str() {
                Some("pong") => "pong".to_owned(),
                Some("error") if value["error"]["code"].is_string() => format!("error {}", value["error"]["code"]),
                _ => return Err(format!("an answer that is neither a pong nor an error frame: {answer}")),
            };
            let ping = masked(rng, FIN | TEXT, PING_JSON);
            peer.stream.write_all(&ping).await.map_err(|e| format!("the ping after the answer: {e}"))?;
            let pong = peer.text().await.map_err(|e| format!("the ping after the answer: {e}"))?;
            if !pong.contains("\"pong\"") {
                return Err(format!("the ping after the answer got {pong}"));
            }
            outcome
        }
        Expect::Anything(linger) => {
            let deadline = Instant::now() + linger;
            let mut read = Read::Data;
            while let Read::Data = read {
                read = peer.read(deadline).await;
                peer.received.truncate(64 * 1024);
            }
            let upgraded = case.upgrade.is_some() || peer.received.starts_with(b"HTTP/1.1 101 ");
            match read {
                Read::Closed if upgraded => match peer.close_code() {
                    Some(code) => format!("closed by the server with {code}"),
                    None => "closed by the server".to_owned(),
                },
                Read::Closed => "refused".to_owned(),
                _ if upgraded => "client ended, upgraded".to_owned(),
                _ => "client ended".to_owned(),
            }
        }
    };
    match case.ending {
        Ending::Drop => drop(peer),
        Ending::Reset => {
            let _ = peer.stream.set_zero_linger();
            drop(peer);
        }
        Ending::HalfClose => {
            let _ = peer.stream.shutdown().await;
            peer.until_closed(HANDSHAKE_TIMEOUT + BOUND)
                .await
                .map_err(|e| format!("after the client shut down its half: {e}"))?;
        }
    }
    Ok(outcome)
}
