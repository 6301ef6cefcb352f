//! The same channels in an axum 0.8 `Router` (feature `axum`), next to your HTTP routes.
//!
//! ```no_run
//! # async fn demo(chat: tidings::Channel) -> std::io::Result<()> {
//! let routes = tidings::axum::Routes::new().mount(chat);
//! let app: axum::Router = routes.router()?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await
//! # }
//! ```
//!
//! Handshakes are decided exactly as by [`Server`](crate::Server): origin, route,
//! credentials and parameters, answered with 403, 404 or 401 before any upgrade.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use crate::auth::Authenticator;
use crate::channel::{Channel, ChannelSpec};
use crate::codec::Frame;
use crate::config::ServerConfig;
use crate::connection::{self, Read, Setup, Write};
use crate::context::{ConnectionId, Outbox};
use crate::docs::{Docs, DocsConfig};
use crate::groups::{Groups, Layer, Sender};
use crate::routing::Route;
use crate::server::{Admitted, Shared, ShutdownHandle, admit};
use crate::spec::{self, SpecConfig};

/// Channels to serve from an axum router.
pub struct Routes {
    channels: Vec<Channel>,
    config: ServerConfig,
    groups: Groups,
    authenticator: Option<Arc<dyn Authenticator>>,
    shutdown: watch::Sender<bool>,
    spec: SpecConfig,
    docs: DocsConfig,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes").field("channels", &self.channels).finish_non_exhaustive()
    }
}

impl Routes {
    /// No channels yet, default settings.
    pub fn new() -> Self {
        Self {
            channels: Vec::new(),
            config: ServerConfig::default(),
            groups: Groups::default(),
            authenticator: None,
            shutdown: watch::Sender::new(false),
            spec: SpecConfig::new("tidings application", "0.0.0"),
            docs: DocsConfig::default(),
        }
    }

    /// Serves `channel` at its contract address (a channel without one at `/<channel name>`).
    pub fn mount(mut self, channel: Channel) -> Self {
        self.channels.push(channel);
        self
    }

    /// What the application's AsyncAPI document says beyond its channels, as
    /// [`Server::spec`](crate::Server::spec). Without servers, the document names none: the
    /// router does not know where it is served.
    pub fn spec(mut self, spec: SpecConfig) -> Self {
        self.spec = spec;
        self
    }

    /// Which documentation endpoints the router answers, as [`Server::docs`](crate::Server::docs).
    pub fn docs(mut self, docs: DocsConfig) -> Self {
        self.docs = docs;
        self
    }

    /// The application's AsyncAPI document, as the router serves it.
    pub fn document(&self) -> serde_json::Value {
        let addresses: Vec<String> = self.channels.iter().map(|c| spec::mount_address(c.descriptor())).collect();
        let descriptors = self.channels.iter().map(Channel::descriptor);
        spec::build(&self.spec, addresses.iter().map(String::as_str).zip(descriptors), None)
    }

    /// Replaces the settings.
    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Keeps group membership in `layer`.
    pub fn layer(mut self, layer: impl Layer) -> Self {
        self.groups = Groups::new(layer);
        self
    }

    /// Checks the credentials of channels whose operations name security schemes.
    pub fn authenticator(mut self, authenticator: impl Authenticator) -> Self {
        self.authenticator = Some(Arc::new(authenticator));
        self
    }

    /// Typed sends on channel `C` from HTTP handlers and tasks.
    pub fn sender<C: ChannelSpec>(&self) -> Sender<C> {
        self.groups.sender::<C>()
    }

    /// Closes every WebSocket connection with 1001 when triggered; pair it with axum's
    /// `with_graceful_shutdown`.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle::new(self.shutdown.clone())
    }

    /// The router: one GET route per channel address, and the documentation endpoints. Fails
    /// only when the docs page's component is served locally and its files cannot be read.
    pub fn router<S: Clone + Send + Sync + 'static>(self) -> std::io::Result<axum::Router<S>> {
        let docs = Arc::new(Docs::new(self.docs.clone(), &self.document(), self.groups.clone())?);
        let addresses: Vec<String> = self.channels.iter().map(|c| spec::mount_address(c.descriptor())).collect();
        let routes = self.channels.into_iter().zip(&addresses).map(|(c, a)| (Route::new(a), c)).collect();
        let shared = Arc::new(Shared {
            routes,
            config: Arc::new(self.config),
            groups: self.groups,
            authenticator: self.authenticator,
            docs: None,
        });
        let mut router = axum::Router::new();
        let shutdown = self.shutdown;
        for address in addresses {
            let shared = Arc::clone(&shared);
            let shutdown = shutdown.clone();
            router = router.route(
                &address,
                axum::routing::get(move |upgrade: WebSocketUpgrade, uri: Uri, headers: HeaderMap| {
                    handshake(Arc::clone(&shared), shutdown.subscribe(), upgrade, uri, headers)
                }),
            );
        }
        for path in docs.paths() {
            let docs = Arc::clone(&docs);
            router = router.route(
                &path,
                axum::routing::get(move |uri: Uri| async move {
                    match docs.respond(uri.path(), uri.query()) {
                        Some(r) => {
                            let status = axum::http::StatusCode::from_u16(r.status).unwrap_or_default();
                            (status, [(axum::http::header::CONTENT_TYPE, r.content_type)], r.body).into_response()
                        }
                        None => axum::http::StatusCode::NOT_FOUND.into_response(),
                    }
                }),
            );
        }
        Ok(router)
    }
}

async fn handshake(
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
    upgrade: WebSocketUpgrade,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let id = ConnectionId::next();
    let (outbox, queue) = Outbox::bounded(shared.config.outbound_queue);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Admitted { session, discriminator, concurrency } =
        match admit(&shared, uri.path(), uri.query(), &header, id, &outbox) {
            Ok(admitted) => admitted,
            Err(refusal) => return (refusal.status, refusal.reason).into_response(),
        };
    let config = Arc::clone(&shared.config);
    let groups = shared.groups.clone();
    upgrade
        .max_message_size(config.max_message_size)
        .max_frame_size(config.max_message_size)
        .read_buffer_size(config.read_buffer_size)
        .write_buffer_size(config.write_buffer_size)
        .on_upgrade(move |socket| async move {
            let setup = Setup { id, session, outbox, queue, groups, config, discriminator, concurrency, shutdown };
            let (sink, stream) = futures_util::StreamExt::split(socket);
            let stream = futures_util::StreamExt::map(stream, read);
            connection::run(stream, connection::Writer { sink, convert: write }, setup).await;
        })
}

fn read(message: Result<Message, axum::Error>) -> Read {
    match message {
        Ok(Message::Text(text)) => Read::Text(text.as_str().to_owned()),
        Ok(Message::Binary(bytes)) => Read::Binary(bytes.to_vec()),
        Ok(Message::Close(_)) => Read::Closed,
        Ok(_) => Read::Control,
        Err(error) => match error.into_inner().downcast::<tokio_tungstenite::tungstenite::Error>() {
            Ok(inner) if matches!(*inner, tokio_tungstenite::tungstenite::Error::Capacity(_)) => Read::TooBig,
            _ => Read::Closed,
        },
    }
}

fn write(write: Write) -> Message {
    match write {
        Write::Frame(Frame::Text(text)) => Message::Text(text.into()),
        Write::Frame(Frame::Binary(bytes)) => Message::Binary(bytes.into()),
        Write::Ping => Message::Ping(Default::default()),
        Write::Close(code, reason) => Message::Close(Some(CloseFrame { code, reason: reason.into() })),
    }
}
