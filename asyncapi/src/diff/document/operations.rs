//! Operations, matched across the documents, with their action, channel and messages, and
//! their replies.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Correspondence, Index, Operation, Reply};
use crate::diff::Pairing::{InOrder, Unique};
use crate::diff::rules::{Flow, R};
use crate::diff::{Differ, Identity, match_items};
use crate::model::Action;
use crate::pointer::JsonPointer;

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

impl<'a> Differ<'a> {
    /// Operations, by key, then by channel, action and messages.
    pub(super) fn operations(&mut self, old: &Index<'a>, new: &Index<'a>, map: &Correspondence) {
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
                Some(Action::Send) => format!(
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
                .values(o.field("action"), n.field("action"));
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
                    Some(Action::Send) => "reply added: the application now waits for a reply".to_owned(),
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
            let at = nr.node.field_or_self("channel");
            self.emit(R::ReplyChannelChanged, Flow::BOTH, &at, "replies travel on another channel".to_owned());
        }
        let location = |root: &'a Value, reply: &Reply<'a>| {
            reply.node.child(root, "address").and_then(|a| a.str("location")).map(str::to_owned)
        };
        if location(self.old, or) != location(self.new, nr) {
            let at = nr.node.field_or_self("address");
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
}

/// What an operation's action makes of its messages (both ways when it has none).
pub(super) fn action_flow(action: Option<Action>) -> Flow {
    match action {
        Some(Action::Receive) => Flow::RECEIVED,
        Some(Action::Send) => Flow::SENT,
        None => Flow::BOTH,
    }
}
