//! The WebSocket server: routes handshakes to channels by the contract's addresses, checks
//! origin and credentials before upgrading, and runs each connection until shutdown.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;

use crate::auth::{self, AuthError, Authenticator, Handshake};
use crate::channel::{Channel, ChannelSpec};
use crate::config::ServerConfig;
use crate::connection::{self, Setup};
use crate::context::{ConnectionId, Outbox};
use crate::docs::{Docs, DocsConfig, HttpResponse};
use crate::groups::{Groups, Layer, Sender};
use crate::routing::Route;
use crate::spec::{self, SpecConfig};

/// A WebSocket server for a contract's channels.
///
/// ```no_run
/// # async fn serve(chat: tidings::Channel) -> std::io::Result<()> {
/// let server = tidings::Server::bind("127.0.0.1:8080").await?.mount(chat);
/// server.serve().await
/// # }
/// ```
pub struct Server {
    listener: TcpListener,
    routes: Vec<(Route, Channel)>,
    config: ServerConfig,
    groups: Groups,
    authenticator: Option<Arc<dyn Authenticator>>,
    shutdown: watch::Sender<bool>,
    spec: SpecConfig,
    docs: DocsConfig,
}

/// Stops a running server: no new connections, Close 1001 to every open one, running
/// handlers given the configured deadline to finish.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    signal: watch::Sender<bool>,
}

impl ShutdownHandle {
    pub(crate) fn new(signal: watch::Sender<bool>) -> Self {
        Self { signal }
    }

    /// Starts the shutdown; [`Server::serve`] returns when it is done.
    pub fn shutdown(&self) {
        let _ = self.signal.send(true);
    }
}

impl Server {
    /// Listens on `addr` (`127.0.0.1:0` picks a free port; see [`local_addr`](Self::local_addr)).
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Self {
            listener,
            routes: Vec::new(),
            config: ServerConfig::default(),
            groups: Groups::default(),
            authenticator: None,
            shutdown: watch::Sender::new(false),
            spec: SpecConfig::new("tidings application", "0.0.0"),
            docs: DocsConfig::default(),
        })
    }

    /// Serves `channel` at its contract address (a channel without one at `/<channel name>`).
    pub fn mount(mut self, channel: Channel) -> Self {
        let address = spec::mount_address(channel.descriptor());
        self.routes.push((Route::new(&address), channel));
        self
    }

    /// What the application's AsyncAPI document says beyond its channels: title, version,
    /// servers. By default the title is `tidings application` and the one server is the
    /// address the server listens on.
    pub fn spec(mut self, spec: SpecConfig) -> Self {
        self.spec = spec;
        self
    }

    /// Which documentation endpoints to answer (by default all: `/asyncapi.json`,
    /// `/asyncapi.yaml`, the page at `/asyncapi` and `/healthz`).
    pub fn docs(mut self, docs: DocsConfig) -> Self {
        self.docs = docs;
        self
    }

    /// The application's AsyncAPI document, as served: the mounted channels at their
    /// addresses, the schemas of their Rust types, the configured servers.
    pub fn document(&self) -> serde_json::Value {
        let channels = self.routes.iter().map(|(route, channel)| (route.template(), channel.descriptor()));
        spec::build(&self.spec, channels, self.listener.local_addr().ok())
    }

    /// Replaces the settings.
    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Keeps group membership in `layer` instead of in this process.
    pub fn layer(mut self, layer: impl Layer) -> Self {
        self.groups = Groups::new(layer);
        self
    }

    /// Checks the credentials of channels whose operations name security schemes. Without
    /// one, such channels refuse every handshake with 401: secure by default.
    pub fn authenticator(mut self, authenticator: impl Authenticator) -> Self {
        self.authenticator = Some(Arc::new(authenticator));
        self
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The groups of this server, for sends from outside any connection.
    pub fn groups(&self) -> Groups {
        self.groups.clone()
    }

    /// Typed sends on channel `C` from outside any connection.
    pub fn sender<C: ChannelSpec>(&self) -> Sender<C> {
        self.groups.sender::<C>()
    }

    /// A handle that stops the server.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle::new(self.shutdown.clone())
    }

    /// Accepts connections until shut down.
    pub async fn serve(self) -> io::Result<()> {
        for (route, channel) in &self.routes {
            if !channel.descriptor().security.is_empty() && self.authenticator.is_none() {
                eprintln!(
                    "tidings: channel `{}` requires credentials and no authenticator is set: every handshake to {route:?} is refused",
                    channel.descriptor().name
                );
            }
        }
        let docs = Docs::new(self.docs.clone(), &self.document(), self.groups.clone())?;
        let Server { listener, routes, config, groups, authenticator, shutdown, .. } = self;
        let shared =
            Arc::new(Shared { routes, config: Arc::new(config), groups, authenticator, docs: Some(Arc::new(docs)) });
        let mut stop = shutdown.subscribe();
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    connections.spawn(accept(stream, Arc::clone(&shared), shutdown.subscribe()));
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(listener);
        let deadline = shared.config.shutdown_deadline;
        let drained = tokio::time::timeout(deadline, async { while connections.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            connections.abort_all();
        }
        Ok(())
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("routes", &self.routes.len())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What every connection of a server (or of an axum router) shares.
pub(crate) struct Shared {
    pub(crate) routes: Vec<(Route, Channel)>,
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) groups: Groups,
    pub(crate) authenticator: Option<Arc<dyn Authenticator>>,
    /// The documentation and health endpoints, when the front end answers plain HTTP itself.
    pub(crate) docs: Option<Arc<Docs>>,
}

#[allow(clippy::result_large_err, reason = "tungstenite's handshake error response")]
fn refuse(status: StatusCode, reason: &str) -> ErrorResponse {
    let mut response = ErrorResponse::new(Some(reason.to_owned()));
    *response.status_mut() = status;
    response
}

/// A handshake the server refuses, with its HTTP status.
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) reason: String,
}

impl Refusal {
    fn new(status: StatusCode, reason: impl Into<String>) -> Self {
        Self { status, reason: reason.into() }
    }
}

/// A connection admitted to a channel, its session opened.
pub(crate) struct Admitted {
    pub(crate) session: Box<dyn crate::channel::Session>,
    pub(crate) discriminator: Option<&'static str>,
    pub(crate) concurrency: usize,
}

/// Decides a handshake, for any front end: the origin, the route, the credentials of the
/// channel's security schemes, the address parameters. Opens the session when admitted.
pub(crate) fn admit<'a>(
    shared: &Shared,
    path: &str,
    query: Option<&'a str>,
    header: &'a dyn Fn(&str) -> Option<&'a str>,
    id: ConnectionId,
    outbox: &Outbox,
) -> Result<Admitted, Refusal> {
    if !auth::origin_allowed(&shared.config.origins, header("origin"), header("host")) {
        return Err(Refusal::new(StatusCode::FORBIDDEN, "origin not allowed"));
    }
    let Some((channel, params)) =
        shared.routes.iter().find_map(|(route, channel)| route.matches(path).map(|params| (channel, params)))
    else {
        return Err(Refusal::new(StatusCode::NOT_FOUND, "no channel at this address"));
    };
    let descriptor = channel.descriptor();
    if !descriptor.security.is_empty() {
        let handshake = Handshake { query, header };
        let credentials = auth::credentials(descriptor.security, &handshake);
        let verdict = match (&shared.authenticator, credentials.is_empty()) {
            (None, _) => Err(AuthError::Unauthorized("this channel requires credentials".into())),
            (Some(_), true) => Err(AuthError::Unauthorized("missing credentials".into())),
            (Some(authenticator), false) => authenticator.authenticate(descriptor, &credentials),
        };
        match verdict {
            Ok(()) => {}
            Err(AuthError::Unauthorized(reason)) => return Err(Refusal::new(StatusCode::UNAUTHORIZED, reason)),
            Err(AuthError::Forbidden(reason)) => return Err(Refusal::new(StatusCode::FORBIDDEN, reason)),
        }
    }
    let session = channel
        .open(id, params, outbox.clone(), shared.groups.clone(), shared.config.validate)
        .map_err(|e| Refusal::new(StatusCode::NOT_FOUND, e.to_string()))?;
    Ok(Admitted { session, discriminator: descriptor.discriminator, concurrency: channel.concurrency_limit() })
}

async fn accept(mut stream: TcpStream, shared: Arc<Shared>, shutdown: watch::Receiver<bool>) {
    if let Some(docs) = &shared.docs
        && let Some(target) = request_target(&stream).await
    {
        let (path, query) = target.split_once('?').map_or((target.as_str(), None), |(p, q)| (p, Some(q)));
        if let Some(response) = docs.respond(path, query) {
            let _ = answer(&mut stream, &response).await;
            return;
        }
    }
    let id = ConnectionId::next();
    let (outbox, queue) = Outbox::bounded(shared.config.outbound_queue);
    let mut opened = None;
    #[allow(clippy::result_large_err, reason = "the signature is tungstenite's handshake callback")]
    let callback = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
        match admit(&shared, request.uri().path(), request.uri().query(), &header, id, &outbox) {
            Ok(admitted) => {
                opened = Some(admitted);
                Ok(response)
            }
            Err(refusal) => Err(refuse(refusal.status, &refusal.reason)),
        }
    };
    let Ok(ws) =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(shared.config.websocket())).await
    else {
        return;
    };
    let Some(Admitted { session, discriminator, concurrency }) = opened else { return };
    let setup = Setup {
        id,
        session,
        outbox,
        queue,
        groups: shared.groups.clone(),
        config: Arc::clone(&shared.config),
        discriminator,
        concurrency,
        shutdown,
    };
    let (sink, stream) = futures_util::StreamExt::split(ws);
    let stream = futures_util::StreamExt::map(stream, connection::tungstenite::read);
    connection::run(stream, connection::Writer { sink, convert: connection::tungstenite::write }, setup).await;
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
