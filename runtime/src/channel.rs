//! Channels as the server runs them: the [`Handler`] generated adapters implement, the
//! type-erased [`Channel`] an [`App`](crate::App) mounts, and the [`Session`] of one
//! connection on it, which decodes, validates and dispatches each frame. A session can be
//! driven by hand, without a socket, as tests and benchmarks do.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use std::any::TypeId;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::auth::{AnyPrincipal, AuthError, Principal};
use crate::codec::{DecodeError, EncodeError, Frame, Inbound, MessageEnum, Outbound};
use crate::context::{Context, Peer};
use crate::contract::{ChannelSpec, ParamError, Params};
use crate::descriptor::ChannelDescriptor;
use crate::error::HandlerError;
use crate::event::{Event, Events};
use crate::groups::Groups;
use crate::outbox::{ConnectionId, Outbox};
use sync_wrapper::SyncWrapper;

/// Handles a channel's messages: generated as an adapter over the channel's consumer trait,
/// which is what users implement. `P` is the principal its handlers read, `S` the state each
/// connection keeps.
pub trait Handler<C: ChannelSpec, P = (), S = ()>: Send + Sync + 'static {
    /// Handles one message; `Some` is the reply the contract defines for it.
    fn handle(
        &self,
        cx: &mut Context<C, P, S>,
        message: C::Incoming,
    ) -> impl Future<Output = Result<Option<C::Outgoing>, HandlerError>> + Send;

    /// Decides, before the upgrade, whether `principal` may open a connection at these
    /// address parameters: an error refuses the handshake with its status (403 for
    /// [`AuthError::forbidden`]). Everyone may, unless the consumer trait says otherwise.
    fn authorize(&self, principal: &P, params: &C::Params) -> impl Future<Output = Result<(), AuthError>> + Send {
        let _ = (principal, params);
        async { Ok(()) }
    }

    /// Called once the connection is open, before any message.
    fn connected(&self, cx: &mut Context<C, P, S>) -> impl Future<Output = Result<(), HandlerError>> + Send;

    /// Called once the connection is closed.
    fn disconnected(&self, cx: &mut Context<C, P, S>) -> impl Future<Output = ()> + Send;
}

/// Why a session could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The address parameters do not fit the channel's.
    #[error(transparent)]
    Params(#[from] ParamError),
    /// The channel's handlers read a principal of type `expected`, and none of that type was
    /// given (the application has no authenticator returning it).
    #[error("the channel's handlers need a principal of type `{expected}`")]
    NoPrincipal {
        /// The principal type the handlers read.
        expected: &'static str,
    },
}

/// What the handshake said about the peer of a session being opened.
#[derive(Default)]
pub(crate) struct Opening {
    pub(crate) principal: Option<AnyPrincipal>,
    pub(crate) key: Option<String>,
    pub(crate) remote: Option<std::net::SocketAddr>,
    pub(crate) query: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
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

/// A frame that could not be handled: what went wrong, and the correlation id of the
/// request it was, when its message declares one, which the error frame carries back so
/// that a peer with several requests in flight knows which one failed.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Failed {
    /// What went wrong.
    pub error: FrameError,
    /// Where the request's message carries its correlation id (a JSON pointer into the
    /// frame), and the id the request carried there.
    pub correlation: Option<(&'static str, serde_json::Value)>,
}

impl From<FrameError> for Failed {
    fn from(error: FrameError) -> Self {
        Self { error, correlation: None }
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Turns the server events one connection receives into its frames: `None` for an event
/// the connection skips (or cannot read). Each future owns what it needs.
pub type EventMapper = Box<dyn Fn(Event) -> BoxFuture<'static, Option<Frame>> + Send + Sync>;

/// One open connection on a channel, with its handler and context.
pub trait Session: Send + Sync {
    /// Runs the authorization hook, before the upgrade.
    fn authorize(&self) -> BoxFuture<'_, Result<(), AuthError>> {
        Box::pin(async { Ok(()) })
    }
    /// Runs the connect hook.
    fn connected(&mut self) -> BoxFuture<'_, Result<(), HandlerError>>;
    /// Handles one frame; `Ok(Some(frame))` is the reply to send. The future owns what it
    /// needs, so that a channel that allows it can have several frames in flight. A failure is
    /// boxed: it is rare, and every reply would otherwise be moved about at its size.
    fn frame(&self, frame: Frame) -> BoxFuture<'static, Result<Option<Frame>, Box<Failed>>>;
    /// Starts handling one frame in the session's own slot, as [`frame`](Session::frame)
    /// would, but in an allocation kept from one frame to the next: how a connection handles
    /// the frame it has at work when it has only one. A frame the slot still held is dropped.
    fn start(&mut self, frame: Frame);
    /// Polls the frame [`start`](Session::start) began: `Ready(Some(outcome))` once, then
    /// `Ready(None)` until the next start. A handler that panics leaves the slot empty.
    fn poll_started(&mut self, cx: &mut std::task::Context<'_>) -> Poll<Option<Result<Option<Frame>, Box<Failed>>>>;
    /// Gives back the slot's allocation, when no frame is at work in it: the connection has
    /// been quiet, and the next [`start`](Session::start) allocates again.
    fn rest(&mut self);
    /// Runs the disconnect hook.
    fn disconnected(&mut self) -> BoxFuture<'_, ()>;
    /// What turns server events into this connection's frames, when its channel handles
    /// events.
    fn events(&self) -> Option<EventMapper> {
        None
    }
}

trait ErasedChannel: Send + Sync {
    fn descriptor(&self) -> &'static ChannelDescriptor;
    /// The principal type the handlers read, unless it is `()`.
    fn principal(&self) -> Option<(TypeId, &'static str)>;
    fn open(
        &self,
        id: ConnectionId,
        params: Vec<String>,
        outbox: Outbox,
        groups: Groups,
        validate: bool,
        opening: Opening,
    ) -> Result<Box<dyn Session>, OpenError>;
}

struct TypedChannel<C: ChannelSpec, P, S, H> {
    handler: Arc<H>,
    validators: Arc<Validators>,
    /// How a connection's server events reach the handler, when it handles them.
    events: Option<MakeMapper<C, P, S, H>>,
    _channel: Marker<C, P, S>,
}

type MakeMapper<C, P, S, H> = fn(&Arc<H>, &Context<C, P, S>) -> EventMapper;

/// The event mapper of one connection of a channel whose handler handles events.
fn event_mapper<C, P, S, H>(handler: &Arc<H>, cx: &Context<C, P, S>) -> EventMapper
where
    C: ChannelSpec,
    P: Principal,
    S: Default + Send + Sync + 'static,
    H: Handler<C, P, S> + Events<C, P, S>,
{
    let handler = Arc::clone(handler);
    let cx = cx.clone();
    Box::new(move |event: Event| {
        let handler = Arc::clone(&handler);
        let mut cx = cx.clone();
        Box::pin(async move {
            use crate::telemetry::{EventOutcome, event as counted};
            let value = match event.read::<H::Event>() {
                Ok(value) => value,
                Err(error) => {
                    counted(EventOutcome::Unreadable);
                    tracing::warn!(%error, "tidings: dropped a server event the channel's event type cannot read");
                    return None;
                }
            };
            cx.hold().await;
            let Some(message) = handler.on_event(&mut cx, &value).await else {
                counted(EventOutcome::Skipped);
                return None;
            };
            match message.encode() {
                Ok(frame) => {
                    counted(EventOutcome::Sent);
                    Some(frame)
                }
                Err(error) => {
                    counted(EventOutcome::Failed);
                    tracing::warn!(%error, "tidings: the message an event handler returned cannot be encoded");
                    None
                }
            }
        })
    })
}

/// The channel, principal and state types a [`TypedChannel`] is for.
type Marker<C, P, S> = std::marker::PhantomData<fn() -> (C, P, S)>;

/// The contract's payload schemas of one channel, compiled once, on first use.
#[derive(Default)]
struct Validators {
    /// By message key; a channel has a handful, so a scan beats hashing the key.
    compiled: std::sync::OnceLock<Vec<(&'static str, jsonschema::Validator)>>,
}

/// The schema validation holds a frame to: the contract's, with the range of each integer
/// `format` added as bounds. JSON Schema leaves formats to applications; here `int32` means
/// what it says, so a field the generated code types as a `u32` (`format: int32, minimum:
/// 0`, `docs/TYPES.md`) is still held to `int32`'s range.
pub(crate) fn validation_schema(schema: &serde_json::Value) -> serde_json::Value {
    let mut schema = schema.clone();
    bound_integer_formats(&mut schema);
    schema
}

fn bound_integer_formats(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let integer = match map.get("type") {
                Some(Value::String(t)) => t == "integer",
                Some(Value::Array(types)) => types.iter().any(|t| t == "integer"),
                _ => false,
            };
            let range = map.get("format").and_then(Value::as_str).and_then(integer_format_range);
            if let (true, Some((min, max))) = (integer, range) {
                // The format's limit where the schema has no bound, or a looser one.
                let number = |bound: &Value| bound.as_f64().unwrap_or(f64::NAN);
                if !map.get("minimum").is_some_and(|bound| number(bound) >= number(&min)) {
                    map.insert("minimum".into(), min);
                }
                if !map.get("maximum").is_some_and(|bound| number(bound) <= number(&max)) {
                    map.insert("maximum".into(), max);
                }
            }
            for (key, child) in map.iter_mut() {
                // Values, not schemas.
                if !matches!(key.as_str(), "examples" | "example" | "default" | "const" | "enum") {
                    bound_integer_formats(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integer_formats),
        _ => {}
    }
}

/// The values an integer `format` allows, as JSON numbers.
fn integer_format_range(format: &str) -> Option<(serde_json::Value, serde_json::Value)> {
    use serde_json::Value;
    Some(match format {
        "int8" => (Value::from(i8::MIN), Value::from(i8::MAX)),
        "uint8" => (Value::from(0), Value::from(u8::MAX)),
        "int16" => (Value::from(i16::MIN), Value::from(i16::MAX)),
        "uint16" => (Value::from(0), Value::from(u16::MAX)),
        "int" | "int32" => (Value::from(i32::MIN), Value::from(i32::MAX)),
        "uint" | "uint32" => (Value::from(0), Value::from(u32::MAX)),
        "int64" => (Value::from(i64::MIN), Value::from(i64::MAX)),
        "uint64" => (Value::from(0), Value::from(u64::MAX)),
        _ => return None,
    })
}

impl Validators {
    fn get(&self, descriptor: &'static ChannelDescriptor, key: &str) -> Option<&jsonschema::Validator> {
        let compiled = self.compiled.get_or_init(|| {
            descriptor
                .messages
                .iter()
                // A message its type holds whole needs nothing more.
                .filter(|m| !m.held_by_type)
                .filter_map(|m| {
                    // A code-first message has no contract schema: its type's is the contract.
                    let schema = match (&m.schema, m.payload_schema) {
                        (crate::descriptor::Json::Null, Some(payload)) => {
                            validation_schema(&crate::code_first::standalone_schema(payload))
                        }
                        (schema, _) => validation_schema(&schema.to_value()),
                    };
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

impl<C, P, S, H> ErasedChannel for TypedChannel<C, P, S, H>
where
    C: ChannelSpec,
    P: Principal,
    S: Default + Send + Sync + 'static,
    H: Handler<C, P, S>,
{
    fn descriptor(&self) -> &'static ChannelDescriptor {
        C::DESCRIPTOR
    }

    fn principal(&self) -> Option<(TypeId, &'static str)> {
        (TypeId::of::<P>() != TypeId::of::<()>()).then(|| (TypeId::of::<P>(), std::any::type_name::<P>()))
    }

    fn open(
        &self,
        id: ConnectionId,
        params: Vec<String>,
        outbox: Outbox,
        groups: Groups,
        validate: bool,
        opening: Opening,
    ) -> Result<Box<dyn Session>, OpenError> {
        let params = C::Params::from_values(params)?;
        let principal = match opening.principal.map(|p| p.downcast::<P>()) {
            Some(Ok(principal)) => Some(principal),
            // `()` is what a channel without a principal reads, whatever the authenticator said.
            _ if TypeId::of::<P>() == TypeId::of::<()>() => None,
            _ => return Err(OpenError::NoPrincipal { expected: std::any::type_name::<P>() }),
        };
        // Most connections of a channel without users have nothing more to keep than their
        // address: no allocation for them.
        let said_more =
            principal.is_some() || opening.key.is_some() || opening.query.is_some() || !opening.headers.is_empty();
        let peer =
            said_more.then(|| Peer { principal, key: opening.key, query: opening.query, headers: opening.headers });
        let cx = Context::<C, P, S>::new(id, params, outbox, groups, opening.remote, peer, S::default());
        // A channel whose messages are all held by their types has nothing to validate.
        let interpreted = C::DESCRIPTOR.messages.iter().any(|m| !m.held_by_type);
        let validators = (validate && interpreted).then(|| Arc::clone(&self.validators));
        // Most channels declare no correlation id: their frames are not parsed for one.
        let correlated = C::DESCRIPTOR.messages.iter().any(|m| m.correlation_pointer.is_some());
        Ok(Box::new(TypedSession {
            handler: Arc::clone(&self.handler),
            cx,
            validators,
            correlated,
            events: self.events,
            slot: None,
            busy: false,
            lent: None,
            handling: handling::<C, P, S, H>,
        }))
    }
}

struct TypedSession<C: ChannelSpec, P, S, H, F> {
    handler: Arc<H>,
    cx: Context<C, P, S>,
    /// The contract's schemas, when frames are validated against them.
    validators: Option<Arc<Validators>>,
    /// Whether a message of the channel declares a correlation id.
    correlated: bool,
    events: Option<MakeMapper<C, P, S, H>>,
    /// The frame `start` began, in an allocation reused for the next one (`Pin::set`): a
    /// connection that handles its frames one at a time allocates none per frame. Only the
    /// session's `&mut` reaches it, so it need not be `Sync` itself.
    slot: Option<SyncWrapper<Pin<Box<F>>>>,
    /// The slot holds a frame at work.
    busy: bool,
    /// The session's parts that the slot's frames work with, between two of them: moved into
    /// the frame that `start` begins and moved back when it ends, instead of cloned for each
    /// frame and dropped after it (an atomic reference count taken and given back per part).
    /// `None` while a frame has them, and after one panicked with them.
    lent: Option<Lent<C, P, S, H>>,
    /// `handling` for this channel: what names the slot's future type, which has no name.
    handling: MakeHandling<C, P, S, H, F>,
}

type MakeHandling<C, P, S, H, F> = fn(Lent<C, P, S, H>, bool, Frame) -> F;

/// What the handling of a frame owns of its session: a clone of each part it works with.
struct Lent<C: ChannelSpec, P, S, H> {
    handler: Arc<H>,
    cx: Context<C, P, S>,
    validators: Option<Arc<Validators>>,
}

/// What a frame's handling came to, with the parts it was lent, given back.
type Outcome<C, P, S, H> = (Lent<C, P, S, H>, Result<Option<Frame>, Box<Failed>>);

/// The handling of one frame: decoded, validated, handed to the handler, and its reply
/// encoded, with the request's correlation id when `correlated` says a message may carry one.
async fn handling<C, P, S, H>(lent: Lent<C, P, S, H>, correlated: bool, frame: Frame) -> Outcome<C, P, S, H>
where
    C: ChannelSpec,
    P: Principal,
    S: Default + Send + Sync + 'static,
    H: Handler<C, P, S>,
{
    let Lent { handler, mut cx, validators } = lent;
    cx.hold().await;
    // The message's key, once known: an error frame answering it carries its
    // correlation id.
    let mut key: Option<&'static str> = None;
    let outcome: Result<Option<Frame>, FrameError> = async {
        let (message, correlation) = match &frame {
            Frame::Text(text) => {
                let message = C::Incoming::decode_text(text)?;
                key = Some(message.key());
                if let Some(validators) = &validators {
                    validate::<C>(validators, message.key(), text)?;
                }
                let correlation = if correlated { correlation_of::<C>(message.key(), text) } else { None };
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
    }
    .await;
    // The state is free for the connection's next frame or hook.
    cx.release();
    let outcome = outcome.map_err(|error| {
        let key = key.or(match &error {
            FrameError::Decode(DecodeError::Invalid { message, .. }) => Some(*message),
            _ => None,
        });
        let correlation = match (&frame, key) {
            (Frame::Text(text), Some(key)) if correlated => {
                C::DESCRIPTOR.message(key).and_then(|m| m.correlation_pointer).zip(correlation_of::<C>(key, text))
            }
            _ => None,
        };
        Box::new(Failed { error, correlation })
    });
    (Lent { handler, cx, validators }, outcome)
}

impl<C: ChannelSpec, P, S, H, F> TypedSession<C, P, S, H, F> {
    /// The handling of `frame`, with `lent`, or else with its own clone of what the session has.
    fn handling(&self, lent: Option<Lent<C, P, S, H>>, frame: Frame) -> F {
        let lent = lent.unwrap_or_else(|| Lent {
            handler: Arc::clone(&self.handler),
            cx: self.cx.clone(),
            validators: self.validators.clone(),
        });
        (self.handling)(lent, self.correlated, frame)
    }
}

impl<C, P, S, H, F> Session for TypedSession<C, P, S, H, F>
where
    C: ChannelSpec,
    P: Principal,
    S: Default + Send + Sync + 'static,
    H: Handler<C, P, S>,
    F: Future<Output = Outcome<C, P, S, H>> + Send + 'static,
{
    fn authorize(&self) -> BoxFuture<'_, Result<(), AuthError>> {
        Box::pin(self.handler.authorize(self.cx.principal(), self.cx.params()))
    }

    fn connected(&mut self) -> BoxFuture<'_, Result<(), HandlerError>> {
        Box::pin(async move {
            self.cx.join_principal();
            if self.events.is_some() {
                self.cx.join_channel();
            }
            self.cx.hold().await;
            let connected = self.handler.connected(&mut self.cx).await;
            self.cx.release();
            connected
        })
    }

    fn frame(&self, frame: Frame) -> BoxFuture<'static, Result<Option<Frame>, Box<Failed>>> {
        let handling = self.handling(None, frame);
        Box::pin(async move { handling.await.1 })
    }

    fn start(&mut self, frame: Frame) {
        let lent = self.lent.take();
        let future = self.handling(lent, frame);
        match &mut self.slot {
            Some(slot) => slot.get_mut().set(future),
            None => self.slot = Some(SyncWrapper::new(Box::pin(future))),
        }
        self.busy = true;
    }

    fn poll_started(&mut self, cx: &mut std::task::Context<'_>) -> Poll<Option<Result<Option<Frame>, Box<Failed>>>> {
        let (true, Some(slot)) = (self.busy, &mut self.slot) else { return Poll::Ready(None) };
        // Idle while it is polled: a handler that panics leaves nothing at work.
        self.busy = false;
        match slot.get_mut().as_mut().poll(cx) {
            Poll::Ready((lent, outcome)) => {
                self.lent = Some(lent);
                Poll::Ready(Some(outcome))
            }
            Poll::Pending => {
                self.busy = true;
                Poll::Pending
            }
        }
    }

    fn rest(&mut self) {
        if !self.busy {
            self.slot = None;
        }
    }

    fn disconnected(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.cx.hold().await;
            self.handler.disconnected(&mut self.cx).await;
            self.cx.release();
        })
    }

    fn events(&self) -> Option<EventMapper> {
        self.events.map(|make| make(&self.handler, &self.cx))
    }
}

/// Checks a frame against its message's schema as the contract wrote it: the constraints
/// Rust types cannot carry (`maximum`, `multipleOf`, `if`/`then`, ...) are enforced here.
fn validate<C: ChannelSpec>(validators: &Validators, key: &'static str, text: &str) -> Result<(), DecodeError> {
    let Some(validator) = validators.get(C::DESCRIPTOR, key) else { return Ok(()) };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| DecodeError::NotJson { detail: e.to_string() })?;
    validator.validate(&value).map_err(|e| {
        let (pointer, detail) = crate::wording::schema_violation(&e);
        DecodeError::Invalid { message: key, pointer, detail }
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
    crate::json::to_string(&value).map(Frame::text).unwrap_or(frame)
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
    /// At most this many connections open at once, counted in `open`.
    limit: Option<usize>,
    open: Arc<AtomicUsize>,
}

/// A connection counted against its channel's [`Channel::max_connections`] until dropped.
#[derive(Debug)]
pub(crate) struct ChannelSlot(Option<Arc<AtomicUsize>>);

impl Drop for ChannelSlot {
    fn drop(&mut self) {
        if let Some(open) = self.0.take() {
            open.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Channel {
    /// Wraps a handler of channel `C` whose handlers read principal `P` and keep state `S`.
    /// Generated code calls this from `<channel>::channel(imp)`.
    pub fn new<C, P, S, H>(handler: H) -> Self
    where
        C: ChannelSpec,
        P: Principal,
        S: Default + Send + Sync + 'static,
        H: Handler<C, P, S>,
    {
        Self::typed::<C, P, S, H>(handler, None)
    }

    /// Wraps a handler of channel `C` that also turns server events into messages
    /// ([`Events`]): every connection on the channel receives the events published to it.
    /// Generated code calls this from `<channel>::channel_with_events(imp)`.
    pub fn with_events<C, P, S, H>(handler: H) -> Self
    where
        C: ChannelSpec,
        P: Principal,
        S: Default + Send + Sync + 'static,
        H: Handler<C, P, S> + Events<C, P, S>,
    {
        Self::typed::<C, P, S, H>(handler, Some(event_mapper::<C, P, S, H>))
    }

    fn typed<C, P, S, H>(handler: H, events: Option<MakeMapper<C, P, S, H>>) -> Self
    where
        C: ChannelSpec,
        P: Principal,
        S: Default + Send + Sync + 'static,
        H: Handler<C, P, S>,
    {
        Self {
            inner: Arc::new(TypedChannel::<C, P, S, H> {
                handler: Arc::new(handler),
                validators: Arc::default(),
                events,
                _channel: std::marker::PhantomData,
            }),
            concurrency: 1,
            limit: None,
            open: Arc::default(),
        }
    }

    /// Lets at most `limit` connections be open on this channel at once (default: no limit
    /// but the server's). Past it, a handshake gets `503 Service Unavailable` before the
    /// upgrade, and the refusal is counted (`reason="max_channel_connections"`).
    #[must_use]
    pub fn max_connections(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// A place for one more connection, or `None` when the channel is full.
    pub(crate) fn slot(&self) -> Option<ChannelSlot> {
        let Some(limit) = self.limit else { return Some(ChannelSlot(None)) };
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| (open < limit).then_some(open + 1))
            .ok()
            .map(|_| ChannelSlot(Some(Arc::clone(&self.open))))
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
    /// every incoming frame against the contract's schema of its message. (Without a
    /// handshake there is no principal: a channel whose handlers read one cannot be opened
    /// this way.)
    pub fn open(
        &self,
        id: ConnectionId,
        params: Vec<String>,
        outbox: Outbox,
        groups: Groups,
        validate: bool,
    ) -> Result<Box<dyn Session>, OpenError> {
        self.open_admitted(id, params, outbox, groups, validate, Opening::default())
    }

    /// Opens a session for a handshake that was admitted.
    pub(crate) fn open_admitted(
        &self,
        id: ConnectionId,
        params: Vec<String>,
        outbox: Outbox,
        groups: Groups,
        validate: bool,
        opening: Opening,
    ) -> Result<Box<dyn Session>, OpenError> {
        self.inner.open(id, params, outbox, groups, validate, opening)
    }

    /// The principal type the channel's handlers read, unless it is `()`.
    pub(crate) fn principal(&self) -> Option<(TypeId, &'static str)> {
        self.inner.principal()
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
