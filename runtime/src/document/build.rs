//! Assembling the document: info and servers from the [`DocumentConfig`], then per channel
//! its object, messages (payloads reconciled with the contract), operations, replies on other
//! channels, security schemes, and the error frame, written once in `components`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;

use serde_json::{Map, Value, json};

use super::reconcile::Reconciler;
use super::{DocumentConfig, DocumentServer, ERROR_FRAME_EXTENSION, free_name, mount_address, reference};
use crate::descriptor::{Action, ChannelDescriptor, Encoding, MessageDescriptor, OperationDescriptor};

/// A JSON object.
type Object = Map<String, Value>;

/// Builds the document of the channels `descriptors` describe, each at its mount address;
/// `listening` names the default server when the configuration has none.
pub(crate) fn build(
    config: &DocumentConfig,
    descriptors: impl IntoIterator<Item = &'static ChannelDescriptor>,
    listening: Option<SocketAddr>,
) -> Value {
    let addresses: Vec<(String, &'static ChannelDescriptor)> =
        descriptors.into_iter().map(|descriptor| (mount_address(descriptor), descriptor)).collect();
    let channels: Vec<(&str, &'static ChannelDescriptor)> =
        addresses.iter().map(|(address, descriptor)| (address.as_str(), *descriptor)).collect();
    let keys = Keys { camelize: config.camelize };
    let mut generator = schemars::generate::SchemaSettings::draft07()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            // Every named Rust type is a named schema, referred to where it is used: what
            // generators of models and clients name their types after.
            s.inline_subschemas = false;
            // schemars' draft-07 rewrites are applied to its own schemas alone, before the
            // contract's words join them: a contract's `prefixItems` is carried as written.
            s.transforms.clear();
        })
        .into_generator();
    let mut reconciled = HashSet::new();
    // Every real type's schema first, so that the names schemars gives them are all taken
    // before the contract's recursive schemas are named beside them.
    let real: Vec<Vec<Option<Value>>> = channels
        .iter()
        .map(|(_, descriptor)| descriptor.messages.iter().map(|m| real_schema(m, &mut generator)).collect())
        .collect();
    for definition in generator.definitions_mut().values_mut() {
        to_draft07(definition);
    }
    let mut components = Components::default();

    let mut document = Map::new();
    document.insert("asyncapi".into(), "3.0.0".into());
    let mut info = Map::new();
    info.insert("title".into(), config.title.clone().into());
    info.insert("version".into(), config.version.clone().into());
    insert_text(&mut info, "description", config.description.as_deref());
    info.extend(config.info_extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    document.insert("info".into(), info.into());
    document.insert("defaultContentType".into(), "application/json".into());
    document.extend(config.root_extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    document.insert("servers".into(), servers(config, listening));

    let mut channel_objects = Map::new();
    // Reply messages the contract documents on another served channel: channel, key, message.
    let mut to_served: Vec<(String, String, Value)> = Vec::new();
    let mut operations = Map::new();
    let mut schemes = BTreeMap::new();
    for ((address, descriptor), real) in channels.iter().zip(real) {
        let channel_key = keys.of(descriptor.name);
        let served = |name: &str| channels.iter().any(|(_, d)| d.name == name);
        // Replies the contract documents on channels that are not served here: those
        // channels are written too, each with its reply messages.
        let listed: HashSet<&str> = descriptor.operations.iter().flat_map(|o| o.messages.iter().copied()).collect();
        let mut elsewhere: BTreeMap<&str, (Object, Object)> = BTreeMap::new();
        let mut moved: HashMap<&str, &str> = HashMap::new();
        // Reply messages an operation of this channel lists too: they stay here, and the
        // reply's channel refers to them.
        let mut shared: Vec<(&str, &str)> = Vec::new();
        for reply in descriptor.operations.iter().filter_map(|o| o.reply.as_ref()) {
            let Some(name) = reply.channel.filter(|name| *name != descriptor.name) else { continue };
            if !served(name) {
                let Some(object) = reply.channel_object else { continue };
                let object = serde_json::from_str::<Map<String, Value>>(object).unwrap_or_default();
                elsewhere.entry(name).or_insert((object, Map::new()));
            }
            for message in reply.messages {
                if listed.contains(message) {
                    shared.push((message, name));
                } else {
                    moved.insert(message, name);
                }
            }
        }
        let mut messages = Map::new();
        for (message, real) in descriptor.messages.iter().zip(real) {
            let payload = payload(message, real, &mut generator, &mut reconciled);
            let key = keys.of(message.key);
            let object = components.message(&key, message_object(message, payload).into());
            match moved.get(message.key) {
                Some(name) => match elsewhere.get_mut(name) {
                    Some((_, their_messages)) => {
                        their_messages.insert(key, object);
                    }
                    None => to_served.push((keys.of(name), key, object)),
                },
                None => {
                    messages.insert(key, object);
                }
            }
        }
        for (message, name) in shared {
            let Some(here) = messages.get(&keys.of(message)).cloned() else { continue };
            match elsewhere.get_mut(name) {
                Some((_, their_messages)) => {
                    their_messages.insert(keys.of(message), here);
                }
                None => to_served.push((keys.of(name), keys.of(message), here)),
            }
        }
        for operation in descriptor.operations {
            // A reply on another channel is documented there when that channel is served;
            // otherwise on this one, which is where the runtime sends it.
            let reply_channel = operation.reply.as_ref().map(|reply| {
                reply
                    .channel
                    .filter(|name| served(name) || elsewhere.contains_key(name))
                    .map_or_else(|| channel_key.clone(), |name| keys.of(name))
            });
            let object = operation_object(operation, &channel_key, reply_channel.as_deref(), &keys);
            // Code-first channels name their operations after their methods, so two channels
            // may both have a `receivePing`: the second is `receivePing2`, none is lost.
            let mut key = keys.of(operation.name);
            let mut number = 2;
            while operations.contains_key(&key) {
                key = format!("{}{number}", keys.of(operation.name));
                number += 1;
            }
            operations.insert(key, object.into());
        }
        if config.error_frames && !descriptor.messages.iter().any(|m| m.key == "error" || m.tag == Some("error")) {
            // One message in `components` per discriminator property: `error`, `error2`, ...
            let error = components.error(descriptor.discriminator, generator.definitions_mut());
            messages.insert("error".into(), error);
            let mut key = keys.of(&format!("{}Error", descriptor.name));
            while operations.contains_key(&key) {
                key.push('_');
            }
            operations.insert(key, error_operation(&channel_key));
        }
        channel_objects.insert(channel_key, channel_object(address, descriptor, messages).into());
        for (name, (mut object, their_messages)) in elsewhere {
            // Several channels may reply on the same one: its messages are all of theirs.
            match channel_objects.get_mut(&keys.of(name)).and_then(|c| c.get_mut("messages")) {
                Some(Value::Object(messages)) => {
                    for (key, message) in their_messages {
                        messages.entry(key).or_insert(message);
                    }
                }
                _ => {
                    object.insert("messages".into(), their_messages.into());
                    channel_objects.insert(keys.of(name), object.into());
                }
            }
        }
        for scheme in descriptor.security {
            let mut object = Map::new();
            object.insert("type".into(), scheme.scheme_type.into());
            insert_text(&mut object, "name", scheme.name);
            insert_text(&mut object, "in", scheme.location);
            insert_text(&mut object, "scheme", scheme.scheme);
            insert_text(&mut object, "description", scheme.description);
            if let Ok(Value::Object(extra)) = serde_json::from_str::<Value>(scheme.extra) {
                object.extend(extra);
            }
            schemes.insert(scheme.key, Value::from(object));
        }
    }
    for (channel, key, message) in to_served {
        if let Some(Value::Object(messages)) = channel_objects.get_mut(&channel).and_then(|c| c.get_mut("messages")) {
            messages.entry(key).or_insert(message);
        }
    }
    document.insert("channels".into(), channel_objects.into());
    document.insert("operations".into(), operations.into());

    let definitions = generator.take_definitions(false);
    for (key, scheme) in &config.security_schemes {
        schemes.entry(key.as_str()).or_insert_with(|| scheme.clone());
    }
    let mut document_components = Map::new();
    if !definitions.is_empty() {
        document_components.insert("schemas".into(), definitions.into());
    }
    if !components.messages.is_empty() {
        document_components.insert("messages".into(), components.messages.into());
    }
    if !schemes.is_empty() {
        let schemes = schemes.into_iter().map(|(k, v)| (k.to_owned(), v));
        document_components.insert("securitySchemes".into(), schemes.collect());
    }
    if !document_components.is_empty() {
        document.insert("components".into(), document_components.into());
    }
    Value::Object(document)
}

/// The schema schemars gives a message's payload type: a reference for a named type. `None`
/// for a message without a type (binary, or any JSON value).
fn real_schema(message: &MessageDescriptor, generator: &mut schemars::generate::SchemaGenerator) -> Option<Value> {
    match (message.encoding, message.payload_schema) {
        (Encoding::Json, Some(schema_of)) => {
            let mut schema = Value::from(schema_of(generator));
            to_draft07(&mut schema);
            Some(schema)
        }
        _ => None,
    }
}

/// Rewrites what schemars writes in later drafts' words (`prefixItems` of a tuple,
/// `unevaluatedProperties` of a flattened struct) in draft-07's, which the document's
/// schemas follow.
fn to_draft07(schema: &mut Value) {
    use schemars::transform::{ReplacePrefixItems, ReplaceUnevaluatedProperties, Transform};
    // Nearly every schema has neither: a walk that only compares keys is much cheaper than
    // the two transforms' own walks, which look each keyword up by hash at every level.
    if !has_key(schema, &["unevaluatedProperties", "prefixItems"]) {
        return;
    }
    if let Ok(schema) = <&mut schemars::Schema>::try_from(schema) {
        ReplaceUnevaluatedProperties::default().transform(schema);
        ReplacePrefixItems::default().transform(schema);
    }
}

/// Whether any object within `value` has one of `keys` (property names included, which at
/// worst costs a needless transform).
fn has_key(value: &Value, keys: &[&str]) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, child)| keys.contains(&key.as_str()) || has_key(child, keys)),
        Value::Array(items) => items.iter().any(|item| has_key(item, keys)),
        _ => false,
    }
}

/// A message's payload schema: the real type's, with the contract's laid over it, or the
/// contract's own for a message without a type.
fn payload(
    message: &MessageDescriptor,
    real: Option<Value>,
    generator: &mut schemars::generate::SchemaGenerator,
    reconciled: &mut HashSet<String>,
) -> Value {
    match real {
        Some(mut real) => {
            Reconciler { definitions: generator.definitions_mut(), done: reconciled }.reconcile(
                &mut real,
                &message.schema,
                &message.schema,
            );
            real
        }
        None => message.schema.to_value(),
    }
}

/// The document's `components/messages`: each message under its key in the channel where
/// that names no other message, else under the key with the next free number (`ping2`), and
/// the error message once per discriminator property.
#[derive(Default)]
struct Components<'d> {
    messages: Map<String, Value>,
    /// For each key, how many messages were written under it or its numbered forms.
    taken: HashMap<String, usize>,
    /// The error message's reference, by the discriminator property it is written with.
    errors: Vec<(Option<&'d str>, Value)>,
}

impl<'d> Components<'d> {
    /// A reference to `message`, added under `key` or the next free numbered form of it.
    /// Messages of different channels are not compared (they rarely agree, and comparing each
    /// with every other of its key is quadratic in the channels).
    fn message(&mut self, key: &str, message: Value) -> Value {
        // Component keys are letters, digits, `.`, `-` and `_`.
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        let key: String = if key.chars().all(allowed) {
            key.to_owned()
        } else {
            key.chars().map(|c| if allowed(c) { c } else { '_' }).collect()
        };
        let count = match self.taken.get_mut(&key) {
            Some(count) => count,
            None => self.taken.entry(key.clone()).or_insert(0),
        };
        let mut name = key.clone();
        while self.messages.contains_key(&name) {
            *count += 1;
            name = format!("{key}{}", *count + 1);
        }
        let reference = reference(["components", "messages", &name]);
        self.messages.insert(name, message);
        json!({ "$ref": reference })
    }

    /// A reference to the error message of channels whose discriminator is `discriminator`,
    /// written the first time (its payload named in `definitions`).
    fn error(&mut self, discriminator: Option<&'d str>, definitions: &mut Map<String, Value>) -> Value {
        if let Some((_, reference)) = self.errors.iter().find(|(d, _)| *d == discriminator) {
            return reference.clone();
        }
        let payload = error_payload(discriminator, definitions);
        let reference = self.message("error", error_message(payload));
        self.errors.push((discriminator, reference.clone()));
        reference
    }
}

/// An operation of a served channel; `reply_channel` is the document's key of the channel its
/// reply is documented on.
fn operation_object(
    operation: &OperationDescriptor,
    channel_key: &str,
    reply_channel: Option<&str>,
    keys: &Keys,
) -> Map<String, Value> {
    // Room for what nearly every operation has, so the map is not regrown as it fills.
    let mut object = Map::with_capacity(8);
    object.insert("action".into(), action(operation.action).into());
    object.insert("channel".into(), json!({"$ref": reference(["channels", channel_key])}));
    insert_text(&mut object, "title", operation.title);
    insert_text(&mut object, "summary", operation.summary);
    insert_text(&mut object, "description", operation.description);
    if !operation.security.is_empty() {
        let refs =
            operation.security.iter().map(|key| json!({"$ref": reference(["components", "securitySchemes", key])}));
        object.insert("security".into(), refs.collect());
    }
    if !operation.tags.is_empty() {
        object.insert("tags".into(), operation.tags.iter().map(|name| json!({"name": name})).collect());
    }
    object.insert("messages".into(), message_refs(channel_key, operation.messages, keys));
    if let (Some(reply), Some(reply_channel)) = (&operation.reply, reply_channel) {
        let mut object_reply = Map::new();
        object_reply.insert("channel".into(), json!({"$ref": reference(["channels", reply_channel])}));
        object_reply.insert("messages".into(), message_refs(reply_channel, reply.messages, keys));
        object.insert("reply".into(), object_reply.into());
    }
    merge_extra(&mut object, operation.extra, &[]);
    object
}

/// The operation by which a channel sends its error frame.
fn error_operation(channel_key: &str) -> Value {
    let channel_ref = reference(["channels", channel_key]);
    json!({
        "action": "send",
        "channel": {"$ref": channel_ref},
        "summary": "Tells the peer that one of its frames could not be handled; the connection stays open.",
        "messages": [{"$ref": format!("{channel_ref}/messages/error")}],
        ERROR_FRAME_EXTENSION: true,
    })
}

fn action(action: Action) -> &'static str {
    match action {
        Action::Send => "send",
        Action::Receive => "receive",
    }
}

fn insert_text(object: &mut Map<String, Value>, key: &str, text: Option<&str>) {
    if let Some(text) = text {
        object.insert(key.to_owned(), text.into());
    }
}

fn message_refs(channel_key: &str, messages: &[&str], keys: &Keys) -> Value {
    messages.iter().map(|m| json!({"$ref": reference(["channels", channel_key, "messages", &keys.of(m)])})).collect()
}

fn servers(config: &DocumentConfig, listening: Option<SocketAddr>) -> Value {
    let default;
    let servers = if config.servers.is_empty() {
        let Some(addr) = listening else { return Value::Object(Map::new()) };
        default = [DocumentServer::new("default", &format!("ws://{addr}"))];
        &default[..]
    } else {
        &config.servers[..]
    };
    let mut out = Map::new();
    for server in servers {
        let mut object = Map::new();
        object.insert("host".into(), server.host.clone().into());
        object.insert("protocol".into(), server.protocol.clone().into());
        insert_text(&mut object, "pathname", server.pathname.as_deref());
        insert_text(&mut object, "description", server.description.as_deref());
        object.extend(server.extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        out.insert(server.name.clone(), object.into());
    }
    Value::Object(out)
}

fn channel_object(address: &str, descriptor: &ChannelDescriptor, messages: Map<String, Value>) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("address".into(), address.into());
    insert_text(&mut object, "title", descriptor.title);
    insert_text(&mut object, "summary", descriptor.summary);
    insert_text(&mut object, "description", descriptor.description);
    if !descriptor.parameters.is_empty() {
        let parameters = descriptor.parameters.iter().map(|p| {
            let mut object = Map::new();
            if !p.allowed.is_empty() {
                object.insert("enum".into(), p.allowed.iter().copied().collect());
            }
            insert_text(&mut object, "default", p.default);
            insert_text(&mut object, "description", p.description);
            if !p.examples.is_empty() {
                object.insert("examples".into(), p.examples.iter().copied().collect());
            }
            insert_text(&mut object, "location", p.location);
            (p.name.to_owned(), Value::Object(object))
        });
        object.insert("parameters".into(), parameters.collect());
    }
    object.insert("messages".into(), messages.into());
    if let Some(bindings) = descriptor.bindings.and_then(|b| serde_json::from_str::<Value>(b).ok()) {
        object.insert("bindings".into(), bindings);
    }
    merge_extra(&mut object, descriptor.extra, &[]);
    object
}

/// Adds what a descriptor's `extra` holds: fields not set already, and the `preferred` ones
/// in the contract's own form.
fn merge_extra(object: &mut Map<String, Value>, extra: &str, preferred: &[&str]) {
    if extra == "{}" {
        return;
    }
    let Ok(Value::Object(extra)) = serde_json::from_str::<Value>(extra) else { return };
    for (key, value) in extra {
        if preferred.contains(&key.as_str()) {
            object.insert(key, value);
        } else {
            object.entry(key).or_insert(value);
        }
    }
}

fn message_object(message: &MessageDescriptor, payload: Value) -> Map<String, Value> {
    let mut object = Map::with_capacity(8);
    insert_text(&mut object, "name", message.name);
    insert_text(&mut object, "title", message.title);
    insert_text(&mut object, "summary", message.summary);
    insert_text(&mut object, "description", message.description);
    insert_text(&mut object, "contentType", message.content_type);
    object.insert("payload".into(), payload);
    if let Some(pointer) = message.correlation_pointer {
        let mut correlation = Map::new();
        insert_text(&mut correlation, "description", message.correlation_description);
        correlation.insert("location".into(), format!("$message.payload#{pointer}").into());
        object.insert("correlationId".into(), correlation.into());
    }
    let examples: Vec<Value> = message
        .examples
        .iter()
        .filter_map(|e| serde_json::from_str::<Value>(e).ok())
        .map(|payload| json!({ "payload": payload }))
        .collect();
    if !examples.is_empty() {
        object.insert("examples".into(), examples.into());
    }
    // The contract's own forms: examples with their names and headers, the correlation id
    // wherever it is.
    merge_extra(&mut object, message.extra, &["examples", "correlationId"]);
    object
}

/// The schema of the error frame every channel may receive, `{"<discriminator>": "error",
/// "error": {...}}`, named in `definitions` (`ErrorFrame`, its body `ErrorDetail`, each under
/// another name where an application type has that one); a reference to it.
fn error_payload(discriminator: Option<&str>, definitions: &mut Map<String, Value>) -> Value {
    let detail = json!({
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {
                "type": "string",
                "description": "What went wrong, for programs: `not_json`, `binary_not_accepted`, `missing_discriminator`, `unknown_message`, `invalid_message`, `handler_error`, `handler_panicked`, or a handler's own code.",
            },
            "message": {"type": "string", "description": "What went wrong, for people."},
            "pointer": {"type": "string", "description": "Where in the offending frame, as a JSON pointer."},
        },
    });
    let detail = named_schema(definitions, "ErrorDetail", detail);
    let mut properties = Map::new();
    let mut required = Vec::new();
    if let Some(property) = discriminator {
        properties.insert(property.to_owned(), json!({"const": "error"}));
        required.push(Value::from(property));
    }
    properties.insert("error".into(), detail);
    required.push("error".into());
    let frame = json!({"type": "object", "required": required, "properties": properties});
    named_schema(definitions, "ErrorFrame", frame)
}

/// A reference to `schema` in `definitions`, added under `name` (or the first free numbered
/// form of it) unless an equal schema is there already.
fn named_schema(definitions: &mut Map<String, Value>, name: &str, schema: Value) -> Value {
    let free = free_name(definitions, name, &schema);
    definitions.entry(free.clone()).or_insert(schema);
    json!({"$ref": reference(["components", "schemas", &free])})
}

/// The error message, with its `payload` (see [`error_payload`]).
fn error_message(payload: Value) -> Value {
    json!({
        "name": "error",
        "title": "Error",
        "summary": "A frame of the peer's could not be handled; the connection stays open.",
        "description": "An error frame answering a request whose message declares a correlation id carries that request's id where the request carried it, as the reply would, so that a peer with several requests in flight knows which one failed.",
        "payload": payload,
        ERROR_FRAME_EXTENSION: true,
    })
}

/// The document's keys for the contract's names: the same, or camelCase.
struct Keys {
    camelize: bool,
}

impl Keys {
    /// The document's key for a channel, operation or message named `name` in the contract.
    fn of(&self, name: &str) -> String {
        if self.camelize { tidings_asyncapi::case::camel_case(name) } else { name.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::to_draft07;

    #[test]
    fn later_drafts_words_become_draft_07s() {
        #[derive(schemars::JsonSchema)]
        #[allow(dead_code)]
        struct Pair(u8, String);
        let mut generator =
            schemars::generate::SchemaSettings::draft07().with(|s| s.transforms.clear()).into_generator();
        let mut tuple = serde_json::Value::from(generator.root_schema_for::<Pair>());
        assert!(tuple.get("prefixItems").is_some(), "{tuple}");
        to_draft07(&mut tuple);
        assert_eq!(tuple.get("prefixItems"), None);
        assert_eq!(tuple["items"][1], json!({"type": "string"}));

        // What schemars writes for a flattened enum beside fields, nested in a property.
        let mut flattened = json!({"properties": {"inner": {
            "type": "object",
            "properties": {"a": {"type": "string"}},
            "oneOf": [{"properties": {"b": {"type": "string"}}}],
            "unevaluatedProperties": false,
        }}});
        to_draft07(&mut flattened);
        let inner = &flattened["properties"]["inner"];
        assert_eq!(inner.get("unevaluatedProperties"), None, "{inner}");
        assert_eq!(inner["additionalProperties"], json!(false), "{inner}");

        // A schema without either is left as it is.
        let mut plain = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        let before = plain.clone();
        to_draft07(&mut plain);
        assert_eq!(plain, before);
    }
}
