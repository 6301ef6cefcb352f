//! The document level of the diff: info, servers, channels, operations, messages, security
//! and bindings. Schemas are compared in `schema.rs`.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::Pairing::{InOrder, Unique};
use super::normalize::{
    address_template, canonical_text, content_type, json_eq, json_schema_of, placeholders, reference_text,
};
use super::rules::{Flow, R};
use super::{Differ, Identity, Matching, Node, match_items, show};
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
    action: Option<&'a str>,
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

    fn operation(&self, named: Named<'a>) -> Operation<'a> {
        let node = &named.node;
        let action = node.str("action");
        let channel = node.get("channel").and_then(reference_text).and_then(|r| self.channel_of(&r));
        let listed: Vec<(usize, usize, JsonPointer)> = self.references(node, "messages");
        let messages = if listed.is_empty() {
            let count = channel.map_or(0, |c| self.channels[c].messages.len());
            (0..count).map(|m| (m, node.path.clone())).collect()
        } else {
            listed.into_iter().filter(|(c, _, _)| Some(*c) == channel).map(|(_, m, at)| (m, at)).collect()
        };
        let reply = node.child(self.root, "reply").map(|reply| Reply {
            channel: reply.get("channel").and_then(reference_text).and_then(|r| self.channel_of(&r)),
            messages: self.references(&reply, "messages"),
            node: reply,
        });
        Operation { named, action, channel, messages, reply }
    }

    /// The messages a list of references under `key` names: `(channel, message, where)`.
    fn references(&self, node: &Node<'a>, key: &str) -> Vec<(usize, usize, JsonPointer)> {
        let Some(list) = node.get(key).and_then(Value::as_array) else { return Vec::new() };
        list.iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let (c, m) = self.message_of(&reference_text(item)?)?;
                Some((c, m, node.path.join(key).join(i.to_string())))
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
            let own = match op.action {
                Some("receive") => Flow::RECEIVED,
                Some("send") => Flow::SENT,
                _ => Flow::BOTH,
            };
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
const CHANNEL_FIELDS: &[&str] = &[
    "address",
    "messages",
    "parameters",
    "servers",
    "bindings",
    "title",
    "summary",
    "description",
    "tags",
    "externalDocs",
];
const PARAMETER_FIELDS: &[&str] = &["enum", "default", "location", "description", "examples"];
const OPERATION_FIELDS: &[&str] = &[
    "action",
    "channel",
    "messages",
    "reply",
    "security",
    "bindings",
    "traits",
    "title",
    "summary",
    "description",
    "tags",
    "externalDocs",
];
const MESSAGE_FIELDS: &[&str] = &[
    "name",
    "contentType",
    "correlationId",
    "headers",
    "payload",
    "bindings",
    "traits",
    "title",
    "summary",
    "description",
    "tags",
    "externalDocs",
    "examples",
];

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
            node.get("enum").and_then(Value::as_array).map(|v| v.iter().map(canonical_text).collect())
        };
        let (o, n) = (values(old), values(new));
        let at = if new.get("enum").is_some() { new.path.join("enum") } else { old.path.join("enum") };
        let (lost, gained) = match (&o, &n) {
            (None, None) => return,
            (None, Some(_)) => (true, false),
            (Some(_), None) => (false, true),
            (Some(o), Some(n)) => (o.difference(n).next().is_some(), n.difference(o).next().is_some()),
        };
        if lost {
            self.emit(narrowed, Flow::BOTH, &at, "allowed values narrowed".to_owned())
                .values(old.get("enum"), new.get("enum"));
        }
        if gained {
            self.emit(widened, Flow::BOTH, &at, "allowed values widened".to_owned())
                .values(old.get("enum"), new.get("enum"));
        }
    }

    /// Channels, matched by key and address, then by address, then by key; then their
    /// messages, by key, then by `name`.
    fn channels(&mut self, old: &Index<'a>, new: &Index<'a>, servers: &HashMap<usize, usize>) -> Correspondence {
        let by_both: Identity<'_, Channel<'_>> =
            &|c| Some(format!("{}\u{0}{}", c.named.key, c.template.as_deref().unwrap_or("\u{1}")));
        let by_address: Identity<'_, Channel<'_>> = &|c| c.template.clone();
        let by_key: Identity<'_, Channel<'_>> = &|c| Some(c.named.key.clone());
        let matching =
            match_items(&old.channels, &new.channels, &[(InOrder, by_both), (Unique, by_address), (InOrder, by_key)]);
        for &i in &matching.removed {
            let c = &old.channels[i].named;
            self.emit(R::ChannelRemoved, Flow::BOTH, &c.node.path, format!("channel `{}` removed", c.key));
        }
        for &j in &matching.added {
            let c = &new.channels[j].named;
            self.emit(R::ChannelAdded, Flow::BOTH, &c.node.path, format!("channel `{}` added", c.key));
        }
        let mut correspondence = Correspondence::default();
        for &(i, j) in &matching.pairs {
            correspondence.channels.insert(i, j);
            let (oc, nc) = (&old.channels[i], &new.channels[j]);
            let (o, n) = (&oc.named.node, &nc.named.node);
            if oc.named.key != nc.named.key {
                let message = format!("channel `{}` is now `{}`", oc.named.key, nc.named.key);
                self.emit(R::ChannelRenamed, Flow::BOTH, &n.path, message);
            }
            if oc.template != nc.template {
                let message = match (o.str("address"), n.str("address")) {
                    (Some(a), Some(b)) => format!("address `{a}` is now `{b}`"),
                    (None, Some(b)) => format!("address `{b}` set"),
                    (Some(a), None) => format!("address `{a}` removed"),
                    (None, None) => "address changed".to_owned(),
                };
                let at = n.path.join("address");
                self.emit(R::ChannelAddressChanged, Flow::BOTH, &at, message)
                    .values(o.get("address"), n.get("address"));
            }
            self.parameters(o, n, oc.template == nc.template);
            self.channel_servers(old, new, o, n, servers);
            let messages = self.channel_messages(oc, nc);
            for (om, nm) in messages.pairs {
                correspondence.messages.insert((i, om), (j, nm));
            }
            self.bindings(o, n, true);
            self.annotations(o, n);
            self.rest(o, n, CHANNEL_FIELDS);
        }
        correspondence
    }

    fn channel_messages(&mut self, oc: &Channel<'a>, nc: &Channel<'a>) -> Matching {
        let by_key: Identity<'_, Named<'_>> = &|m| Some(m.key.clone());
        let by_name: Identity<'_, Named<'_>> = &|m| m.node.str("name").map(str::to_owned);
        let matching = match_items(&oc.messages, &nc.messages, &[(InOrder, by_key), (Unique, by_name)]);
        for &i in &matching.removed {
            let m = &oc.messages[i];
            let message = format!("message `{}` removed from channel `{}`", m.key, oc.named.key);
            self.emit(R::ChannelMessageRemoved, oc.flows[i], &m.node.path, message);
        }
        for &j in &matching.added {
            let m = &nc.messages[j];
            let message = format!("message `{}` added to channel `{}`", m.key, nc.named.key);
            self.emit(R::ChannelMessageAdded, nc.flows[j], &m.node.path, message);
        }
        for &(i, j) in &matching.pairs {
            let (om, nm) = (&oc.messages[i], &nc.messages[j]);
            if om.key != nm.key {
                let message = format!("message `{}` is now `{}`", om.key, nm.key);
                self.emit(R::MessageRenamed, Flow::BOTH, &nm.node.path, message);
            }
            let flow = oc.flows[i].union(nc.flows[j]);
            self.message(&om.node, &nm.node, if flow == Flow::NONE { Flow::BOTH } else { flow });
        }
        matching
    }

    /// Address parameters: by position in the address when its shape is the same (so a
    /// renamed parameter is one change), else by name.
    fn parameters(&mut self, old: &Node<'a>, new: &Node<'a>, same_shape: bool) {
        let params = |root: &'a Value, node: &Node<'a>| -> Vec<Named<'a>> {
            let declared = node.child(root, "parameters");
            let names: Vec<String> = match node.str("address") {
                Some(address) => placeholders(address).into_iter().map(str::to_owned).collect(),
                None => {
                    declared.as_ref().map(|d| d.keys().into_iter().map(str::to_owned).collect()).unwrap_or_default()
                }
            };
            names
                .into_iter()
                .map(|key| {
                    let at = node.path.join("parameters").join(key.as_str());
                    let node = declared
                        .as_ref()
                        .and_then(|d| d.child(root, &key))
                        .unwrap_or_else(|| Node::anything(at.clone()));
                    Named { key, node }
                })
                .collect()
        };
        let (op, np) = (params(self.old, old), params(self.new, new));
        let matching = if same_shape && op.len() == np.len() {
            Matching { pairs: (0..op.len()).map(|i| (i, i)).collect(), ..Matching::default() }
        } else {
            let by_key: Identity<'_, Named<'_>> = &|p| Some(p.key.clone());
            match_items(&op, &np, &[(InOrder, by_key)])
        };
        for &i in &matching.removed {
            let message = format!("parameter `{}` removed", op[i].key);
            self.emit(R::ParameterRemoved, Flow::BOTH, &op[i].node.path, message);
        }
        for &j in &matching.added {
            let message = format!("parameter `{}` added", np[j].key);
            self.emit(R::ParameterAdded, Flow::BOTH, &np[j].node.path, message);
        }
        for &(i, j) in &matching.pairs {
            let (o, n) = (&op[i].node, &np[j].node);
            if op[i].key != np[j].key {
                let message = format!("parameter `{}` is now `{}`", op[i].key, np[j].key);
                self.emit(R::ParameterRenamed, Flow::BOTH, &n.path, message);
            }
            self.allowed_values(o, n, R::ParameterEnumNarrowed, R::ParameterEnumWidened);
            self.field(R::ParameterDefaultChanged, Flow::BOTH, o, n, "default");
            self.field(R::ParameterLocationChanged, Flow::BOTH, o, n, "location");
            self.field(R::DescriptionChanged, Flow::BOTH, o, n, "description");
            self.field(R::ExamplesChanged, Flow::BOTH, o, n, "examples");
            self.rest(o, n, PARAMETER_FIELDS);
        }
    }

    /// The servers a channel is available on (all when it names none), among the servers
    /// both documents have.
    fn channel_servers(
        &mut self,
        old: &Index<'a>,
        new: &Index<'a>,
        o: &Node<'a>,
        n: &Node<'a>,
        servers: &HashMap<usize, usize>,
    ) {
        let available = |index: &Index<'a>, node: &Node<'a>| -> Vec<(usize, JsonPointer)> {
            let listed: Vec<(usize, JsonPointer)> = node
                .get("servers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(i, s)| {
                    let (real, _) = crate::pointer::follow_reference(index.root, &reference_text(s)?)?;
                    let server = index.servers.iter().position(|s| s.node.real == real)?;
                    Some((server, node.path.join("servers").join(i.to_string())))
                })
                .collect();
            if listed.is_empty() { (0..index.servers.len()).map(|s| (s, node.path.clone())).collect() } else { listed }
        };
        let was: Vec<(usize, JsonPointer)> =
            available(old, o).into_iter().filter_map(|(s, at)| Some((*servers.get(&s)?, at))).collect();
        let shared: Vec<usize> = servers.values().copied().collect();
        let now: Vec<(usize, JsonPointer)> =
            available(new, n).into_iter().filter(|(s, _)| shared.contains(s)).collect();
        for (s, at) in &was {
            if !now.iter().any(|(t, _)| t == s) {
                let message = format!("channel no longer available on server `{}`", new.servers[*s].key);
                self.emit(R::ChannelServerRemoved, Flow::BOTH, at, message);
            }
        }
        for (s, at) in &now {
            if !was.iter().any(|(t, _)| t == s) {
                let message = format!("channel now available on server `{}`", new.servers[*s].key);
                self.emit(R::ChannelServerAdded, Flow::BOTH, at, message);
            }
        }
    }

    /// Operations, by key, then by channel, action and messages.
    fn operations(&mut self, old: &Index<'a>, new: &Index<'a>, map: &Correspondence) {
        let new_channel = |op: &Operation<'_>| op.channel.and_then(|c| map.channels.get(&c).copied());
        let old_messages = |op: &Operation<'_>| -> BTreeSet<(usize, usize)> {
            let Some(c) = op.channel else { return BTreeSet::new() };
            op.messages.iter().filter_map(|(m, _)| map.messages.get(&(c, *m)).copied()).collect()
        };
        let new_messages = |op: &Operation<'_>| -> BTreeSet<(usize, usize)> {
            let Some(c) = op.channel else { return BTreeSet::new() };
            op.messages.iter().map(|(m, _)| (c, *m)).collect()
        };
        // An operation's shape (channel, action, messages) in the new document's terms.
        let shape = |channel: Option<usize>, op: &Operation<'_>, messages: BTreeSet<(usize, usize)>| {
            channel.map(|c| format!("{c} {:?} {messages:?}", op.action))
        };
        let keys = |ops: &[Operation<'_>], old_side: bool| -> Vec<(String, Option<String>)> {
            ops.iter()
                .map(|op| {
                    let shape = if old_side {
                        shape(new_channel(op), op, old_messages(op))
                    } else {
                        shape(op.channel, op, new_messages(op))
                    };
                    (op.named.key.clone(), shape)
                })
                .collect()
        };
        let by_key: Identity<'_, (String, Option<String>)> = &|(key, _)| Some(key.clone());
        let by_shape: Identity<'_, (String, Option<String>)> = &|(_, shape)| shape.clone();
        let matching = match_items(
            &keys(&old.operations, true),
            &keys(&new.operations, false),
            &[(InOrder, by_key), (Unique, by_shape)],
        );
        for &i in &matching.removed {
            let op = &old.operations[i];
            let message = format!("operation `{}` removed", op.named.key);
            self.emit(R::OperationRemoved, action_flow(op.action), &op.named.node.path, message);
        }
        for &j in &matching.added {
            let op = &new.operations[j];
            let message = match op.action {
                Some("send") => format!(
                    "operation `{}` added: the application sends new messages, which peers that match messages exhaustively must handle",
                    op.named.key
                ),
                _ => format!("operation `{}` added", op.named.key),
            };
            self.emit(R::OperationAdded, action_flow(op.action), &op.named.node.path, message);
        }
        for &(i, j) in &matching.pairs {
            self.operation(old, new, &old.operations[i], &new.operations[j], map);
        }
    }

    fn operation(
        &mut self,
        old: &Index<'a>,
        new: &Index<'a>,
        oo: &Operation<'a>,
        no: &Operation<'a>,
        map: &Correspondence,
    ) {
        let (o, n) = (&oo.named.node, &no.named.node);
        if oo.named.key != no.named.key {
            let message = format!("operation `{}` is now `{}`", oo.named.key, no.named.key);
            self.emit(R::OperationRenamed, Flow::BOTH, &n.path, message);
        }
        let flow = action_flow(no.action);
        if oo.action != no.action {
            let at = n.path.join("action");
            self.emit(R::OperationActionChanged, Flow::BOTH, &at, "the messages now travel the other way".to_owned())
                .values(o.get("action"), n.get("action"));
        }
        let same_channel = oo.channel.and_then(|c| map.channels.get(&c).copied()) == no.channel;
        if !same_channel {
            let at = n.path.join("channel");
            let name =
                |index: &Index<'_>, c: Option<usize>| c.map_or("?".to_owned(), |c| index.channels[c].named.key.clone());
            let message = format!("channel `{}` is now `{}`", name(old, oo.channel), name(new, no.channel));
            self.emit(R::OperationChannelChanged, Flow::BOTH, &at, message);
        } else if let (Some(oc), Some(nc)) = (oo.channel, no.channel) {
            let was: Vec<((usize, usize), &JsonPointer)> =
                oo.messages.iter().filter_map(|(m, at)| Some((*map.messages.get(&(oc, *m))?, at))).collect();
            let now: Vec<((usize, usize), &JsonPointer)> = no.messages.iter().map(|(m, at)| ((nc, *m), at)).collect();
            let unmapped = oo.messages.iter().filter(|(m, _)| !map.messages.contains_key(&(oc, *m)));
            for (m, at) in unmapped {
                let message = format!("message `{}` removed", old.channels[oc].messages[*m].key);
                self.emit(R::OperationMessageRemoved, flow, at, message);
            }
            self.message_lists(new, &was, &now, flow, R::OperationMessageRemoved, R::OperationMessageAdded);
        }
        self.reply(old, new, oo, no, map);
        self.security(o, n);
        self.bindings(o, n, false);
        self.annotations(o, n);
        self.rest(o, n, OPERATION_FIELDS);
    }

    /// Two lists of messages, both in the new document's terms.
    fn message_lists(
        &mut self,
        new: &Index<'a>,
        was: &[((usize, usize), &JsonPointer)],
        now: &[((usize, usize), &JsonPointer)],
        flow: Flow,
        removed: R,
        added: R,
    ) {
        let key = |(c, m): (usize, usize)| new.channels[c].messages[m].key.clone();
        for (message, at) in was {
            if !now.iter().any(|(m, _)| m == message) {
                self.emit(removed, flow, at, format!("message `{}` removed", key(*message)));
            }
        }
        for (message, at) in now {
            if !was.iter().any(|(m, _)| m == message) {
                let text = if flow.sent && !flow.received {
                    format!("message `{}` added: peers that match messages exhaustively must handle it", key(*message))
                } else {
                    format!("message `{}` added", key(*message))
                };
                self.emit(added, flow, at, text);
            }
        }
    }

    fn reply(
        &mut self,
        old: &Index<'a>,
        new: &Index<'a>,
        oo: &Operation<'a>,
        no: &Operation<'a>,
        map: &Correspondence,
    ) {
        let (o, n) = (&oo.named.node, &no.named.node);
        let flow = action_flow(no.action).flipped();
        let (or, nr) = match (&oo.reply, &no.reply) {
            (None, None) => return,
            (None, Some(_)) => {
                let message = match no.action {
                    Some("send") => "reply added: the application now waits for a reply".to_owned(),
                    _ => "reply added: the application now replies".to_owned(),
                };
                self.emit(R::ReplyAdded, flow, &n.path.join("reply"), message);
                return;
            }
            (Some(_), None) => {
                let message = "reply removed".to_owned();
                self.emit(R::ReplyRemoved, action_flow(oo.action).flipped(), &o.path.join("reply"), message);
                return;
            }
            (Some(or), Some(nr)) => (or, nr),
        };
        // A reply without a channel travels on its operation's.
        let mapped = or.channel.or(oo.channel).and_then(|c| map.channels.get(&c).copied());
        if mapped != nr.channel.or(no.channel) {
            let at = if nr.node.get("channel").is_some() { nr.node.path.join("channel") } else { nr.node.path.clone() };
            self.emit(R::ReplyChannelChanged, Flow::BOTH, &at, "replies travel on another channel".to_owned());
        }
        let location = |root: &'a Value, reply: &Reply<'a>| {
            reply.node.child(root, "address").and_then(|a| a.str("location")).map(str::to_owned)
        };
        if location(self.old, or) != location(self.new, nr) {
            let at = if nr.node.get("address").is_some() { nr.node.path.join("address") } else { nr.node.path.clone() };
            self.emit(R::ReplyAddressChanged, Flow::BOTH, &at, "the reply address changed".to_owned());
        }
        let was: Vec<((usize, usize), &JsonPointer)> =
            or.messages.iter().filter_map(|(c, m, at)| Some((*map.messages.get(&(*c, *m))?, at))).collect();
        let now: Vec<((usize, usize), &JsonPointer)> = nr.messages.iter().map(|(c, m, at)| ((*c, *m), at)).collect();
        for (c, m, at) in or.messages.iter().filter(|(c, m, _)| !map.messages.contains_key(&(*c, *m))) {
            let message = format!("reply message `{}` removed", old.channels[*c].messages[*m].key);
            self.emit(R::ReplyMessageRemoved, flow, at, message);
        }
        self.message_lists(new, &was, &now, flow, R::ReplyMessageRemoved, R::ReplyMessageAdded);
        if let Some((oa, na)) = or.node.child(self.old, "address").zip(nr.node.child(self.new, "address")) {
            self.field(R::DescriptionChanged, Flow::BOTH, &oa, &na, "description");
        }
        self.rest(&or.node, &nr.node, &["address", "channel", "messages"]);
    }

    /// One message of a channel, travelling as `flow` says.
    fn message(&mut self, o: &Node<'a>, n: &Node<'a>, flow: Flow) {
        if !self.first_visit(&o.real, &n.real, flow, false) {
            return;
        }
        self.field(R::MessageNameChanged, Flow::BOTH, o, n, "name");
        let (Some(om), Some(nm)) = (o.value.as_object(), n.value.as_object()) else { return };
        let (ot, nt) = (content_type(self.old, om), content_type(self.new, nm));
        if ot != nt {
            let at = if n.get("contentType").is_some() { n.path.join("contentType") } else { n.path.clone() };
            let message = format!("content type `{ot}` is now `{nt}`");
            self.emit(R::ContentTypeChanged, flow, &at, message).values(Some(&Value::from(ot)), Some(&Value::from(nt)));
        }
        self.correlation_id(o, n, flow);
        for key in ["headers", "payload"] {
            self.message_schema(o, n, key, flow);
        }
        self.bindings(o, n, false);
        self.annotations(o, n);
        self.rest(o, n, MESSAGE_FIELDS);
    }

    fn correlation_id(&mut self, o: &Node<'a>, n: &Node<'a>, flow: Flow) {
        let (oc, nc) = (o.child(self.old, "correlationId"), n.child(self.new, "correlationId"));
        let (ol, nl) = (oc.as_ref().and_then(|c| c.get("location")), nc.as_ref().and_then(|c| c.get("location")));
        match (&oc, &nc) {
            (None, Some(nc)) => {
                let message = format!("correlation id added at {}", nl.map(show).unwrap_or_default());
                self.emit(R::CorrelationIdAdded, flow, &nc.path, message).values(None, nl);
            }
            (Some(oc), None) => {
                let message = format!("correlation id at {} removed", ol.map(show).unwrap_or_default());
                self.emit(R::CorrelationIdRemoved, flow, &oc.path, message).values(ol, None);
            }
            (Some(oc), Some(nc)) => {
                self.field(R::CorrelationIdChanged, flow, oc, nc, "location");
                self.field(R::DescriptionChanged, Flow::BOTH, oc, nc, "description");
                self.rest(oc, nc, &["location", "description"]);
            }
            (None, None) => {}
        }
    }

    /// A message's `payload` or `headers`: JSON Schema (plain or multi-format) compared as a
    /// schema, other formats as written.
    fn message_schema(&mut self, o: &Node<'a>, n: &Node<'a>, key: &str, flow: Flow) {
        let side = |root: &'a Value, message: &Node<'a>| -> (Node<'a>, Option<String>) {
            let Some(node) = message.child(root, key) else { return (Node::anything(message.path.join(key)), None) };
            match json_schema_of(root, node.value) {
                Some((true, _)) => {
                    let schema = node.child(root, "schema").unwrap_or_else(|| Node::anything(node.path.join("schema")));
                    (schema, None)
                }
                Some((false, _)) => (node, None),
                None => {
                    let format = node.str("schemaFormat").unwrap_or_default().to_owned();
                    (node, Some(format))
                }
            }
        };
        let ((os, of), (ns, nf)) = (side(self.old, o), side(self.new, n));
        match (of, nf) {
            (None, None) => self.schema(os, ns, flow, 0),
            (Some(a), Some(b)) if a == b => {
                if !json_eq(os.value, ns.value) {
                    let message = format!("the {key} schema (format `{b}`, compared as written) changed");
                    self.emit(R::ConstraintChanged, flow, &ns.path, message);
                }
            }
            (a, b) => {
                let name = |f: Option<String>| f.unwrap_or_else(|| "JSON Schema".to_owned());
                let message = format!("the {key} schema format `{}` is now `{}`", name(a), name(b));
                self.emit(R::SchemaFormatChanged, flow, &n.path.join(key), message);
            }
        }
    }

    /// `security`: alternatives, any one of which authorizes (the specification's reading).
    fn security(&mut self, o: &Node<'a>, n: &Node<'a>) {
        // Alternatives: a scheme listed twice is listed once.
        let schemes = |root: &'a Value, node: &Node<'a>| {
            let mut seen = Vec::new();
            let items = node.child(root, "security").map(|s| s.items(root)).unwrap_or_default();
            items
                .into_iter()
                .filter(|s| {
                    let text = canonical_text(&super::resolved_deep(root, s.value));
                    let first = !seen.contains(&text);
                    seen.push(text);
                    first
                })
                .collect::<Vec<_>>()
        };
        let (os, ns) = (schemes(self.old, o), schemes(self.new, n));
        match (os.is_empty(), ns.is_empty()) {
            (true, true) => return,
            (true, false) => {
                let message = "security is now required".to_owned();
                self.emit(R::SecurityRequired, Flow::BOTH, &n.path.join("security"), message);
                return;
            }
            (false, true) => {
                let message = "security is no longer required".to_owned();
                self.emit(R::SecurityNoLongerRequired, Flow::BOTH, &o.path.join("security"), message);
                return;
            }
            (false, false) => {}
        }
        let by_name: Identity<'_, Node<'_>> =
            &|s| (s.real.tokens().len() > 1).then(|| s.real.last().map(str::to_owned)).flatten();
        let by_form: Identity<'_, Node<'_>> = &|s| {
            let field = |k| s.str(k).unwrap_or_default();
            Some(format!("{}\u{0}{}\u{0}{}\u{0}{}", field("type"), field("in"), field("name"), field("scheme")))
        };
        // Inline schemes have no name; only referenced ones are matched by it.
        let named: Identity<'_, Node<'_>> = &|s| {
            if s.real.tokens().first().map(String::as_str) == Some("components") { by_name(s) } else { None }
        };
        let matching = match_items(&os, &ns, &[(InOrder, named), (InOrder, by_form)]);
        for &i in &matching.removed {
            let message = format!("security scheme {} removed", scheme_name(&os[i]));
            self.emit(R::SecuritySchemeRemoved, Flow::BOTH, &os[i].path, message);
        }
        for &j in &matching.added {
            let message = format!("security scheme {} added as an alternative", scheme_name(&ns[j]));
            self.emit(R::SecuritySchemeAdded, Flow::BOTH, &ns[j].path, message);
        }
        for &(i, j) in &matching.pairs {
            let (o, n) = (&os[i], &ns[j]);
            for key in ["type", "in", "name", "scheme", "bearerFormat", "openIdConnectUrl"] {
                self.field(R::SecuritySchemeChanged, Flow::BOTH, o, n, key);
            }
            self.oauth_flows(o, n);
            let scopes = |node: &Node<'a>| -> BTreeSet<String> {
                node.get("scopes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            };
            let (was, now) = (scopes(o), scopes(n));
            let at = if n.get("scopes").is_some() { n.path.join("scopes") } else { o.path.join("scopes") };
            for scope in now.difference(&was) {
                self.emit(R::SecurityScopeAdded, Flow::BOTH, &at, format!("scope `{scope}` is now required"));
            }
            for scope in was.difference(&now) {
                self.emit(R::SecurityScopeRemoved, Flow::BOTH, &at, format!("scope `{scope}` is no longer required"));
            }
            self.field(R::DescriptionChanged, Flow::BOTH, o, n, "description");
            let handled =
                ["type", "in", "name", "scheme", "bearerFormat", "openIdConnectUrl", "flows", "scopes", "description"];
            self.rest(o, n, &handled);
        }
    }

    /// OAuth flows: which exist and their URLs; the scopes a flow offers are documentation.
    fn oauth_flows(&mut self, o: &Node<'a>, n: &Node<'a>) {
        let (Some(of), Some(nf)) = (o.child(self.old, "flows"), n.child(self.new, "flows")) else {
            self.field(R::SecuritySchemeChanged, Flow::BOTH, o, n, "flows");
            return;
        };
        for key in ["implicit", "password", "clientCredentials", "authorizationCode"] {
            match (of.child(self.old, key), nf.child(self.new, key)) {
                (Some(a), Some(b)) => {
                    for url in ["authorizationUrl", "tokenUrl", "refreshUrl"] {
                        self.field(R::SecuritySchemeChanged, Flow::BOTH, &a, &b, url);
                    }
                }
                (None, None) => {}
                _ => self.field(R::SecuritySchemeChanged, Flow::BOTH, &of, &nf, key),
            }
        }
    }

    /// `bindings`: compared as written, per protocol; a channel's WebSocket `query` and
    /// `headers` are schemas of what peers send when they connect, compared as schemas.
    fn bindings(&mut self, o: &Node<'a>, n: &Node<'a>, channel: bool) {
        let empty = |node: &Node<'a>| Node::anything(node.path.join("bindings"));
        let ob = o.child(self.old, "bindings").unwrap_or_else(|| empty(o));
        let nb = n.child(self.new, "bindings").unwrap_or_else(|| empty(n));
        let mut protocols = nb.keys();
        protocols.extend(ob.keys().into_iter().filter(|k| nb.get(k).is_none()));
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

/// What an operation's action makes of its messages.
fn action_flow(action: Option<&str>) -> Flow {
    match action {
        Some("receive") => Flow::RECEIVED,
        Some("send") => Flow::SENT,
        _ => Flow::BOTH,
    }
}

fn scheme_name(node: &Node<'_>) -> String {
    match (node.real.tokens().first().map(String::as_str), node.real.last()) {
        (Some("components"), Some(name)) => format!("`{name}`"),
        _ => format!("of type `{}`", node.str("type").unwrap_or("?")),
    }
}
