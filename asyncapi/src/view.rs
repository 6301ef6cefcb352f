//! The resolved, typed view of a loaded document that every reader shares: channels,
//! operations, messages with their traits applied, replies, parameters and security
//! schemes, each reached through one typed reference resolution ([`View::resolve`]).
//!
//! Readers that walked the bundled JSON by string key each decided on their own what an
//! operation's messages, a reply's channel or a trait-applied message were; here each
//! question has one answer. Raw JSON stays where a schema is handed on as JSON Schema
//! ([`View::value`]).

use std::any::Any;
use std::collections::HashMap;

use indexmap::IndexMap;
use serde_json::Value;

use crate::model::{
    Action, AsyncApi, Channel, Components, CorrelationId, Message, MessageSchema, MultiFormatSchema, Operation,
    OperationReply, OperationReplyAddress, Parameter, RefOr, Reference, SecurityScheme, Server, Tag,
};
use crate::pointer::{JsonPointer, RefTarget, follow};

/// A document with its traits applied, every object reachable by its pointer, typed.
///
/// ```
/// let text = r#"
/// asyncapi: 3.0.0
/// info: { title: Chat, version: 1.0.0 }
/// channels:
///   chat:
///     address: /ws/chat
///     messages:
///       hello: { $ref: '#/components/messages/hello' }
/// operations:
///   greet:
///     action: receive
///     channel: { $ref: '#/channels/chat' }
/// components:
///   messages:
///     hello: { name: Hello, traits: [{ $ref: '#/components/messageTraits/common' }] }
///   messageTraits:
///     common: { contentType: application/json }
/// "#;
/// let doc = tidings_asyncapi::Document::from_text("chat.yaml", text).expect("valid");
/// let view = doc.view();
/// let greet = view.operations().next().expect("one operation");
/// let channel = greet.channel().expect("resolves");
/// assert_eq!(channel.key, "chat");
/// let hello = &greet.messages().expect("resolve")[0];
/// assert_eq!(hello.key, "hello");
/// assert_eq!(hello.message.content_type.as_deref(), Some("application/json")); // from the trait
/// assert_eq!(hello.pointer.to_string(), "/components/messages/hello");
/// ```
pub struct View<'a> {
    raw: &'a Value,
    spec: &'a AsyncApi,
    /// Every object written in place, by where it is written.
    index: HashMap<JsonPointer, &'a (dyn Any + Send + Sync)>,
}

impl std::fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("View").field("objects", &self.index.len()).finish_non_exhaustive()
    }
}

/// An object reached through a reference (or written in place), with where it is.
#[derive(Debug)]
pub struct Resolved<'a, T> {
    /// Where the object is written, after every reference on the way.
    pub pointer: JsonPointer,
    /// The object.
    pub item: &'a T,
}

impl<T> Clone for Resolved<'_, T> {
    fn clone(&self) -> Self {
        Self { pointer: self.pointer.clone(), item: self.item }
    }
}

/// Why a reference does not lead to the object its place calls for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    /// The reference leads nowhere in the document.
    #[error("`$ref: {reference}` at {at} leads nowhere")]
    Dangling {
        /// The `$ref` value.
        reference: String,
        /// Where the reference is written.
        at: JsonPointer,
    },
    /// The reference leads to an object of another kind.
    #[error("`$ref: {reference}` at {at} must point at {expected}, and points at {found}")]
    WrongKind {
        /// The `$ref` value.
        reference: String,
        /// Where the reference is written.
        at: JsonPointer,
        /// What the place calls for.
        expected: &'static str,
        /// Where it leads.
        found: JsonPointer,
    },
}

/// A channel, with its key in the root `channels` (or in `components/channels`).
#[derive(Debug, Clone)]
pub struct ChannelView<'a> {
    /// The channel's key.
    pub key: &'a str,
    /// Where the channel is written.
    pub pointer: JsonPointer,
    /// The channel.
    pub channel: &'a Channel,
    view: &'a View<'a>,
}

/// A message of a channel, with its traits applied.
#[derive(Debug, Clone)]
pub struct MessageView<'a> {
    /// The message's key in its channel's `messages` (or, for a message that is not one of
    /// the channel's, the last token of where it is written).
    pub key: String,
    /// Where the message is written, after every reference on the way: two references to
    /// one message lead to one pointer.
    pub pointer: JsonPointer,
    /// The message.
    pub message: &'a Message,
}

/// A root operation.
#[derive(Debug, Clone)]
pub struct OperationView<'a> {
    /// The operation's key.
    pub key: &'a str,
    /// Where the operation is written.
    pub pointer: JsonPointer,
    /// The operation, its traits applied.
    pub operation: &'a Operation,
    view: &'a View<'a>,
}

/// An operation's reply.
#[derive(Debug, Clone)]
pub struct ReplyView<'a> {
    /// Where the reply is written.
    pub pointer: JsonPointer,
    /// The reply.
    pub reply: &'a OperationReply,
    /// The channel it names, when it names one.
    pub channel: Option<ChannelView<'a>>,
    /// The messages it lists, resolved.
    pub messages: Vec<MessageView<'a>>,
}

/// A message's payload schema.
#[derive(Debug, Clone)]
pub struct SchemaView<'a> {
    /// Where the schema is written in its message.
    pub pointer: JsonPointer,
    /// The schema, references followed: a JSON Schema, or a Multi Format Schema Object.
    pub value: &'a Value,
    /// The `schemaFormat` of a Multi Format Schema Object.
    pub format: Option<&'a str>,
}

impl SchemaView<'_> {
    /// Whether the schema is a JSON string of `format: binary`: bytes, in binary frames.
    pub fn is_binary_string(&self) -> bool {
        self.value.get("type").and_then(Value::as_str) == Some("string")
            && self.value.get("format").and_then(Value::as_str) == Some("binary")
    }
}

/// A security scheme an operation names.
#[derive(Debug, Clone)]
pub struct SchemeView<'a> {
    /// Whether the operation names it by reference (rather than writing it inline).
    pub referenced: bool,
    /// The scheme's key in `components/securitySchemes`, or `None` for one written inline.
    pub key: Option<&'a str>,
    /// Where the scheme is written.
    pub pointer: JsonPointer,
    /// The scheme.
    pub scheme: &'a SecurityScheme,
}

impl<'a> View<'a> {
    /// The view of `raw` (the bundled document with its traits applied) read as `spec`.
    pub(crate) fn new(raw: &'a Value, spec: &'a AsyncApi) -> Self {
        let mut index = Index::default();
        index.root(spec);
        Self { raw, spec, index: index.0 }
    }

    /// The typed document, traits applied.
    pub fn spec(&self) -> &'a AsyncApi {
        self.spec
    }

    /// The whole document as JSON, traits applied: for JSON Schema tools, which follow a
    /// schema's references themselves.
    pub fn json(&self) -> &'a Value {
        self.raw
    }

    /// The JSON at `pointer` (following references on the way): for what is handed on as
    /// JSON, such as a schema to a JSON Schema tool, or an object copied whole.
    pub fn value(&self, pointer: &JsonPointer) -> Option<&'a Value> {
        follow(self.raw, pointer).map(|(_, value)| value)
    }

    /// The object `node` stands for, written at `at`: itself, or what its reference leads
    /// to, which must be a `T`.
    pub fn resolve<T: Any>(&self, at: &JsonPointer, node: &'a RefOr<T>) -> Result<Resolved<'a, T>, ViewError> {
        match node {
            RefOr::Item(item) => Ok(Resolved { pointer: at.clone(), item }),
            RefOr::Ref(reference) => self.follow_reference(at, reference),
        }
    }

    /// The `T` a reference written at `at` leads to.
    pub fn follow_reference<T: Any>(
        &self,
        at: &JsonPointer,
        reference: &Reference,
    ) -> Result<Resolved<'a, T>, ViewError> {
        let text = &reference.reference;
        let dangling = || ViewError::Dangling { reference: text.clone(), at: at.clone() };
        let written = RefTarget::split(text).pointer().map_err(|_| dangling())?;
        let (pointer, _) = follow(self.raw, &written).ok_or_else(dangling)?;
        let object = self.index.get(&pointer).ok_or_else(dangling)?;
        let item = object.downcast_ref::<T>().ok_or_else(|| ViewError::WrongKind {
            reference: text.clone(),
            at: at.clone(),
            expected: kind_name::<T>(),
            found: pointer.clone(),
        })?;
        Ok(Resolved { pointer, item })
    }

    /// The root channels, in document order; a channel whose reference leads nowhere is left
    /// out (validation reports it).
    pub fn channels(&'a self) -> impl Iterator<Item = ChannelView<'a>> + 'a {
        self.spec.channels.iter().filter_map(move |(key, node)| {
            let at = JsonPointer::from_tokens(["channels", key.as_str()]);
            let resolved = self.resolve(&at, node).ok()?;
            Some(ChannelView { key, pointer: resolved.pointer, channel: resolved.item, view: self })
        })
    }

    /// The root operations, in document order, traits applied; one whose reference leads
    /// nowhere is left out.
    pub fn operations(&'a self) -> impl Iterator<Item = OperationView<'a>> + 'a {
        self.spec.operations.iter().filter_map(move |(key, node)| {
            let at = JsonPointer::from_tokens(["operations", key.as_str()]);
            let resolved = self.resolve(&at, node).ok()?;
            Some(OperationView { key, pointer: resolved.pointer, operation: resolved.item, view: self })
        })
    }

    /// The document's `defaultContentType`.
    pub fn default_content_type(&self) -> Option<&'a str> {
        self.spec.default_content_type.as_deref()
    }

    /// The channel `reference` (written at `at`) names, keyed as it names it: a reference to
    /// root channel `chat` gives key `chat` even when that channel is itself a reference to
    /// a component, as the root channels' own views do.
    fn channel_of(&'a self, at: &JsonPointer, reference: &Reference) -> Result<ChannelView<'a>, ViewError> {
        let resolved: Resolved<'a, Channel> = self.follow_reference(at, reference)?;
        let written = RefTarget::split(&reference.reference).pointer().unwrap_or_default();
        let key = match (written.tokens(), resolved.pointer.tokens()) {
            ([root, key], _) if root == "channels" => self.spec.channels.get_key_value(key).map(|(k, _)| k),
            (_, [c, root, key]) if c == "components" && root == "channels" => {
                self.spec.components.as_ref().and_then(|c| c.channels.get_key_value(key)).map(|(k, _)| k)
            }
            (_, [root, key]) if root == "channels" => self.spec.channels.get_key_value(key).map(|(k, _)| k),
            _ => None,
        };
        let key = key.ok_or_else(|| ViewError::WrongKind {
            reference: reference.reference.clone(),
            at: at.clone(),
            expected: "a channel of `channels` or `components/channels`",
            found: resolved.pointer.clone(),
        })?;
        Ok(ChannelView { key, pointer: resolved.pointer, channel: resolved.item, view: self })
    }
}

impl<'a> ChannelView<'a> {
    /// The channel's address, unless it is absent or `null`.
    pub fn address(&self) -> Option<&'a str> {
        self.channel.address.as_ref().and_then(|a| a.as_value()).map(String::as_str)
    }

    /// The channel's messages, in document order, resolved; a message whose reference leads
    /// nowhere is left out.
    pub fn messages(&self) -> Vec<MessageView<'a>> {
        self.channel.messages.keys().filter_map(|key| self.message(key)).collect()
    }

    /// The channel's message of key `key`, resolved, when it has one and it resolves.
    pub fn message(&self, key: &str) -> Option<MessageView<'a>> {
        let (key, node) = self.channel.messages.get_key_value(key)?;
        let at = self.pointer.join("messages").join(key.clone());
        let resolved = self.view.resolve(&at, node).ok()?;
        Some(MessageView { key: key.clone(), pointer: resolved.pointer, message: resolved.item })
    }

    /// The address's parameters, in the order the address names them, each with its
    /// declaration when the channel has one.
    pub fn address_parameters(&self) -> Vec<(&'a str, Option<Resolved<'a, Parameter>>)> {
        let mut out = Vec::new();
        let mut rest = self.address().unwrap_or_default();
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else { break };
            let name = &rest[open + 1..open + close];
            rest = &rest[open + close + 1..];
            let declared = self.channel.parameters.get(name).and_then(|node| {
                let at = self.pointer.join("parameters").join(name);
                self.view.resolve(&at, node).ok()
            });
            out.push((name, declared));
        }
        out
    }
}

impl<'a> MessageView<'a> {
    /// The payload's schema, where it is written, when the message has one.
    pub fn payload(&self) -> Option<(JsonPointer, &'a MessageSchema)> {
        self.message.payload.as_ref().map(|schema| (self.pointer.join("payload"), schema))
    }

    /// The payload's schema, references followed, when the message has one.
    pub fn payload_schema(&self, view: &View<'a>) -> Option<SchemaView<'a>> {
        let (pointer, _) = self.payload()?;
        let value = view.value(&pointer)?;
        let format = MultiFormatSchema::written(value).map(|(format, _)| format);
        Some(SchemaView { pointer, value, format })
    }

    /// The message's correlation id, resolved.
    pub fn correlation_id(&self, view: &View<'a>) -> Option<Resolved<'a, CorrelationId>> {
        let node = self.message.correlation_id.as_ref()?;
        view.resolve(&self.pointer.join("correlationId"), node).ok()
    }

    /// Where the payload carries the correlation id, as a JSON pointer into the payload,
    /// when its location is `$message.payload#/...`.
    pub fn correlation_pointer(&self, view: &View<'a>) -> Option<&'a str> {
        self.correlation_id(view)?.item.location.strip_prefix("$message.payload#")
    }
}

impl<'a> OperationView<'a> {
    /// Whether the application sends or receives.
    pub fn action(&self) -> Action {
        self.operation.action
    }

    /// The key of the channel the operation's `channel` references, when it references one
    /// of the document's channels (`#/channels/<key>`).
    pub fn channel_key(&self) -> Option<String> {
        match RefTarget::split(&self.operation.channel.reference).pointer().ok()?.tokens() {
            [root, key] if root == "channels" => Some(key.clone()),
            _ => None,
        }
    }

    /// The operation's channel.
    pub fn channel(&self) -> Result<ChannelView<'a>, ViewError> {
        self.view.channel_of(&self.pointer.join("channel"), &self.operation.channel)
    }

    /// The messages the operation handles: those it lists, else all of its channel's. A
    /// listed message whose reference leads nowhere is left out (validation reports it).
    pub fn messages(&self) -> Result<Vec<MessageView<'a>>, ViewError> {
        let channel = self.channel()?;
        if self.operation.messages.is_empty() {
            return Ok(channel.messages());
        }
        Ok(self.listed_at(&channel, &self.pointer.join("messages"), &self.operation.messages))
    }

    /// The operation's reply, resolved, when it has one. Its messages are keyed by the
    /// reply channel's keys (the operation's channel when it names none).
    pub fn reply(&self) -> Result<Option<ReplyView<'a>>, ViewError> {
        let Some(node) = &self.operation.reply else { return Ok(None) };
        let Resolved { pointer, item: reply } = self.view.resolve(&self.pointer.join("reply"), node)?;
        let channel = match &reply.channel {
            Some(reference) => Some(self.view.channel_of(&pointer.join("channel"), reference)?),
            None => None,
        };
        let keyed_by = match &channel {
            Some(channel) => channel.clone(),
            None => self.channel()?,
        };
        let messages = self.listed_at(&keyed_by, &pointer.join("messages"), &reply.messages);
        Ok(Some(ReplyView { pointer, reply, channel, messages }))
    }

    /// The names of the operation's tags, references followed.
    pub fn tag_names(&self) -> Vec<&'a str> {
        self.operation
            .tags
            .iter()
            .enumerate()
            .filter_map(|(i, node)| {
                let tag: Resolved<'a, Tag> =
                    self.view.resolve(&self.pointer.join("tags").join(i.to_string()), node).ok()?;
                Some(tag.item.name.as_str())
            })
            .collect()
    }

    /// The reply's address, resolved, when it has one.
    pub fn reply_address(&self, reply: &ReplyView<'a>) -> Option<Resolved<'a, OperationReplyAddress>> {
        let node = reply.reply.address.as_ref()?;
        self.view.resolve(&reply.pointer.join("address"), node).ok()
    }

    /// The security schemes the operation names, resolved, in order.
    pub fn security(&self) -> Vec<SchemeView<'a>> {
        self.operation
            .security
            .iter()
            .enumerate()
            .filter_map(|(i, node)| {
                let at = self.pointer.join("security").join(i.to_string());
                let resolved = self.view.resolve(&at, node).ok()?;
                let referenced = matches!(node, RefOr::Ref(_));
                let key = match resolved.pointer.tokens() {
                    [c, s, key] if c == "components" && s == "securitySchemes" => {
                        let components = self.view.spec.components.as_ref()?;
                        components.security_schemes.get_key_value(key).map(|(key, _)| key.as_str())
                    }
                    _ => None,
                };
                Some(SchemeView { referenced, key, pointer: resolved.pointer, scheme: resolved.item })
            })
            .collect()
    }

    /// The messages `references` (written at `at`) name, keyed by `channel`'s keys where
    /// they are among its messages: the key the reference names (`#/channels/<c>/messages/
    /// <key>`), else the first whose message it is; a reference that leads nowhere is left out.
    fn listed_at(&self, channel: &ChannelView<'a>, at: &JsonPointer, references: &[Reference]) -> Vec<MessageView<'a>> {
        // The channel's messages, resolved only when a reference does not name its key.
        let mut own: Option<Vec<MessageView<'a>>> = None;
        references
            .iter()
            .enumerate()
            .filter_map(|(i, reference)| {
                let resolved: Resolved<'a, Message> =
                    self.view.follow_reference(&at.join(i.to_string()), reference).ok()?;
                let written = RefTarget::split(&reference.reference).pointer().unwrap_or_default();
                let named = match written.tokens() {
                    [c, _, m, key] if c == "channels" && m == "messages" => {
                        channel.message(key).filter(|o| o.pointer == resolved.pointer).map(|o| o.key)
                    }
                    _ => None,
                };
                let key = named
                    .or_else(|| {
                        let own = own.get_or_insert_with(|| channel.messages());
                        own.iter().find(|o| o.pointer == resolved.pointer).map(|o| o.key.clone())
                    })
                    .or_else(|| written.last().map(str::to_owned))
                    .unwrap_or_default();
                Some(MessageView { key, pointer: resolved.pointer, message: resolved.item })
            })
            .collect()
    }
}

/// What a place in the document calls for, as the specification names it.
fn kind_name<T: Any>() -> &'static str {
    let id = std::any::TypeId::of::<T>();
    let names: [(std::any::TypeId, &str); 8] = [
        (std::any::TypeId::of::<Channel>(), "a Channel Object"),
        (std::any::TypeId::of::<Message>(), "a Message Object"),
        (std::any::TypeId::of::<Operation>(), "an Operation Object"),
        (std::any::TypeId::of::<OperationReply>(), "an Operation Reply Object"),
        (std::any::TypeId::of::<Parameter>(), "a Parameter Object"),
        (std::any::TypeId::of::<SecurityScheme>(), "a Security Scheme Object"),
        (std::any::TypeId::of::<CorrelationId>(), "a Correlation ID Object"),
        (std::any::TypeId::of::<Server>(), "a Server Object"),
    ];
    names.iter().find(|(t, _)| *t == id).map_or("another kind of object", |(_, name)| name)
}

/// Every object written in place, registered at its pointer.
#[derive(Default)]
struct Index<'a>(HashMap<JsonPointer, &'a (dyn Any + Send + Sync)>);

impl<'a> Index<'a> {
    fn add<T: Any + Send + Sync>(&mut self, at: JsonPointer, node: &'a RefOr<T>) -> Option<&'a T> {
        let item = node.as_item()?;
        self.0.insert(at, item);
        Some(item)
    }

    fn each<T: Any + Send + Sync>(
        &mut self,
        at: &JsonPointer,
        map: &'a IndexMap<String, RefOr<T>>,
        mut inner: impl FnMut(&mut Self, JsonPointer, &'a T),
    ) {
        for (key, node) in map {
            let here = at.join(key.clone());
            if let Some(item) = self.add(here.clone(), node) {
                inner(self, here, item);
            }
        }
    }

    fn root(&mut self, spec: &'a AsyncApi) {
        let root = JsonPointer::root();
        self.each(&root.join("servers"), &spec.servers, |_, _, _| {});
        self.each(&root.join("channels"), &spec.channels, Self::channel);
        self.each(&root.join("operations"), &spec.operations, Self::operation);
        if let Some(components) = &spec.components {
            self.components(components);
        }
    }

    fn channel(&mut self, at: JsonPointer, channel: &'a Channel) {
        self.each(&at.join("messages"), &channel.messages, Self::message);
        self.each(&at.join("parameters"), &channel.parameters, |_, _, _| {});
    }

    fn message(&mut self, at: JsonPointer, message: &'a Message) {
        if let Some(node) = &message.correlation_id {
            self.add(at.join("correlationId"), node);
        }
    }

    fn operation(&mut self, at: JsonPointer, operation: &'a Operation) {
        for (i, node) in operation.security.iter().enumerate() {
            self.add(at.join("security").join(i.to_string()), node);
        }
        if let Some(node) = &operation.reply {
            let here = at.join("reply");
            if let Some(reply) = self.add(here.clone(), node) {
                self.reply(here, reply);
            }
        }
    }

    fn reply(&mut self, at: JsonPointer, reply: &'a OperationReply) {
        if let Some(node) = &reply.address {
            self.add(at.join("address"), node);
        }
    }

    fn components(&mut self, c: &'a Components) {
        let at = JsonPointer::from_tokens(["components"]);
        self.each(&at.join("servers"), &c.servers, |_, _, _| {});
        self.each(&at.join("channels"), &c.channels, Self::channel);
        self.each(&at.join("operations"), &c.operations, Self::operation);
        self.each(&at.join("messages"), &c.messages, Self::message);
        self.each(&at.join("securitySchemes"), &c.security_schemes, |_, _, _| {});
        self.each(&at.join("parameters"), &c.parameters, |_, _, _| {});
        self.each(&at.join("correlationIds"), &c.correlation_ids, |_, _, _| {});
        self.each(&at.join("replies"), &c.replies, Self::reply);
        self.each(&at.join("replyAddresses"), &c.reply_addresses, |_, _, _| {});
        self.each(&at.join("tags"), &c.tags, |_, _, _| {});
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Document;

    const TEXT: &str = r##"
asyncapi: 3.0.0
info: { title: Rooms, version: 1.0.0 }
channels:
  rooms: { $ref: '#/components/channels/roomChannel' }
  replies:
    address: /ws/replies
    messages:
      joined: { $ref: '#/components/messages/joined' }
operations:
  join:
    action: receive
    channel: { $ref: '#/channels/rooms' }
    tags: [{ $ref: '#/components/tags/rooms' }, { name: inline }]
    messages: [{ $ref: '#/channels/rooms/messages/join' }]
    reply:
      channel: { $ref: '#/channels/replies' }
      messages: [{ $ref: '#/channels/replies/messages/joined' }]
components:
  channels:
    roomChannel:
      address: /ws/rooms/{room}
      parameters: { room: { enum: [a, b] } }
      messages:
        join: { payload: { type: object } }
  messages:
    joined: { payload: { type: object } }
  tags:
    rooms: { name: rooms }
"##;

    #[test]
    fn references_resolve_to_typed_objects_keyed_as_written() {
        let doc = Document::from_text("rooms.yaml", TEXT).expect("valid");
        let view = doc.view();
        let rooms = view.channels().next().expect("a channel");
        assert_eq!((rooms.key, rooms.pointer.to_string().as_str()), ("rooms", "/components/channels/roomChannel"));
        let params = rooms.address_parameters();
        assert_eq!(params[0].0, "room");
        assert_eq!(params[0].1.as_ref().map(|p| p.item.allowed.clone()), Some(vec!["a".to_owned(), "b".to_owned()]));

        let join = view.operations().next().expect("an operation");
        let channel = join.channel().expect("its channel");
        assert_eq!(channel.key, "rooms", "keyed by the root channel the operation names");
        assert_eq!(join.tag_names(), ["rooms", "inline"]);
        let messages = join.messages().expect("its messages");
        assert_eq!(
            (messages[0].key.as_str(), messages[0].pointer.to_string()),
            ("join", "/components/channels/roomChannel/messages/join".to_owned())
        );

        let reply = join.reply().expect("resolves").expect("a reply");
        assert_eq!(reply.channel.as_ref().map(|c| c.key), Some("replies"));
        assert_eq!(reply.messages[0].key, "joined");
        assert_eq!(reply.messages[0].pointer.to_string(), "/components/messages/joined");
    }

    #[test]
    fn a_reference_to_another_kind_of_object_is_an_error_naming_both_places() {
        let doc = Document::from_text("rooms.yaml", TEXT).expect("valid");
        let view = doc.view();
        let at = JsonPointer::from_tokens(["somewhere"]);
        let reference = Reference { reference: "#/components/messages/joined".into() };
        let error = view.follow_reference::<Channel>(&at, &reference).expect_err("a message, not a channel");
        assert!(matches!(error, ViewError::WrongKind { expected: "a Channel Object", .. }), "{error}");
        assert_eq!(
            error.to_string(),
            "`$ref: #/components/messages/joined` at /somewhere must point at a Channel Object, and points at /components/messages/joined"
        );
        let missing = Reference { reference: "#/components/messages/gone".into() };
        assert!(matches!(view.follow_reference::<Message>(&at, &missing), Err(ViewError::Dangling { .. })));
    }
}
