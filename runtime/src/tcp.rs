//! The bare front end: a TCP listener that backs off when descriptors run out and admits
//! connections within their limits; plain HTTP for the documentation endpoints, peeked at
//! before the handshake; tungstenite for WebSocket, its handshake decided by
//! [`Mounted::admit`] before the upgrade and within the handshake deadline; then each
//! connection's loop.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request as HandshakeRequest, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::{Error, Message};

use crate::connection::{self, Read, Setup};
use crate::docs::Docs;
use crate::handshake::{Admitted, Mounted, Request, Started};
use crate::http;
use crate::outbox::{ConnectionId, Outbox};
use crate::telemetry::{self, Refused};

/// Accepts connections on `listener` until the application's shutdown signal, then gives
/// open connections the shutdown deadline to close.
pub(crate) async fn serve(listener: TcpListener, started: Started) -> std::io::Result<()> {
    let Started { mounted, docs, shutdown } = started;
    let mut stop = shutdown.subscribe();
    let mut connections = JoinSet::new();
    let per_address = AddressCounts::default();
    let mut backoff = Backoff::default();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => {
                        backoff.reset();
                        accepted
                    }
                    Err(error) => {
                        // Out of descriptors (or another failure that accepting again at once
                        // would only repeat): wait, longer each time, instead of spinning.
                        let pause = backoff.next(&error);
                        tokio::select! {
                            _ = stop.changed() => break,
                            () = tokio::time::sleep(pause) => continue,
                        }
                    }
                };
                let config = &mounted.config;
                if config.max_connections.is_some_and(|max| connections.len() >= max) {
                    refuse_at_accept(&stream, Refused::MaxConnections);
                    continue;
                }
                let Some(slot) = AddressSlot::take(&per_address, peer.ip(), config.max_connections_per_address) else {
                    refuse_at_accept(&stream, Refused::MaxConnectionsPerAddress);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let connection = Peer { stream, remote: peer, slot };
                connections.spawn(accept(connection, Arc::clone(&mounted), Arc::clone(&docs), shutdown.subscribe()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let deadline = mounted.config.shutdown_deadline;
    let drained = tokio::time::timeout(deadline, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        connections.abort_all();
    }
    Ok(())
}

/// How long the accept loop waits after a failed accept: 10 ms, doubling to 1 s, and back to
/// the start after a success. The first failure of a burst is logged, not each retry.
#[derive(Debug, Default)]
struct Backoff {
    failures: u32,
}

impl Backoff {
    fn next(&mut self, error: &std::io::Error) -> Duration {
        if self.failures == 0 {
            tracing::warn!(%error, "accepting a connection failed; waiting before accepting again");
        }
        self.failures = self.failures.saturating_add(1);
        Duration::from_millis(10u64.saturating_mul(1 << (self.failures - 1).min(7))).min(Duration::from_secs(1))
    }

    fn reset(&mut self) {
        if self.failures > 0 {
            tracing::info!(failures = self.failures, "accepting connections again");
        }
        self.failures = 0;
    }
}

/// Open connections by remote address, for `max_connections_per_address`.
type AddressCounts = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// A connection counted against its address's limit until it is dropped.
struct AddressSlot {
    table: Option<(AddressCounts, IpAddr)>,
}

impl AddressSlot {
    /// A slot for `ip`, or `None` when `limit` connections from it are open.
    fn take(table: &AddressCounts, ip: IpAddr, limit: Option<usize>) -> Option<Self> {
        let Some(limit) = limit else { return Some(Self { table: None }) };
        let mut counts = table.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let open = counts.entry(ip).or_insert(0);
        if *open >= limit {
            return None;
        }
        *open += 1;
        Some(Self { table: Some((Arc::clone(table), ip)) })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let Some((table, ip)) = self.table.take() else { return };
        let mut counts = table.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(open) = counts.get_mut(&ip) {
            *open -= 1;
            if *open == 0 {
                counts.remove(&ip);
            }
        }
    }
}

/// Answers a socket over a connection limit with 503 and closes it, without a task: one
/// non-blocking write of a response that fits any socket buffer.
fn refuse_at_accept(stream: &TcpStream, limit: Refused) {
    telemetry::refused(limit, 503);
    const RESPONSE: &[u8] =
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n";
    let _ = stream.try_write(RESPONSE);
}

#[allow(clippy::result_large_err, reason = "tungstenite's handshake error response")]
fn refuse(status: u16, reason: &str, challenge: Option<&str>) -> ErrorResponse {
    let mut response = ErrorResponse::new(Some(reason.to_owned()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    if let Some(value) = challenge.and_then(|c| tokio_tungstenite::tungstenite::http::HeaderValue::from_str(c).ok()) {
        response.headers_mut().insert(tokio_tungstenite::tungstenite::http::header::WWW_AUTHENTICATE, value);
    }
    response
}

/// An accepted socket, with its peer's address and its place under the per-address limit.
struct Peer {
    stream: TcpStream,
    remote: std::net::SocketAddr,
    slot: AddressSlot,
}

/// A connection's task: the handshake within its deadline, then the connection.
///
/// Composed from two futures rather than written as one `async fn`: an `async fn` keeps a
/// place for every value moved between its two halves (the upgraded socket, its setup, the
/// split halves) beside the future of each half, which tripled the task of every open
/// connection (7.7 KB instead of the 2.4 KB of its larger half). Combined, the task holds
/// one half at a time.
fn accept(
    peer: Peer,
    mounted: Arc<Mounted>,
    docs: Arc<Docs>,
    shutdown: watch::Receiver<bool>,
) -> impl Future<Output = ()> + Send {
    use futures_util::FutureExt as _;
    use futures_util::future::Either;
    let Peer { stream, remote, slot } = peer;
    let deadline = mounted.config.handshake_timeout;
    // Boxed, so that the task is the size of the connection it becomes: the handshake's
    // state (the request head, the admission, tungstenite's handshake) is larger, and
    // freed once it is done.
    let handshake = Box::pin(async move {
        let admitted = handshake(stream, remote, &mounted, &docs, shutdown);
        tokio::time::timeout(deadline, admitted).await
    });
    handshake.then(move |decided| match decided {
        Ok(Some((ws, setup))) => Either::Left(connect(ws, setup, slot)),
        Ok(None) => Either::Right(std::future::ready(())),
        Err(_) => {
            telemetry::refused(Refused::Deadline, 0);
            Either::Right(std::future::ready(()))
        }
    })
}

/// An upgraded connection, to its end; its place under the per-address limit is given back
/// when it ends.
fn connect(ws: Socket, setup: Setup, slot: AddressSlot) -> impl Future<Output = ()> + Send {
    let run = connection::run(connection::Socket { inner: ws, read, write: std::convert::identity }, setup);
    futures_util::FutureExt::map(run, move |()| drop(slot))
}

/// A WebSocket stream on the tungstenite front end.
type Socket = crate::websocket::WebSocket<http::Replayed>;

/// From an accepted socket to an upgraded, admitted connection; `None` when the socket was a
/// documentation request (answered), a refused handshake, or not a handshake at all.
///
/// The request head is read here, before tungstenite, so that the admission (and an
/// authenticator that awaits) runs on it; tungstenite then reads the same bytes again and
/// answers the upgrade, or the refusal decided here.
async fn handshake(
    mut stream: TcpStream,
    remote: std::net::SocketAddr,
    mounted: &Arc<Mounted>,
    docs: &Docs,
    shutdown: watch::Receiver<bool>,
) -> Option<(Socket, Setup)> {
    let Ok(Some(head)) = http::Head::read(&mut stream).await else {
        telemetry::refused(Refused::Malformed, 400);
        return None;
    };
    let id = ConnectionId::next();
    let (outbox, queue) = Outbox::bounded(mounted.config.outbound_queue);
    let decision = {
        let Some(request) = head.parse() else {
            telemetry::refused(Refused::Malformed, 400);
            return None;
        };
        let (path, query) = request.target.split_once('?').map_or((request.target, None), |(p, q)| (p, Some(q)));
        if request.method == "GET"
            && let Some(response) = docs.respond(path, query)
        {
            let _ = http::answer_read(&mut stream, &response).await;
            return None;
        }
        let request = Request { path, query, headers: &request.headers, remote: Some(remote) };
        mounted.admit(&request, id, &outbox).await
    };
    let refused = decision.is_err();
    let mut decision = Some(decision);
    let mut opened = None;
    #[allow(clippy::result_large_err, reason = "the signature is tungstenite's handshake callback")]
    let callback = |_: &HandshakeRequest, response: Response| -> Result<Response, ErrorResponse> {
        match decision.take() {
            Some(Ok(admitted)) => {
                opened = Some(admitted);
                Ok(response)
            }
            Some(Err(refusal)) => Err(refuse(refusal.status, &refusal.reason, refusal.challenge.as_deref())),
            None => Err(refuse(500, "handshake decided twice", None)),
        }
    };
    let stream = head.replay(stream);
    let upgraded = crate::websocket::accept(stream, callback, mounted.config.websocket());
    let Ok(ws) = upgraded.await else {
        // A refusal was counted where it was decided; anything else is not a handshake.
        if !refused {
            telemetry::refused(Refused::Malformed, 400);
        }
        return None;
    };
    let Admitted { session, slot, principal, channel, discriminator, concurrency } = opened?;
    let setup = Setup {
        id,
        channel,
        remote: Some(remote),
        principal,
        slot,
        session,
        outbox,
        queue,
        groups: mounted.groups.clone(),
        config: Arc::clone(&mounted.config),
        discriminator,
        concurrency,
        shutdown,
    };
    Some((ws, setup))
}

fn read(message: Result<Message, Error>) -> Read {
    match message {
        Ok(Message::Text(text)) => Read::Text(text),
        Ok(Message::Binary(bytes)) => Read::Binary(bytes),
        Ok(Message::Close(_)) => Read::Closed,
        Ok(_) => Read::Control,
        Err(Error::Capacity(_)) => Read::TooBig,
        Err(_) => Read::Closed,
    }
}
