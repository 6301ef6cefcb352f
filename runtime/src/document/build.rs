//! Assembling the document: info and servers from the [`DocumentConfig`], then per channel
//! its object, messages (payloads reconciled with the contract), operations, replies on other
//! channels, security schemes, and the error frame, written once in `components`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;

use serde_json::{Map, Value, json};

use super::reconcile::Reconciler;
use super::{DocumentConfig, DocumentServer, ERROR_FRAME_EXTENSION, mount_address, reference};
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
            // Inline, like most contracts: only recursive types stay named.
            s.inline_subschemas = true;
        })
        .into_generator();
    let mut reconciled = HashSet::new();

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
    // The error message by discriminator, written once in `components/messages` (under
    // `error_key` of its place here) and referred to by every channel.
    let mut error_messages: Vec<(Option<&str>, Value)> = Vec::new();
    for (address, descriptor) in &channels {
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
        for message in descriptor.messages {
            let object = message_object(message, payload(message, &mut generator, &mut reconciled)).into();
            match moved.get(message.key) {
                Some(name) => match elsewhere.get_mut(name) {
                    Some((_, their_messages)) => {
                        their_messages.insert(keys.of(message.key), object);
                    }
                    None => to_served.push((keys.of(name), keys.of(message.key), object)),
                },
                None => {
                    messages.insert(keys.of(message.key), object);
                }
            }
        }
        for (message, name) in shared {
            let here = json!({"$ref": reference(["channels", &channel_key, "messages", &keys.of(message)])});
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
            operations.insert(keys.of(operation.name), object.into());
        }
        if config.error_frames && !descriptor.messages.iter().any(|m| m.key == "error" || m.tag == Some("error")) {
            let at = error_messages.iter().position(|(d, _)| *d == descriptor.discriminator).unwrap_or_else(|| {
                error_messages.push((descriptor.discriminator, error_message(descriptor.discriminator)));
                error_messages.len() - 1
            });
            messages.insert("error".into(), json!({"$ref": reference(["components", "messages", &error_key(at)])}));
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

    let definitions = generator.take_definitions(true);
    for (key, scheme) in &config.security_schemes {
        schemes.entry(key.as_str()).or_insert_with(|| scheme.clone());
    }
    let mut components = Map::new();
    if !definitions.is_empty() {
        components.insert("schemas".into(), definitions.into());
    }
    if !error_messages.is_empty() {
        let messages = error_messages.into_iter().enumerate().map(|(at, (_, message))| (error_key(at), message));
        components.insert("messages".into(), messages.collect());
    }
    if !schemes.is_empty() {
        components.insert("securitySchemes".into(), schemes.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
    }
    if !components.is_empty() {
        document.insert("components".into(), components.into());
    }
    Value::Object(document)
}

/// A message's payload schema: the real type's, with the contract's laid over it, or the
/// contract's own for a message without a type (binary, or any JSON value).
fn payload(
    message: &MessageDescriptor,
    generator: &mut schemars::generate::SchemaGenerator,
    reconciled: &mut HashSet<String>,
) -> Value {
    match (message.encoding, message.payload_schema) {
        (Encoding::Json, Some(schema_of)) => {
            let mut real = Value::from(schema_of(generator));
            Reconciler { definitions: generator.definitions_mut(), done: reconciled }.reconcile(
                &mut real,
                &message.schema,
                &message.schema,
            );
            real
        }
        _ => message.schema.to_value(),
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
    let mut object = Map::new();
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

/// The key in `components/messages` of the `at`th error message: `error`, then `error2`, ...
/// for channels with other discriminators.
fn error_key(at: usize) -> String {
    match at {
        0 => "error".to_owned(),
        n => format!("error{}", n + 1),
    }
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
    let mut object = Map::new();
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

/// The error frame every channel may receive: `{"<discriminator>": "error", "error": {...}}`.
fn error_message(discriminator: Option<&str>) -> Value {
    let body = json!({
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
    let mut properties = Map::new();
    let mut required = Vec::new();
    if let Some(property) = discriminator {
        properties.insert(property.to_owned(), json!({"const": "error"}));
        required.push(Value::from(property));
    }
    properties.insert("error".into(), body);
    required.push("error".into());
    json!({
        "name": "error",
        "title": "Error",
        "summary": "A frame of the peer's could not be handled; the connection stays open.",
        "description": "An error frame answering a request whose message declares a correlation id carries that request's id where the request carried it, as the reply would, so that a peer with several requests in flight knows which one failed.",
        "payload": {"type": "object", "required": required, "properties": properties},
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
