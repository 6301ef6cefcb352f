//! The axum front end (feature `axum`): an [`App`] as an axum 0.8 `Router`, next to your
//! HTTP routes.
//!
//! ```no_run
//! # async fn demo(chat: tidings::Channel) -> std::io::Result<()> {
//! let app = tidings::App::new().mount(chat);
//! let router: axum::Router = app.into_router()?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, router).await
//! # }
//! ```
//!
//! Handshakes are decided exactly as by the bare [`Server`](crate::Server): origin, route,
//! credentials and parameters, answered with 403, 404 or 401 before any upgrade.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use crate::app::App;
use crate::codec::Frame;
use crate::connection::{self, Read, Setup, Write};
use crate::handshake::{Admitted, Mounted, Request, Started};
use crate::outbox::{ConnectionId, Outbox};

impl App {
    /// The application as an axum `Router`: one GET route per channel address, and the
    /// documentation endpoints. Its document names no server unless
    /// [`document_config`](Self::document_config) does: a router does not know where it is
    /// served. Stop its WebSocket connections with [`shutdown_handle`](Self::shutdown_handle)
    /// (taken before this call), alongside axum's `with_graceful_shutdown`. Fails when the docs
    /// page's component is served locally and its files cannot be read, and when a channel's
    /// handlers read a principal that no authenticator of the application returns.
    pub fn into_router<S: Clone + Send + Sync + 'static>(self) -> std::io::Result<axum::Router<S>> {
        let Started { mounted, docs, shutdown } = self.start(None)?;
        let mut router = axum::Router::new();
        for (route, _) in &mounted.routes {
            let for_route = Arc::clone(&mounted);
            let shutdown = shutdown.clone();
            router = router.route(
                route.template(),
                axum::routing::get(
                    move |upgrade: WebSocketUpgrade,
                          uri: Uri,
                          headers: HeaderMap,
                          extensions: axum::http::Extensions| {
                        handshake(Arc::clone(&for_route), shutdown.subscribe(), upgrade, uri, headers, extensions)
                    },
                ),
            );
        }
        for path in docs.paths() {
            let docs = Arc::clone(&docs);
            router = router.route(
                &path,
                axum::routing::get(move |uri: Uri| async move {
                    match docs.respond(uri.path(), uri.query()) {
                        Some(r) => {
                            let status = StatusCode::from_u16(r.status).unwrap_or_default();
                            (status, [(axum::http::header::CONTENT_TYPE, r.content_type)], r.body).into_response()
                        }
                        None => StatusCode::NOT_FOUND.into_response(),
                    }
                }),
            );
        }
        Ok(router)
    }
}

async fn handshake(
    mounted: Arc<Mounted>,
    shutdown: watch::Receiver<bool>,
    upgrade: WebSocketUpgrade,
    uri: Uri,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
) -> Response {
    let id = ConnectionId::next();
    let (outbox, queue) = Outbox::bounded(mounted.config.outbound_queue);
    let remote = extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0);
    let headers: Vec<(&str, &str)> =
        headers.iter().filter_map(|(name, value)| value.to_str().ok().map(|v| (name.as_str(), v))).collect();
    let request = Request { path: uri.path(), query: uri.query(), headers: &headers, remote };
    let Admitted { session, slot, principal, channel, discriminator, concurrency } =
        match mounted.admit(&request, id, &outbox).await {
            Ok(admitted) => admitted,
            Err(refusal) => {
                let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::FORBIDDEN);
                let mut response = (status, refusal.reason).into_response();
                if let Some(value) = refusal.challenge.and_then(|c| axum::http::HeaderValue::from_str(&c).ok()) {
                    response.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, value);
                }
                return response;
            }
        };
    let config = Arc::clone(&mounted.config);
    let groups = mounted.groups.clone();
    upgrade
        .max_message_size(config.max_message_size)
        .max_frame_size(config.max_message_size)
        .read_buffer_size(config.read_buffer_size)
        .write_buffer_size(config.write_buffer_size)
        .on_upgrade(move |socket| async move {
            let setup = Setup {
                id,
                channel,
                remote,
                principal,
                slot,
                session,
                outbox,
                queue,
                groups,
                config,
                discriminator,
                concurrency,
                shutdown,
            };
            connection::run(connection::Socket { inner: socket, read, write }, setup).await;
        })
}

fn read(message: Result<Message, axum::Error>) -> Read {
    match message {
        // axum and tungstenite each have their own `Utf8Bytes` over `Bytes`: the buffer moves
        // across, checked as UTF-8 again (a scan, not a copy).
        Ok(Message::Text(text)) => match crate::codec::Utf8Bytes::try_from(crate::codec::Bytes::from(text)) {
            Ok(text) => Read::Text(text),
            Err(_) => Read::Closed,
        },
        Ok(Message::Binary(bytes)) => Read::Binary(bytes),
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
        Write::Frame(Frame::Text(text)) => {
            let bytes = crate::codec::Bytes::from(text);
            // A broadcast hands every member the same buffer; only its UTF-8 is checked again.
            match axum::extract::ws::Utf8Bytes::try_from(bytes.clone()) {
                Ok(text) => Message::Text(text),
                Err(_) => Message::Text(String::from_utf8_lossy(&bytes).into_owned().into()),
            }
        }
        Write::Frame(Frame::Binary(bytes)) => Message::Binary(bytes),
        Write::Ping => Message::Ping(Default::default()),
        Write::Close(code, reason) => Message::Close(Some(CloseFrame { code, reason: reason.into() })),
    }
}
