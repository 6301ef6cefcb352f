//! What each channel carries, from the generated side's point of view: which messages it
//! receives and sends, how the messages of each direction are told apart, which operation
//! handles each received message, and what each handler replies.

use std::collections::HashMap;

use serde_json::Value;
use tidings_asyncapi::model::Action;
use tidings_asyncapi::view::{ChannelView, MessageView, OperationView, View};
use tidings_asyncapi::{Document, JsonPointer};

use super::names::{Case, Scope};
use super::types::SchemaSet;
use super::{BuildProblem, Finding, Settings};

/// Which side of the contract to generate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Side {
    /// The application the document describes: it receives what its operations `receive`
    /// and sends what they `send`. A server, usually.
    #[default]
    Application,
    /// The application's peer: it receives what the application sends, and the other way
    /// round. A client, usually.
    Peer,
}

impl Side {
    /// Whether this side receives the messages of an operation with `action`.
    fn receives(self, action: Action) -> bool {
        match self {
            Side::Application => action == Action::Receive,
            Side::Peer => action == Action::Send,
        }
    }
}

/// How a payload travels and is typed.
#[derive(Debug, Clone)]
pub(crate) enum Payload {
    /// JSON, typed by the schema definition of this name.
    Json(String),
    /// JSON of a schema that is not JSON Schema (or no schema): any JSON value.
    Any,
    /// Bytes in binary frames.
    Binary,
}

/// One message of a channel.
#[derive(Debug, Clone)]
pub(crate) struct MessagePlan {
    pub(crate) key: String,
    /// Where the message is written, references followed.
    pub(crate) pointer: JsonPointer,
    pub(crate) variant: String,
    pub(crate) payload: Payload,
    pub(crate) fields: Value,
    pub(crate) correlation_pointer: Option<String>,
    pub(crate) correlation_description: Option<String>,
    pub(crate) examples: Vec<Value>,
}

/// One direction of a channel.
#[derive(Debug, Clone, Default)]
pub(crate) struct Direction {
    /// Message keys, in document order.
    pub(crate) messages: Vec<String>,
    pub(crate) discriminator: Option<String>,
    /// The discriminator value of each message, by key.
    pub(crate) tags: HashMap<String, String>,
    /// JSON messages without a discriminator value of their own, told apart by shape.
    pub(crate) fallback: Vec<String>,
}

/// A receiving operation: one trait method.
#[derive(Debug, Clone)]
pub(crate) struct HandlerPlan {
    pub(crate) operation: String,
    pub(crate) method: String,
    pub(crate) messages: Vec<String>,
    pub(crate) replies: Vec<String>,
    /// The argument enum's name, when the operation receives several messages.
    pub(crate) message_enum: Option<String>,
    /// The reply enum's name, when the reply may be one of several messages.
    pub(crate) reply_enum: Option<String>,
    pub(crate) fields: Value,
    /// Later operations that also receive one of `messages`, which this handler takes.
    pub(crate) also_received_by: Vec<String>,
}

/// An operation on the channel, for the descriptor.
#[derive(Debug, Clone)]
pub(crate) struct OperationInfo {
    pub(crate) key: String,
    /// The names of its tags.
    pub(crate) tags: Vec<String>,
    /// The channel its reply travels on, when that is another channel: as the contract has it.
    pub(crate) reply_channel: Option<Value>,
    pub(crate) action: Action,
    pub(crate) fields: Value,
    pub(crate) messages: Vec<String>,
    pub(crate) security: Vec<String>,
    pub(crate) reply: Option<(Option<String>, Vec<String>)>,
}

/// An address parameter.
#[derive(Debug, Clone)]
pub(crate) struct ParamPlan {
    pub(crate) name: String,
    /// The values it may take, when limited.
    pub(crate) allowed: Vec<String>,
    pub(crate) field: String,
    pub(crate) fields: Value,
}

/// Everything generated for one channel.
#[derive(Debug, Clone)]
pub(crate) struct ChannelPlan {
    pub(crate) key: String,
    pub(crate) module: String,
    pub(crate) trait_name: String,
    pub(crate) fields: Value,
    pub(crate) params: Vec<ParamPlan>,
    pub(crate) messages: Vec<MessagePlan>,
    pub(crate) incoming: Direction,
    pub(crate) outgoing: Direction,
    pub(crate) handlers: Vec<HandlerPlan>,
    pub(crate) operations: Vec<OperationInfo>,
    pub(crate) scope: Scope,
    /// The security schemes the channel's operations name, by key, resolved.
    pub(crate) security: Vec<(String, Value)>,
}

impl ChannelPlan {
    pub(crate) fn message(&self, key: &str) -> Option<&MessagePlan> {
        self.messages.iter().find(|m| m.key == key)
    }
}

/// Names every channel module must keep for itself.
pub(crate) const RESERVED: &[&str] = &[
    "Incoming",
    "Outgoing",
    "Params",
    "Spec",
    "Context",
    "Adapter",
    "channel",
    "channel_with_events",
    "DESCRIPTOR",
    "types",
];

/// Plans every channel of the document that has operations.
pub(crate) fn plan(
    doc: &Document,
    settings: &Settings,
    schemas: &mut SchemaSet,
    findings: &mut Vec<Finding>,
) -> Vec<ChannelPlan> {
    let view = doc.view();
    let mut modules = Scope::with_reserved(&["types"]);
    let mut plans = Vec::new();
    let all_operations: Vec<(Option<String>, OperationView<'_>)> =
        view.operations().map(|op| (op.channel_key(), op)).collect();
    for channel in view.channels() {
        let operations: Vec<&OperationView<'_>> =
            all_operations.iter().filter(|(key, _)| key.as_deref() == Some(channel.key)).map(|(_, op)| op).collect();
        if operations.is_empty() {
            continue;
        }
        let key = channel.key.to_owned();
        let module = modules.name(&key, Case::Value);
        let mut scope = Scope::with_reserved(RESERVED);
        let trait_name = scope.name(&key, Case::Type);
        let mut planner = Planner {
            doc,
            view: &view,
            key: &key,
            channel_at: &channel.pointer,
            schemas: &mut *schemas,
            findings: &mut *findings,
        };
        let messages = planner.messages(&channel, &mut scope);
        let mut plan = ChannelPlan {
            key: key.clone(),
            module,
            trait_name,
            fields: view.value(&channel.pointer).cloned().unwrap_or(Value::Null),
            params: params(&view, &channel),
            messages,
            incoming: Direction::default(),
            outgoing: Direction::default(),
            handlers: Vec::new(),
            operations: Vec::new(),
            scope,
            security: Vec::new(),
        };
        for op in &operations {
            planner.operation(settings, &mut plan, op);
        }
        for op in &operations {
            for scheme in op.security() {
                let name = match (scheme.referenced, scheme.pointer.last()) {
                    (true, Some(last)) => last.to_owned(),
                    _ => format!("{key}-inline"),
                };
                if plan.security.iter().all(|(k, _)| *k != name) {
                    plan.security.push((name, view.value(&scheme.pointer).cloned().unwrap_or(Value::Null)));
                }
            }
        }
        let override_property = settings.discriminators.get(&key).cloned();
        for incoming in [true, false] {
            let direction = if incoming { &plan.incoming } else { &plan.outgoing };
            let decided = planner.discriminate(&plan, direction, incoming, override_property.as_deref());
            let direction = if incoming { &mut plan.incoming } else { &mut plan.outgoing };
            let (property, tags, fallback) = decided;
            direction.discriminator = property;
            direction.tags = tags;
            direction.fallback = fallback;
        }
        plans.push(plan);
    }
    plans
}

fn params(view: &View<'_>, channel: &ChannelView<'_>) -> Vec<ParamPlan> {
    let mut scope = Scope::default();
    channel
        .address_parameters()
        .into_iter()
        .map(|(name, declared)| {
            let fields = declared.as_ref().and_then(|d| view.value(&d.pointer)).cloned().unwrap_or(Value::Null);
            let allowed = declared.map(|d| d.item.allowed.clone()).unwrap_or_default();
            ParamPlan { name: name.to_owned(), allowed, field: scope.name(name, Case::Value), fields }
        })
        .collect()
}

/// Plans one channel: its messages, its operations, and (in `dispatch.rs`) how each
/// direction's messages are told apart.
pub(super) struct Planner<'a> {
    doc: &'a Document,
    pub(super) view: &'a View<'a>,
    pub(super) key: &'a str,
    pub(super) channel_at: &'a JsonPointer,
    schemas: &'a mut SchemaSet,
    pub(super) findings: &'a mut Vec<Finding>,
}

impl<'a> Planner<'a> {
    /// Every message of the channel, with its payload typed.
    fn messages(&mut self, channel: &ChannelView<'a>, scope: &mut Scope) -> Vec<MessagePlan> {
        channel.messages().iter().map(|m| self.message_plan(&m.key, m, scope)).collect()
    }

    /// One message, under `key`.
    fn message_plan(&mut self, key: &str, m: &MessageView<'a>, scope: &mut Scope) -> MessagePlan {
        let variant = scope.name(key, Case::Type);
        let payload = self.payload(key, m);
        if let Payload::Json(def) = &payload {
            self.schemas.mark_payload(def, m.correlation_pointer(self.view));
        }
        let correlation = m.correlation_id(self.view);
        MessagePlan {
            key: key.to_owned(),
            pointer: m.pointer.clone(),
            variant,
            payload,
            fields: self.view.value(&m.pointer).cloned().unwrap_or(Value::Null),
            correlation_pointer: m.correlation_pointer(self.view).map(str::to_owned),
            correlation_description: correlation.and_then(|c| c.item.description.clone()),
            examples: m.message.examples.iter().filter_map(|e| e.payload.clone()).collect(),
        }
    }

    /// The reply messages of an operation whose reply travels on another channel: they join
    /// this channel's messages (over WebSocket a reply comes back on the same connection).
    fn foreign_replies(&mut self, plan: &mut ChannelPlan, replies: &[MessageView<'a>]) -> Vec<String> {
        let mut keys = Vec::new();
        for m in replies {
            if let Some(existing) = plan.messages.iter().find(|p| p.key == m.key && p.pointer == m.pointer) {
                keys.push(existing.key.clone());
                continue;
            }
            let mut unique = m.key.clone();
            let mut n = 2;
            while plan.message(&unique).is_some() {
                unique = format!("{}{n}", m.key);
                n += 1;
            }
            let message = self.message_plan(&unique, m, &mut plan.scope);
            plan.messages.push(message);
            keys.push(unique);
        }
        keys
    }

    fn payload(&mut self, key: &str, m: &MessageView<'a>) -> Payload {
        let content_type = m
            .message
            .content_type
            .as_deref()
            .or_else(|| self.view.default_content_type())
            .unwrap_or("application/json");
        let Some(schema) = m.payload_schema(self.view) else { return Payload::Any };
        if content_type == "application/octet-stream" || schema.is_binary_string() {
            return Payload::Binary;
        }
        if let Some(format) = schema.format {
            let json = tidings_asyncapi::model::SchemaFormat::parse(format).is_some_and(|f| f.is_json_schema());
            if !json {
                self.findings.push(Finding::warning(
                    BuildProblem::NotJsonSchema { format: format.to_owned() },
                    schema.pointer.join("schemaFormat"),
                ));
                return Payload::Any;
            }
        }
        let name = m.message.name.as_deref().unwrap_or(key);
        Payload::Json(self.schemas.add(self.doc, &schema.pointer, name, self.findings))
    }

    /// The keys of the channel's messages among `listed`.
    fn message_keys(plan: &ChannelPlan, listed: &[MessageView<'a>]) -> Vec<String> {
        listed
            .iter()
            .filter_map(|m| {
                plan.messages
                    .iter()
                    .find(|p| p.key == m.key && p.pointer == m.pointer)
                    .or_else(|| plan.messages.iter().find(|p| p.pointer == m.pointer))
                    .map(|p| p.key.clone())
            })
            .collect()
    }

    fn operation(&mut self, settings: &Settings, plan: &mut ChannelPlan, op: &OperationView<'a>) {
        let key = op.key;
        let action = op.action();
        // An operation that lists no messages handles all of the channel's.
        let messages = if op.operation.messages.is_empty() {
            plan.messages.iter().map(|m| m.key.clone()).collect()
        } else {
            Self::message_keys(plan, &op.messages().unwrap_or_default())
        };
        let reply = op.reply().ok().flatten();
        let reply_channel = reply.as_ref().and_then(|r| r.channel.as_ref()).map(|c| c.key.to_owned());
        let foreign_channel = reply
            .as_ref()
            .and_then(|r| r.channel.as_ref())
            .filter(|c| c.key != self.key)
            .and_then(|c| self.view.value(&c.pointer))
            .cloned();
        let replies = match (&reply, &reply_channel) {
            (Some(r), Some(channel)) if channel != self.key => self.foreign_replies(plan, &r.messages),
            (Some(r), _) => Self::message_keys(plan, &r.messages),
            (None, _) => Vec::new(),
        };
        let security = op
            .security()
            .into_iter()
            .filter(|s| s.referenced)
            .filter_map(|s| s.pointer.last().map(str::to_owned))
            .collect();
        let fields = self.view.value(&op.pointer).cloned().unwrap_or(Value::Null);
        plan.operations.push(OperationInfo {
            key: key.to_owned(),
            tags: op.tag_names().into_iter().map(str::to_owned).collect(),
            reply_channel: foreign_channel,
            action,
            fields: fields.clone(),
            messages: messages.clone(),
            security,
            reply: reply.as_ref().map(|_| (reply_channel, replies.clone())),
        });
        let side_receives = settings.side.receives(action);
        let (received, sent) = if side_receives { (&messages, &replies) } else { (&replies, &messages) };
        push_unique(&mut plan.incoming.messages, received);
        push_unique(&mut plan.outgoing.messages, sent);
        if !side_receives {
            return;
        }
        // A message two operations receive is handled by the first: one frame, one handler.
        let mut messages = messages;
        let mut taken = Vec::new();
        messages.retain(|message| match plan.handlers.iter_mut().find(|h| h.messages.contains(message)) {
            Some(owner) => {
                taken.push((message.clone(), owner.operation.clone()));
                if !owner.also_received_by.iter().any(|o| o == key) {
                    owner.also_received_by.push(key.to_owned());
                }
                false
            }
            None => true,
        });
        for (message, owner) in taken {
            self.findings.push(Finding::warning(
                BuildProblem::AmbiguousOperation {
                    channel: self.key.to_owned(),
                    message,
                    owner,
                    other: key.to_owned(),
                    left_empty: messages.is_empty(),
                },
                op.pointer.clone(),
            ));
        }
        if messages.is_empty() {
            return;
        }
        let method = plan.scope.name(key, Case::Value);
        let message_enum = (messages.len() > 1).then(|| plan.scope.name(&format!("{key} message"), Case::Type));
        let reply_enum = (replies.len() > 1).then(|| plan.scope.name(&format!("{key} reply"), Case::Type));
        plan.handlers.push(HandlerPlan {
            also_received_by: Vec::new(),
            operation: key.to_owned(),
            method,
            messages,
            replies,
            message_enum,
            reply_enum,
            fields,
        });
    }
}

fn push_unique(into: &mut Vec<String>, items: &[String]) {
    for item in items {
        if !into.contains(item) {
            into.push(item.clone());
        }
    }
}

pub(super) fn quoted<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}
