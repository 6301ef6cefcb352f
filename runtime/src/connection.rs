//! One connection's life: frames read and handled in order, replies and pushes written by a
//! writer task from the bounded outbound queue, keepalive, limits, and an orderly close.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::channel::{FrameError, Session};
use crate::codec::Frame;
use crate::config::ServerConfig;
use crate::context::{ConnectionId, Outbox};
use crate::error::ErrorBody;
use crate::groups::Groups;

/// Close codes tidings sends, with their meaning.
pub(crate) mod close {
    /// The server is shutting down, or the peer was silent past the idle timeout.
    pub(crate) const GOING_AWAY: u16 = 1001;
    /// The peer broke a rule: too many frames per second, or refused by the connect hook.
    pub(crate) const POLICY: u16 = 1008;
    /// A message larger than the configured maximum.
    pub(crate) const TOO_BIG: u16 = 1009;
    /// The peer reads slower than the server writes: its outbound queue filled.
    pub(crate) const TRY_AGAIN_LATER: u16 = 1013;
}

/// Everything a connection needs from its server.
pub(crate) struct Setup {
    pub(crate) id: ConnectionId,
    pub(crate) session: Box<dyn Session>,
    pub(crate) outbox: Outbox,
    pub(crate) queue: mpsc::Receiver<Frame>,
    pub(crate) groups: Groups,
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) discriminator: Option<&'static str>,
    pub(crate) shutdown: watch::Receiver<bool>,
}

type Close = Option<(u16, &'static str)>;

/// Runs a connection to its end.
pub(crate) async fn run(ws: WebSocketStream<TcpStream>, setup: Setup) {
    let Setup { id, mut session, outbox, queue, groups, config, discriminator, mut shutdown } = setup;
    let (sink, mut stream) = ws.split();
    let (close_tx, close_rx) = oneshot::channel::<Close>();
    let writer = tokio::spawn(write_loop(sink, queue, close_rx, config.ping_interval));
    groups.layer().attach(id, outbox.clone());

    let close: Close = match AssertUnwindSafe(session.connected()).catch_unwind().await {
        Ok(Ok(())) => read_loop(&mut stream, &mut *session, &outbox, &config, discriminator, &mut shutdown).await,
        Ok(Err(refused)) => {
            let _ = outbox.push(error_frame(discriminator, refused.code(), refused.message(), None));
            Some((close::POLICY, "refused by the server"))
        }
        Err(_) => Some((close::POLICY, "the connect hook failed")),
    };
    groups.layer().detach(id);
    let _ = close_tx.send(close);
    // The writer sends the close frame and shuts the socket; a peer that never reads cannot hold it.
    let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
    let _ = AssertUnwindSafe(session.disconnected()).catch_unwind().await;
}

async fn read_loop(
    stream: &mut futures_util::stream::SplitStream<WebSocketStream<TcpStream>>,
    session: &mut dyn Session,
    outbox: &Outbox,
    config: &ServerConfig,
    discriminator: Option<&'static str>,
    shutdown: &mut watch::Receiver<bool>,
) -> Close {
    let mut last_seen = Instant::now();
    let mut budget = RateLimit::new(config.max_frames_per_second);
    loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => return Some((close::GOING_AWAY, "the server is shutting down")),
            () = outbox.overflowed() => return Some((close::TRY_AGAIN_LATER, "too slow: the outbound queue is full")),
            () = tokio::time::sleep_until(last_seen + config.idle_timeout) => {
                return Some((close::GOING_AWAY, "idle timeout"));
            }
            message = stream.next() => {
                last_seen = Instant::now();
                let frame = match message {
                    None => return None,
                    Some(Err(WsError::Capacity(_))) => return Some((close::TOO_BIG, "message too big")),
                    Some(Err(_)) => return None,
                    Some(Ok(Message::Text(text))) => Frame::Text(text.as_str().to_owned()),
                    Some(Ok(Message::Binary(bytes))) => Frame::Binary(bytes.to_vec()),
                    Some(Ok(Message::Close(_))) => return None,
                    Some(Ok(_)) => continue,
                };
                if !budget.take() {
                    return Some((close::POLICY, "too many frames per second"));
                }
                // Handled inline: the next frame is not read before this one is done, so a
                // connection's frames reach its handlers in the order they were sent.
                let outcome = AssertUnwindSafe(session.frame(frame)).catch_unwind().await;
                let reply = match outcome {
                    Ok(Ok(Some(reply))) => reply,
                    Ok(Ok(None)) => continue,
                    Ok(Err(FrameError::Decode(e))) => error_frame(discriminator, e.code(), &e.to_string(), e.pointer()),
                    Ok(Err(FrameError::Handler(e))) => error_frame(discriminator, e.code(), e.message(), None),
                    Ok(Err(FrameError::Encode(e))) => error_frame(discriminator, "encode_failed", &e.to_string(), None),
                    Err(panic) => {
                        let detail = panic
                            .downcast_ref::<&str>()
                            .map(|s| (*s).to_owned())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        eprintln!("tidings: a handler panicked: {detail}");
                        error_frame(discriminator, "handler_panicked", "the handler failed; the connection stays open", None)
                    }
                };
                // Backpressure: while the reply waits for room, this connection is not read.
                if outbox.push_reply(reply, config.idle_timeout).await.is_err() {
                    return Some((close::TRY_AGAIN_LATER, "too slow: the peer does not read its replies"));
                }
            }
        }
    }
}

/// Writes queued frames, pings, and finally the close frame.
async fn write_loop(
    mut sink: futures_util::stream::SplitSink<WebSocketStream<TcpStream>, Message>,
    mut queue: mpsc::Receiver<Frame>,
    mut close: oneshot::Receiver<Close>,
    ping_interval: Duration,
) {
    let mut ping = tokio::time::interval_at(Instant::now() + ping_interval, ping_interval);
    loop {
        tokio::select! {
            biased;
            close = &mut close => {
                if let Ok(Some((code, reason))) = close {
                    let frame = CloseFrame { code: CloseCode::from(code), reason: reason.into() };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                }
                let _ = sink.close().await;
                return;
            }
            frame = queue.recv() => {
                let Some(frame) = frame else { return };
                let message = match frame {
                    Frame::Text(text) => Message::Text(text.into()),
                    Frame::Binary(bytes) => Message::Binary(bytes.into()),
                };
                // Flush when the queue is empty: a burst goes out in one write.
                let sent = if queue.is_empty() { sink.send(message).await } else { sink.feed(message).await };
                if sent.is_err() {
                    return;
                }
            }
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// `{"<discriminator>": "error", "error": {...}}`, the channel's documented error message.
pub(crate) fn error_frame(discriminator: Option<&str>, code: &str, message: &str, pointer: Option<String>) -> Frame {
    let body = ErrorBody { code: code.to_owned(), message: message.to_owned(), pointer };
    let mut object = serde_json::Map::new();
    if let Some(property) = discriminator {
        object.insert(property.to_owned(), serde_json::Value::from("error"));
    }
    object.insert("error".to_owned(), serde_json::to_value(body).unwrap_or_default());
    Frame::Text(serde_json::Value::Object(object).to_string())
}

/// A token bucket: `per_second` frames a second, in bursts of as many.
struct RateLimit {
    per_second: f64,
    tokens: f64,
    refilled: Instant,
}

impl RateLimit {
    fn new(per_second: u32) -> Self {
        let per_second = f64::from(per_second.max(1));
        Self { per_second, tokens: per_second, refilled: Instant::now() }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.per_second);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
