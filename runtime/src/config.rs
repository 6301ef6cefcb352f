//! Server settings, each default sized for a server holding tens of thousands of mostly idle
//! connections, and each with the reason for its value.

use std::time::Duration;

/// Which browser origins may open connections. A WebSocket handshake is not subject to the
/// same-origin policy, so without this check any page a user visits could talk to the server
/// with the user's cookies (cross-site WebSocket hijacking).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origins {
    /// Only pages from the host the request was made to (the `Origin`'s host equals the
    /// `Host` header), and clients that send no `Origin` (not browsers). The default.
    SameHost,
    /// These origins exactly (`https://app.example.com`), and clients that send none.
    List(Vec<String>),
    /// Any origin: for public APIs that use no cookies.
    Any,
}

/// Settings of a server. Build from [`Default`] and change what you need:
///
/// ```
/// let config = tidings::ServerConfig::default().max_message_size(16 * 1024);
/// assert_eq!(config.max_message_size_bytes(), 16 * 1024);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Largest incoming message, in bytes (default 64 KiB: far above chat and RPC frames,
    /// small enough that one peer cannot make the server hold megabytes). A larger message
    /// closes the connection with 1009.
    pub max_message_size: usize,
    /// Frames the outbound queue of one connection holds (default 256). Replies to the peer's
    /// own frames wait for room (the peer is read no further until then, for at most the idle
    /// timeout); pushes from elsewhere (broadcasts, sends) never wait, and a peer whose queue
    /// they find full is closed with 1013. Memory per connection stays bounded either way.
    pub outbound_queue: usize,
    /// The most bytes read from a connection's socket at once (default 4 KiB). The built-in
    /// front end reads into a buffer of this size that is never zero-filled and that a
    /// connection holds only while tungstenite has not taken all of it: a connection waiting
    /// for its peer holds none. Behind axum it is tungstenite's read buffer, zero-filled before
    /// every read and held for the connection's life (tungstenite's own default of 128 KiB
    /// would cost 128 KiB per idle connection there).
    pub read_buffer_size: usize,
    /// Frames formatted for a connection are written out once this many bytes of them wait,
    /// and a connection waits for its socket before it writes more (default 4 KiB, for the same
    /// reason); otherwise they go at the end of its turn. A connection holds the buffer only
    /// while some of it is unwritten. Behind axum it is tungstenite's write buffer target.
    pub write_buffer_size: usize,
    /// How often an idle connection is pinged (default 30 s).
    pub ping_interval: Duration,
    /// A connection that sends nothing, not even a pong, for this long is closed with 1001
    /// (default 90 s: three missed pings).
    pub idle_timeout: Duration,
    /// Incoming frames allowed per connection per second, averaged over a burst of the same
    /// size (default 200). Beyond it the connection is closed with 1008.
    pub max_frames_per_second: u32,
    /// On shutdown, how long running handlers may take to finish (default 10 s).
    pub shutdown_deadline: Duration,
    /// From accepting a socket to a completed upgrade (or a documentation answer), at most
    /// this long (default 5 s); past it the socket is closed. A peer that connects and sends
    /// nothing, or half a handshake, holds a descriptor and a task only this long. (Served
    /// through `App::into_router`, sockets are axum's: its server's own settings apply, as
    /// for the two limits below.)
    pub handshake_timeout: Duration,
    /// How long an [`Authenticator`](crate::Authenticator) may take to answer (default 5 s,
    /// within the handshake deadline); past it the handshake gets `503`.
    pub auth_timeout: Duration,
    /// Request headers a connection keeps for its handlers (`cx.header(name)`), by name,
    /// case-insensitive (default none: a header is kept only when asked for).
    pub context_headers: Vec<String>,
    /// Connections the kernel queues for the accept loop (default 1024; Linux caps it at
    /// `net.core.somaxconn`). A burst of connections larger than the queue (clients
    /// reconnecting together after a restart) is not refused but waits for the kernel's
    /// retry, a second later. `App::bind` only; a listener of yours has its own.
    pub listen_backlog: u32,
    /// Connections open at once, handshakes included (default: no limit but the process's
    /// descriptors, which the accept loop waits out rather than spinning on). Past it a new
    /// socket gets `503 Service Unavailable` and is closed, costing no task.
    pub max_connections: Option<usize>,
    /// Connections open at once from one IP address (default: no limit, so that load tests
    /// and proxies on one address are not surprised). Past it, `503` as above.
    pub max_connections_per_address: Option<usize>,
    /// Which browser origins may connect (default: the same host only).
    pub origins: Origins,
    /// Check every incoming frame against the contract's schema of its message (default on).
    /// The Rust types already enforce types, `required`, `const`, lengths and
    /// `additionalProperties: false`; validation adds what types cannot carry, such as
    /// `maximum` or `multipleOf`, at the cost of reading each frame once more.
    pub validate: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_message_size: 64 * 1024,
            outbound_queue: 256,
            read_buffer_size: 4 * 1024,
            write_buffer_size: 4 * 1024,
            ping_interval: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(90),
            max_frames_per_second: 200,
            shutdown_deadline: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(5),
            auth_timeout: Duration::from_secs(5),
            context_headers: Vec::new(),
            listen_backlog: 1024,
            max_connections: None,
            max_connections_per_address: None,
            origins: Origins::SameHost,
            validate: true,
        }
    }
}

impl ServerConfig {
    /// Sets [`max_message_size`](Self::max_message_size).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// The largest incoming message, in bytes.
    pub fn max_message_size_bytes(&self) -> usize {
        self.max_message_size
    }

    /// Sets [`outbound_queue`](Self::outbound_queue).
    pub fn outbound_queue(mut self, frames: usize) -> Self {
        self.outbound_queue = frames;
        self
    }

    /// Sets [`ping_interval`](Self::ping_interval).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
        self
    }

    /// Sets [`idle_timeout`](Self::idle_timeout).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets [`max_frames_per_second`](Self::max_frames_per_second).
    pub fn max_frames_per_second(mut self, frames: u32) -> Self {
        self.max_frames_per_second = frames;
        self
    }

    /// Sets [`shutdown_deadline`](Self::shutdown_deadline).
    pub fn shutdown_deadline(mut self, deadline: Duration) -> Self {
        self.shutdown_deadline = deadline;
        self
    }

    /// Sets [`handshake_timeout`](Self::handshake_timeout).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Sets [`auth_timeout`](Self::auth_timeout).
    pub fn auth_timeout(mut self, timeout: Duration) -> Self {
        self.auth_timeout = timeout;
        self
    }

    /// Sets [`context_headers`](Self::context_headers).
    pub fn context_headers<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Self {
        self.context_headers = names.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`listen_backlog`](Self::listen_backlog).
    pub fn listen_backlog(mut self, connections: u32) -> Self {
        self.listen_backlog = connections;
        self
    }

    /// Sets [`max_connections`](Self::max_connections).
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = Some(connections);
        self
    }

    /// Sets [`max_connections_per_address`](Self::max_connections_per_address).
    pub fn max_connections_per_address(mut self, connections: usize) -> Self {
        self.max_connections_per_address = Some(connections);
        self
    }

    /// Sets [`validate`](Self::validate).
    pub fn validate(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// Sets [`origins`](Self::origins).
    pub fn origins(mut self, origins: Origins) -> Self {
        self.origins = origins;
        self
    }

    pub(crate) fn websocket(&self) -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
        tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(self.read_buffer_size)
            .write_buffer_size(self.write_buffer_size)
            .max_write_buffer_size(self.write_buffer_size.max(64 * 1024) + self.max_message_size)
            .max_message_size(Some(self.max_message_size))
            .max_frame_size(Some(self.max_message_size))
    }
}
