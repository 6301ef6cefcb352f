//! Channels, matched across the documents, with their addresses, parameters, the servers
//! they are available on, and their messages (content type, correlation id, payload and
//! headers).

use std::collections::HashMap;

use serde_json::Value;

use super::{Channel, Correspondence, Index, Named, PARAMETER_FIELDS};
use crate::diff::Pairing::{InOrder, Unique};
use crate::diff::normalize::{content_type, json_eq, json_schema_of, placeholders};
use crate::diff::rules::{Flow, R};
use crate::diff::{Differ, Identity, Matching, Node, match_items, show};
use crate::model::{self, Reference};
use crate::pointer::JsonPointer;

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
    /// Channels, matched by key and address, then by address, then by key; then their
    /// messages, by key, then by `name`.
    pub(super) fn channels(
        &mut self,
        old: &Index<'a>,
        new: &Index<'a>,
        servers: &HashMap<usize, usize>,
    ) -> Correspondence {
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
                    .values(o.field("address"), n.field("address"));
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
                .field("servers")
                .and_then(model::read::<Vec<Reference>>)
                .unwrap_or_default()
                .iter()
                .enumerate()
                .filter_map(|(i, s)| {
                    let (real, _) = crate::pointer::follow_reference(index.root, &s.reference)?;
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

    /// One message of a channel, travelling as `flow` says.
    fn message(&mut self, o: &Node<'a>, n: &Node<'a>, flow: Flow) {
        if !self.first_visit(&o.real, &n.real, flow, false) {
            return;
        }
        self.field(R::MessageNameChanged, Flow::BOTH, o, n, "name");
        if !(o.value.is_object() && n.value.is_object()) {
            return;
        }
        let (od, nd) = self.default_content_type;
        let (ot, nt) = (content_type(o.str("contentType"), od), content_type(n.str("contentType"), nd));
        if ot != nt {
            let at = n.field_or_self("contentType");
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
        let (ol, nl) = (oc.as_ref().and_then(|c| c.field("location")), nc.as_ref().and_then(|c| c.field("location")));
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
}
