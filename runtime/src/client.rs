//! A typed client of a channel, on the same generated codecs: it sends what the application
//! receives and reads what the application sends. [`Client`] and [`ClientError`] are also at
//! the crate root; the details of a failed connection are here.
//!
//! ```no_run
//! # async fn demo<C: tidings::ChannelSpec>(hello: C::Incoming) -> Result<(), tidings::client::ClientError> {
//! let mut client = tidings::Client::<C>::connect("ws://127.0.0.1:8080/ws/register").await?;
//! let reply = client.request(hello).await?;
//! # let _ = reply; Ok(())
//! # }
//! ```

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::channel::set_pointer;
use crate::codec::{DecodeError, EncodeError, Frame, Inbound, MessageEnum, Outbound};
use crate::contract::ChannelSpec;
use crate::error::ErrorBody;

/// What can go wrong for a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server refused the handshake with this HTTP status (401, 403, 404, ...).
    #[error("the server refused the handshake with HTTP {0}")]
    Refused(u16),
    /// The URL is not one the client can connect to (`ws://host:port/path`).
    #[error("not a WebSocket URL: {source}")]
    Url {
        /// Why.
        #[source]
        source: TransportError,
    },
    /// A handshake header HTTP does not allow.
    #[error("bad handshake header `{name}`: {problem}")]
    Header {
        /// The header's name, as given.
        name: String,
        /// What is wrong with it.
        problem: HeaderProblem,
    },
    /// The connection failed.
    #[error("connection failed while {stage}: {source}")]
    Connection {
        /// What the client was doing.
        stage: ConnectionStage,
        /// What failed.
        #[source]
        source: TransportError,
    },
    /// The server sent the channel's error frame.
    #[error("the server answered with an error: {} ({})", .0.message, .0.code)]
    ErrorFrame(ErrorBody),
    /// A frame that is none of the channel's messages.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A message that could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The connection closed, with the server's close code if it sent one.
    #[error("the connection closed (code {0:?})")]
    Closed(Option<u16>),
    /// Nothing arrived in time.
    #[error("timed out")]
    Timeout,
}

/// What is wrong with a handshake header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderProblem {
    /// The name has characters a header name cannot have.
    #[error("not a valid header name")]
    Name,
    /// The value has characters a header value cannot have.
    #[error("not a valid header value")]
    Value,
}

/// What a client was doing when its connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionStage {
    /// Opening the connection and its handshake.
    #[error("connecting")]
    Connecting,
    /// Writing a frame.
    #[error("sending")]
    Sending,
}

/// A failure of the WebSocket transport. Its type stays private: the transport is an
/// implementation detail; its message and source say what happened.
#[derive(Debug)]
pub struct TransportError(tokio_tungstenite::tungstenite::Error);

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// A client of channel `C`.
pub struct Client<C: ChannelSpec> {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pending: VecDeque<String>,
    next_id: u64,
    closed: Option<Option<u16>>,
    _channel: std::marker::PhantomData<fn() -> C>,
}

impl<C: ChannelSpec> std::fmt::Debug for Client<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("channel", &C::DESCRIPTOR.name).finish_non_exhaustive()
    }
}

impl<C: ChannelSpec> Client<C> {
    /// Connects to `url` (`ws://host:port/path?query`).
    pub async fn connect(url: &str) -> Result<Self, ClientError> {
        Self::connect_with_headers(url, &[]).await
    }

    /// Connects with extra handshake headers, such as `Authorization` or `Origin`.
    pub async fn connect_with_headers(url: &str, headers: &[(&str, &str)]) -> Result<Self, ClientError> {
        let mut request = url.into_client_request().map_err(|e| ClientError::Url { source: TransportError(e) })?;
        for (name, value) in headers {
            let problem = |problem| ClientError::Header { name: (*name).to_owned(), problem };
            let name: tokio_tungstenite::tungstenite::http::HeaderName =
                name.parse().map_err(|_| problem(HeaderProblem::Name))?;
            let value = value.parse().map_err(|_| problem(HeaderProblem::Value))?;
            request.headers_mut().insert(name, value);
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((socket, _)) => Ok(Self {
                socket,
                pending: VecDeque::new(),
                next_id: 0,
                closed: None,
                _channel: std::marker::PhantomData,
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(ClientError::Refused(response.status().as_u16()))
            }
            Err(e) => Err(ClientError::Connection { stage: ConnectionStage::Connecting, source: TransportError(e) }),
        }
    }

    /// Sends a message the application receives.
    pub async fn send(&mut self, message: impl Into<C::Incoming>) -> Result<(), ClientError> {
        let frame = message.into().encode()?;
        self.write(frame).await
    }

    async fn write(&mut self, frame: Frame) -> Result<(), ClientError> {
        let message = match frame {
            Frame::Text(text) => WsMessage::Text(text),
            Frame::Binary(bytes) => WsMessage::Binary(bytes),
        };
        self.socket
            .send(message)
            .await
            .map_err(|e| ClientError::Connection { stage: ConnectionStage::Sending, source: TransportError(e) })
    }

    /// The next message the application sends; its error frame is an `Err`.
    pub async fn receive(&mut self) -> Result<C::Outgoing, ClientError> {
        let text = match self.pending.pop_front() {
            Some(text) => text,
            None => self.next_text().await?,
        };
        decode::<C>(&text)
    }

    /// [`receive`](Self::receive), giving up after `timeout`.
    pub async fn receive_timeout(&mut self, timeout: Duration) -> Result<C::Outgoing, ClientError> {
        tokio::time::timeout(timeout, self.receive()).await.map_err(|_| ClientError::Timeout)?
    }

    /// Sends a request and waits for its reply. When the message declares a correlation id
    /// (the contract's `correlationId`), a fresh id is written into it and the reply carrying
    /// the same id is returned; other frames that arrive meanwhile stay for `receive`.
    /// Without one, the next frame is the reply.
    pub async fn request(&mut self, message: impl Into<C::Incoming>) -> Result<C::Outgoing, ClientError> {
        let message = message.into();
        let pointer = C::DESCRIPTOR.message(message.key()).and_then(|m| m.correlation_pointer);
        let mut frame = message.encode()?;
        let Some(pointer) = pointer else {
            self.write(frame).await?;
            return self.receive().await;
        };
        self.next_id += 1;
        let id = serde_json::Value::from(format!("tidings-{}", self.next_id));
        if let Frame::Text(text) = &frame
            && let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text)
            && set_pointer(&mut value, pointer, id.clone())
        {
            frame = Frame::text(value.to_string());
        }
        self.write(frame).await?;
        loop {
            let text = self.next_text().await?;
            let value: Option<serde_json::Value> = serde_json::from_str(&text).ok();
            let carried = value.as_ref().and_then(|v| v.pointer(pointer));
            let is_reply = carried == Some(&id);
            // An error frame names the request it answers, as a reply does; one that names
            // another request is that request's.
            let is_error = value.as_ref().is_some_and(is_error_frame) && carried.is_none_or(|c| *c == id);
            if is_reply || is_error {
                return decode::<C>(&text);
            }
            self.pending.push_back(text);
        }
    }

    /// Waits for the server to close the connection; its close code.
    pub async fn closed(&mut self, timeout: Duration) -> Result<Option<u16>, ClientError> {
        tokio::time::timeout(timeout, async {
            loop {
                match self.next_text().await {
                    Err(ClientError::Closed(code)) => return Ok(code),
                    Err(other) => return Err(other),
                    Ok(_) => continue,
                }
            }
        })
        .await
        .map_err(|_| ClientError::Timeout)?
    }

    /// Closes the connection.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }

    async fn next_text(&mut self) -> Result<String, ClientError> {
        if let Some(code) = self.closed {
            return Err(ClientError::Closed(code));
        }
        loop {
            match self.socket.next().await {
                Some(Ok(WsMessage::Text(text))) => return Ok(text.as_str().to_owned()),
                Some(Ok(WsMessage::Binary(bytes))) => return Ok(String::from_utf8_lossy(&bytes).into_owned()),
                Some(Ok(WsMessage::Close(frame))) => {
                    let code = frame.map(|f| u16::from(f.code));
                    self.closed = Some(code);
                    return Err(ClientError::Closed(code));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => {
                    self.closed = Some(None);
                    return Err(ClientError::Closed(None));
                }
            }
        }
    }
}

fn is_error_frame(value: &serde_json::Value) -> bool {
    value.get("error").is_some_and(serde_json::Value::is_object)
        && value.as_object().is_some_and(|o| o.values().any(|v| v == "error") || o.len() == 1)
}

fn decode<C: ChannelSpec>(text: &str) -> Result<C::Outgoing, ClientError> {
    match C::Outgoing::decode_text(text) {
        Ok(message) => Ok(message),
        Err(error) => {
            let value: Option<serde_json::Value> = serde_json::from_str(text).ok();
            match value
                .filter(is_error_frame)
                .and_then(|v| serde_json::from_value::<ErrorBody>(v["error"].clone()).ok())
            {
                Some(body) => Err(ClientError::ErrorFrame(body)),
                None => Err(ClientError::Decode(error)),
            }
        }
    }
}
