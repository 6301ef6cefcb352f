//! Normalization: one form for documents that mean the same. The public [`normalize`] writes
//! a whole document in that form; the diff applies the same rules node by node as it walks,
//! so that it can still point into the documents as written.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::model::SchemaFormat;
use crate::pointer::{JsonPointer, follow_reference};

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

/// The content type of a message that names none in a document that names no default:
/// tidings frames are JSON.
pub(crate) const DEFAULT_CONTENT_TYPE: &str = "application/json";

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

    fn bindings(&mut self, value: &Value) -> Value {
        let mut out = self.general(value);
        let resolved = resolve(self.root, value);
        for key in ["query", "headers"] {
            if let Some(schema) = resolved.get("ws").and_then(|ws| ws.get(key))
                && let Some(slot) = out.get_mut("ws").and_then(|ws| ws.get_mut(key))
            {
                *slot = self.within("ws", |s| s.within(key, |s| s.schema(schema, 0)));
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
        if let Some(written) = resolve(self.root, value).as_object() {
            message.insert("contentType".to_owned(), Value::from(content_type(self.root, written)));
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
        let listed = out.get("messages").and_then(Value::as_array).is_some_and(|m| !m.is_empty());
        let channel = resolve(self.root, value).get("channel").and_then(reference_text);
        if let Some(channel) = channel {
            if !listed {
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

    /// One schema, `depth` schemas deep.
    fn schema(&mut self, value: &Value, depth: usize) -> Value {
        if !self.spend() {
            return Value::Null;
        }
        let (value, target) = match value.get("$ref").and_then(Value::as_str) {
            Some(r) => match follow_reference(self.root, r) {
                Some((target, resolved)) => (resolved, Some(target)),
                None => return sort_keys(value),
            },
            None => (value, None),
        };
        let inlined = target.is_some();
        if let Some(target) = target {
            if let Some((_, there)) = self.stack.iter().find(|(written, _)| *written == target) {
                return serde_json::json!({ "$ref": there.to_fragment() });
            }
            self.stack.push((target, JsonPointer::from_tokens(self.path.iter().cloned())));
        }
        let normalized = self.schema_object(value, depth);
        if inlined {
            self.stack.pop();
        }
        normalized
    }

    fn schema_object(&mut self, value: &Value, depth: usize) -> Value {
        let map = match value {
            Value::Bool(true) => return Value::Object(Map::new()),
            Value::Object(map) if depth < MAX_DEPTH => map,
            other => return sort_keys(other),
        };
        let normalized = match unwrap_target(self.root, map) {
            Some((keyword, index, null_added)) => {
                let inner_value = map.get(keyword).and_then(|v| v.get(index)).unwrap_or(&Value::Null);
                // The member takes the wrapper's place in the output.
                let mut merged = match self.schema(inner_value, depth + 1) {
                    Value::Object(inner) => inner,
                    // The member is `false` or a cycle marker: keep the wrapper as written.
                    _ => self.keywords(map, depth, None),
                };
                for (key, value) in self.keywords(map, depth, Some(keyword)) {
                    merged.entry(key).or_insert(value);
                }
                if null_added {
                    add_null(&mut merged);
                }
                merged
            }
            None => self.keywords(map, depth, None),
        };
        Value::Object(canonical_schema(normalized))
    }

    fn keywords(&mut self, map: &Map<String, Value>, depth: usize, skip: Option<&str>) -> Map<String, Value> {
        let mut result = Map::new();
        for (key, value) in map {
            if Some(key.as_str()) == skip {
                continue;
            }
            let normalized = self.within(key.as_str(), |s| s.keyword(key, value, depth));
            if let Some(normalized) = normalized {
                result.insert(key.clone(), normalized);
            }
        }
        result
    }

    /// One keyword of a schema; `None` when it says nothing (`required: []`, `items: {}`).
    fn keyword(&mut self, key: &str, value: &Value, depth: usize) -> Option<Value> {
        let empty = Value::Object(Map::new());
        let schemas = |s: &mut Self, value: &Value| -> Vec<Value> {
            let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
            items.iter().enumerate().map(|(i, item)| s.within(i.to_string(), |s| s.schema(item, depth + 1))).collect()
        };
        Some(match key {
            "properties" | "patternProperties" | "definitions" | "$defs" | "dependencies" => {
                let Value::Object(entries) = value else { return Some(sort_keys(value)) };
                let mut normalized = Map::new();
                for (name, entry) in entries {
                    let entry = match entry {
                        Value::Array(_) => sorted_strings(entry),
                        _ => self.within(name.as_str(), |s| s.schema(entry, depth + 1)),
                    };
                    normalized.insert(name.clone(), entry);
                }
                if normalized.is_empty() {
                    return None;
                }
                sorted(normalized)
            }
            "items" if value.is_array() => Value::Array(schemas(self, value)),
            "allOf" | "anyOf" | "oneOf" => {
                let members = schemas(self, value);
                Value::Array(self.sorted_members(members))
            }
            "items" | "additionalItems" | "additionalProperties" | "propertyNames" | "then" | "else" => {
                Some(self.schema(value, depth + 1)).filter(|s| *s != empty)?
            }
            "contains" | "not" | "if" => self.schema(value, depth + 1),
            "required" => Some(sorted_strings(value)).filter(|r| r.as_array().is_none_or(|r| !r.is_empty()))?,
            "enum" => sorted_values(value),
            "discriminator" => discriminator(value).map_or_else(|| value.clone(), Value::from),
            _ => sort_keys(value),
        })
    }

    /// The members of an `allOf`/`anyOf`/`oneOf` (already under the keyword in the output),
    /// sorted, with the cycle markers that pointed at a member moved with it.
    fn sorted_members(&self, members: Vec<Value>) -> Vec<Value> {
        let mut order: Vec<(String, usize, Value)> =
            members.into_iter().enumerate().map(|(i, m)| (canonical_text(&m), i, m)).collect();
        order.sort_by(|a, b| a.0.cmp(&b.0));
        let here = JsonPointer::from_tokens(self.path.iter().cloned());
        order
            .into_iter()
            .enumerate()
            .map(|(to, (_, from, mut member))| {
                if from != to {
                    let (old, new) =
                        (here.join(from.to_string()).to_fragment(), here.join(to.to_string()).to_fragment());
                    move_markers(&mut member, &old, &new);
                }
                member
            })
            .collect()
    }
}

/// Rewrites the cycle markers (`{"$ref": ...}`) under `value` that point at `old` or below
/// it to point at `new` instead.
fn move_markers(value: &mut Value, old: &str, new: &str) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get_mut("$ref")
                && let Some(rest) = target.strip_prefix(old)
                && (rest.is_empty() || rest.starts_with('/'))
            {
                *target = format!("{new}{rest}");
            }
            map.values_mut().for_each(|v| move_markers(v, old, new));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| move_markers(v, old, new)),
        _ => {}
    }
}

/// `const` into `enum`, `type` from the enum's values, keys sorted.
fn canonical_schema(mut map: Map<String, Value>) -> Map<String, Value> {
    if let Some(constant) = map.remove("const") {
        let allowed = match map.get("enum").and_then(Value::as_array) {
            Some(values) if !values.iter().any(|v| json_eq(v, &constant)) => vec![],
            _ => vec![constant],
        };
        map.insert("enum".to_owned(), Value::Array(allowed));
    }
    let enumerated = map.get("enum").and_then(Value::as_array).map(Vec::as_slice);
    match effective_types(map.get("type"), enumerated, false) {
        Some(types) => {
            map.insert("type".to_owned(), types.into_iter().map(Value::from).collect());
        }
        None => {
            map.remove("type");
        }
    }
    if let Some(values) = map.get("enum") {
        let sorted = sorted_values(values);
        map.insert("enum".to_owned(), sorted);
    }
    match sorted(map) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn add_null(map: &mut Map<String, Value>) {
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.iter().any(Value::is_null)
    {
        values.push(Value::Null);
    }
    match map.get_mut("type") {
        Some(Value::Array(types)) if !types.iter().any(|t| t == "null") => types.push(Value::from("null")),
        Some(t @ Value::String(_)) if t != "null" => *t = Value::Array(vec![t.clone(), Value::from("null")]),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------
// Helpers the diff shares.

/// JSON equality where numbers compare by value (`1` equals `1.0`) and key order never
/// matters.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The JSON type of a value, `integer` for whole numbers.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The schema keywords that constrain values (draft 07 and AsyncAPI's `discriminator`);
/// every other keyword annotates.
pub(crate) const VALIDATION_KEYWORDS: &[&str] = &[
    "type",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "uniqueItems",
    "pattern",
    "format",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "propertyNames",
    "dependencies",
    "items",
    "additionalItems",
    "contains",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "discriminator",
];

const TYPES: [&str; 7] = ["null", "boolean", "object", "array", "number", "string", "integer"];

/// Whether a set of types lets a value of type `t` through (`number` takes integers).
pub(crate) fn accepts(types: &BTreeSet<&'static str>, t: &str) -> bool {
    types.contains(t) || (t == "integer" && types.contains("number"))
}

/// The types a schema allows, from its `type` and `enum` (and `null` when a nullable
/// wrapper added it); `None` when any type is allowed.
pub(crate) fn effective_types(
    declared: Option<&Value>,
    enumerated: Option<&[Value]>,
    null_added: bool,
) -> Option<BTreeSet<&'static str>> {
    let declared: Option<BTreeSet<&'static str>> = declared.map(|t| {
        let names: Vec<&Value> = match t {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        TYPES.iter().copied().filter(|known| names.iter().any(|n| n.as_str() == Some(known))).collect()
    });
    let mut types = match (declared, enumerated) {
        (declared, Some(values)) => {
            values.iter().map(kind).filter(|k| declared.as_ref().is_none_or(|d| accepts(d, k))).collect()
        }
        (Some(mut declared), None) => {
            if null_added {
                declared.insert("null");
            }
            declared
        }
        (None, None) => return None,
    };
    if types.contains("number") {
        types.remove("integer");
    }
    Some(types)
}

/// Whether a schema allows `null` alone.
fn is_null_schema(root: &Value, schema: &Value) -> bool {
    let schema = resolve(root, schema);
    let null_type = match schema.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => ts.len() == 1 && ts[0] == "null",
        _ => false,
    };
    let null_enum = schema.get("enum").and_then(Value::as_array).is_some_and(|v| v.len() == 1 && v[0].is_null());
    null_type || null_enum || schema.get("const").is_some_and(Value::is_null)
}

/// The member of a schema's `allOf`/`anyOf`/`oneOf` that stands for the whole schema: the
/// only member of a one-member list, or the non-null member of a nullable pair (then
/// `null_added`). `(keyword, index, null_added)`.
pub(crate) fn unwrap_target(root: &Value, map: &Map<String, Value>) -> Option<(&'static str, usize, bool)> {
    let present: Vec<&'static str> =
        ["allOf", "anyOf", "oneOf"].into_iter().filter(|k| map.get(*k).is_some_and(Value::is_array)).collect();
    let [keyword] = present.as_slice() else { return None };
    // A wrapper with constraints of its own is a conjunction, not a stand-in.
    if map.keys().any(|k| k != keyword && VALIDATION_KEYWORDS.contains(&k.as_str())) {
        return None;
    }
    let items = map.get(*keyword).and_then(Value::as_array)?;
    match items.as_slice() {
        [_] => Some((keyword, 0, false)),
        [a, b] if *keyword != "allOf" => match (is_null_schema(root, a), is_null_schema(root, b)) {
            (false, true) => Some((keyword, 0, true)),
            (true, false) => Some((keyword, 1, true)),
            _ => None,
        },
        _ => None,
    }
}

/// A value with a `$ref` replaced by what it designates (as written when it leads nowhere).
pub(crate) fn resolve<'v>(root: &'v Value, value: &'v Value) -> &'v Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => follow_reference(root, r).map_or(value, |(_, v)| v),
        None => value,
    }
}

/// A channel address with its parameter names left out: `/rooms/{}` for `/rooms/{id}`.
pub(crate) fn address_template(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut inside = false;
    for c in address.chars() {
        match c {
            '{' => {
                inside = true;
                out.push('{');
            }
            '}' if inside => {
                inside = false;
                out.push('}');
            }
            _ if inside => {}
            c => out.push(c),
        }
    }
    out
}

/// The parameter names of an address, in order.
pub(crate) fn placeholders(address: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = address;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        out.push(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    out
}

/// A message's content type: its own, else the document's default, else JSON.
pub(crate) fn content_type(root: &Value, message: &Map<String, Value>) -> String {
    message
        .get("contentType")
        .or_else(|| root.get("defaultContentType"))
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_CONTENT_TYPE)
        .to_owned()
}

/// A payload or headers value that holds JSON Schema: the schema, and whether it sits under
/// a multi-format `schema`. `None` for schemas in other formats.
pub(crate) fn json_schema_of<'v>(root: &'v Value, value: &'v Value) -> Option<(bool, &'v Value)> {
    let resolved = resolve(root, value);
    match resolved.get("schemaFormat").and_then(Value::as_str) {
        None => Some((false, value)),
        Some(format) if SchemaFormat::parse(format).is_some_and(SchemaFormat::is_json_schema) => {
            Some((true, resolved.get("schema").unwrap_or(&Value::Bool(true))))
        }
        Some(_) => None,
    }
}

/// The property a `discriminator` names (a string in AsyncAPI 3; `{propertyName}` in
/// OpenAPI, accepted too).
pub(crate) fn discriminator(value: &Value) -> Option<&str> {
    value.as_str().or_else(|| value.get("propertyName").and_then(Value::as_str))
}

/// A `$ref` string, when the value is a Reference Object.
pub(crate) fn reference_text(value: &Value) -> Option<String> {
    value.get("$ref").and_then(Value::as_str).map(str::to_owned)
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
    let keys = resolved.get("messages").and_then(Value::as_object).into_iter().flat_map(Map::keys);
    let base = channel.strip_suffix('/').unwrap_or(channel);
    let mut refs: Vec<String> =
        keys.map(|k| format!("{base}/messages/{}", k.replace('~', "~0").replace('/', "~1"))).collect();
    refs.sort();
    Value::Array(refs.into_iter().map(reference).collect())
}

fn sorted_strings(value: &Value) -> Value {
    let Some(items) = value.as_array() else { return value.clone() };
    let mut strings: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
    strings.sort_unstable();
    strings.dedup();
    strings.into_iter().map(Value::from).collect()
}

fn sorted_values(value: &Value) -> Value {
    let Some(items) = value.as_array() else { return value.clone() };
    let mut values: Vec<Value> = Vec::new();
    for item in items {
        if !values.iter().any(|v| json_eq(v, item)) {
            values.push(sort_keys(item));
        }
    }
    values.sort_by_cached_key(canonical_text);
    Value::Array(values)
}

/// A value's JSON text with keys sorted: a total order for sorting lists whose order does
/// not matter.
pub(crate) fn canonical_text(value: &Value) -> String {
    sort_keys(value).to_string()
}

/// A copy of a data value with every object's keys sorted.
pub(crate) fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().filter_map(|k| Some((k.clone(), sort_keys(map.get(k)?)))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
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
