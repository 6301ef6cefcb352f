//! The application: the one place that holds its channels, group layer, authenticator,
//! settings, documentation endpoints and document settings, whichever front end serves it
//! (a bound [`Server`], or an axum `Router` with feature `axum`).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::watch;

use crate::auth::{Authenticator, ErasedAuthenticator};
use crate::channel::Channel;
use crate::config::ServerConfig;
use crate::contract::ChannelSpec;
use crate::docs::{Docs, DocsConfig};
use crate::document::{self, DocumentConfig};
use crate::groups::{Groups, Sender};
use crate::handshake::{Mounted, Started};
use crate::membership::Layer;
use crate::routing::Route;

/// A WebSocket application: the channels it serves and everything about serving them, held
/// once and served by any front end.
///
/// ```no_run
/// # async fn serve(chat: tidings::Channel) -> std::io::Result<()> {
/// let app = tidings::App::new().mount(chat);
/// let server = app.bind("127.0.0.1:8080").await?;
/// println!("listening on {}", server.local_addr()?);
/// server.serve().await
/// # }
/// ```
///
/// The same application also serves from a listener of yours ([`serve`](Self::serve)),
/// inside an axum router (`into_router`, feature `axum`), and describes itself as an
/// AsyncAPI document ([`document`](Self::document)).
pub struct App {
    channels: Vec<Channel>,
    config: ServerConfig,
    groups: Groups,
    authenticator: Option<Arc<dyn ErasedAuthenticator>>,
    docs: DocsConfig,
    document: DocumentConfig,
    shutdown: watch::Sender<bool>,
}

impl Default for App {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("channels", &self.channels)
            .field("config", &self.config)
            .field("docs", &self.docs)
            .field("document", &self.document)
            .finish_non_exhaustive()
    }
}

/// Stops a running application: no new connections, Close 1001 to every open one, running
/// handlers given the configured deadline to finish.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    signal: watch::Sender<bool>,
}

impl ShutdownHandle {
    /// Starts the shutdown; [`Server::serve`] returns when it is done. Behind axum, pair it
    /// with axum's `with_graceful_shutdown`: it closes the WebSocket connections.
    pub fn shutdown(&self) {
        let _ = self.signal.send(true);
    }
}

impl App {
    /// No channels yet; default settings, groups in this process, every documentation
    /// endpoint, and a document titled `tidings application` at version `0.0.0`.
    pub fn new() -> Self {
        Self {
            channels: Vec::new(),
            config: ServerConfig::default(),
            groups: Groups::default(),
            authenticator: None,
            docs: DocsConfig::default(),
            document: DocumentConfig::default(),
            shutdown: watch::Sender::new(false),
        }
    }

    /// Serves `channel` at its address (a channel without one at `/<channel name>`): a
    /// generated `contract::<channel>::channel(imp)`, or a code-first `#[channel]` type.
    #[must_use]
    pub fn mount(mut self, channel: impl Into<Channel>) -> Self {
        self.channels.push(channel.into());
        self
    }

    /// Replaces the settings.
    #[must_use]
    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Keeps group membership in `layer` instead of in this process. Senders taken before
    /// this call stay on the previous layer.
    #[must_use]
    pub fn layer(mut self, layer: impl Layer) -> Self {
        self.groups = Groups::new(layer);
        self
    }

    /// Decides who opens connections: called during the handshake of channels whose
    /// operations name security schemes, and of channels whose handlers read a principal;
    /// see [`Authenticator`]. Without one, secured channels refuse every handshake with 401
    /// (secure by default), and an application with a channel that reads a principal does
    /// not start.
    #[must_use]
    pub fn authenticator(mut self, authenticator: impl Authenticator) -> Self {
        self.authenticator = Some(Arc::new(authenticator));
        self
    }

    /// Which documentation endpoints to answer (by default all: `/asyncapi.json`,
    /// `/asyncapi.yaml`, the page at `/asyncapi` and `/healthz`).
    #[must_use]
    pub fn docs(mut self, docs: DocsConfig) -> Self {
        self.docs = docs;
        self
    }

    /// What the application's AsyncAPI document says beyond its channels: title, version,
    /// servers, key style. Without servers, a bound [`Server`] names the address it listens
    /// on, and an axum router none (it does not know where it is served).
    #[must_use]
    pub fn document_config(mut self, config: DocumentConfig) -> Self {
        self.document = config;
        self
    }

    /// The groups of this application, for sends from outside any connection.
    pub fn groups(&self) -> Groups {
        self.groups.clone()
    }

    /// Typed sends on channel `C` from outside any connection: an HTTP handler, a timer.
    pub fn sender<C: ChannelSpec>(&self) -> Sender<C> {
        self.groups.sender::<C>()
    }

    /// A handle that stops the application, however it is served.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle { signal: self.shutdown.clone() }
    }

    /// The application's AsyncAPI document: the mounted channels at their addresses, the
    /// schemas of their Rust types, the configured servers.
    pub fn document(&self) -> serde_json::Value {
        self.document_at(None)
    }

    /// Listens on `addr` (`127.0.0.1:0` picks a free port; see [`Server::local_addr`]).
    /// Fails, before listening, when a channel's handlers read a principal that no
    /// authenticator of the application returns.
    pub async fn bind(self, addr: impl ToSocketAddrs) -> io::Result<Server> {
        self.check_principals()?;
        let backlog = self.config.listen_backlog;
        Ok(Server { app: self, listener: listen(addr, backlog).await? })
    }

    /// Every channel whose handlers read a principal has an authenticator returning it.
    fn check_principals(&self) -> io::Result<()> {
        for channel in &self.channels {
            let Some((wanted, name)) = channel.principal() else { continue };
            let given = self.authenticator.as_ref().map(|a| a.principal());
            if given.is_none_or(|(given, _)| given != wanted) {
                let said = given.map_or("there is no authenticator".to_owned(), |(_, n)| {
                    format!("the authenticator returns `{n}`")
                });
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "channel `{}` reads a principal of type `{name}`, and {said}: set an authenticator whose `Principal` is `{name}`",
                        channel.descriptor().name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Serves on a listener already bound, until shut down.
    pub async fn serve(self, listener: TcpListener) -> io::Result<()> {
        Server { app: self, listener }.serve().await
    }

    /// The document, naming `listening` as its server when the configuration names none.
    pub(crate) fn document_at(&self, listening: Option<SocketAddr>) -> serde_json::Value {
        document::build(&self.document, self.channels.iter().map(Channel::descriptor), listening)
    }

    /// Everything a front end needs to serve the application: the routes and what every
    /// connection shares, the documentation endpoints (rendered once, here), and the
    /// shutdown signal. Fails only when the docs page's component is served from local files
    /// that cannot be read.
    pub(crate) fn start(self, listening: Option<SocketAddr>) -> io::Result<Started> {
        self.check_principals()?;
        let routes: Vec<(Route, Channel)> = self
            .channels
            .iter()
            .map(|channel| (Route::new(&document::mount_address(channel.descriptor())), channel.clone()))
            .collect();
        for (route, channel) in &routes {
            if !channel.descriptor().security.is_empty() && self.authenticator.is_none() {
                tracing::warn!(
                    channel = channel.descriptor().name,
                    address = route.template(),
                    "tidings: the channel requires credentials and no authenticator is set: every handshake to it is refused"
                );
            }
        }
        let docs = Docs::new(self.docs.clone(), &self.document_at(listening), self.groups.clone())?;
        let mounted =
            Mounted { routes, config: Arc::new(self.config), groups: self.groups, authenticator: self.authenticator };
        Ok(Started { mounted: Arc::new(mounted), docs: Arc::new(docs), shutdown: self.shutdown })
    }
}

/// An [`App`] bound to its address, ready to serve.
///
/// ```no_run
/// # async fn serve(chat: tidings::Channel) -> std::io::Result<()> {
/// let server = tidings::App::new().mount(chat).bind("127.0.0.1:0").await?;
/// let addr = server.local_addr()?;
/// let stop = server.shutdown_handle();
/// # let _ = (addr, stop);
/// server.serve().await
/// # }
/// ```
pub struct Server {
    app: App,
    listener: TcpListener,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("app", &self.app).field("listener", &self.listener).finish()
    }
}

impl Server {
    /// The address the server listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The application it serves: its groups, senders and settings.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// A handle that stops the server (the application's, [`App::shutdown_handle`]).
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.app.shutdown_handle()
    }

    /// The application's AsyncAPI document as served: [`App::document`], with the address the
    /// server listens on as its server when the configuration names none.
    pub fn document(&self) -> serde_json::Value {
        self.app.document_at(self.listener.local_addr().ok())
    }

    /// Accepts connections until shut down.
    pub async fn serve(self) -> io::Result<()> {
        let listening = self.listener.local_addr().ok();
        let started = self.app.start(listening)?;
        crate::tcp::serve(self.listener, started).await
    }
}

/// Binds the first of `addr`'s addresses that can be bound, listening with `backlog`
/// connections queued (tokio's `TcpListener::bind` queues 128; a burst of reconnections
/// larger than that waits a second for the kernel's retry).
async fn listen(addr: impl ToSocketAddrs, backlog: u32) -> io::Result<TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host(addr).await? {
        let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
        socket.set_reuseaddr(true)?;
        match socket.bind(addr).and_then(|()| socket.listen(backlog)) {
            Ok(listener) => return Ok(listener),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the address resolves to nothing")))
}
