//! The semantic diff of two AsyncAPI documents: what changed, and whether it breaks the
//! application's peers.
//!
//! Both documents are compared after [normalization](normalize) (references followed, key
//! order, `const` and one-value `enum`, nullable forms, defaults), so two documents that
//! mean the same have no change between them. Each change names a [rule](RULES), a JSON
//! Pointer and a [`Class`]: breaking, non-breaking or annotation.
//!
//! The class depends on the direction a message travels. The document describes the
//! application: an operation with `action: receive` means its peers write the operation's
//! messages, `send` means they read them (and the other way round for the replies). A new
//! required property breaks the peers that write the message, not those that read it; a new
//! enum value breaks readers, not writers. A message that travels both ways takes the
//! stricter class. `docs/DIFF.md` lists every rule and every normalization with its reason.
//!
//! ```
//! use tidings_asyncapi::Document;
//! use tidings_asyncapi::diff::{Class, diff};
//!
//! let contract = |required: &str| format!(r#"
//! asyncapi: 3.0.0
//! info: {{ title: Chat, version: 1.0.0 }}
//! channels:
//!   chat:
//!     address: /chat
//!     messages:
//!       say:
//!         payload:
//!           type: object
//!           required: [{required}]
//!           properties: {{ text: {{ type: string }}, room: {{ type: string }} }}
//! operations:
//!   receiveSay:
//!     action: receive
//!     channel: {{ $ref: '#/channels/chat' }}
//! "#);
//! let old = Document::from_text("old.yaml", contract("text")).expect("valid");
//! let new = Document::from_text("new.yaml", contract("text, room")).expect("valid");
//!
//! let report = diff(&old, &new);
//! assert!(report.is_breaking());
//! let change = &report.changes[0];
//! assert_eq!((change.class, change.rule), (Class::Breaking, "property-required-added"));
//! assert_eq!(change.pointer, "/channels/chat/messages/say/payload/properties/room");
//! assert!(diff(&old, &old).is_empty());
//! ```

mod document;
mod normalize;
mod report;
mod rules;
mod schema;

use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::Value;

pub use normalize::normalize;
pub use report::{Change, Report};
pub use rules::{Class, RULES, Rule};

use crate::Document;
use crate::pointer::{JsonPointer, follow_reference, follow_value, reference_of};
use rules::{Flow, R};

/// The changes from `old` to `new`, two loaded documents (traits applied, references
/// followed).
pub fn diff(old: &Document, new: &Document) -> Report {
    diff_with(old, new, &Options::default())
}

/// [`diff`] with [`Options`].
pub fn diff_with(old: &Document, new: &Document, options: &Options) -> Report {
    diff_values_with(old.bundled(), new.bundled(), options)
}

/// The changes from `old` to `new`, two self-contained documents as JSON values (every
/// `$ref` local, as [`Document::bundled`] gives them). Traits are applied first. Any value is
/// accepted: what is not where the specification puts it is compared as written, or not at
/// all, and never panics.
pub fn diff_values(old: &Value, new: &Value) -> Report {
    diff_values_with(old, new, &Options::default())
}

/// [`diff_values`] with [`Options`].
pub fn diff_values_with(old: &Value, new: &Value, options: &Options) -> Report {
    let (old, new) = (crate::traits::apply(old), crate::traits::apply(new));
    let mut differ = Differ::new(&old, &new, options.clone());
    differ.document();
    differ.finish()
}

/// Equivalences beyond the normalizations, for comparisons that need them. The default
/// compares everything a peer can tell apart.
///
/// ```
/// use tidings_asyncapi::diff::{Options, diff_values_with};
///
/// let doc = |mood: serde_json::Value| serde_json::json!({"channels": {"c": {"messages": {"m": {
///     "payload": {"type": "object", "properties": {"mood": mood}}}}}}});
/// let (contract, regenerated) = (doc(serde_json::json!({"type": "string"})),
///                                doc(serde_json::json!({"type": ["string", "null"]})));
/// let options = Options::default().optional_null_is_absent(true);
/// assert!(diff_values_with(&contract, &regenerated, &options).is_empty());
/// assert!(!diff_values_with(&contract, &regenerated, &Options::default()).is_empty());
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {
    /// Whether an optional property that allows `null` is the same as one that does not.
    /// Off by default: a peer can tell (one may send `null`, the other may not). Rust can
    /// not: `Option<T>` is both, so a contract's round trip through generated types and
    /// back (the spec a running application regenerates) needs it on.
    pub optional_null_is_absent: bool,
}

impl Options {
    /// Sets [`optional_null_is_absent`](Self::optional_null_is_absent).
    pub fn optional_null_is_absent(mut self, yes: bool) -> Self {
        self.optional_null_is_absent = yes;
        self
    }
}

/// A value where a document has it: the path it was reached by (references written as the
/// document reaches them), where it really is, and the value there (references followed).
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub(crate) path: JsonPointer,
    pub(crate) real: JsonPointer,
    pub(crate) value: &'a Value,
}

/// What an absent schema keyword allows: anything.
static ANYTHING: Value = Value::Bool(true);

impl<'a> Node<'a> {
    pub(crate) fn root(value: &'a Value) -> Self {
        Node { path: JsonPointer::root(), real: JsonPointer::root(), value }
    }

    /// An absent schema at `path`: it allows anything.
    pub(crate) fn anything(path: JsonPointer) -> Node<'static> {
        Node { real: path.clone(), path, value: &ANYTHING }
    }

    /// The child under `key` (an object key or an array index), its reference followed.
    pub(crate) fn child(&self, root: &'a Value, key: &str) -> Option<Node<'a>> {
        let value = crate::pointer::step(self.value, key)?;
        let node = Node { path: self.path.join(key), real: self.real.join(key), value };
        Some(node.resolved(root))
    }

    /// This node with its reference followed (as it is when the reference leads nowhere).
    pub(crate) fn resolved(self, root: &'a Value) -> Node<'a> {
        match follow_value(root, self.value) {
            Some((real, value)) => Node { path: self.path, real, value },
            None => self,
        }
    }

    /// The value of field `key` as written (its reference, if any, not followed).
    pub(crate) fn field(&self, key: &str) -> Option<&'a Value> {
        crate::pointer::step(self.value, key)
    }

    /// Whether the object has a field `key`, whatever its value.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.field(key).is_some()
    }

    /// The text of field `key`, when it is a string.
    pub(crate) fn str(&self, key: &str) -> Option<&'a str> {
        self.field(key).and_then(Value::as_str)
    }

    /// The node read as a typed spec object on its own; `None` when it does not type (the
    /// diff accepts any JSON, and compares what it cannot read as written, or not at all).
    pub(crate) fn read<T: crate::model::node::FromNode>(&self) -> Option<T> {
        crate::model::read(self.value)
    }

    /// Where field `key` is in the new object when it has it, else in the old one: where a
    /// change of the field is reported.
    pub(crate) fn place(old: &Node<'_>, new: &Node<'_>, key: &str) -> JsonPointer {
        if new.has(key) { new.path.join(key) } else { old.path.join(key) }
    }

    /// Where field `key` is when the object has it, else the object itself.
    pub(crate) fn field_or_self(&self, key: &str) -> JsonPointer {
        if self.has(key) { self.path.join(key) } else { self.path.clone() }
    }

    /// The keys of an object node, in document order.
    pub(crate) fn keys(&self) -> Vec<&'a str> {
        self.value.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default()
    }

    /// The items of an array node, each resolved.
    pub(crate) fn items(&self, root: &'a Value) -> Vec<Node<'a>> {
        let count = self.value.as_array().map_or(0, Vec::len);
        (0..count).filter_map(|i| self.child(root, &i.to_string())).collect()
    }
}

/// A change found, before duplicates are merged and classes decided.
#[derive(Debug)]
pub(crate) struct Found {
    rule: R,
    flow: Flow,
    pointer: JsonPointer,
    message: String,
    old: Option<Value>,
    new: Option<Value>,
}

impl Found {
    /// Shows these values as the old and the new one.
    pub(crate) fn values(&mut self, old: Option<&Value>, new: Option<&Value>) {
        self.old = old.cloned();
        self.new = new.cloned();
    }
}

/// The walk over both documents at once.
pub(crate) struct Differ<'a> {
    pub(crate) old: &'a Value,
    pub(crate) new: &'a Value,
    pub(crate) options: Options,
    /// Each document's `defaultContentType`, old then new.
    pub(crate) default_content_type: (Option<&'a str>, Option<&'a str>),
    found: Vec<Found>,
    /// Pairs of objects (where each really is, the direction, and whether `null` is
    /// ignored) already compared: a schema or message used in several places is reported
    /// once per direction, and a recursive schema ends.
    visited: HashSet<(JsonPointer, JsonPointer, Flow, bool)>,
}

impl<'a> Differ<'a> {
    fn new(old: &'a Value, new: &'a Value, options: Options) -> Self {
        let default_content_type = |root| Node::root(root).str("defaultContentType");
        Differ {
            old,
            new,
            options,
            default_content_type: (default_content_type(old), default_content_type(new)),
            found: Vec::new(),
            visited: HashSet::new(),
        }
    }

    /// Records a change; the class is decided from the rule and the flow at the end.
    pub(crate) fn emit(&mut self, rule: R, flow: Flow, at: &JsonPointer, message: String) -> &mut Found {
        self.found.push(Found { rule, flow, pointer: at.clone(), message, old: None, new: None });
        let last = self.found.len() - 1;
        &mut self.found[last]
    }

    /// Whether this pair is compared for the first time in this direction.
    pub(crate) fn first_visit(&mut self, old: &JsonPointer, new: &JsonPointer, flow: Flow, without_null: bool) -> bool {
        self.visited.insert((old.clone(), new.clone(), flow, without_null))
    }

    /// Compares a field both objects may have as plain values (references followed, key order
    /// and number forms ignored); a difference is one `rule` change at the field.
    pub(crate) fn field(&mut self, rule: R, flow: Flow, old: &Node<'a>, new: &Node<'a>, key: &str) {
        let (o, n) = (old.child(self.old, key), new.child(self.new, key));
        let (ov, nv) = (o.as_ref().map(|n| n.value), n.as_ref().map(|n| n.value));
        let same = match (ov, nv) {
            (None, None) => true,
            (Some(a), Some(b)) => normalize::json_eq(&resolved_deep(self.old, a), &resolved_deep(self.new, b)),
            _ => false,
        };
        if same {
            return;
        }
        let at = n.as_ref().or(o.as_ref()).map_or_else(|| new.path.join(key), |n| n.path.clone());
        let what = match (ov, nv) {
            (None, _) => "added",
            (_, None) => "removed",
            _ => "changed",
        };
        self.emit(rule, flow, &at, format!("`{key}` {what}")).values(ov, nv);
    }

    /// The documentation fields an object may have, each with its annotation rule.
    pub(crate) fn annotations(&mut self, old: &Node<'a>, new: &Node<'a>) {
        for (key, rule) in [
            ("title", R::TitleChanged),
            ("summary", R::SummaryChanged),
            ("description", R::DescriptionChanged),
            ("externalDocs", R::ExternalDocsChanged),
            ("examples", R::ExamplesChanged),
        ] {
            self.field(rule, Flow::BOTH, old, new, key);
        }
        self.tags(old, new);
    }

    /// Tags, in any order, each counted once.
    fn tags(&mut self, old: &Node<'a>, new: &Node<'a>) {
        let tags = |root: &'a Value, node: &Node<'a>| -> Vec<String> {
            let list = node.child(root, "tags").map(|t| t.items(root)).unwrap_or_default();
            let mut texts: Vec<String> =
                list.iter().map(|t| normalize::canonical_text(&resolved_deep(root, t.value))).collect();
            texts.sort();
            texts.dedup();
            texts
        };
        if tags(self.old, old) != tags(self.new, new) {
            let at = Node::place(old, new, "tags");
            self.emit(R::TagsChanged, Flow::BOTH, &at, "tags changed".to_owned());
        }
    }

    /// Every field of the two objects not in `handled`: extensions as annotations, unknown
    /// fields as ignored keywords.
    pub(crate) fn rest(&mut self, old: &Node<'a>, new: &Node<'a>, handled: &[&str]) {
        let mut keys: Vec<&str> = new.keys();
        keys.extend(old.keys().into_iter().filter(|k| !new.has(k)));
        for key in keys {
            if handled.contains(&key) {
                continue;
            }
            let rule = if key.starts_with("x-") { R::ExtensionChanged } else { R::KeywordChanged };
            self.field(rule, Flow::BOTH, old, new, key);
        }
    }

    fn finish(self) -> Report {
        // One change per rule and place; a place reached in both directions takes both.
        let mut merged: Vec<Found> = Vec::new();
        let mut index: HashMap<(R, JsonPointer), usize> = HashMap::new();
        for found in self.found {
            match index.get(&(found.rule, found.pointer.clone())) {
                Some(&i) => merged[i].flow = merged[i].flow.union(found.flow),
                None => {
                    index.insert((found.rule, found.pointer.clone()), merged.len());
                    merged.push(found);
                }
            }
        }
        let mut changes: Vec<Change> = merged
            .into_iter()
            .map(|f| {
                let rule = f.rule.rule();
                let message =
                    if rule.is_directional() { format!("{} ({})", f.message, f.flow.phrase()) } else { f.message };
                Change {
                    class: rule.class(f.flow),
                    rule: rule.id,
                    pointer: f.pointer.to_string(),
                    message,
                    old: f.old,
                    new: f.new,
                }
            })
            .collect();
        changes.sort_by(|a, b| (&a.pointer, a.rule).cmp(&(&b.pointer, b.rule)));
        Report { changes }
    }
}

/// A copy of a value with every reference in it replaced by what it designates (references
/// inside those too, a bounded number of times), for comparing plain values written with
/// and without references.
fn resolved_deep(root: &Value, value: &Value) -> Value {
    fn walk(root: &Value, value: &Value, budget: &mut usize, depth: usize) -> Value {
        let value = match reference_of(value) {
            Some(r) if *budget > 0 && depth < normalize::MAX_DEPTH => {
                *budget -= 1;
                follow_reference(root, r).map_or(value, |(_, v)| v)
            }
            _ => value,
        };
        match value {
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), walk(root, v, budget, depth + 1))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| walk(root, v, budget, depth + 1)).collect()),
            other => other.clone(),
        }
    }
    walk(root, value, &mut 64, 0)
}

/// Which old item goes with which new one.
#[derive(Debug, Default)]
pub(crate) struct Matching {
    /// `(old, new)` index pairs, in the new list's order.
    pub(crate) pairs: Vec<(usize, usize)>,
    /// Old items with no partner.
    pub(crate) removed: Vec<usize>,
    /// New items with no partner.
    pub(crate) added: Vec<usize>,
}

/// One way of recognizing an item in both lists: items with the same key are the same item.
pub(crate) type Identity<'k, T> = &'k dyn Fn(&T) -> Option<String>;

/// How an identity pairs items that share a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pairing {
    /// The key says what the item is (a key, a reference, the content): items that share it
    /// are the same, duplicates included, paired in the order they come.
    InOrder,
    /// The key only suggests (a type, a title): items pair only when the key is unique on
    /// both sides.
    Unique,
}

/// Pairs the items of two lists: each identity in turn pairs the items still unpaired.
pub(crate) fn match_items<T>(old: &[T], new: &[T], identities: &[(Pairing, Identity<'_, T>)]) -> Matching {
    let mut old_partner: Vec<Option<usize>> = vec![None; old.len()];
    let mut new_partner: Vec<Option<usize>> = vec![None; new.len()];
    for (pairing, identity) in identities {
        let keys = |items: &[T], partner: &[Option<usize>]| -> Vec<Option<String>> {
            items.iter().zip(partner).map(|(item, p)| if p.is_none() { identity(item) } else { None }).collect()
        };
        let (old_keys, new_keys) = (keys(old, &old_partner), keys(new, &new_partner));
        let mut waiting: HashMap<&String, VecDeque<usize>> = HashMap::new();
        for (j, key) in new_keys.iter().enumerate() {
            if let Some(key) = key {
                waiting.entry(key).or_default().push_back(j);
            }
        }
        let count = |keys: &[Option<String>], key: &String| keys.iter().filter(|k| k.as_ref() == Some(key)).count();
        for (i, key) in old_keys.iter().enumerate() {
            let Some(key) = key else { continue };
            if *pairing == Pairing::Unique && (count(&old_keys, key) != 1 || count(&new_keys, key) != 1) {
                continue;
            }
            if let Some(j) = waiting.get_mut(key).and_then(VecDeque::pop_front) {
                old_partner[i] = Some(j);
                new_partner[j] = Some(i);
            }
        }
    }
    Matching {
        pairs: new_partner.iter().enumerate().filter_map(|(j, p)| p.map(|i| (i, j))).collect(),
        removed: (0..old.len()).filter(|i| old_partner[*i].is_none()).collect(),
        added: (0..new.len()).filter(|j| new_partner[*j].is_none()).collect(),
    }
}

/// A short text for a value in a message: the string itself, or compact JSON.
pub(crate) fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_tries_identities_in_order() {
        let old = ["a", "b", "x1", "x2", "b"];
        let new = ["b", "c", "x3", "b"];
        let by_name: Identity<'_, &str> = &|s| Some((*s).to_owned());
        let by_letter: Identity<'_, &str> = &|s| Some(s[..1].to_owned());
        let m = match_items(&old, &new, &[(Pairing::InOrder, by_name), (Pairing::Unique, by_letter)]);
        assert_eq!(m.pairs, [(1, 0), (4, 3)], "duplicates pair in order; x3 has two candidates by letter");
        assert_eq!(m.removed, [0, 2, 3]);
        assert_eq!(m.added, [1, 2]);
    }
}
