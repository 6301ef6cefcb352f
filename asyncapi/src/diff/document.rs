//! The document level of the diff: info, servers, channels, operations, messages, security
//! and bindings. Schemas are compared in `schema.rs`.
//!
//! This file indexes each document and compares its own fields, its info, its servers and
//! the bindings of any object; channels (their parameters and messages) are compared in
//! `document/channels.rs`, operations and replies in `document/operations.rs`, security in
//! `document/security.rs`.

mod channels;
mod operations;
mod security;

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::Pairing::{InOrder, Unique};
use super::normalize::{address_template, canonical_text};
use super::rules::{Flow, R};
use super::{Differ, Identity, Node, match_items};
use crate::model::{self, Action, OperationReply, Reference};
use crate::pointer::{JsonPointer, RefTarget, follow};

/// A named object of a document: a server, a channel, an operation, a message of a channel.
struct Named<'a> {
    key: String,
    node: Node<'a>,
}

struct Channel<'a> {
    named: Named<'a>,
    /// The address with parameter names left out; `None` when unknown (`null` or absent).
    template: Option<String>,
    messages: Vec<Named<'a>>,
    /// The direction each message travels, by the operations and replies that name it.
    flows: Vec<Flow>,
}

struct Operation<'a> {
    named: Named<'a>,
    /// The action, when the operation reads as an Operation Object.
    action: Option<Action>,
    channel: Option<usize>,
    /// The messages (indexes in the channel) and where each is named; an operation that
    /// lists none carries every message of its channel, named by the operation itself.
    messages: Vec<(usize, JsonPointer)>,
    reply: Option<Reply<'a>>,
}

struct Reply<'a> {
    node: Node<'a>,
    /// The reply's own channel, when it names one.
    channel: Option<usize>,
    /// `(channel, message, where it is named)`.
    messages: Vec<(usize, usize, JsonPointer)>,
}

/// What one document holds, indexed for matching.
struct Index<'a> {
    root: &'a Value,
    servers: Vec<Named<'a>>,
    channels: Vec<Channel<'a>>,
    operations: Vec<Operation<'a>>,
}

impl<'a> Index<'a> {
    fn new(root: &'a Value) -> Self {
        let top = Node::root(root);
        let named = |section: &str| -> Vec<Named<'a>> {
            let Some(map) = top.child(root, section) else { return Vec::new() };
            map.keys()
                .into_iter()
                .filter_map(|key| Some(Named { key: key.to_owned(), node: map.child(root, key)? }))
                .collect()
        };
        let servers = named("servers");
        let channels = named("channels")
            .into_iter()
            .map(|named| {
                let template = named.node.str("address").map(address_template);
                let messages: Vec<Named<'a>> = match named.node.child(root, "messages") {
                    Some(map) => map
                        .keys()
                        .into_iter()
                        .filter_map(|key| Some(Named { key: key.to_owned(), node: map.child(root, key)? }))
                        .collect(),
                    None => Vec::new(),
                };
                let flows = vec![Flow::NONE; messages.len()];
                Channel { named, template, messages, flows }
            })
            .collect();
        let mut index = Index { root, servers, channels, operations: Vec::new() };
        index.operations = named("operations").into_iter().map(|named| index.operation(named)).collect();
        index.assign_flows();
        index
    }

    /// An operation: what it reads as (an operation that does not read as an Operation
    /// Object has no action, channel or messages, and is compared as written).
    fn operation(&self, named: Named<'a>) -> Operation<'a> {
        let node = &named.node;
        let Some(typed) = node.read::<model::Operation>() else {
            return Operation { named, action: None, channel: None, messages: Vec::new(), reply: None };
        };
        let channel = self.channel_of(&typed.channel.reference);
        let listed = self.references(&node.path.join("messages"), &typed.messages);
        let messages = if listed.is_empty() {
            let count = channel.map_or(0, |c| self.channels[c].messages.len());
            (0..count).map(|m| (m, node.path.clone())).collect()
        } else {
            listed.into_iter().filter(|(c, _, _)| Some(*c) == channel).map(|(_, m, at)| (m, at)).collect()
        };
        let reply = node.child(self.root, "reply").map(|node| {
            let typed = node.read::<OperationReply>();
            let (channel, messages) = typed.map_or((None, Vec::new()), |reply| {
                let channel = reply.channel.and_then(|c| self.channel_of(&c.reference));
                (channel, self.references(&node.path.join("messages"), &reply.messages))
            });
            Reply { channel, messages, node }
        });
        Operation { named, action: Some(typed.action), channel, messages, reply }
    }

    /// The messages a list of references (written at `at`) names: `(channel, message, where)`.
    fn references(&self, at: &JsonPointer, list: &[Reference]) -> Vec<(usize, usize, JsonPointer)> {
        list.iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let (c, m) = self.message_of(&item.reference)?;
                Some((c, m, at.join(i.to_string())))
            })
            .collect()
    }

    /// The channel a reference designates, by where both really are.
    fn channel_of(&self, reference: &str) -> Option<usize> {
        let (real, _) = crate::pointer::follow_reference(self.root, reference)?;
        self.channels.iter().position(|c| c.named.node.real == real)
    }

    /// The channel message a reference designates: by the channel it goes through
    /// (`#/channels/chat/messages/hello`), else by where the message really is.
    fn message_of(&self, reference: &str) -> Option<(usize, usize)> {
        let pointer = RefTarget::split(reference).pointer().ok()?;
        if let [prefix @ .., messages, key] = pointer.tokens()
            && messages == "messages"
            && let Some((channel_at, _)) = follow(self.root, &JsonPointer::from_tokens(prefix))
            && let Some(c) = self.channels.iter().position(|c| c.named.node.real == channel_at)
            && let Some(m) = self.channels[c].messages.iter().position(|m| m.key == *key)
        {
            return Some((c, m));
        }
        let (real, _) = follow(self.root, &pointer)?;
        self.channels
            .iter()
            .enumerate()
            .find_map(|(c, channel)| channel.messages.iter().position(|m| m.node.real == real).map(|m| (c, m)))
    }

    fn assign_flows(&mut self) {
        let mut flows: Vec<(usize, usize, Flow)> = Vec::new();
        for op in &self.operations {
            let own = operations::action_flow(op.action);
            if let Some(c) = op.channel {
                flows.extend(op.messages.iter().map(|(m, _)| (c, *m, own)));
            }
            if let Some(reply) = &op.reply {
                flows.extend(reply.messages.iter().map(|(c, m, _)| (*c, *m, own.flipped())));
            }
        }
        for (c, m, flow) in flows {
            if let Some(slot) = self.channels.get_mut(c).and_then(|c| c.flows.get_mut(m)) {
                *slot = slot.union(flow);
            }
        }
    }
}

/// How the channels and their messages of the old document map to the new one's.
#[derive(Default)]
struct Correspondence {
    channels: HashMap<usize, usize>,
    messages: HashMap<(usize, usize), (usize, usize)>,
}

const INFO_FIELDS: &[&str] =
    &["title", "version", "description", "termsOfService", "contact", "license", "tags", "externalDocs"];
const SERVER_FIELDS: &[&str] = &[
    "host",
    "protocol",
    "protocolVersion",
    "pathname",
    "variables",
    "security",
    "bindings",
    "title",
    "summary",
    "description",
    "tags",
    "externalDocs",
];
const PARAMETER_FIELDS: &[&str] = &["enum", "default", "location", "description", "examples"];

impl<'a> Differ<'a> {
    /// The whole document.
    pub(crate) fn document(&mut self) {
        let (old, new) = (Index::new(self.old), Index::new(self.new));
        let (o, n) = (Node::root(self.old), Node::root(self.new));
        self.field(R::MetadataChanged, Flow::BOTH, &o, &n, "asyncapi");
        self.field(R::MetadataChanged, Flow::BOTH, &o, &n, "id");
        self.info(&o, &n);
        let servers = self.servers(&old, &new);
        let correspondence = self.channels(&old, &new, &servers);
        self.operations(&old, &new, &correspondence);
        let handled =
            ["asyncapi", "id", "info", "servers", "channels", "operations", "components", "defaultContentType"];
        self.rest(&o, &n, &handled);
    }

    fn info(&mut self, root_old: &Node<'a>, root_new: &Node<'a>) {
        let empty = Node::anything(JsonPointer::root().join("info"));
        let o = root_old.child(self.old, "info").unwrap_or_else(|| empty.clone());
        let n = root_new.child(self.new, "info").unwrap_or(empty);
        self.field(R::TitleChanged, Flow::BOTH, &o, &n, "title");
        self.field(R::InfoVersionChanged, Flow::BOTH, &o, &n, "version");
        self.field(R::DescriptionChanged, Flow::BOTH, &o, &n, "description");
        for key in ["termsOfService", "contact", "license"] {
            self.field(R::MetadataChanged, Flow::BOTH, &o, &n, key);
        }
        self.field(R::ExternalDocsChanged, Flow::BOTH, &o, &n, "externalDocs");
        self.tags(&o, &n);
        self.rest(&o, &n, INFO_FIELDS);
    }

    /// Servers, matched by key, then by host, protocol and path. Returns old index → new.
    fn servers(&mut self, old: &Index<'a>, new: &Index<'a>) -> HashMap<usize, usize> {
        let by_key: Identity<'_, Named<'_>> = &|s| Some(s.key.clone());
        let by_place: Identity<'_, Named<'_>> = &|s| {
            let field = |k| s.node.str(k).unwrap_or_default();
            Some(format!("{}\u{0}{}\u{0}{}", field("protocol"), field("host"), field("pathname")))
        };
        let matching = match_items(&old.servers, &new.servers, &[(InOrder, by_key), (Unique, by_place)]);
        for &i in &matching.removed {
            let s = &old.servers[i];
            self.emit(R::ServerRemoved, Flow::BOTH, &s.node.path, format!("server `{}` removed", s.key));
        }
        for &j in &matching.added {
            let s = &new.servers[j];
            self.emit(R::ServerAdded, Flow::BOTH, &s.node.path, format!("server `{}` added", s.key));
        }
        for &(i, j) in &matching.pairs {
            let (o, n) = (&old.servers[i].node, &new.servers[j].node);
            if old.servers[i].key != new.servers[j].key {
                let message = format!("server `{}` is now `{}`", old.servers[i].key, new.servers[j].key);
                self.emit(R::ServerRenamed, Flow::BOTH, &n.path, message);
            }
            self.field(R::ServerHostChanged, Flow::BOTH, o, n, "host");
            self.field(R::ServerPathnameChanged, Flow::BOTH, o, n, "pathname");
            self.field(R::ServerProtocolChanged, Flow::BOTH, o, n, "protocol");
            self.field(R::ServerProtocolChanged, Flow::BOTH, o, n, "protocolVersion");
            self.server_variables(o, n);
            self.security(o, n);
            self.bindings(o, n, false);
            self.annotations(o, n);
            self.rest(o, n, SERVER_FIELDS);
        }
        matching.pairs.into_iter().collect()
    }

    fn server_variables(&mut self, old: &Node<'a>, new: &Node<'a>) {
        let (Some(ov), Some(nv)) = (old.child(self.old, "variables"), new.child(self.new, "variables")) else { return };
        for name in nv.keys() {
            let (Some(o), Some(n)) = (ov.child(self.old, name), nv.child(self.new, name)) else { continue };
            self.allowed_values(&o, &n, R::ServerVariableEnumNarrowed, R::ServerVariableEnumWidened);
            self.field(R::ServerVariableDefaultChanged, Flow::BOTH, &o, &n, "default");
            self.field(R::DescriptionChanged, Flow::BOTH, &o, &n, "description");
            self.field(R::ExamplesChanged, Flow::BOTH, &o, &n, "examples");
            self.rest(&o, &n, PARAMETER_FIELDS);
        }
    }

    /// The `enum` of a server variable or a channel parameter: absent allows any value.
    fn allowed_values(&mut self, old: &Node<'a>, new: &Node<'a>, narrowed: R, widened: R) {
        let values = |node: &Node<'a>| -> Option<BTreeSet<String>> {
            node.field("enum").and_then(Value::as_array).map(|v| v.iter().map(canonical_text).collect())
        };
        let (o, n) = (values(old), values(new));
        let at = Node::place(old, new, "enum");
        let (lost, gained) = match (&o, &n) {
            (None, None) => return,
            (None, Some(_)) => (true, false),
            (Some(_), None) => (false, true),
            (Some(o), Some(n)) => (o.difference(n).next().is_some(), n.difference(o).next().is_some()),
        };
        if lost {
            self.emit(narrowed, Flow::BOTH, &at, "allowed values narrowed".to_owned())
                .values(old.field("enum"), new.field("enum"));
        }
        if gained {
            self.emit(widened, Flow::BOTH, &at, "allowed values widened".to_owned())
                .values(old.field("enum"), new.field("enum"));
        }
    }

    /// `bindings`: compared as written, per protocol; a channel's WebSocket `query` and
    /// `headers` are schemas of what peers send when they connect, compared as schemas.
    fn bindings(&mut self, o: &Node<'a>, n: &Node<'a>, channel: bool) {
        let empty = |node: &Node<'a>| Node::anything(node.path.join("bindings"));
        let ob = o.child(self.old, "bindings").unwrap_or_else(|| empty(o));
        let nb = n.child(self.new, "bindings").unwrap_or_else(|| empty(n));
        let mut protocols = nb.keys();
        protocols.extend(ob.keys().into_iter().filter(|k| !nb.has(k)));
        for protocol in protocols {
            if channel && protocol == "ws" {
                let empty_ws = |b: &Node<'a>| Node::anything(b.path.join("ws"));
                let ow = ob.child(self.old, "ws").unwrap_or_else(|| empty_ws(&ob));
                let nw = nb.child(self.new, "ws").unwrap_or_else(|| empty_ws(&nb));
                for key in ["query", "headers"] {
                    let (oq, nq) = (ow.child(self.old, key), nw.child(self.new, key));
                    if oq.is_some() || nq.is_some() {
                        let oq = oq.unwrap_or_else(|| Node::anything(ow.path.join(key)));
                        let nq = nq.unwrap_or_else(|| Node::anything(nw.path.join(key)));
                        self.schema(oq, nq, Flow::RECEIVED, 0);
                    }
                }
                for key in ["method", "bindingVersion"] {
                    self.field(R::BindingsChanged, Flow::BOTH, &ow, &nw, key);
                }
                self.rest(&ow, &nw, &["query", "headers", "method", "bindingVersion"]);
                continue;
            }
            self.field(R::BindingsChanged, Flow::BOTH, &ob, &nb, protocol);
        }
    }
}
