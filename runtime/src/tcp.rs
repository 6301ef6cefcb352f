//! The bare front end: a TCP listener; plain HTTP for the documentation endpoints, peeked
//! at before the handshake; tungstenite for WebSocket, its handshake decided by
//! [`Mounted::admit`] before the upgrade; then each connection's loop.

use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};

use crate::codec::Frame;
use crate::connection::{self, Read, Setup, Write};
use crate::docs::Docs;
use crate::handshake::{Admitted, Mounted, Started};
use crate::http;
use crate::outbox::{ConnectionId, Outbox};

/// Accepts connections on `listener` until the application's shutdown signal, then gives
/// open connections the shutdown deadline to close.
pub(crate) async fn serve(listener: TcpListener, started: Started) -> std::io::Result<()> {
    let Started { mounted, docs, shutdown } = started;
    let mut stop = shutdown.subscribe();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                connections.spawn(accept(stream, Arc::clone(&mounted), Arc::clone(&docs), shutdown.subscribe()));
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

#[allow(clippy::result_large_err, reason = "tungstenite's handshake error response")]
fn refuse(status: u16, reason: &str) -> ErrorResponse {
    let mut response = ErrorResponse::new(Some(reason.to_owned()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    response
}

async fn accept(mut stream: TcpStream, mounted: Arc<Mounted>, docs: Arc<Docs>, shutdown: watch::Receiver<bool>) {
    if let Some(target) = http::request_target(&stream).await {
        let (path, query) = target.split_once('?').map_or((target.as_str(), None), |(p, q)| (p, Some(q)));
        if let Some(response) = docs.respond(path, query) {
            let _ = http::answer(&mut stream, &response).await;
            return;
        }
    }
    let id = ConnectionId::next();
    let (outbox, queue) = Outbox::bounded(mounted.config.outbound_queue);
    let mut opened = None;
    #[allow(clippy::result_large_err, reason = "the signature is tungstenite's handshake callback")]
    let callback = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
        match mounted.admit(request.uri().path(), request.uri().query(), &header, id, &outbox) {
            Ok(admitted) => {
                opened = Some(admitted);
                Ok(response)
            }
            Err(refusal) => Err(refuse(refusal.status, &refusal.reason)),
        }
    };
    let Ok(ws) =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(mounted.config.websocket())).await
    else {
        return;
    };
    let Some(Admitted { session, discriminator, concurrency }) = opened else { return };
    let setup = Setup {
        id,
        session,
        outbox,
        queue,
        groups: mounted.groups.clone(),
        config: Arc::clone(&mounted.config),
        discriminator,
        concurrency,
        shutdown,
    };
    let (sink, stream) = futures_util::StreamExt::split(ws);
    let stream = futures_util::StreamExt::map(stream, read);
    connection::run(stream, connection::Writer { sink, convert: write }, setup).await;
}

fn read(message: Result<Message, Error>) -> Read {
    match message {
        Ok(Message::Text(text)) => Read::Text(text.as_str().to_owned()),
        Ok(Message::Binary(bytes)) => Read::Binary(bytes.to_vec()),
        Ok(Message::Close(_)) => Read::Closed,
        Ok(_) => Read::Control,
        Err(Error::Capacity(_)) => Read::TooBig,
        Err(_) => Read::Closed,
    }
}

fn write(write: Write) -> Message {
    match write {
        Write::Frame(Frame::Text(text)) => Message::Text(text.into()),
        Write::Frame(Frame::Binary(bytes)) => Message::Binary(bytes.into()),
        Write::Ping => Message::Ping(Default::default()),
        Write::Close(code, reason) => {
            Message::Close(Some(CloseFrame { code: CloseCode::from(code), reason: reason.into() }))
        }
    }
}
