//! One connection's life: frames read and handled in order, replies and pushes written by a
//! writer task from the bounded outbound queue, keepalive, limits, and an orderly close.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, Sink, SinkExt, Stream, StreamExt};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::channel::{EventMapper, Failed, FrameError, Session};
use crate::codec::Frame;
use crate::config::ServerConfig;
use crate::error::ErrorBody;
use crate::groups::Groups;
use crate::outbox::{ConnectionId, Delivery, Outbox};
use crate::telemetry::{self, Closed, EventOutcome};
use tracing::Instrument;

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
    /// The channel's name in the contract.
    pub(crate) channel: &'static str,
    /// The peer's address, when the front end knows it.
    pub(crate) remote: Option<std::net::SocketAddr>,
    /// The principal's key, when it has one.
    pub(crate) principal: Option<String>,
    /// The connection's place under its channel's limit, given back when it ends.
    pub(crate) slot: crate::channel::ChannelSlot,
    pub(crate) session: Box<dyn Session>,
    pub(crate) outbox: Outbox,
    pub(crate) queue: mpsc::Receiver<Delivery>,
    pub(crate) groups: Groups,
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) discriminator: Option<&'static str>,
    /// How many of its frames may be handled at once (1: in order).
    pub(crate) concurrency: usize,
    pub(crate) shutdown: watch::Receiver<bool>,
}

type Close = Option<(u16, &'static str)>;

/// How a connection closes when the server shuts down.
const SHUTTING_DOWN: Close = Some((close::GOING_AWAY, "the server is shutting down"));
/// How a connection closes when pushes found its outbound queue full.
const OVERFLOWED: Close = Some((close::TRY_AGAIN_LATER, "too slow: the outbound queue is full"));

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

/// A transport's sending half with its message type: tungstenite's or axum's.
pub(crate) struct Writer<Si, F> {
    pub(crate) sink: Si,
    pub(crate) convert: F,
}

impl<Si, M, F> Writer<Si, F>
where
    Si: Sink<M> + Unpin,
    F: Fn(Write) -> M,
{
    async fn send(&mut self, write: Write, flush: bool) -> bool {
        let message = (self.convert)(write);
        if flush { self.sink.send(message).await.is_ok() } else { self.sink.feed(message).await.is_ok() }
    }

    async fn flush(&mut self) -> bool {
        self.sink.flush().await.is_ok()
    }

    async fn close(&mut self) {
        let _ = self.sink.close().await;
    }
}

/// Runs a connection to its end, over any transport, in its span.
///
/// A plain function that spawns the writer and hands `live` one struct: an `async fn` keeps
/// its arguments, and every local they are moved into, in its future for the connection's
/// whole life (a few hundred bytes in every connection's task).
pub(crate) fn run<R, Si, M, F>(stream: R, writer: Writer<Si, F>, setup: Setup) -> impl Future<Output = ()> + Send
where
    R: Stream<Item = Read> + Unpin + Send,
    Si: Sink<M> + Unpin + Send + 'static,
    M: Send + 'static,
    F: Fn(Write) -> M + Send + 'static,
{
    let span = tracing::info_span!(
        "tidings.connection",
        id = %setup.id,
        channel = setup.channel,
        remote = setup.remote.map(tracing::field::display),
        principal = setup.principal.as_deref(),
    );
    let Setup { id, session, outbox, queue, groups, config, discriminator, concurrency, shutdown, slot, .. } = setup;
    telemetry::opened();
    let (close, closing) = oneshot::channel::<Close>();
    let outgoing = Outgoing { queue, events: session.events() };
    let writer = tokio::spawn(write_loop(writer, outgoing, closing, config.ping_interval));
    groups.layer().attach(id, outbox.clone());
    let connection =
        Live { id, session, outbox, groups, config, discriminator, concurrency, shutdown, slot, close, writer };
    live(stream, connection).instrument(span)
}

/// What a connection holds while it lives, once its writer runs.
struct Live {
    id: ConnectionId,
    session: Box<dyn Session>,
    outbox: Outbox,
    groups: Groups,
    config: Arc<ServerConfig>,
    discriminator: Option<&'static str>,
    concurrency: usize,
    shutdown: watch::Receiver<bool>,
    slot: crate::channel::ChannelSlot,
    /// Tells the writer how the connection closes.
    close: oneshot::Sender<Close>,
    writer: tokio::task::JoinHandle<()>,
}

async fn live<R>(mut stream: R, mut connection: Live)
where
    R: Stream<Item = Read> + Unpin + Send,
{
    let close: Close = match AssertUnwindSafe(connection.session.connected()).catch_unwind().await {
        Ok(Ok(())) => {
            let reader = Reader {
                session: &*connection.session,
                outbox: &connection.outbox,
                config: &connection.config,
                discriminator: connection.discriminator,
                concurrency: connection.concurrency,
            };
            reader.run(&mut stream, &mut connection.shutdown).await
        }
        Ok(Err(refused)) => {
            telemetry::error_frame(refused.code());
            let frame = error_frame(connection.discriminator, refused.code(), refused.message(), None);
            let _ = connection.outbox.push(frame);
            Some((close::POLICY, "refused by the server"))
        }
        Err(_) => Some((close::POLICY, "the connect hook failed")),
    };
    connection.groups.layer().detach(connection.id);
    match close {
        Some((code, reason)) => telemetry::closed(Closed::Server(code), reason),
        None => telemetry::closed(Closed::Peer, ""),
    }
    let Live { mut session, close: closing, writer, slot, .. } = connection;
    let _ = closing.send(close);
    // The writer sends the close frame and shuts the socket; a peer that never reads cannot hold it.
    let abort = writer.abort_handle();
    if tokio::time::timeout(Duration::from_secs(5), writer).await.is_err() {
        abort.abort();
    }
    let _ = AssertUnwindSafe(session.disconnected()).catch_unwind().await;
    // Only now is the channel's place free for another connection.
    drop(slot);
}

type Handled = std::thread::Result<Result<Option<Frame>, Failed>>;

/// The reading half of a connection and what it needs.
struct Reader<'a> {
    session: &'a dyn Session,
    outbox: &'a Outbox,
    config: &'a ServerConfig,
    discriminator: Option<&'static str>,
    concurrency: usize,
}

impl Reader<'_> {
    async fn run(
        &self,
        stream: &mut (impl Stream<Item = Read> + Unpin),
        shutdown: &mut watch::Receiver<bool>,
    ) -> Close {
        let mut in_flight = FuturesUnordered::new();
        let close = self.read(stream, shutdown, &mut in_flight).await;
        // Frames already being handled finish, and their replies are sent, before the close:
        // the server's shutdown deadline bounds how long that may take.
        while let Some(handled) = in_flight.next().await {
            if let Some(reply) = self.reply(handled) {
                let _ = self.outbox.push(reply);
            }
        }
        close
    }

    async fn read(
        &self,
        stream: &mut (impl Stream<Item = Read> + Unpin),
        shutdown: &mut watch::Receiver<bool>,
        in_flight: &mut FuturesUnordered<BoxFuture<'static, Handled>>,
    ) -> Close {
        let idle_timeout = self.config.idle_timeout;
        let mut last_seen = Instant::now();
        let mut budget = RateLimit::new(self.config.max_frames_per_second, last_seen);
        // One timer, one shutdown wait and one overflow wait for the connection's life, not one
        // of each per frame: a frame only records when it was seen, and the timer, when it
        // fires, moves itself to the real deadline if the peer spoke since it was set.
        let idle = tokio::time::sleep_until(last_seen + idle_timeout);
        let shutting_down = shutdown.changed();
        let overflowed = self.outbox.overflowed();
        tokio::pin!(idle, shutting_down, overflowed);
        // Frames read since the shutdown and overflow waits were last polled.
        let mut unchecked = 0u32;
        loop {
            // A peer whose frames never stop (many in each TCP read) would keep the select
            // below from reaching the waits after its stream: they are looked at every so
            // many frames too. (A wait polled here and pending is registered again by the
            // select's next poll of it.)
            if unchecked >= FRAMES_BETWEEN_CHECKS {
                unchecked = 0;
                if (&mut shutting_down).now_or_never().is_some() {
                    return SHUTTING_DOWN;
                }
                if (&mut overflowed).now_or_never().is_some() {
                    return OVERFLOWED;
                }
            }
            let handled = tokio::select! {
                biased;
                // Handlers that finished first, then the peer's next frame.
                Some(handled) = in_flight.next(), if !in_flight.is_empty() => {
                    last_seen = Instant::now();
                    handled
                }
                message = stream.next(), if in_flight.len() < self.concurrency => {
                    last_seen = Instant::now();
                    unchecked += 1;
                    let frame = match message {
                        None | Some(Read::Closed) => return None,
                        Some(Read::TooBig) => return Some((close::TOO_BIG, "message too big")),
                        Some(Read::Text(text)) => Frame::Text(text),
                        Some(Read::Binary(bytes)) => Frame::Binary(bytes),
                        Some(Read::Control) => continue,
                    };
                    telemetry::frame_received();
                    if !budget.take(last_seen) {
                        return Some((close::POLICY, "too many frames per second"));
                    }
                    let handling = AssertUnwindSafe(self.session.frame(frame)).catch_unwind();
                    if self.concurrency > 1 {
                        in_flight.push(handling.boxed());
                        continue;
                    }
                    // In order: the next frame is not read before this one is handled, so a
                    // connection's frames reach its handlers in the order they were sent.
                    handling.await
                }
                // After the peer's frames: a frame costs no poll of the three waits below,
                // which are polled when the peer pauses (and every so many frames, above).
                _ = &mut shutting_down => return SHUTTING_DOWN,
                () = &mut overflowed => return OVERFLOWED,
                // A peer waiting for its handlers is not idle.
                () = &mut idle, if in_flight.is_empty() => {
                    let deadline = last_seen + idle_timeout;
                    if Instant::now() >= deadline {
                        return Some((close::GOING_AWAY, "idle timeout"));
                    }
                    idle.as_mut().reset(deadline);
                    continue;
                }
            };
            let Some(reply) = self.reply(handled) else { continue };
            // Backpressure: while the reply waits for room, this connection is not read.
            if self.outbox.push_reply(reply, idle_timeout).await.is_err() {
                return Some((close::TRY_AGAIN_LATER, "too slow: the peer does not read its replies"));
            }
        }
    }

    /// The frame to send for a handled frame: its reply, or the error frame saying what failed
    /// (with the request's correlation id, when it had one).
    fn reply(&self, handled: Handled) -> Option<Frame> {
        let discriminator = self.discriminator;
        let (error, correlation) = match handled {
            Ok(Ok(reply)) => return reply,
            Ok(Err(Failed { error, correlation })) => (error, correlation),
            Err(panic) => {
                let detail = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(panic = %detail, "tidings: a handler panicked; the peer gets the error frame");
                telemetry::error_frame("handler_panicked");
                let message = "the handler failed; the connection stays open";
                return Some(error_frame(discriminator, "handler_panicked", message, None));
            }
        };
        let (code, message, pointer) = match &error {
            FrameError::Decode(e) => (e.code(), e.to_string(), e.pointer()),
            FrameError::Handler(e) => (e.code(), e.message().to_owned(), None),
            FrameError::Encode(e) => ("encode_failed", e.to_string(), None),
        };
        telemetry::error_frame(code);
        let frame = error_frame(discriminator, code, &message, pointer);
        Some(match correlation {
            Some((at, id)) => with_correlation(frame, discriminator, at, id),
            None => frame,
        })
    }
}

/// The error frame with a request's correlation id written where the request carried it,
/// unless that place is the error frame's own (`error`, or the discriminator).
fn with_correlation(frame: Frame, discriminator: Option<&str>, at: &str, id: serde_json::Value) -> Frame {
    let first = at.split('/').nth(1).unwrap_or_default();
    let Frame::Text(text) = &frame else { return frame };
    if first == "error" || Some(first) == discriminator {
        return frame;
    }
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) else { return frame };
    if !crate::channel::set_pointer(&mut value, at, id) {
        return frame;
    }
    Frame::text(value.to_string())
}

/// How many queued frames the writer adds to one write before it looks at pings and the close.
const MAX_BURST: u64 = 64;

/// How many frames in a row a connection reads before it looks at its shutdown and overflow
/// waits even though the peer has not paused.
const FRAMES_BETWEEN_CHECKS: u32 = 64;

/// What a connection's writer takes from: its queue, and what turns the server events in it
/// into frames (when its channel handles events).
struct Outgoing {
    queue: mpsc::Receiver<Delivery>,
    events: Option<EventMapper>,
}

impl Outgoing {
    /// The frame a delivery becomes: a frame as it is; an event as the channel's event
    /// handler maps it (or nothing).
    async fn frame(&self, delivery: Delivery) -> Option<Frame> {
        let event = match delivery {
            Delivery::Frame(frame) => return Some(frame),
            Delivery::Event(event) => event,
        };
        let Some(events) = &self.events else {
            telemetry::event(EventOutcome::Unhandled);
            return None;
        };
        match AssertUnwindSafe(events(event)).catch_unwind().await {
            Ok(frame) => frame,
            Err(_) => {
                telemetry::event(EventOutcome::Failed);
                tracing::error!("tidings: an event handler panicked; the connection skips the event");
                None
            }
        }
    }
}

/// Writes queued frames and what server events become, pings, and finally the close frame.
async fn write_loop<Si, M, F>(
    mut sink: Writer<Si, F>,
    mut outgoing: Outgoing,
    mut close: oneshot::Receiver<Close>,
    ping_interval: Duration,
) where
    Si: Sink<M> + Unpin,
    F: Fn(Write) -> M,
{
    let mut ping = tokio::time::interval_at(Instant::now() + ping_interval, ping_interval);
    loop {
        tokio::select! {
            biased;
            closing = &mut close => {
                let closing = closing.ok().flatten();
                // What was queued before the close goes first (replies of handlers that ran
                // to the end during a shutdown), unless the close is for not reading it.
                if closing.is_none_or(|(code, _)| code != close::TRY_AGAIN_LATER) {
                    while let Ok(delivery) = outgoing.queue.try_recv() {
                        let Some(frame) = outgoing.frame(delivery).await else { continue };
                        if !sink.send(Write::Frame(frame), outgoing.queue.is_empty()).await {
                            return;
                        }
                        telemetry::frames_sent(1);
                    }
                }
                if let Some((code, reason)) = closing {
                    sink.send(Write::Close(code, reason), true).await;
                }
                sink.close().await;
                return;
            }
            delivery = outgoing.queue.recv() => {
                let Some(delivery) = delivery else { return };
                // A burst goes out in one write: what is queued behind this frame is added to
                // it without waiting, up to a bound that keeps pings and the close in turn.
                let mut next = Some(delivery);
                let (mut taken, mut sent, mut unflushed): (u64, u64, bool) = (0, 0, false);
                while let Some(delivery) = next.take() {
                    taken += 1;
                    let frame = outgoing.frame(delivery).await;
                    next = if taken < MAX_BURST { outgoing.queue.try_recv().ok() } else { None };
                    let Some(frame) = frame else { continue };
                    if !sink.send(Write::Frame(frame), next.is_none()).await {
                        return;
                    }
                    sent += 1;
                    unflushed = next.is_some();
                }
                // The burst ended on an event that became nothing: what was added goes out now.
                if unflushed && !sink.flush().await {
                    return;
                }
                telemetry::frames_sent(sent);
            }
            _ = ping.tick() => {
                if !sink.send(Write::Ping, true).await {
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
    Frame::text(serde_json::Value::Object(object).to_string())
}

/// A token bucket: `per_second` frames a second, in bursts of as many.
struct RateLimit {
    per_second: f64,
    tokens: f64,
    refilled: Instant,
}

impl RateLimit {
    fn new(per_second: u32, now: Instant) -> Self {
        let per_second = f64::from(per_second.max(1));
        Self { per_second, tokens: per_second, refilled: now }
    }

    /// Takes a token at `now`, if there is one.
    fn take(&mut self, now: Instant) -> bool {
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
