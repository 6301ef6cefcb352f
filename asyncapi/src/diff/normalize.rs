//! Normalization: one form for documents that mean the same. The public [`normalize`] writes
//! a whole document in that form; the diff applies the same rules node by node as it walks,
//! so that it can still point into the documents as written.
//!
//! This file normalizes a document outside its schemas; one schema is normalized in
//! `normalize/schema.rs`, and `normalize/shared.rs` holds the helpers the diff uses too.

mod schema;
mod shared;

use serde_json::{Map, Value};

use super::Node;
pub(crate) use super::schema::keywords::{VALIDATION_KEYWORDS, accepts, discriminator, effective_types, unwrap_target};
use crate::model::{ChannelBindings, Operation, Reference};
use crate::pointer::{JsonPointer, follow_reference};
use shared::resolve;
pub(crate) use shared::{
    address_template, canonical_text, content_type, json_eq, json_schema_of, placeholders, reference_text, sort_keys,
};

/// How deep a schema may nest before it is compared (or normalized) as plain JSON: far
/// beyond real documents, and well within a thread's stack.
pub(crate) const MAX_DEPTH: usize = 128;

/// How many nodes [`normalize`] writes before it leaves the rest as written (references
/// included): a document whose references fan out (each schema using the next twice) would
/// otherwise grow exponentially. The largest document of the shared corpus needs about a
/// thousand.
const NODE_BUDGET: usize = 100_000;

/// The same for one schema normalized to be compared with another.
const SCHEMA_NODE_BUDGET: usize = 10_000;

/// The document `document` (a bundled AsyncAPI document, as [`Document::bundled`] gives it)
/// in normal form: two documents that mean the same normalize to equal values, and the
/// diff reports no change between them.
///
/// - traits are merged into their operations and messages;
/// - every `$ref` is replaced by what it designates, except references naming a channel, a
///   message of an operation or reply, or a server, which say *which* one and stay; a
///   reference back into a schema being inlined (a recursive schema) becomes a `$ref` to
///   where that schema now is in the output;
/// - `components` and `defaultContentType` go: what nothing uses is not contract, and the
///   default is written into every message that has no `contentType` (`application/json`
///   when there is no default either);
/// - an operation without `messages` lists every message of its channel, and a reply
///   without `channel` names its operation's; lists of
///   references, `required`, `enum` and the members of `allOf`, `anyOf` and `oneOf` are
///   sorted, so their order does not matter;
/// - in a schema: `const: x` becomes `enum: [x]`; `type` is always a list (`integer` goes
///   when `number` is there, and a schema with an `enum` gets the types of its values);
///   `anyOf`/`oneOf` of a schema and `{type: "null"}` becomes that schema with `null`
///   allowed; an `allOf`, `anyOf` or `oneOf` of one schema becomes that schema; `true`
///   becomes `{}`; `items`, `additionalProperties` and `propertyNames` that allow anything
///   go; an AsyncAPI or JSON Schema multi-format schema becomes its `schema`;
/// - empty lists and maps go (outside schemas, and `required`/`properties` in them), and
///   every object's keys are sorted.
///
/// A document whose references multiply (each schema using the next twice, or a reference
/// back to an enclosing object outside schemas) would grow without bound: past 100,000
/// nodes written, what remains is written as `null`. The largest document of the shared
/// corpus needs about a thousand.
///
/// `docs/DIFF.md` gives the reason for each.
///
/// ```
/// use serde_json::json;
/// use tidings_asyncapi::diff::normalize;
///
/// let a = json!({"channels": {"c": {"messages": {"m": {"payload": {"const": "x"}}}}}});
/// let b = json!({"defaultContentType": "application/json",
///                "channels": {"c": {"messages": {"m": {"payload": {"enum": ["x"], "type": "string"}}}}}});
/// assert_eq!(normalize(&a), normalize(&b));
/// ```
///
/// [`Document::bundled`]: crate::Document::bundled
pub fn normalize(document: &Value) -> Value {
    let applied = crate::traits::apply(document);
    Normalizer::new(&applied, NODE_BUDGET).document()
}

/// One schema of a document in normal form, as text: equal texts mean equal schemas.
pub(crate) fn schema_text(root: &Value, schema: &Value) -> String {
    canonical_text(&Normalizer::new(root, SCHEMA_NODE_BUDGET).schema(schema, 0))
}

struct Normalizer<'a> {
    root: &'a Value,
    /// Where the value being written goes in the output.
    path: Vec<String>,
    /// The schemas being inlined through a reference, outermost first: where each really
    /// is, and where it went in the output.
    stack: Vec<(JsonPointer, JsonPointer)>,
    /// How many more nodes may be written.
    budget: usize,
}

impl<'a> Normalizer<'a> {
    fn new(root: &'a Value, budget: usize) -> Self {
        Normalizer { root, path: Vec::new(), stack: Vec::new(), budget }
    }

    /// Runs `f` one level down the output, under `token`.
    fn within<T>(&mut self, token: impl Into<String>, f: impl FnOnce(&mut Self) -> T) -> T {
        self.path.push(token.into());
        let result = f(self);
        self.path.pop();
        result
    }

    /// Takes one node from the budget; false when it is spent.
    fn spend(&mut self) -> bool {
        self.budget = self.budget.saturating_sub(1);
        self.budget > 0
    }

    fn document(&mut self) -> Value {
        let Value::Object(root) = self.root else { return self.root.clone() };
        let mut out = Map::new();
        for (key, value) in root {
            let normalized = self.within(key.as_str(), |s| match key.as_str() {
                "channels" => s.each(value, Self::channel),
                "operations" => s.each(value, Self::operation),
                "servers" => s.each(value, Self::server),
                _ => s.field(key, value),
            });
            if !matches!(key.as_str(), "components" | "defaultContentType") {
                insert_unless_empty(&mut out, key, normalized);
            }
        }
        sorted(out)
    }

    fn each(&mut self, map: &Value, f: fn(&mut Self, &Value) -> Value) -> Value {
        let Value::Object(map) = map else { return map.clone() };
        let mut out = Map::new();
        for (key, value) in map {
            let value = self.within(key.as_str(), |s| f(s, value));
            out.insert(key.clone(), value);
        }
        sorted(out)
    }

    /// The fields of an object outside schemas, each through `f` (which may leave some
    /// to [`field`](Self::field)).
    fn object(&mut self, value: &Value, f: impl Fn(&mut Self, &str, &Value) -> Value) -> Option<Map<String, Value>> {
        let Value::Object(map) = resolve(self.root, value) else { return None };
        let mut out = Map::new();
        for (key, item) in map {
            let normalized = self.within(key.as_str(), |s| f(s, key, item));
            insert_unless_empty(&mut out, key, normalized);
        }
        Some(out)
    }

    /// A value outside schemas: references inlined, empty lists and maps dropped, keys sorted.
    fn general(&mut self, value: &Value) -> Value {
        // Documents nest a few levels outside schemas; this deep, references go round in circles.
        if self.path.len() > MAX_DEPTH || !self.spend() {
            return Value::Null;
        }
        match resolve(self.root, value) {
            Value::Array(items) => Value::Array(
                items.iter().enumerate().map(|(i, v)| self.within(i.to_string(), |s| s.general(v))).collect(),
            ),
            Value::Object(_) => self.object(value, Self::field).map_or(Value::Null, sorted),
            other => other.clone(),
        }
    }

    /// A field of an object outside schemas: data kept as written, tags sorted, the rest
    /// normalized.
    fn field(&mut self, key: &str, item: &Value) -> Value {
        match key {
            "examples" | "default" | "enum" | "const" => sort_keys(item),
            _ if key.starts_with("x-") => sort_keys(item),
            "tags" => self.alternatives(item),
            _ => self.general(item),
        }
    }

    fn channel(&mut self, value: &Value) -> Value {
        let channel = self.object(value, |s, key, item| match key {
            "messages" => s.each(item, Self::message),
            "servers" => sorted_references(item),
            "bindings" => s.bindings(item),
            _ => s.field(key, item),
        });
        channel.map_or_else(|| value.clone(), sorted)
    }

    /// Bindings: a channel's WebSocket `query` and `headers` are schemas.
    fn bindings(&mut self, value: &Value) -> Value {
        let mut out = self.general(value);
        let ws = crate::model::read::<ChannelBindings>(resolve(self.root, value)).and_then(|b| b.ws);
        let Some(ws) = ws else { return out };
        for (key, schema) in [("query", ws.query), ("headers", ws.headers)] {
            if let Some(schema) = schema
                && let Some(slot) = out.get_mut("ws").and_then(|ws| ws.get_mut(key))
            {
                *slot = self.within("ws", |s| s.within(key, |s| s.schema(&schema.0, 0)));
            }
        }
        out
    }

    fn message(&mut self, value: &Value) -> Value {
        let message = self.object(value, |s, key, item| match key {
            "payload" | "headers" => s.message_schema(item),
            "bindings" => s.bindings(item),
            _ => s.field(key, item),
        });
        let Some(mut message) = message else { return value.clone() };
        let written = Node::root(resolve(self.root, value));
        if written.value.is_object() {
            let default = Node::root(self.root).str("defaultContentType");
            message.insert("contentType".to_owned(), Value::from(content_type(written.str("contentType"), default)));
        }
        sorted(message)
    }

    /// A payload or headers: its JSON Schema, whether plain or multi-format.
    fn message_schema(&mut self, value: &Value) -> Value {
        match json_schema_of(self.root, value) {
            Some((_, schema)) => self.schema(schema, 0),
            None => self.general(value),
        }
    }

    fn operation(&mut self, value: &Value) -> Value {
        let operation = self.object(value, |s, key, item| match key {
            "channel" => reference_text(item).map_or_else(|| item.clone(), reference),
            "messages" => sorted_references(item),
            "reply" => s.reply(item),
            "security" => s.alternatives(item),
            _ => s.field(key, item),
        });
        let Some(mut out) = operation else { return value.clone() };
        let typed = crate::model::read::<Operation>(resolve(self.root, value));
        if let Some(Operation { channel: Reference { reference: channel }, messages, .. }) = typed {
            if messages.is_empty() {
                insert_unless_empty(&mut out, "messages", all_messages_of(self.root, &channel));
            }
            // A reply without a channel travels on its operation's.
            if let Some(Value::Object(reply)) = out.get_mut("reply")
                && !reply.contains_key("channel")
            {
                reply.insert("channel".to_owned(), reference(channel));
                *reply = match sorted(std::mem::take(reply)) {
                    Value::Object(map) => map,
                    _ => Map::new(),
                };
            }
        }
        sorted(out)
    }

    fn reply(&mut self, value: &Value) -> Value {
        let reply = self.object(value, |s, key, item| match key {
            "channel" => reference_text(item).map_or_else(|| item.clone(), reference),
            "messages" => sorted_references(item),
            _ => s.field(key, item),
        });
        reply.map_or_else(|| value.clone(), sorted)
    }

    fn server(&mut self, value: &Value) -> Value {
        let server = self.object(value, |s, key, item| match key {
            "security" => s.alternatives(item),
            _ => s.field(key, item),
        });
        server.map_or_else(|| value.clone(), sorted)
    }

    /// A list whose order and repetitions mean nothing (security alternatives, tags):
    /// normalized, sorted, each item once.
    fn alternatives(&mut self, value: &Value) -> Value {
        match self.general(value) {
            Value::Array(mut items) => {
                // Order and repetition mean nothing in a list of alternatives.
                items.sort_by_cached_key(canonical_text);
                items.dedup();
                Value::Array(items)
            }
            other => other,
        }
    }
}

fn reference(text: String) -> Value {
    serde_json::json!({ "$ref": text })
}

fn sorted_references(value: &Value) -> Value {
    let Some(items) = value.as_array() else { return value.clone() };
    let mut refs: Vec<String> = items.iter().filter_map(reference_text).collect();
    refs.sort();
    refs.dedup();
    Value::Array(refs.into_iter().map(reference).collect())
}

/// References to every message of the channel `channel` (a `$ref` to it) names.
fn all_messages_of(root: &Value, channel: &str) -> Value {
    let Some((_, resolved)) = follow_reference(root, channel) else { return Value::Array(vec![]) };
    let keys = Node::root(resolved).field("messages").and_then(Value::as_object).into_iter().flat_map(Map::keys);
    let base = channel.strip_suffix('/').unwrap_or(channel);
    let mut refs: Vec<String> =
        keys.map(|k| format!("{base}/messages/{}", k.replace('~', "~0").replace('/', "~1"))).collect();
    refs.sort();
    Value::Array(refs.into_iter().map(reference).collect())
}

fn sorted(map: Map<String, Value>) -> Value {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Object(entries.into_iter().collect())
}

fn insert_unless_empty(map: &mut Map<String, Value>, key: &str, value: Value) {
    let empty = match &value {
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    };
    if !empty {
        map.insert(key.to_owned(), value);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema_of(payload: Value) -> Value {
        let doc = json!({"channels": {"c": {"messages": {"m": {"payload": payload}}}}});
        normalize(&doc).pointer("/channels/c/messages/m/payload").cloned().unwrap_or(Value::Null)
    }

    #[test]
    fn nullable_forms_are_one() {
        let expected = json!({"type": ["null", "string"]});
        for form in [
            json!({"type": ["string", "null"]}),
            json!({"anyOf": [{"type": "string"}, {"type": "null"}]}),
            json!({"oneOf": [{"type": "null"}, {"type": "string"}]}),
            json!({"anyOf": [{"type": "string"}, {"const": null}]}),
        ] {
            let normalized = schema_of(form.clone());
            let mut types: Vec<&str> =
                normalized["type"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            types.sort_unstable();
            assert_eq!(types, ["null", "string"], "{form}");
        }
        assert_eq!(schema_of(json!({"type": ["null", "string"]})), expected);
    }

    #[test]
    fn const_is_a_one_value_enum_and_types_follow_the_values() {
        assert_eq!(schema_of(json!({"const": "x"})), json!({"enum": ["x"], "type": ["string"]}));
        assert_eq!(schema_of(json!({"type": ["integer", "number"]})), json!({"type": ["number"]}));
        assert_eq!(schema_of(json!(true)), Value::Null, "an empty payload goes");
    }

    #[test]
    fn recursive_schemas_terminate_with_a_reference_to_their_copy() {
        let doc = json!({
            "channels": {"c": {"messages": {"m": {"payload": {"$ref": "#/components/schemas/Node"}}}}},
            "components": {"schemas": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}}}
        });
        let normalized = normalize(&doc);
        assert_eq!(
            normalized.pointer("/channels/c/messages/m/payload/properties/next"),
            Some(&json!({"$ref": "#/channels/c/messages/m/payload"}))
        );
        assert!(normalized.get("components").is_none());
    }

    #[test]
    fn address_templates_ignore_parameter_names() {
        assert_eq!(address_template("/rooms/{id}/x"), "/rooms/{}/x");
        assert_eq!(placeholders("/a/{x}/{y}"), ["x", "y"]);
    }
}
