//! What each channel carries, from the generated side's point of view: which messages it
//! receives and sends, how the messages of each direction are told apart, which operation
//! handles each received message, and what each handler replies.

use std::collections::HashMap;

use serde_json::Value;
use tidings_asyncapi::model::Action;
use tidings_asyncapi::pointer::follow;
use tidings_asyncapi::{Document, JsonPointer, RefTarget};

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
    let merged = doc.bundled_with_traits();
    let mut modules = Scope::with_reserved(&["types"]);
    let mut plans = Vec::new();
    let channels: Vec<String> =
        merged.get("channels").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default();
    let all_operations = operations(&merged);
    for key in channels {
        let pointer = JsonPointer::from_tokens(["channels", key.as_str()]);
        let Some((channel_at, channel)) = follow(&merged, &pointer) else { continue };
        let operations: Vec<(String, JsonPointer, &Value)> = all_operations
            .iter()
            .filter(|(target, ..)| target.as_ref() == Some(&pointer))
            .map(|(_, key, at, op)| (key.clone(), at.clone(), *op))
            .collect();
        if operations.is_empty() {
            continue;
        }
        let module = modules.name(&key, Case::Value);
        let mut scope = Scope::with_reserved(RESERVED);
        let trait_name = scope.name(&key, Case::Type);
        let mut planner = Planner {
            doc,
            merged: &merged,
            key: &key,
            channel_at: &channel_at,
            channel,
            schemas: &mut *schemas,
            findings: &mut *findings,
        };
        let messages_by_key = planner.messages(&mut scope);
        let mut plan = ChannelPlan {
            key: key.clone(),
            module,
            trait_name,
            fields: channel.clone(),
            params: params(&merged, channel, &channel_at),
            messages: messages_by_key,
            incoming: Direction::default(),
            outgoing: Direction::default(),
            handlers: Vec::new(),
            operations: Vec::new(),
            scope,
            security: Vec::new(),
        };
        for (op_key, op_at, op) in &operations {
            planner.operation(settings, &mut plan, op_key, op_at, op);
        }
        for (_, _, op) in &operations {
            for scheme in op.get("security").and_then(Value::as_array).into_iter().flatten() {
                let resolved = match scheme.get("$ref").and_then(Value::as_str) {
                    Some(r) => RefTarget::split(r).pointer().ok().and_then(|p| {
                        follow(&merged, &p).map(|(at, v)| (at.last().unwrap_or("scheme").to_owned(), v.clone()))
                    }),
                    None => Some((format!("{key}-inline"), scheme.clone())),
                };
                if let Some((name, value)) = resolved
                    && plan.security.iter().all(|(k, _)| *k != name)
                {
                    plan.security.push((name, value));
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

/// Every root operation, resolved, with the pointer of its channel, in document order.
fn operations(merged: &Value) -> Vec<(Option<JsonPointer>, String, JsonPointer, &Value)> {
    let mut out = Vec::new();
    for (key, _) in merged.get("operations").and_then(Value::as_object).into_iter().flatten() {
        let at = JsonPointer::from_tokens(["operations", key.as_str()]);
        let Some((op_at, op)) = follow(merged, &at) else { continue };
        let target =
            op.pointer("/channel/$ref").and_then(Value::as_str).and_then(|r| RefTarget::split(r).pointer().ok());
        out.push((target, key.clone(), op_at, op));
    }
    out
}

fn params(merged: &Value, channel: &Value, channel_at: &JsonPointer) -> Vec<ParamPlan> {
    let address = channel.get("address").and_then(Value::as_str).unwrap_or_default();
    let mut scope = Scope::default();
    let mut out = Vec::new();
    let mut rest = address;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        let name = &rest[open + 1..open + close];
        rest = &rest[open + close + 1..];
        let at = channel_at.join("parameters").join(name);
        let fields = follow(merged, &at).map(|(_, v)| v.clone()).unwrap_or(Value::Null);
        out.push(ParamPlan { name: name.to_owned(), field: scope.name(name, Case::Value), fields });
    }
    out
}

/// Plans one channel: its messages, its operations, and (in `dispatch.rs`) how each
/// direction's messages are told apart.
pub(super) struct Planner<'a> {
    doc: &'a Document,
    pub(super) merged: &'a Value,
    pub(super) key: &'a str,
    pub(super) channel_at: &'a JsonPointer,
    channel: &'a Value,
    schemas: &'a mut SchemaSet,
    pub(super) findings: &'a mut Vec<Finding>,
}

impl Planner<'_> {
    /// Every message of the channel, with its payload typed.
    fn messages(&mut self, scope: &mut Scope) -> Vec<MessagePlan> {
        let mut out = Vec::new();
        for (key, _) in self.channel.get("messages").and_then(Value::as_object).into_iter().flatten() {
            let at = self.channel_at.join("messages").join(key.clone());
            if let Some(message) = self.message_plan(key, &at, scope) {
                out.push(message);
            }
        }
        out
    }

    /// One message, by its key and where it is written.
    fn message_plan(&mut self, key: &str, at: &JsonPointer, scope: &mut Scope) -> Option<MessagePlan> {
        let (message_at, message) = follow(self.merged, at)?;
        let variant = scope.name(key, Case::Type);
        let payload = self.payload(key, &message_at, message);
        let correlation = message.get("correlationId").and_then(|c| match c.get("$ref").and_then(Value::as_str) {
            Some(r) => follow(self.merged, &RefTarget::split(r).pointer().ok()?).map(|(_, v)| v),
            None => Some(c),
        });
        let correlation_description =
            correlation.and_then(|c| c.get("description")).and_then(Value::as_str).map(str::to_owned);
        let correlation_pointer = correlation
            .and_then(|c| c.get("location"))
            .and_then(Value::as_str)
            .and_then(|l| l.strip_prefix("$message.payload#"))
            .map(str::to_owned);
        let examples = message
            .get("examples")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("payload").cloned())
            .collect();
        Some(MessagePlan {
            key: key.to_owned(),
            variant,
            payload,
            fields: message.clone(),
            correlation_pointer,
            correlation_description,
            examples,
        })
    }

    /// The reply messages of an operation whose reply travels on another channel: they join
    /// this channel's messages (over WebSocket a reply comes back on the same connection).
    fn foreign_replies(&mut self, plan: &mut ChannelPlan, list: Option<&Value>) -> Vec<String> {
        let mut keys = Vec::new();
        for reference in
            list.and_then(Value::as_array).into_iter().flatten().filter_map(|m| m.get("$ref").and_then(Value::as_str))
        {
            let Ok(written) = RefTarget::split(reference).pointer() else { continue };
            let Some(key) = written.last().map(str::to_owned) else { continue };
            let target = follow(self.merged, &written).map(|(p, _)| p);
            let existing = plan.messages.iter().find(|m| {
                let at = self.channel_at.join("messages").join(m.key.clone());
                m.key == key && follow(self.merged, &at).map(|(p, _)| p) == target
            });
            if let Some(existing) = existing {
                keys.push(existing.key.clone());
                continue;
            }
            let mut unique = key.clone();
            let mut n = 2;
            while plan.message(&unique).is_some() {
                unique = format!("{key}{n}");
                n += 1;
            }
            if let Some(mut message) = self.message_plan(&unique, &written, &mut plan.scope) {
                message.key = unique.clone();
                plan.messages.push(message);
                keys.push(unique);
            }
        }
        keys
    }

    fn payload(&mut self, key: &str, message_at: &JsonPointer, message: &Value) -> Payload {
        let content_type = message
            .get("contentType")
            .or_else(|| self.merged.get("defaultContentType"))
            .and_then(Value::as_str)
            .unwrap_or("application/json");
        let Some(payload) = message.get("payload") else { return Payload::Any };
        let payload_at = message_at.join("payload");
        let resolved = follow(self.merged, &payload_at).map(|(_, v)| v).unwrap_or(payload);
        let is_binary_schema = resolved.get("type") == Some(&Value::from("string"))
            && resolved.get("format") == Some(&Value::from("binary"));
        if content_type == "application/octet-stream" || is_binary_schema {
            return Payload::Binary;
        }
        if let Some(format) = resolved.get("schemaFormat").and_then(Value::as_str) {
            let json = tidings_asyncapi::model::SchemaFormat::parse(format).is_some_and(|f| f.is_json_schema());
            if !json {
                self.findings.push(Finding::warning(
                    BuildProblem::NotJsonSchema { format: format.to_owned() },
                    payload_at.join("schemaFormat"),
                ));
                return Payload::Any;
            }
        }
        let name = message.get("name").and_then(Value::as_str).unwrap_or(key);
        Payload::Json(self.schemas.add(self.doc, &payload_at, name, self.findings))
    }

    /// The channel's message keys an operation (or reply) lists; all of them when it lists none.
    fn message_keys(&self, plan: &ChannelPlan, list: Option<&Value>, all_when_empty: bool) -> Vec<String> {
        let refs: Vec<&str> = list
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("$ref").and_then(Value::as_str))
            .collect();
        if refs.is_empty() {
            return if all_when_empty { plan.messages.iter().map(|m| m.key.clone()).collect() } else { Vec::new() };
        }
        // Where each of the channel's messages finally is, worked out only for a reference
        // written some other way than `#/channels/<this>/messages/<key>`.
        let mut finals: Option<Vec<(String, Option<JsonPointer>)>> = None;
        refs.iter()
            .filter_map(|r| {
                let written = RefTarget::split(r).pointer().ok()?;
                if let [c, _, m, key] = written.tokens()
                    && c == "channels"
                    && m == "messages"
                    && plan.message(key).is_some()
                {
                    return Some(key.clone());
                }
                let fin = follow(self.merged, &written).map(|(p, _)| p)?;
                let finals = finals.get_or_insert_with(|| {
                    plan.messages
                        .iter()
                        .map(|m| {
                            let at = self.channel_at.join("messages").join(m.key.clone());
                            (m.key.clone(), follow(self.merged, &at).map(|(p, _)| p))
                        })
                        .collect()
                });
                finals.iter().find(|(_, p)| p.as_ref() == Some(&fin)).map(|(k, _)| k.clone())
            })
            .collect()
    }

    fn operation(&mut self, settings: &Settings, plan: &mut ChannelPlan, key: &str, at: &JsonPointer, op: &Value) {
        let action = match op.get("action").and_then(Value::as_str) {
            Some("send") => Action::Send,
            _ => Action::Receive,
        };
        let messages = self.message_keys(plan, op.get("messages"), true);
        let reply = op.get("reply").and_then(|r| match r.get("$ref").and_then(Value::as_str) {
            Some(reference) => follow(self.merged, &RefTarget::split(reference).pointer().ok()?).map(|(_, v)| v),
            None => Some(r),
        });
        let reply_channel = reply
            .and_then(|r| r.pointer("/channel/$ref"))
            .and_then(Value::as_str)
            .and_then(|r| RefTarget::split(r).pointer().ok())
            .and_then(|p| p.last().map(str::to_owned));
        let replies = match (reply, &reply_channel) {
            (Some(r), Some(channel)) if channel != self.key => self.foreign_replies(plan, r.get("messages")),
            (Some(r), _) => self.message_keys(plan, r.get("messages"), false),
            (None, _) => Vec::new(),
        };
        let security = op
            .get("security")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("$ref").and_then(Value::as_str))
            .filter_map(|r| RefTarget::split(r).pointer().ok())
            .filter_map(|p| p.last().map(str::to_owned))
            .collect();
        plan.operations.push(OperationInfo {
            key: key.to_owned(),
            action,
            fields: op.clone(),
            messages: messages.clone(),
            security,
            reply: reply.map(|_| (reply_channel, replies.clone())),
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
                at.clone(),
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
            fields: op.clone(),
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
