//! Groups across processes through Redis Pub/Sub: [`RedisLayer`]. `docs/ARCHITECTURE.md`
//! gives the reasons for the design.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{Notify, mpsc, watch};
use tokio::time::Instant;

use crate::codec::Frame;
use crate::context::{ConnectionId, Outbox, process_node, random_u64};
use crate::groups::{Layer, LayerHealth, Membership};

/// Settings of a [`RedisLayer`]. Build from [`Default`] and change what you need:
///
/// ```
/// let config = tidings::RedisConfig::default().prefix("myapp");
/// assert_eq!(config.prefix, "myapp");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedisConfig {
    /// Starts every Redis channel name the layer uses (default `tidings`), so that
    /// applications sharing one Redis do not hear each other's groups.
    pub prefix: String,
    /// Publications waiting for the link (default 4096: a burst of a few thousand broadcasts
    /// while a batch is in flight). A publication that finds the queue full is dropped and
    /// counted rather than make a handler wait.
    pub publish_queue: usize,
    /// The first wait before reconnecting (default 100 ms); it doubles with each failed
    /// attempt, with jitter, up to [`reconnect_max`](Self::reconnect_max).
    pub reconnect_min: Duration,
    /// The longest wait between attempts to reconnect (default 5 s): a restarted Redis is
    /// found again within seconds, and a Redis that stays down costs a log line and a
    /// refused connection per task every 5 s.
    pub reconnect_max: Duration,
    /// The longest wait for a connection or for any answer from Redis (default 2 s); past it
    /// the link counts as down and is reopened.
    pub timeout: Duration,
    /// How often each connection to Redis is checked with `PING` while otherwise idle
    /// (default 5 s), so that a Redis that vanished without closing its sockets is noticed.
    pub ping_interval: Duration,
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            prefix: "tidings".into(),
            publish_queue: 4096,
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_secs(5),
            timeout: Duration::from_secs(2),
            ping_interval: Duration::from_secs(5),
        }
    }
}

impl RedisConfig {
    /// Sets [`prefix`](Self::prefix).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Sets [`publish_queue`](Self::publish_queue).
    pub fn publish_queue(mut self, publications: usize) -> Self {
        self.publish_queue = publications;
        self
    }

    /// Sets [`reconnect_min`](Self::reconnect_min) and [`reconnect_max`](Self::reconnect_max).
    pub fn reconnect(mut self, min: Duration, max: Duration) -> Self {
        self.reconnect_min = min;
        self.reconnect_max = max.max(min);
        self
    }

    /// Sets [`timeout`](Self::timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets [`ping_interval`](Self::ping_interval).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
        self
    }
}

/// Why a [`RedisLayer`] could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisLayerError {
    /// The URL is not a Redis URL (`redis://[:password@]host[:port][/db]`).
    #[error("not a usable Redis URL: {detail}")]
    Url {
        /// What the Redis client said (the URL itself is left out: it may hold a password).
        detail: String,
    },
    /// [`RedisLayer::start`] was called outside a tokio runtime, which its tasks need.
    #[error("a Redis layer starts its tasks on the current tokio runtime, and there is none")]
    NoRuntime,
}

/// Group membership shared between processes through Redis Pub/Sub.
///
/// ```no_run
/// # async fn serve(chat: tidings::Channel) -> Result<(), Box<dyn std::error::Error>> {
/// let layer = tidings::RedisLayer::start("redis://127.0.0.1:6379", tidings::RedisConfig::default())?;
/// let server = tidings::Server::bind("0.0.0.0:8080").await?.mount(chat).layer(layer);
/// server.serve().await?;
/// # Ok(())
/// # }
/// ```
///
/// Nothing about membership is stored in Redis. Each process keeps its own connections and
/// groups in memory, as [`InProcess`](crate::InProcess) does, and subscribes to one Redis
/// channel per group that has members here (`<prefix>:g:<group>`), plus one channel for
/// directed sends to its connections (`<prefix>:n:<node>`, the [node](ConnectionId::node)
/// of every id the process issues). A broadcast is queued for the members here at once and
/// published once; the other processes deliver it to their members, and the publishing
/// layer skips its own publication when Redis echoes it back. A group whose last member here
/// leaves or closes is unsubscribed; a process that dies loses its subscriptions with its
/// connections. Nothing expires because nothing is left behind.
///
/// **Delivery is at most once**, as with Django's `channels_redis`: Redis Pub/Sub keeps no
/// message for a subscriber that is not listening, so what is published while the link is
/// down, or while another process reconnects, is lost for the other processes and counted
/// in [`dropped`](Self::dropped). Members in the publishing process always get it. The
/// messages of one layer reach another in the order they were published.
///
/// **No method waits on Redis.** Publications go to a bounded queue that a background task
/// drains in pipelined batches; subscription changes are recorded for a second task, which
/// holds the Pub/Sub connection. Both reconnect on their own with capped exponential backoff,
/// log through `tracing`, and [`health`](Layer::health) says what is down meanwhile;
/// [`ready`](Self::ready) waits for the link.
///
/// Cloning gives another handle on the same layer (to ask its health after handing it to a
/// server); its tasks stop when the last handle is dropped.
#[derive(Clone)]
pub struct RedisLayer {
    shared: Arc<Shared>,
    _tasks: Arc<watch::Sender<()>>,
}

impl std::fmt::Debug for RedisLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLayer")
            .field("redis", &self.shared.address)
            .field("node", &format_args!("{:08x}", self.shared.node))
            .field("health", &self.health())
            .finish_non_exhaustive()
    }
}

impl RedisLayer {
    /// A layer on the Redis at `url`. Returns at once: the connections are made in the
    /// background, and until they are up, broadcasts reach the members in this process only
    /// (see [`health`](Layer::health) and [`ready`](Self::ready)). Must be called within a
    /// tokio runtime.
    pub fn start(url: &str, config: RedisConfig) -> Result<Self, RedisLayerError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| RedisLayerError::NoRuntime)?;
        let client = ::redis::Client::open(url).map_err(|e| RedisLayerError::Url { detail: e.to_string() })?;
        let (publish, queue) = mpsc::channel(config.publish_queue.max(1));
        let node = process_node();
        let shared = Arc::new(Shared {
            address: client.get_connection_info().addr().to_string(),
            client,
            node,
            instance: random_u64(),
            node_channel: format!("{}:n:{node:08x}", config.prefix),
            group_prefix: format!("{}:g:", config.prefix),
            local: RwLock::default(),
            publish,
            publishing: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
            subscriptions_changed: Notify::new(),
            check_publisher: Notify::new(),
            link: watch::Sender::new(LinkState::default()),
            config,
        });
        let (tasks, stop) = watch::channel(());
        runtime.spawn(publisher(Arc::clone(&shared), queue, stop.clone()));
        runtime.spawn(subscriber(Arc::clone(&shared), stop));
        Ok(Self { shared, _tasks: Arc::new(tasks) })
    }

    /// Resolves once both connections to Redis are up and every group with members here at
    /// the time of the call is subscribed: from then on, what other processes broadcast to
    /// those groups reaches their members here. For tests and readiness checks; it waits as
    /// long as Redis stays away, so give it a timeout.
    pub async fn ready(&self) {
        let wanted = self.shared.read().generation;
        let mut link = self.shared.link.subscribe();
        let _ = link
            .wait_for(|state| state.publisher.is_none() && state.subscriber.is_none() && state.applied >= wanted)
            .await;
    }

    /// Publications that did not reach Redis since the layer started: published while the
    /// link was down, lost with a failed connection, or finding the queue full.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

impl Layer for RedisLayer {
    fn attach(&self, id: ConnectionId, outbox: Outbox) {
        self.shared.write().membership.attach(id, outbox);
    }

    fn detach(&self, id: ConnectionId) {
        let changed = {
            let mut local = self.shared.write();
            let emptied = local.membership.detach(id);
            for group in &emptied {
                local.want(group, false);
            }
            !emptied.is_empty()
        };
        if changed {
            self.shared.subscriptions_changed.notify_one();
        }
    }

    fn join(&self, id: ConnectionId, group: &str) {
        let changed = {
            let mut local = self.shared.write();
            let first = local.membership.join(id, group);
            if first {
                local.want(group, true);
            }
            first
        };
        if changed {
            self.shared.subscriptions_changed.notify_one();
        }
    }

    fn leave(&self, id: ConnectionId, group: &str) {
        let changed = {
            let mut local = self.shared.write();
            let emptied = local.membership.leave(id, group);
            if emptied {
                local.want(group, false);
            }
            emptied
        };
        if changed {
            self.shared.subscriptions_changed.notify_one();
        }
    }

    fn broadcast(&self, group: &str, frame: Frame) -> usize {
        let delivered = self.shared.read().membership.deliver(group, &frame);
        let channel = format!("{}{group}", self.shared.group_prefix);
        self.shared.publish(channel, Envelope::encode(self.shared.instance, None, &frame));
        delivered
    }

    /// Queues `frame` for connection `id`: directly when it is connected here, else through
    /// Redis to the process that issued the id. `true` when queued here or handed to the
    /// link; `false` when it is neither (the link is down or its queue is full).
    fn send_to(&self, id: ConnectionId, frame: Frame) -> bool {
        let here = self.shared.read().membership.send_to(id, frame);
        let frame = match here {
            Ok(queued) => return queued,
            Err(frame) => frame,
        };
        // Not here. Its process may still be this one, with another layer (two servers in
        // one process); that layer listens on the same node channel.
        let channel = format!("{}:n:{:08x}", self.shared.config.prefix, id.node());
        self.shared.publish(channel, Envelope::encode(self.shared.instance, Some(id), &frame))
    }

    fn members(&self, group: &str) -> Vec<ConnectionId> {
        self.shared.read().membership.members(group)
    }

    fn health(&self) -> LayerHealth {
        let link = self.shared.link.borrow();
        let connected = link.publisher.is_none() && link.subscriber.is_none();
        let detail = (!connected).then(|| {
            let mut problems = Vec::new();
            if let Some(problem) = &link.publisher {
                problems.push(format!("publishing: {problem}"));
            }
            if let Some(problem) = &link.subscriber {
                problems.push(format!("subscribing: {problem}"));
            }
            format!(
                "redis at {}: {}; reconnecting; broadcasts reach this process's members only ({} publications dropped so far)",
                self.shared.address,
                problems.join("; "),
                self.dropped()
            )
        });
        LayerHealth { layer: "redis", connected, detail }
    }
}

/// What the layer and its two tasks share.
struct Shared {
    config: RedisConfig,
    client: ::redis::Client,
    /// `host:port` of the Redis, for logs and health (never the URL: it may hold a password).
    address: String,
    /// This process's node: directed sends to its connections come on `node_channel`.
    node: u32,
    /// This layer's own id, written into every publication so that it can skip its echoes.
    instance: u64,
    node_channel: String,
    group_prefix: String,
    local: RwLock<Local>,
    publish: mpsc::Sender<Publication>,
    /// Whether the publishing connection is up: while it is not, publications are dropped at
    /// once rather than queued to go out late.
    publishing: AtomicBool,
    dropped: AtomicU64,
    /// Wakes the subscribing task when `Local::pending` has something.
    subscriptions_changed: Notify,
    /// Asks the publishing task to check its connection now: the subscribing connection was
    /// lost, and the publishing one would otherwise notice only at its next publication,
    /// which it would lose.
    check_publisher: Notify,
    link: watch::Sender<LinkState>,
}

/// What this process holds: its connections, its groups, and the subscriptions still to change.
#[derive(Default)]
struct Local {
    membership: Membership,
    /// Groups whose subscription is to change: `true` to subscribe, `false` to unsubscribe.
    /// One entry per group at most, so it is bounded by the number of groups.
    pending: HashMap<String, bool>,
    /// Counts changes to the set of groups with members here, for [`RedisLayer::ready`].
    generation: u64,
}

impl Local {
    fn want(&mut self, group: &str, subscribed: bool) {
        self.pending.insert(group.to_owned(), subscribed);
        self.generation += 1;
    }
}

/// How each connection to Redis is doing: `None` when up, else what is wrong.
struct LinkState {
    publisher: Option<String>,
    subscriber: Option<String>,
    /// The `Local::generation` whose groups are all subscribed on the current connection.
    applied: u64,
}

impl Default for LinkState {
    fn default() -> Self {
        Self { publisher: Some("not connected yet".into()), subscriber: Some("not connected yet".into()), applied: 0 }
    }
}

#[derive(Clone, Copy, Debug)]
enum Side {
    Publisher,
    Subscriber,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Publisher => "publishing",
            Side::Subscriber => "subscribing",
        }
    }
}

impl Shared {
    fn read(&self) -> RwLockReadGuard<'_, Local> {
        self.local.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Local> {
        self.local.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a publication without waiting; `false` (and counted) when it cannot go out.
    fn publish(&self, channel: String, payload: Vec<u8>) -> bool {
        let queued =
            self.publishing.load(Ordering::Acquire) && self.publish.try_send(Publication { channel, payload }).is_ok();
        if !queued {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        queued
    }

    fn up(&self, side: Side, applied: Option<u64>) {
        if let Side::Publisher = side {
            self.publishing.store(true, Ordering::Release);
        }
        let mut was_down = None;
        self.link.send_modify(|state| {
            let slot = match side {
                Side::Publisher => &mut state.publisher,
                Side::Subscriber => &mut state.subscriber,
            };
            was_down = slot.take();
            if let Some(applied) = applied {
                state.applied = applied;
            }
        });
        if let Some(problem) = was_down {
            tracing::info!(
                redis = %self.address,
                link = side.name(),
                was = %problem,
                dropped = self.dropped.load(Ordering::Relaxed),
                "tidings: redis link up"
            );
        }
    }

    fn down(&self, side: Side, problem: String, retry_in: Duration) {
        if let Side::Publisher = side {
            self.publishing.store(false, Ordering::Release);
        }
        let mut was_up = false;
        self.link.send_modify(|state| {
            let slot = match side {
                Side::Publisher => &mut state.publisher,
                Side::Subscriber => &mut state.subscriber,
            };
            was_up = slot.is_none();
            *slot = Some(problem.clone());
        });
        if was_up {
            tracing::warn!(
                redis = %self.address,
                link = side.name(),
                error = %problem,
                ?retry_in,
                "tidings: redis link down; members in this process still get every broadcast, other processes miss them until it is back"
            );
        } else {
            tracing::debug!(redis = %self.address, link = side.name(), error = %problem, ?retry_in, "tidings: redis still down");
        }
    }

    /// Hands a message from Redis to the connections here it is for.
    fn deliver(&self, channel: &str, payload: &[u8]) {
        let Some(envelope) = Envelope::decode(payload) else {
            tracing::debug!(channel, "tidings: ignored a message on a redis channel that is not a tidings envelope");
            return;
        };
        if let Some(group) = channel.strip_prefix(&self.group_prefix) {
            if envelope.origin == self.instance {
                return; // Our own broadcast: the members here had it directly.
            }
            let Some(frame) = envelope.frame() else { return };
            self.read().membership.deliver(group, &frame);
        } else if channel == self.node_channel {
            let Some(target) = envelope.target else { return };
            if let Some(frame) = envelope.frame() {
                let _ = self.read().membership.send_to(target, frame);
            }
        }
    }

    fn group_channels<'a>(&'a self, groups: impl IntoIterator<Item = &'a String>) -> Vec<String> {
        groups.into_iter().map(|group| format!("{}{group}", self.group_prefix)).collect()
    }
}

struct Publication {
    channel: String,
    payload: Vec<u8>,
}

/// A frame as published: version, kind, origin layer, target connection, then the frame's
/// bytes as they go on the wire (the frame is encoded once, for everyone).
struct Envelope<'a> {
    origin: u64,
    target: Option<ConnectionId>,
    binary: bool,
    body: &'a [u8],
}

impl<'a> Envelope<'a> {
    const VERSION: u8 = 1;
    const HEADER: usize = 18;

    fn encode(origin: u64, target: Option<ConnectionId>, frame: &Frame) -> Vec<u8> {
        let (binary, body) = match frame {
            Frame::Text(text) => (false, text.as_bytes()),
            Frame::Binary(bytes) => (true, bytes.as_slice()),
        };
        let mut out = Vec::with_capacity(Self::HEADER + body.len());
        out.push(Self::VERSION);
        out.push(if binary { b'b' } else { b't' });
        out.extend_from_slice(&origin.to_be_bytes());
        out.extend_from_slice(&target.map_or(0, ConnectionId::get).to_be_bytes());
        out.extend_from_slice(body);
        out
    }

    fn decode(bytes: &'a [u8]) -> Option<Self> {
        let (header, body) = bytes.split_at_checked(Self::HEADER)?;
        let binary = match (header[0], header[1]) {
            (Self::VERSION, b't') => false,
            (Self::VERSION, b'b') => true,
            _ => return None,
        };
        let origin = u64::from_be_bytes(header[2..10].try_into().ok()?);
        let target = u64::from_be_bytes(header[10..18].try_into().ok()?);
        Some(Self { origin, target: (target != 0).then_some(ConnectionId(target)), binary, body })
    }

    fn frame(&self) -> Option<Frame> {
        if self.binary {
            Some(Frame::Binary(self.body.to_vec()))
        } else {
            String::from_utf8(self.body.to_vec()).ok().map(Frame::Text)
        }
    }
}

/// Publications in one pipeline at most: enough to amortize a round trip, small enough that
/// a failed batch loses little.
const BATCH: usize = 256;

/// Drains the publication queue into Redis, one pipelined batch at a time, reconnecting as needed.
async fn publisher(shared: Arc<Shared>, mut queue: mpsc::Receiver<Publication>, mut stop: watch::Receiver<()>) {
    let config = ::redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(shared.config.timeout))
        .set_response_timeout(Some(shared.config.timeout));
    let mut backoff = Backoff::new(&shared.config);
    loop {
        let connected = tokio::select! {
            _ = stop.changed() => return,
            connected = shared.client.get_multiplexed_async_connection_with_config(&config) => connected,
        };
        let problem = match connected {
            Err(e) => e.to_string(),
            Ok(mut connection) => {
                backoff.reset();
                shared.up(Side::Publisher, None);
                let mut ping = idle_timer(shared.config.ping_interval);
                loop {
                    let first = tokio::select! {
                        _ = stop.changed() => return,
                        _ = ping.tick() => match ping_on(&mut connection).await {
                            Ok(()) => continue,
                            Err(problem) => break problem,
                        },
                        () = shared.check_publisher.notified() => match ping_on(&mut connection).await {
                            Ok(()) => continue,
                            Err(problem) => break problem,
                        },
                        first = queue.recv() => match first {
                            Some(first) => first,
                            None => return,
                        },
                    };
                    let mut pipe = ::redis::pipe();
                    pipe.cmd("PUBLISH").arg(&first.channel).arg(&first.payload).ignore();
                    let mut count = 1;
                    while count < BATCH {
                        let Ok(next) = queue.try_recv() else { break };
                        pipe.cmd("PUBLISH").arg(&next.channel).arg(&next.payload).ignore();
                        count += 1;
                    }
                    if let Err(e) = pipe.exec_async(&mut connection).await {
                        // At most once: a batch that may have been partly published is not retried.
                        shared.dropped.fetch_add(count as u64, Ordering::Relaxed);
                        break e.to_string();
                    }
                    ping.reset();
                }
            }
        };
        let wait = backoff.next();
        shared.down(Side::Publisher, problem, wait);
        // Meanwhile, what was queued before the link went down is dropped, not sent late.
        let until = Instant::now() + wait;
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep_until(until) => break,
                dropped = queue.recv() => match dropped {
                    Some(_) => { shared.dropped.fetch_add(1, Ordering::Relaxed); }
                    None => return,
                },
            }
        }
    }
}

async fn ping_on(connection: &mut ::redis::aio::MultiplexedConnection) -> Result<(), String> {
    ::redis::cmd("PING").query_async::<::redis::Value>(connection).await.map(drop).map_err(|e| e.to_string())
}

/// Holds the Pub/Sub connection: subscribes to what `Local` wants, delivers what arrives,
/// reconnects and subscribes to everything again when the connection is lost.
async fn subscriber(shared: Arc<Shared>, mut stop: watch::Receiver<()>) {
    let mut backoff = Backoff::new(&shared.config);
    loop {
        let connected = tokio::select! {
            _ = stop.changed() => return,
            connected = tokio::time::timeout(shared.config.timeout, shared.client.get_async_pubsub()) => connected,
        };
        let problem = match connected {
            Err(_) => "timed out connecting".to_owned(),
            Ok(Err(e)) => e.to_string(),
            Ok(Ok(pubsub)) => match listen(&shared, pubsub, &mut stop, &mut backoff).await {
                Listen::Stopped => return,
                Listen::Lost(problem) => problem,
            },
        };
        shared.check_publisher.notify_one();
        let wait = backoff.next();
        shared.down(Side::Subscriber, problem, wait);
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

enum Listen {
    Stopped,
    Lost(String),
}

/// Runs one Pub/Sub connection until it fails or the layer stops.
async fn listen(
    shared: &Shared,
    pubsub: ::redis::aio::PubSub,
    stop: &mut watch::Receiver<()>,
    backoff: &mut Backoff,
) -> Listen {
    let (mut sink, mut stream) = pubsub.split();
    let timeout = shared.config.timeout;
    // Everything wanted now; changes from here on are in `pending` for the loop below.
    let (groups, generation) = {
        let mut local = shared.write();
        local.pending.clear();
        (local.membership.groups().cloned().collect::<Vec<_>>(), local.generation)
    };
    let mut subscribed: HashSet<String> = HashSet::with_capacity(groups.len());
    if let Err(problem) = within(timeout, sink.subscribe(&shared.node_channel)).await {
        return Listen::Lost(problem);
    }
    for chunk in groups.chunks(BATCH) {
        if let Err(problem) = within(timeout, sink.subscribe(shared.group_channels(chunk))).await {
            return Listen::Lost(problem);
        }
        subscribed.extend(chunk.iter().cloned());
    }
    backoff.reset();
    shared.up(Side::Subscriber, Some(generation));
    let mut ping = idle_timer(shared.config.ping_interval);
    loop {
        // Subscription changes first: a flood of messages must not hold back a join.
        tokio::select! {
            biased;
            _ = stop.changed() => return Listen::Stopped,
            () = shared.subscriptions_changed.notified() => {
                let (changes, generation) = {
                    let mut local = shared.write();
                    (std::mem::take(&mut local.pending), local.generation)
                };
                let (add, remove): (Vec<String>, Vec<String>) = {
                    let mut add = Vec::new();
                    let mut remove = Vec::new();
                    for (group, wanted) in changes {
                        match (wanted, subscribed.contains(&group)) {
                            (true, false) => add.push(group),
                            (false, true) => remove.push(group),
                            _ => {}
                        }
                    }
                    (add, remove)
                };
                for chunk in add.chunks(BATCH) {
                    if let Err(problem) = within(timeout, sink.subscribe(shared.group_channels(chunk))).await {
                        return Listen::Lost(problem);
                    }
                    subscribed.extend(chunk.iter().cloned());
                }
                for chunk in remove.chunks(BATCH) {
                    if let Err(problem) = within(timeout, sink.unsubscribe(shared.group_channels(chunk))).await {
                        return Listen::Lost(problem);
                    }
                    for group in chunk {
                        subscribed.remove(group);
                    }
                }
                shared.link.send_modify(|state| state.applied = state.applied.max(generation));
            }
            message = stream.next() => {
                let Some(message) = message else { return Listen::Lost("the connection closed".into()) };
                shared.deliver(message.get_channel_name(), message.get_payload_bytes());
                ping.reset();
            }
            _ = ping.tick() => {
                if let Err(problem) = within(timeout, sink.ping::<::redis::Value>()).await {
                    return Listen::Lost(problem);
                }
            }
        }
    }
}

/// A timer that fires after `period` of quiet; `reset` on activity.
fn idle_timer(period: Duration) -> tokio::time::Interval {
    let mut timer = tokio::time::interval_at(Instant::now() + period, period);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    timer
}

async fn within<T>(timeout: Duration, request: impl Future<Output = ::redis::RedisResult<T>>) -> Result<T, String> {
    match tokio::time::timeout(timeout, request).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {timeout:?}")),
    }
}

/// Capped exponential backoff with jitter: each wait is drawn between half and all of the
/// current step, so that processes cut off together do not reconnect in lockstep.
struct Backoff {
    min: Duration,
    max: Duration,
    step: Duration,
    random: u64,
}

impl Backoff {
    fn new(config: &RedisConfig) -> Self {
        let min = config.reconnect_min.max(Duration::from_millis(1));
        Self { min, max: config.reconnect_max.max(min), step: min, random: random_u64() | 1 }
    }

    fn reset(&mut self) {
        self.step = self.min;
    }

    fn next(&mut self) -> Duration {
        // xorshift64: cheap, and plenty for spreading retries.
        self.random ^= self.random << 13;
        self.random ^= self.random >> 7;
        self.random ^= self.random << 17;
        let fraction = 0.5 + (self.random >> 11) as f64 / (1u64 << 53) as f64 / 2.0;
        let wait = self.step.mul_f64(fraction);
        self.step = (self.step * 2).min(self.max);
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_carry_frames_unchanged() {
        let id = ConnectionId::next();
        let text = Envelope::encode(7, None, &Frame::Text("{\"a\":1}".into()));
        let read = Envelope::decode(&text).expect("an envelope");
        assert_eq!((read.origin, read.target), (7, None));
        assert_eq!(read.frame(), Some(Frame::Text("{\"a\":1}".into())));

        let binary = Envelope::encode(9, Some(id), &Frame::Binary(vec![0, 255, 1]));
        let read = Envelope::decode(&binary).expect("an envelope");
        assert_eq!((read.origin, read.target), (9, Some(id)));
        assert_eq!(read.frame(), Some(Frame::Binary(vec![0, 255, 1])));
    }

    #[test]
    fn foreign_messages_are_not_envelopes() {
        assert!(Envelope::decode(b"hello").is_none());
        assert!(Envelope::decode(&[2; 20]).is_none());
        let mut bad_text = Envelope::encode(1, None, &Frame::Text(String::new()));
        bad_text.push(0xff);
        assert_eq!(Envelope::decode(&bad_text).and_then(|e| e.frame()), None);
    }

    #[test]
    fn backoff_doubles_up_to_its_cap_with_jitter() {
        let config = RedisConfig::default().reconnect(Duration::from_millis(100), Duration::from_secs(1));
        let mut backoff = Backoff::new(&config);
        let waits: Vec<Duration> = (0..8).map(|_| backoff.next()).collect();
        let steps = [100, 200, 400, 800, 1000, 1000, 1000, 1000].map(Duration::from_millis);
        for (wait, step) in waits.iter().zip(steps) {
            assert!(*wait >= step / 2 && *wait <= step, "{wait:?} not within half of {step:?}");
        }
        backoff.reset();
        assert!(backoff.next() <= Duration::from_millis(100));
    }

    #[test]
    fn connection_ids_carry_this_process_node() {
        let id = ConnectionId::next();
        assert_eq!(id.node(), process_node());
        assert_ne!(id.node(), 0);
        assert!(id.to_string().ends_with(&format!("@{:08x}", process_node())));
    }
}
