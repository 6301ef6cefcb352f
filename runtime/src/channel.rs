//! Channels as the server runs them: the [`Handler`] generated adapters implement, the
//! type-erased [`Channel`] an [`App`](crate::App) mounts, and the [`Session`] of one
//! connection on it, which decodes, validates and dispatches each frame. A session can be
//! driven by hand, without a socket, as tests and benchmarks do.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::codec::{DecodeError, EncodeError, Frame, Inbound, Message, Outbound};
use crate::context::Context;
use crate::contract::{ChannelSpec, ParamError, Params};
use crate::descriptor::ChannelDescriptor;
use crate::error::HandlerError;
use crate::groups::Groups;
use crate::outbox::{ConnectionId, Outbox};

/// Handles a channel's messages: generated as an adapter over the channel's consumer trait,
/// which is what users implement.
pub trait Handler<C: ChannelSpec>: Send + Sync + 'static {
    /// Handles one message; `Some` is the reply the contract defines for it.
    fn handle(
        &self,
        cx: &mut Context<C>,
        message: C::Incoming,
    ) -> impl Future<Output = Result<Option<C::Outgoing>, HandlerError>> + Send;

    /// Called once the connection is open, before any message.
    fn connected(&self, cx: &mut Context<C>) -> impl Future<Output = Result<(), HandlerError>> + Send;

    /// Called once the connection is closed.
    fn disconnected(&self, cx: &mut Context<C>) -> impl Future<Output = ()> + Send;
}

/// What went wrong with one incoming frame.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The frame is not a message the channel receives.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The handler returned an error.
    #[error("{0}")]
    Handler(HandlerError),
    /// The reply could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One open connection on a channel, with its handler and context.
pub trait Session: Send + Sync {
    /// Runs the connect hook.
    fn connected(&mut self) -> BoxFuture<'_, Result<(), HandlerError>>;
    /// Handles one frame; `Ok(Some(frame))` is the reply to send. The future owns what it
    /// needs, so that a channel that allows it can have several frames in flight.
    fn frame(&self, frame: Frame) -> BoxFuture<'static, Result<Option<Frame>, FrameError>>;
    /// Runs the disconnect hook.
    fn disconnected(&mut self) -> BoxFuture<'_, ()>;
}

trait ErasedChannel: Send + Sync {
    fn descriptor(&self) -> &'static ChannelDescriptor;
    fn open(
        &self,
        id: ConnectionId,
        params: Vec<String>,
        outbox: Outbox,
        groups: Groups,
        validate: bool,
    ) -> Result<Box<dyn Session>, ParamError>;
}

struct TypedChannel<C, H> {
    handler: Arc<H>,
    validators: Arc<Validators>,
    _channel: std::marker::PhantomData<fn() -> C>,
}

/// The contract's payload schemas of one channel, compiled once, on first use.
#[derive(Default)]
struct Validators {
    /// By message key; a channel has a handful, so a scan beats hashing the key.
    compiled: std::sync::OnceLock<Vec<(&'static str, jsonschema::Validator)>>,
}

impl Validators {
    fn get(&self, descriptor: &'static ChannelDescriptor, key: &str) -> Option<&jsonschema::Validator> {
        let compiled = self.compiled.get_or_init(|| {
            descriptor
                .messages
                .iter()
                .filter_map(|m| {
                    let schema = m.schema.to_value();
                    match jsonschema::draft7::new(&schema) {
                        Ok(validator) => Some((m.key, validator)),
                        Err(error) => {
                            tracing::warn!(
                                channel = descriptor.name,
                                message = m.key,
                                %error,
                                "tidings: the message's schema cannot be compiled, so it is not validated"
                            );
                            None
                        }
                    }
                })
                .collect()
        });
        compiled.iter().find(|(k, _)| *k == key).map(|(_, validator)| validator)
    }
}

impl<C: ChannelSpec, H: Handler<C>> ErasedChannel for TypedChannel<C, H> {
    fn descriptor(&self) -> &'static ChannelDescriptor {
        C::DESCRIPTOR
    }

    fn open(
        &self,
        id: ConnectionId,
        params: Vec<String>,
        outbox: Outbox,
        groups: Groups,
        validate: bool,
    ) -> Result<Box<dyn Session>, ParamError> {
        let params = C::Params::from_values(params)?;
        let cx = Context::<C>::new(id, params, outbox, groups);
        let validators = validate.then(|| Arc::clone(&self.validators));
        Ok(Box::new(TypedSession { handler: Arc::clone(&self.handler), cx, validators }))
    }
}

struct TypedSession<C: ChannelSpec, H> {
    handler: Arc<H>,
    cx: Context<C>,
    /// The contract's schemas, when frames are validated against them.
    validators: Option<Arc<Validators>>,
}

impl<C: ChannelSpec, H: Handler<C>> Session for TypedSession<C, H> {
    fn connected(&mut self) -> BoxFuture<'_, Result<(), HandlerError>> {
        Box::pin(self.handler.connected(&mut self.cx))
    }

    fn frame(&self, frame: Frame) -> BoxFuture<'static, Result<Option<Frame>, FrameError>> {
        let handler = Arc::clone(&self.handler);
        let mut cx = self.cx.clone();
        let validators = self.validators.clone();
        Box::pin(async move {
            let (message, correlation) = match &frame {
                Frame::Text(text) => {
                    let message = C::Incoming::decode_text(text)?;
                    if let Some(validators) = &validators {
                        validate::<C>(validators, message.key(), text)?;
                    }
                    let correlation = correlation_of::<C>(message.key(), text);
                    (message, correlation)
                }
                Frame::Binary(bytes) => (C::Incoming::decode_binary(bytes)?, None),
            };
            let reply = handler.handle(&mut cx, message).await.map_err(FrameError::Handler)?;
            let Some(reply) = reply else { return Ok(None) };
            let frame = reply.encode()?;
            Ok(Some(match correlation {
                Some(id) => with_correlation::<C>(frame, reply.key(), id),
                None => frame,
            }))
        })
    }

    fn disconnected(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(self.handler.disconnected(&mut self.cx))
    }
}

/// Checks a frame against its message's schema as the contract wrote it: the constraints
/// Rust types cannot carry (`maximum`, `multipleOf`, `if`/`then`, ...) are enforced here.
fn validate<C: ChannelSpec>(validators: &Validators, key: &'static str, text: &str) -> Result<(), DecodeError> {
    let Some(validator) = validators.get(C::DESCRIPTOR, key) else { return Ok(()) };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| DecodeError::NotJson { detail: e.to_string() })?;
    validator.validate(&value).map_err(|e| DecodeError::Invalid {
        message: key,
        pointer: e.instance_path().as_str().to_owned(),
        detail: e.to_string(),
    })
}

/// The correlation id of an incoming request, when its message declares one.
fn correlation_of<C: ChannelSpec>(key: &str, text: &str) -> Option<serde_json::Value> {
    let pointer = C::DESCRIPTOR.message(key)?.correlation_pointer?;
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value.pointer(pointer).cloned()
}

/// The reply frame with the request's correlation id written where the reply declares it.
fn with_correlation<C: ChannelSpec>(frame: Frame, key: &str, id: serde_json::Value) -> Frame {
    let Some(pointer) = C::DESCRIPTOR.message(key).and_then(|m| m.correlation_pointer) else { return frame };
    let Frame::Text(text) = &frame else { return frame };
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) else { return frame };
    if !set_pointer(&mut value, pointer, id) {
        return frame;
    }
    serde_json::to_string(&value).map(Frame::Text).unwrap_or(frame)
}

/// Writes `new` at `pointer`, creating objects on the way; `false` when a non-object is in the way.
pub(crate) fn set_pointer(value: &mut serde_json::Value, pointer: &str, new: serde_json::Value) -> bool {
    let mut node = value;
    let tokens: Vec<String> = pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
    let Some((last, path)) = tokens.split_last() else { return false };
    for token in path {
        let Some(map) = node.as_object_mut() else { return false };
        node = map.entry(token.clone()).or_insert_with(|| serde_json::Value::Object(Default::default()));
    }
    match node.as_object_mut() {
        Some(map) => {
            map.insert(last.clone(), new);
            true
        }
        None => false,
    }
}

/// A channel implementation, ready to be mounted on a server.
#[derive(Clone)]
pub struct Channel {
    inner: Arc<dyn ErasedChannel>,
    concurrency: usize,
}

impl Channel {
    /// Wraps a handler of channel `C`. Generated code calls this from `<channel>::channel(imp)`.
    pub fn new<C: ChannelSpec, H: Handler<C>>(handler: H) -> Self {
        Self {
            inner: Arc::new(TypedChannel::<C, H> {
                handler: Arc::new(handler),
                validators: Arc::default(),
                _channel: std::marker::PhantomData,
            }),
            concurrency: 1,
        }
    }

    /// Lets up to `limit` frames of one connection be handled at once (default 1).
    ///
    /// With the default, a connection's frames reach the handler one after the other, in the
    /// order they were sent, and the next frame is not read before the last one is handled.
    /// A channel whose messages are independent (lookups, requests with correlation ids) can
    /// trade that order for throughput: frames are then read while earlier ones are still
    /// being handled, up to `limit` in flight, and replies go out as handlers finish. Reading
    /// stops while `limit` frames are in flight, so a fast peer cannot pile up work.
    #[must_use]
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = limit.max(1);
        self
    }

    /// How many frames of one connection may be handled at once.
    pub fn concurrency_limit(&self) -> usize {
        self.concurrency
    }

    /// What the contract says about the channel.
    pub fn descriptor(&self) -> &'static ChannelDescriptor {
        self.inner.descriptor()
    }

    /// Opens a session for connection `id` with the address parameters' values (in address
    /// order), the connection's outbound queue and the groups it may join; `validate` checks
    /// every incoming frame against the contract's schema of its message.
    pub fn open(
        &self,
        id: ConnectionId,
        params: Vec<String>,
        outbox: Outbox,
        groups: Groups,
        validate: bool,
    ) -> Result<Box<dyn Session>, ParamError> {
        self.inner.open(id, params, outbox, groups, validate)
    }
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel").field("name", &self.descriptor().name).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_are_written_into_replies() {
        let mut v = serde_json::json!({"action": "done"});
        assert!(set_pointer(&mut v, "/meta/request_id", serde_json::json!(7)));
        assert_eq!(v, serde_json::json!({"action": "done", "meta": {"request_id": 7}}));
        assert!(!set_pointer(&mut serde_json::json!([1]), "/a", serde_json::json!(1)));
    }
}
