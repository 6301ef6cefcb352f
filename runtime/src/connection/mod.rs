//! One connection's life, in one task: frames read and handled (in order, or a bounded number
//! at once), replies and queued pushes written as the socket takes them, keepalive pings,
//! limits, and an orderly close.
//!
//! One task, not a reader and a writer: a reply goes from its handler to the socket without a
//! queue between tasks or a wake-up of another task, and the replies to frames read together
//! go out in one write. The socket's readiness is the backpressure: while it takes no frame,
//! nothing is read and nothing is taken from the queue.

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use futures_util::future::{BoxFuture, CatchUnwind};
use futures_util::stream::FuturesUnordered;
use futures_util::task::waker_ref;
use futures_util::{FutureExt, Sink, SinkExt, Stream, StreamExt};
use tokio::sync::watch;
use tokio::time::{Instant, Interval, MissedTickBehavior, Sleep};

use crate::channel::{EventMapper, Failed, Session};
use crate::codec::Frame;
use crate::config::ServerConfig;
use crate::event::Event;
use crate::groups::Groups;
use crate::outbox::{ConnectionId, Delivery, Inbox, Outbox, Wake};
use crate::telemetry::{self, Closed, EventOutcome};
use tracing::Instrument;

mod reply;
mod socket;

pub(crate) use reply::error_frame;
use reply::reply_frame;
pub(crate) use socket::Signals;
pub(crate) use socket::{Read, Socket, Write};

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
    pub(crate) queue: Inbox,
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

/// Runs a connection to its end, over any transport, in its span.
///
/// A plain function that builds the connection and hands `live` one struct: an `async fn`
/// keeps its arguments, and every local they are moved into, in its future for the
/// connection's whole life.
pub(crate) fn run<S>(socket: S, setup: Setup) -> impl Future<Output = ()> + Send
where
    S: Stream<Item = Read> + Sink<Write> + Unpin + Send,
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
    groups.layer().attach(id, outbox.clone());
    let now = Instant::now();
    let mut ping = tokio::time::interval_at(now + config.ping_interval, config.ping_interval);
    // A connection busy past a tick has no need of the pings it missed.
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let (socket_waker, waits_waker) = queue.wakers();
    let connection = Connection {
        id,
        events: session.events(),
        session,
        socket,
        outbox,
        queue,
        groups,
        budget: RateLimit::new(config.max_frames_per_second, now),
        config,
        discriminator,
        concurrency: concurrency.max(1),
        slot,
        started: false,
        more: None,
        mapping: None,
        reply: None,
        ahead: 0,
        queued_in_row: 0,
        queue_empty: false,
        unflushed: false,
        socket_waker,
        waits_waker,
        blocked: None,
        polled_by: None,
        last_seen: now,
        ping,
        received: 0,
        sent: 0,
    };
    live(connection, shutdown).instrument(span)
}

/// A handler at work on one frame, beside the one in the session's slot.
type Handling = CatchUnwind<AssertUnwindSafe<BoxFuture<'static, Result<Option<Frame>, Box<Failed>>>>>;
/// What a handler's work came to: its reply, its failure, or its panic.
type Handled = std::thread::Result<Result<Option<Frame>, Box<Failed>>>;
/// A server event becoming this connection's frame.
type Mapping = CatchUnwind<AssertUnwindSafe<BoxFuture<'static, Option<Frame>>>>;

/// A connection and what it holds while it lives.
struct Connection<S> {
    id: ConnectionId,
    socket: S,
    session: Box<dyn Session>,
    /// What turns server events into frames, when the channel handles events.
    events: Option<EventMapper>,
    outbox: Outbox,
    queue: Inbox,
    groups: Groups,
    config: Arc<ServerConfig>,
    discriminator: Option<&'static str>,
    /// How many of its frames may be handled at once (1: in order).
    concurrency: usize,
    slot: crate::channel::ChannelSlot,
    /// A handler is at work in the session's slot (`Session::start`); with a concurrency
    /// above 1, the others are in `more`.
    started: bool,
    more: Option<FuturesUnordered<Handling>>,
    /// A queued event being turned into a frame: the queue waits behind it.
    mapping: Option<Mapping>,
    /// A reply waiting for the `ahead` deliveries queued before its handler finished.
    reply: Option<Frame>,
    ahead: usize,
    /// Deliveries taken from the queue in a row, so that a busy queue leaves the peer heard.
    queued_in_row: u32,
    /// The queue was found empty in this turn (and will wake the task when a push comes).
    queue_empty: bool,
    /// Frames given to the socket since its last flush.
    unflushed: bool,
    /// The wakers the socket and the waits are polled with: each raises its flag in the
    /// queue's signals (`Inbox::signals`) before it wakes the task. The socket is polled with
    /// one waker for reads and writes alike, which it then keeps (`websocket::Io`): a
    /// connection blocked on a write, woken when the socket takes bytes again, polls the
    /// stream once more than it needed to, which is rare and cheap.
    socket_waker: Arc<Wake<false>>,
    waits_waker: Arc<Wake<true>>,
    /// Since when the socket takes no frame (its peer does not read).
    blocked: Option<Instant>,
    /// The waker of the last turn.
    polled_by: Option<Waker>,
    /// When the peer last sent anything.
    last_seen: Instant,
    budget: RateLimit,
    ping: Interval,
    /// Frames read and written since the counters were last told.
    received: u64,
    sent: u64,
}

/// The waits a connection polls when it has nothing else to do, pinned in `live`.
struct Waits<'a, F> {
    shutting_down: Pin<&'a mut F>,
    idle: Pin<&'a mut Sleep>,
}

#[allow(clippy::manual_async_fn, reason = "an `async fn` would hold the connection twice (below)")]
fn live<S>(mut connection: Connection<S>, mut shutdown: watch::Receiver<bool>) -> impl Future<Output = ()> + Send
where
    S: Stream<Item = Read> + Sink<Write> + Unpin + Send,
{
    // An `async` block, not an `async fn`: the function's arguments would be moved into
    // locals of their own, and the task would hold the connection twice.
    async move {
        let close: Close = match AssertUnwindSafe(connection.session.connected()).catch_unwind().await {
            Ok(Ok(())) => {
                let shutting_down = shutdown.changed();
                let idle = tokio::time::sleep_until(connection.last_seen + connection.config.idle_timeout);
                tokio::pin!(shutting_down, idle);
                std::future::poll_fn(|cx| {
                    let waits = Waits { shutting_down: shutting_down.as_mut(), idle: idle.as_mut() };
                    connection.poll_live(cx, waits)
                })
                .await
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
        // Boxed: the closing writes' state is large, and only the connection's last moments need it.
        Box::pin(connection.finish(close)).await;
        let Connection { mut session, slot, .. } = connection;
        let _ = AssertUnwindSafe(session.disconnected()).catch_unwind().await;
        // Only now is the channel's place free for another connection.
        drop(slot);
    }
}

/// How many frames a connection reads, handles and writes in one turn before it lets the
/// other tasks of its thread run, and looks at its shutdown and overflow waits even though
/// there is more to do.
const STEPS_PER_TURN: u32 = 64;

/// How many queued deliveries in a row a connection writes before it reads its peer's next
/// frame, if there is one.
const QUEUED_IN_A_ROW: u32 = 32;

impl<S> Connection<S>
where
    S: Stream<Item = Read> + Sink<Write> + Unpin,
{
    /// Works until there is nothing to do, or for a bounded number of steps; then looks at
    /// the waits, flushes what was written, and waits. Ready when the connection ends, with
    /// its close.
    fn poll_live<F: Future>(&mut self, cx: &mut Context<'_>, mut waits: Waits<'_, F>) -> Poll<Close> {
        self.queue_empty = false;
        // A task is polled with the same waker turn after turn: it is registered again only
        // when a wake took it, or when the waker changed.
        let same = self.polled_by.as_ref().is_some_and(|waker| waker.will_wake(cx.waker()));
        if !same {
            self.polled_by = Some(cx.waker().clone());
        }
        self.queue.signals().register(cx.waker(), same);
        // The time of this turn, read at its first frame: one clock read for all the frames
        // a turn reads, which the idle timeout and the rate limit need no finer.
        let mut now = None;
        let mut more = true;
        for _ in 0..STEPS_PER_TURN {
            match self.poll_step(cx, &mut now) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(close)) => return self.ended(close),
                Poll::Pending => {
                    more = false;
                    break;
                }
            }
        }
        if let Poll::Ready(close) = self.poll_waits(&mut waits) {
            return self.ended(close);
        }
        if let Err(close) = self.poll_flush() {
            return self.ended(close);
        }
        self.count();
        // A peer whose frames never stop: the thread's other tasks get their turn first.
        if more {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }

    /// Does one thing: writes a frame, starts or finishes a handler, reads a frame. Pending
    /// when there is nothing to do, every source being registered for a wake-up.
    fn poll_step(&mut self, cx: &mut Context<'_>, now: &mut Option<Instant>) -> Poll<Result<(), Close>> {
        // Everything below may write a frame: while the socket takes none, nothing moves.
        let waker = waker_ref(&self.socket_waker);
        match self.socket.poll_ready_unpin(&mut Context::from_waker(&waker)) {
            Poll::Ready(Ok(())) => self.blocked = None,
            Poll::Ready(Err(_)) => return Poll::Ready(Err(None)),
            Poll::Pending => {
                self.blocked.get_or_insert_with(Instant::now);
                return Poll::Pending;
            }
        }
        if let Some(mapping) = &mut self.mapping {
            let frame = mapped(ready!(mapping.poll_unpin(cx)));
            self.mapping = None;
            return Poll::Ready(frame.map_or(Ok(()), |frame| self.write(frame)));
        }
        // The peer first, now and then, when the queue never empties.
        let peer_first = self.queued_in_row >= QUEUED_IN_A_ROW && self.reply.is_none();
        if peer_first {
            self.queued_in_row = 0;
            if let Poll::Ready(step) = self.poll_peer(now) {
                return Poll::Ready(step);
            }
        }
        // Queued deliveries: those queued before a waiting reply, or any when none waits. A
        // queue found empty is not looked at again in the same turn: a push wakes the task.
        if self.ahead > 0 || (self.reply.is_none() && !self.queue_empty) {
            // The task's waker is registered with the queue's signals at the start of the turn.
            if let Some(delivery) = self.queue.pop() {
                self.ahead = self.ahead.saturating_sub(1);
                self.queued_in_row += 1;
                return Poll::Ready(self.deliver(delivery));
            }
            self.ahead = 0;
            self.queue_empty = true;
        }
        self.queued_in_row = 0;
        if let Some(reply) = self.reply.take() {
            return Poll::Ready(self.write(reply));
        }
        if let Poll::Ready(Some(handled)) = self.poll_handled(cx) {
            let Some(reply) = reply_frame(self.discriminator, handled) else { return Poll::Ready(Ok(())) };
            // What the handler queued for its own connection (a broadcast to a group it is in)
            // goes out before its reply, as it would through one queue.
            self.ahead = self.queue.len();
            if self.ahead == 0 {
                return Poll::Ready(self.write(reply));
            }
            self.reply = Some(reply);
            return Poll::Ready(Ok(()));
        }
        if peer_first {
            return Poll::Pending;
        }
        self.poll_peer(now)
    }

    /// The peer's next frame, read and its handler started, when the handlers at work leave
    /// room for it; `now` is the turn's time, read here at its first frame.
    fn poll_peer(&mut self, now: &mut Option<Instant>) -> Poll<Result<(), Close>> {
        if self.reply.is_some() || self.in_flight() >= self.concurrency {
            return Poll::Pending;
        }
        // Only a stream that has something, or woke the task since it had nothing, is polled.
        if !self.queue.signals().take_readable() {
            return Poll::Pending;
        }
        let waker = waker_ref(&self.socket_waker);
        let read = ready!(self.socket.poll_next_unpin(&mut Context::from_waker(&waker)));
        // There may be more behind this frame: the stream is polled again until it has none.
        self.queue.signals().keep(false);
        self.last_seen = *now.get_or_insert_with(Instant::now);
        let frame = match read {
            None | Some(Read::Closed) => return Poll::Ready(Err(None)),
            Some(Read::TooBig) => return Poll::Ready(Err(Some((close::TOO_BIG, "message too big")))),
            Some(Read::Text(text)) => Frame::Text(text),
            Some(Read::Binary(bytes)) => Frame::Binary(bytes),
            Some(Read::Control) => return Poll::Ready(Ok(())),
        };
        self.received += 1;
        if !self.budget.take(self.last_seen) {
            return Poll::Ready(Err(Some((close::POLICY, "too many frames per second"))));
        }
        if self.started {
            let handling = AssertUnwindSafe(self.session.frame(frame)).catch_unwind();
            self.more.get_or_insert_with(FuturesUnordered::new).push(handling);
        } else {
            self.session.start(frame);
            self.started = true;
        }
        Poll::Ready(Ok(()))
    }

    /// How many handlers are at work.
    fn in_flight(&self) -> usize {
        usize::from(self.started) + self.more.as_ref().map_or(0, FuturesUnordered::len)
    }

    /// A handler that finished; `None` when none is at work.
    fn poll_handled(&mut self, cx: &mut Context<'_>) -> Poll<Option<Handled>> {
        if self.started {
            let session = &mut self.session;
            match std::panic::catch_unwind(AssertUnwindSafe(|| session.poll_started(cx))) {
                Ok(Poll::Pending) => {}
                Ok(Poll::Ready(outcome)) => {
                    self.started = false;
                    if let Some(outcome) = outcome {
                        return Poll::Ready(Some(Ok(outcome)));
                    }
                }
                Err(panic) => {
                    self.started = false;
                    return Poll::Ready(Some(Err(panic)));
                }
            }
        }
        match &mut self.more {
            Some(more) if !more.is_empty() => more.poll_next_unpin(cx),
            _ if self.started => Poll::Pending,
            _ => Poll::Ready(None),
        }
    }

    /// Writes a delivery's frame, or starts turning its event into one.
    fn deliver(&mut self, delivery: Delivery) -> Result<(), Close> {
        let event = match delivery {
            Delivery::Frame(frame) => return self.write(frame),
            Delivery::Event(event) => event,
        };
        self.mapping = self.map_event(event);
        Ok(())
    }

    /// Starts turning a server event into this connection's frame; `None` when the channel
    /// handles no events.
    fn map_event(&self, event: Event) -> Option<Mapping> {
        let Some(events) = &self.events else {
            telemetry::event(EventOutcome::Unhandled);
            return None;
        };
        Some(AssertUnwindSafe(events(event)).catch_unwind())
    }

    /// Gives a frame to the socket, which said it takes one.
    fn write(&mut self, frame: Frame) -> Result<(), Close> {
        self.socket.start_send_unpin(Write::Frame(frame)).map_err(|_| None)?;
        self.unflushed = true;
        self.sent += 1;
        Ok(())
    }

    /// Sends what was written; a flush that cannot finish now goes on at the next turn.
    fn poll_flush(&mut self) -> Result<(), Close> {
        if self.unflushed {
            let waker = waker_ref(&self.socket_waker);
            match self.socket.poll_flush_unpin(&mut Context::from_waker(&waker)) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                Poll::Ready(Err(_)) => return Err(None),
                Poll::Pending => {}
            }
        }
        Ok(())
    }

    /// The shutdown, an overflowed queue, the keepalive ping, a silent peer, and a peer that
    /// does not read. They are polled with their own waker, and looked at only when one of
    /// them woke the task: a connection woken for its frames does not poll five waits.
    fn poll_waits<F: Future>(&mut self, waits: &mut Waits<'_, F>) -> Poll<Close> {
        if !self.queue.signals().take_waits_due() {
            return Poll::Pending;
        }
        let waker = waker_ref(&self.waits_waker);
        let cx = &mut Context::from_waker(&waker);
        if waits.shutting_down.as_mut().poll(cx).is_ready() {
            return Poll::Ready(SHUTTING_DOWN);
        }
        if self.outbox.overflowed() {
            return Poll::Ready(OVERFLOWED);
        }
        if self.blocked.is_none() && self.ping.poll_tick(cx).is_ready() {
            if self.socket.start_send_unpin(Write::Ping).is_err() {
                return Poll::Ready(None);
            }
            self.unflushed = true;
            // A peer that sent no frame for an interval has the slot's allocation taken back.
            if !self.started && self.last_seen.elapsed() >= self.config.ping_interval {
                self.session.rest();
            }
        }
        // A peer waiting for its handlers is not idle, unless it does not read their replies:
        // the waits are looked at again at the next turn.
        if self.blocked.is_none() && self.in_flight() > 0 {
            self.queue.signals().keep(true);
            return Poll::Pending;
        }
        // One timer for the connection's life: a frame only records when it was seen, and the
        // timer, when it fires, moves itself to the real deadline if the peer spoke since.
        let idle_timeout = self.config.idle_timeout;
        while waits.idle.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            if let Some(since) = self.blocked {
                if now >= since + idle_timeout {
                    return Poll::Ready(Some((close::TRY_AGAIN_LATER, "too slow: the peer does not read")));
                }
                waits.idle.as_mut().reset(since + idle_timeout);
                continue;
            }
            let deadline = self.last_seen + idle_timeout;
            if now >= deadline {
                return Poll::Ready(Some((close::GOING_AWAY, "idle timeout")));
            }
            waits.idle.as_mut().reset(deadline);
        }
        Poll::Pending
    }

    /// Tells the counters, and ends the loop with `close`.
    fn ended(&mut self, close: Close) -> Poll<Close> {
        self.count();
        Poll::Ready(close)
    }

    /// Tells the counters what was read and written since they were last told: once a turn,
    /// not once a frame.
    fn count(&mut self) {
        if self.received > 0 {
            telemetry::frames_received(std::mem::take(&mut self.received));
        }
        if self.sent > 0 {
            telemetry::frames_sent(std::mem::take(&mut self.sent));
        }
    }

    /// The orderly end: the handlers at work finish (the server's shutdown deadline bounds
    /// them); their replies and what was queued go out, unless the close is for not reading
    /// them; then the close frame, and the peer's answer to it. A peer that never reads, or
    /// never answers, cannot hold the connection past a few seconds.
    async fn finish(&mut self, close: Close) {
        let drain = close.is_none_or(|(code, _)| code != close::TRY_AGAIN_LATER);
        let mut replies = Vec::new();
        if drain {
            while let Some(handled) = std::future::poll_fn(|cx| self.poll_handled(cx)).await {
                replies.extend(reply_frame(self.discriminator, handled));
            }
        }
        let deadline = Instant::now() + CLOSING;
        let writes = async {
            if drain {
                while self.ahead > 0 {
                    let Ok(delivery) = self.queue.try_recv() else { break };
                    self.ahead -= 1;
                    self.send_delivery(delivery).await?;
                }
                if let Some(mapping) = self.mapping.take()
                    && let Some(frame) = mapped(mapping.await)
                {
                    self.send(Write::Frame(frame)).await?;
                }
                for reply in self.reply.take().into_iter().chain(replies) {
                    self.send(Write::Frame(reply)).await?;
                }
                while let Ok(delivery) = self.queue.try_recv() {
                    self.send_delivery(delivery).await?;
                }
            }
            if let Some((code, reason)) = close {
                self.send(Write::Close(code, reason)).await?;
            }
            self.socket.flush().await.map_err(|_| ())?;
            self.count();
            Ok::<(), ()>(())
        };
        if tokio::time::timeout_at(deadline, writes).await != Ok(Ok(())) {
            return;
        }
        // What the peer sent is read and dropped until it answers the close, or pauses:
        // closing with its frames unread would reset the connection, and the peer could lose
        // the close frame and the frames before it.
        if close.is_some() {
            let answered = async {
                while let Ok(Some(read)) = tokio::time::timeout(CLOSE_ANSWER_PAUSE, self.socket.next()).await {
                    if matches!(read, Read::Closed) {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout_at(deadline, answered).await;
        }
        let _ = tokio::time::timeout_at(deadline, self.socket.close()).await;
    }

    /// Writes a delivery in the closing writes.
    async fn send_delivery(&mut self, delivery: Delivery) -> Result<(), ()> {
        let frame = match delivery {
            Delivery::Frame(frame) => frame,
            Delivery::Event(event) => {
                let Some(mapping) = self.map_event(event) else { return Ok(()) };
                let Some(frame) = mapped(mapping.await) else { return Ok(()) };
                frame
            }
        };
        self.send(Write::Frame(frame)).await
    }

    /// Writes in the closing writes, waiting for the socket to take it.
    async fn send(&mut self, write: Write) -> Result<(), ()> {
        if matches!(write, Write::Frame(_)) {
            self.sent += 1;
        }
        self.socket.feed(write).await.map_err(|_| ())
    }
}

/// The frame an event became, if any; a panic of the event handler costs that event only.
fn mapped(outcome: std::thread::Result<Option<Frame>>) -> Option<Frame> {
    outcome.unwrap_or_else(|_| {
        telemetry::event(EventOutcome::Failed);
        tracing::error!("tidings: an event handler panicked; the connection skips the event");
        None
    })
}

/// How long the closing writes, the peer's answer to the close and the close itself may take.
const CLOSING: Duration = Duration::from_secs(5);

/// How long a closing connection waits for the peer's next frame (its answer to the close, or
/// one it sent before it saw the close) before it closes without it.
const CLOSE_ANSWER_PAUSE: Duration = Duration::from_millis(50);

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
        // The frames of one turn share its time: the bucket refills once a turn.
        if now != self.refilled {
            let elapsed = now.duration_since(self.refilled).as_secs_f64();
            self.tokens = (self.tokens + elapsed * self.per_second).min(self.per_second);
            self.refilled = now;
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket that never reads nor takes anything: only its type matters here.
    struct Nothing;

    impl Stream for Nothing {
        type Item = Read;
        fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Read>> {
            Poll::Pending
        }
    }

    impl Sink<Write> for Nothing {
        type Error = ();
        fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
            Poll::Pending
        }
        fn start_send(self: Pin<&mut Self>, _: Write) -> Result<(), ()> {
            Ok(())
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// The size of what a function of two arguments returns.
    fn returned<A, B, F>(_: fn(A, B) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// Every open connection is a task this size (728 bytes here, for a connection of 384).
    /// An `async fn` holding its argument and the local it moved into (the connection twice),
    /// or the closing writes kept inline (1,000 bytes), would show here first
    /// (docs/BENCHMARKS.md, session 18).
    #[test]
    fn the_task_holds_the_connection_once() {
        let connection = std::mem::size_of::<Connection<Nothing>>();
        let task = returned(live::<Nothing>);
        assert!(task < connection + 512, "the connection's future is {task} bytes for a connection of {connection}");
    }
}
