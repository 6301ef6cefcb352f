//! Settings of the Redis layer ([`RedisConfig`]) and why it may not start ([`RedisLayerError`]).

use std::time::Duration;

/// Settings of a [`RedisLayer`](super::RedisLayer). Build from [`Default`] and change what you need:
///
/// ```
/// let config = tidings::layer::RedisConfig::default().prefix("myapp");
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

/// Why a [`RedisLayer`](super::RedisLayer) could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisLayerError {
    /// The URL is not a Redis URL (`redis://[:password@]host[:port][/db]`).
    #[error("not a usable Redis URL: {source}")]
    Url {
        /// What the Redis client found wrong (the URL itself is left out: it may hold a
        /// password).
        #[source]
        source: InvalidRedisUrl,
    },
    /// [`RedisLayer::start`](super::RedisLayer::start) was called outside a tokio runtime, which its tasks need.
    #[error("a Redis layer starts its tasks on the current tokio runtime, and there is none")]
    NoRuntime,
}

/// What the Redis client found wrong with a URL, without the URL (it may hold a password).
/// The client's own error type stays private: it is an implementation detail.
#[derive(Debug)]
pub struct InvalidRedisUrl(pub(super) ::redis::RedisError);

impl std::fmt::Display for InvalidRedisUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for InvalidRedisUrl {}
