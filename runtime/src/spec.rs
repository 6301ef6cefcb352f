//! The application's own AsyncAPI 3.0 document, built from what it runs: the channels
//! mounted and their real addresses, the schemas of the real Rust types (through schemars),
//! the security schemes the server checks, and the configuration given here.
//!
//! Shapes come from the Rust types, so the document says what goes over the wire. What a
//! Rust type cannot say (numeric bounds, examples, titles, descriptions) comes from the
//! contract, which the generated code carries in its descriptors; it is laid over the shape
//! where both agree that the same property exists. A property the type has and the contract
//! lacks appears, one the contract has and the type lacks does not: a diff against the
//! contract then shows where implementation and contract part.
//!
//! ```
//! let spec = tidings::Spec::new(tidings::SpecConfig::new("Empty", "1.0.0"));
//! let document = spec.document();
//! assert_eq!(document["asyncapi"], "3.0.0");
//! assert_eq!(document["info"]["title"], "Empty");
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;

use serde_json::{Map, Value, json};

use crate::channel::Channel;
use crate::descriptor::{
    Action, ChannelDescriptor, Encoding, InfoDescriptor, Json, MessageDescriptor, OperationDescriptor,
};

/// What the document says about the application beyond its channels.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SpecConfig {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The servers; when empty, one named `default` at the address the server listens on.
    pub servers: Vec<SpecServer>,
    /// Channel, operation and message keys in camelCase (see [`SpecConfig::camelize`]).
    pub camelize: bool,
    /// Document the error frame as a message of every channel (default on).
    pub error_frames: bool,
    /// The rest of `info`: `contact`, `license`, `tags`, ...
    pub info_extra: Map<String, Value>,
    /// Whether `servers` are the contract's, to be replaced by the first one configured.
    contract_servers: bool,
    /// Top-level fields of the document other than its sections (`id`, `defaultContentType`).
    pub root_extra: Map<String, Value>,
    /// Security schemes to document besides those the channels require (servers name them).
    pub security_schemes: Map<String, Value>,
}

/// A server of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpecServer {
    /// The key in `servers`.
    pub name: String,
    /// `host`, with the port: `chat.example.com` or `127.0.0.1:8080`.
    pub host: String,
    /// `ws` or `wss`.
    pub protocol: String,
    /// The path prefix, when the channels are not served from the root.
    pub pathname: Option<String>,
    /// What the server is.
    pub description: Option<String>,
    /// The server object's other fields (`title`, `bindings`, `security`, ...), as given.
    pub extra: Map<String, Value>,
}

impl SpecServer {
    /// A server from its URL, `ws://host:port` or `wss://host/prefix`; a URL without a
    /// scheme is taken as a `ws` host.
    pub fn new(name: impl Into<String>, url: &str) -> Self {
        let (protocol, rest) = match url.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("ws".to_owned(), url),
        };
        let (host, pathname) = match rest.find('/') {
            Some(at) if rest.len() > at + 1 => (&rest[..at], Some(rest[at..].trim_end_matches('/').to_owned())),
            Some(at) => (&rest[..at], None),
            None => (rest, None),
        };
        Self { name: name.into(), host: host.to_owned(), protocol, pathname, description: None, extra: Map::new() }
    }

    /// A server as a document's `servers` gives it.
    fn from_object(name: &str, object: &Map<String, Value>) -> Self {
        let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
        let mut extra = object.clone();
        for key in ["host", "protocol", "pathname", "description"] {
            extra.remove(key);
        }
        Self {
            name: name.to_owned(),
            host: text("host").unwrap_or_default(),
            protocol: text("protocol").unwrap_or_default(),
            pathname: text("pathname"),
            description: text("description"),
            extra,
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }
}

impl SpecConfig {
    /// A document titled `title` at `version`.
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            version: version.into(),
            description: None,
            servers: Vec::new(),
            camelize: false,
            error_frames: true,
            info_extra: Map::new(),
            contract_servers: false,
            root_extra: Map::new(),
            security_schemes: Map::new(),
        }
    }

    /// The `info` of the contract a module was generated from (`contract::INFO`), and its
    /// servers until [`server`](Self::server) names others.
    pub fn from_info(info: &InfoDescriptor) -> Self {
        let mut config = Self::new(info.title, info.version);
        config.description = info.description.map(str::to_owned);
        if let Ok(Value::Object(extra)) = serde_json::from_str(info.extra) {
            config.info_extra = extra;
        }
        if let Ok(Value::Object(root)) = serde_json::from_str(info.root) {
            config.root_extra = root;
        }
        if let Ok(Value::Object(schemes)) = serde_json::from_str(info.security_schemes) {
            config.security_schemes = schemes;
        }
        if let Ok(Value::Object(servers)) = serde_json::from_str::<Value>(info.servers) {
            config.servers = servers
                .iter()
                .filter_map(|(name, object)| Some(SpecServer::from_object(name, object.as_object()?)))
                .collect();
            config.contract_servers = true;
        }
        config
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Adds a server; the first one added replaces those taken from the contract.
    #[must_use]
    pub fn server(mut self, server: SpecServer) -> Self {
        if std::mem::take(&mut self.contract_servers) {
            self.servers.clear();
        }
        self.servers.push(server);
        self
    }

    /// Writes channel, operation and message keys in camelCase, and the references to them,
    /// as Chanx's `camelize` does. Property names are not renamed here: they are always the
    /// names the Rust types read and write, taken from their schemas, so the document cannot
    /// say `roomId` where the wire says `room_id`. Property names change only with the wire.
    #[must_use]
    pub fn camelize(mut self, on: bool) -> Self {
        self.camelize = on;
        self
    }

    /// Whether every channel documents the error frame the runtime sends (default on).
    #[must_use]
    pub fn error_frames(mut self, on: bool) -> Self {
        self.error_frames = on;
        self
    }
}

/// A document as pretty JSON, with a final newline.
pub fn to_json(document: &Value) -> String {
    tidings_asyncapi::emit::to_json(document)
}

/// A document as YAML.
pub fn to_yaml(document: &Value) -> String {
    tidings_asyncapi::emit::to_yaml(document)
}

/// Marks what the runtime adds to the document on its own: the error frame's message and
/// operation, which the contract need not declare.
pub const ERROR_FRAME_EXTENSION: &str = "x-tidings-error-frame";

/// The document of a set of channels, without a server: for printing the spec of an
/// application without serving it, and for tests.
#[derive(Debug, Clone)]
pub struct Spec {
    config: SpecConfig,
    channels: Vec<(String, &'static ChannelDescriptor)>,
}

impl Spec {
    /// No channels yet.
    pub fn new(config: SpecConfig) -> Self {
        Self { config, channels: Vec::new() }
    }

    /// Adds a channel at its contract address, as [`Server::mount`](crate::Server::mount) does.
    #[must_use]
    pub fn mount(self, channel: &Channel) -> Self {
        self.describe(channel.descriptor())
    }

    /// Adds a channel by its descriptor alone, without an implementation: a generated
    /// module's `CHANNELS` describe the whole contract.
    #[must_use]
    pub fn describe(mut self, descriptor: &'static ChannelDescriptor) -> Self {
        self.channels.push((mount_address(descriptor), descriptor));
        self
    }

    /// The document, as a JSON value.
    pub fn document(&self) -> Value {
        build(&self.config, self.channels.iter().map(|(address, d)| (address.as_str(), *d)), None)
    }
}

/// A JSON object.
type Object = Map<String, Value>;

/// Where a channel is served: its contract address, else `/<channel name>`.
pub(crate) fn mount_address(descriptor: &ChannelDescriptor) -> String {
    descriptor.address.map_or_else(|| format!("/{}", descriptor.name), str::to_owned)
}

/// Builds the document of `channels` (each at its real address); `listening` names the
/// default server when the configuration has none.
pub(crate) fn build<'a>(
    config: &SpecConfig,
    channels: impl IntoIterator<Item = (&'a str, &'static ChannelDescriptor)>,
    listening: Option<SocketAddr>,
) -> Value {
    let channels: Vec<(&str, &'static ChannelDescriptor)> = channels.into_iter().collect();
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
        for reply in descriptor.operations.iter().filter_map(|o| o.reply.as_ref()) {
            let Some(name) = reply.channel.filter(|name| *name != descriptor.name) else { continue };
            if served(name) {
                moved.extend(reply.messages.iter().filter(|m| !listed.contains(*m)).map(|m| (*m, name)));
            } else if let Some(object) = reply.channel_object {
                let object = serde_json::from_str::<Map<String, Value>>(object).unwrap_or_default();
                elsewhere.entry(name).or_insert((object, Map::new()));
                moved.extend(reply.messages.iter().filter(|m| !listed.contains(*m)).map(|m| (*m, name)));
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

/// A `$ref` to the place named by `tokens`, each escaped: `#/channels/a~1b`.
pub(crate) fn reference<const N: usize>(tokens: [&str; N]) -> String {
    // Names are nearly always plain (letters, digits, `.`, `-`, `_`): written straight out;
    // anything else is escaped and percent-encoded by the pointer type.
    let plain = |t: &str| t.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if !tokens.iter().all(|t| plain(t)) {
        return tidings_asyncapi::JsonPointer::from_tokens(tokens).to_fragment();
    }
    let mut out = String::with_capacity(1 + tokens.iter().map(|t| t.len() + 1).sum::<usize>());
    out.push('#');
    for token in tokens {
        out.push('/');
        out.push_str(token);
    }
    out
}

fn message_refs(channel_key: &str, messages: &[&str], keys: &Keys) -> Value {
    messages.iter().map(|m| json!({"$ref": reference(["channels", channel_key, "messages", &keys.of(m)])})).collect()
}

fn servers(config: &SpecConfig, listening: Option<SocketAddr>) -> Value {
    let default;
    let servers = if config.servers.is_empty() {
        let Some(addr) = listening else { return Value::Object(Map::new()) };
        default = [SpecServer::new("default", &format!("ws://{addr}"))];
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

/// The `format`s schemars writes for Rust's integer and float widths: facts about the Rust
/// type, not the contract's words (the contract's own `format`, if any, is carried instead).
const RUST_FORMATS: &[&str] =
    &["int8", "int16", "int32", "int64", "int", "uint8", "uint16", "uint32", "uint64", "uint", "float", "double"];

// Keywords as bits, so that one pass over a schema's keys ([`keywords`]) answers which it has
// and most lookups are skipped without hashing: this runs for every node of every payload.
// First those the reconciler acts on:
const TYPE: u64 = 1;
const ONE_OF: u64 = 1 << 1;
const ANY_OF: u64 = 1 << 2;
const ALL_OF: u64 = 1 << 3;
const CONST: u64 = 1 << 4;
const ENUM: u64 = 1 << 5;
const PROPERTIES: u64 = 1 << 6;
const REF: u64 = 1 << 7;
const DESCRIPTION: u64 = 1 << 8;
const TITLE: u64 = 1 << 9;
const FORMAT: u64 = 1 << 10;
const NOT: u64 = 1 << 11;
const COMPOSITIONS: u64 = ONE_OF | ANY_OF | ALL_OF;
/// Keywords holding one subschema, reconciled with the contract's.
const SUBSCHEMAS: [(u64, &str); 5] = [
    (1 << 12, "items"),
    (1 << 13, "additionalProperties"),
    (1 << 14, "contains"),
    (1 << 15, "propertyNames"),
    (NOT, "not"),
];
/// Bits 16 to 41 (the last arms of [`keyword`]): keywords only carried.
const CARRIED_ONLY: u64 = ((1 << 42) - 1) & !((1 << 16) - 1);

/// Keywords a Rust type's schema cannot carry, taken from the contract where the shape agrees:
/// titles, descriptions, bounds and formats; `type`, because an untagged enum's schema has
/// none and the contract's says what all its variants share; `enum` and `const`, for values
/// typify cannot make a Rust enum of (numbers, mixed types), checked by validation; and what
/// validation against the contract's schema (on by default) enforces, not the type: `not`,
/// `if`, `then`, `else`.
const CARRIED: u64 = TITLE | DESCRIPTION | FORMAT | TYPE | ENUM | CONST | NOT | CARRIED_ONLY;

/// The bit of a keyword (0 for other keys).
fn keyword(key: &str) -> u64 {
    match key {
        "type" => TYPE,
        "oneOf" => ONE_OF,
        "anyOf" => ANY_OF,
        "allOf" => ALL_OF,
        "const" => CONST,
        "enum" => ENUM,
        "properties" => PROPERTIES,
        "$ref" => REF,
        "description" => DESCRIPTION,
        "title" => TITLE,
        "format" => FORMAT,
        "not" => NOT,
        "items" => 1 << 12,
        "additionalProperties" => 1 << 13,
        "contains" => 1 << 14,
        "propertyNames" => 1 << 15,
        "examples" => 1 << 16,
        "default" => 1 << 17,
        "deprecated" => 1 << 18,
        "readOnly" => 1 << 19,
        "writeOnly" => 1 << 20,
        "minimum" => 1 << 21,
        "maximum" => 1 << 22,
        "exclusiveMinimum" => 1 << 23,
        "exclusiveMaximum" => 1 << 24,
        "multipleOf" => 1 << 25,
        "minLength" => 1 << 26,
        "maxLength" => 1 << 27,
        "pattern" => 1 << 28,
        "minItems" => 1 << 29,
        "maxItems" => 1 << 30,
        "uniqueItems" => 1 << 31,
        "minProperties" => 1 << 32,
        "maxProperties" => 1 << 33,
        "contentEncoding" => 1 << 34,
        "contentMediaType" => 1 << 35,
        "discriminator" => 1 << 36,
        "externalDocs" => 1 << 37,
        "nullable" => 1 << 38,
        "if" => 1 << 39,
        "then" => 1 << 40,
        "else" => 1 << 41,
        _ => 0,
    }
}

/// Which keywords a schema has.
fn keywords<'k>(keys: impl Iterator<Item = &'k str>) -> u64 {
    keys.fold(0, |bits, key| bits | keyword(key))
}

/// The keys of a real schema.
fn real_keys(schema: &Map<String, Value>) -> impl Iterator<Item = &str> {
    schema.keys().map(String::as_str)
}

/// The keys of a contract schema.
fn contract_keys(members: &[(&'static str, Json)]) -> impl Iterator<Item = &'static str> {
    members.iter().map(|(key, _)| *key)
}

/// Lays the contract's schema over the real type's.
struct Reconciler<'a> {
    /// The real types' named schemas, reconciled in place, each once.
    definitions: &'a mut Map<String, Value>,
    done: &'a mut HashSet<String>,
}

impl Reconciler<'_> {
    fn reconcile(&mut self, real: &mut Value, contract: &Json, root: &Json) {
        let contract = resolve(contract, root);
        let mut real_has = match &*real {
            Value::Object(r) => keywords(real_keys(r)),
            _ => 0,
        };
        if real_has & REF != 0
            && let Some(name) =
                real.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            let name = name.to_owned();
            if self.done.insert(name.clone())
                && let Some(mut definition) = self.definitions.remove(&name)
            {
                self.reconcile(&mut definition, contract, root);
                self.definitions.insert(name, definition);
            }
            return;
        }
        let Some(members) = contract.as_object() else { return };
        let has = keywords(contract_keys(members));
        if real.is_object() && has & COMPOSITIONS != 0 && real_has & COMPOSITIONS == 0 {
            // typify flattened the composition into one type; the type and validation
            // against the contract's schema (on by default) accept what the contract says.
            *real = inline_contract(contract, root, 0);
            return;
        }
        // Any JSON value (`serde_json::Value`, an undocumented field of it) is `true` to
        // schemars: the contract's words about it are carried onto an empty schema.
        if *real == Value::Bool(true) {
            *real = Value::Object(Map::new());
        }
        let Value::Object(real) = real else { return };
        if real_has & FORMAT != 0
            && real.get("format").and_then(Value::as_str).is_some_and(|f| RUST_FORMATS.contains(&f))
        {
            real.remove("format");
            real_has &= !FORMAT;
        }
        if real_has & (TYPE | ENUM | ANY_OF) != 0 && !allows_null(contract) && strip_null(real, real_has) {
            real_has = keywords(real_keys(real));
        }
        // Descriptions of generated types are their doc comments, which came from the
        // contract or stand in for it: the contract's words are the ones to show.
        if real_has & DESCRIPTION != 0 {
            real.remove("description");
        }
        if real_has & TITLE != 0 {
            real.remove("title");
        }
        real_has &= !(DESCRIPTION | TITLE);
        // An untagged enum is an `anyOf` to schemars; the contract's `oneOf` of the same
        // alternatives reads the same values (the first that fits is the one that fits).
        if has & ONE_OF != 0
            && real_has & ANY_OF != 0
            && contract.get("oneOf").and_then(Json::as_array).map(<[Json]>::len)
                == real.get("anyOf").and_then(Value::as_array).map(Vec::len)
            && let Some(alternatives) = real.remove("anyOf")
        {
            real.insert("oneOf".into(), alternatives);
            real_has = real_has & !ANY_OF | ONE_OF;
        }
        // A Rust enum of unit variants with docs is a `oneOf` of constants to schemars; the
        // contract's `const` or `enum` says the same.
        if has & (CONST | ENUM) != 0 {
            if real_has & ONE_OF != 0 && collapse_constants(real) {
                real_has = keywords(real_keys(real));
            }
            // A `const` or `enum` without a `type` in the contract: schemars adds the type.
            if has & TYPE == 0 && real_has & TYPE != 0 {
                real.remove("type");
                real_has &= !TYPE;
            }
        }
        for (key, value) in members {
            let bit = keyword(key);
            let carry = if bit & CARRIED != 0 {
                real_has & bit == 0
            } else {
                key.starts_with("x-") && !real.contains_key(*key)
            };
            if carry {
                real.insert((*key).to_owned(), value.to_value());
                real_has |= bit;
            }
        }
        if has & real_has & PROPERTIES != 0
            && let (Some(Value::Object(properties)), Some(wanted)) =
                (real.get_mut("properties"), contract.get("properties").and_then(Json::as_object))
        {
            for (at, (name, schema)) in properties.iter_mut().enumerate() {
                // The type's fields nearly always come in the contract's order: the property
                // at the same place is tried first.
                let contract = match wanted.get(at) {
                    Some((key, contract)) if key == name => Some(contract),
                    _ => wanted.iter().find(|(key, _)| key == name).map(|(_, contract)| contract),
                };
                if let Some(contract) = contract {
                    self.reconcile(schema, contract, root);
                }
            }
        }
        for (bit, keyword) in SUBSCHEMAS {
            if has & real_has & bit != 0
                && let (Some(schema), Some(contract)) = (real.get_mut(keyword), contract.get(keyword))
            {
                self.reconcile(schema, contract, root);
            }
        }
        for (bit, keyword) in [(ONE_OF, "oneOf"), (ANY_OF, "anyOf"), (ALL_OF, "allOf")] {
            if has & real_has & bit != 0
                && let (Some(Value::Array(schemas)), Some(contracts)) =
                    (real.get_mut(keyword), contract.get(keyword).and_then(Json::as_array))
                && schemas.len() == contracts.len()
            {
                for (schema, contract) in schemas.iter_mut().zip(contracts) {
                    self.reconcile(schema, contract, root);
                }
            }
        }
        // The real type reached through a reference where the contract has the schema inline.
        if real_has & REF != 0
            && let Some(reference) = real.get_mut("$ref")
        {
            let mut reference = Value::Object([("$ref".to_owned(), reference.take())].into_iter().collect());
            self.reconcile(&mut reference, contract, root);
            if let Some(r) = reference.get_mut("$ref") {
                real.insert("$ref".into(), r.take());
            }
        }
    }
}

/// A contract schema with every `$ref` into its own definitions replaced by the target.
fn inline_contract(schema: &Json, root: &Json, depth: usize) -> Value {
    match *schema {
        Json::Object(members) => {
            if depth < 32
                && let Some(target) = schema.get("$ref").and_then(Json::as_str).and_then(|r| r.strip_prefix('#'))
                && let Some(resolved) = root.pointer(target)
            {
                return inline_contract(resolved, root, depth + 1);
            }
            Value::Object(members.iter().map(|(k, v)| ((*k).to_owned(), inline_contract(v, root, depth))).collect())
        }
        Json::Array(items) => Value::Array(items.iter().map(|v| inline_contract(v, root, depth)).collect()),
        _ => schema.to_value(),
    }
}

/// `oneOf: [{const: a}, {const: b}]` to `enum: [a, b]` (`const: a` for one); whether it was one.
fn collapse_constants(schema: &mut Map<String, Value>) -> bool {
    let Some(Value::Array(alternatives)) = schema.get("oneOf") else { return false };
    let values: Option<Vec<Value>> = alternatives.iter().map(|a| a.get("const").cloned()).collect();
    let Some(mut values) = values else { return false };
    let types: Vec<&Value> = alternatives.iter().filter_map(|a| a.get("type")).collect();
    let common_type = types.first().filter(|t| types.len() == alternatives.len() && types.iter().all(|u| u == *t));
    let common_type = common_type.map(|t| (*t).clone());
    schema.remove("oneOf");
    if let Some(t) = common_type {
        schema.entry("type").or_insert(t);
    }
    if values.len() == 1 {
        schema.insert("const".into(), values.remove(0));
    } else {
        schema.insert("enum".into(), values.into());
    }
    true
}

/// A contract schema with its `#/definitions/...` references followed.
fn resolve<'a>(mut schema: &'a Json, root: &'a Json) -> &'a Json {
    for _ in 0..32 {
        let Some(target) = schema.get("$ref").and_then(Json::as_str).and_then(|r| r.strip_prefix('#')) else {
            return schema;
        };
        match root.pointer(target) {
            Some(next) => schema = next,
            None => return schema,
        }
    }
    schema
}

/// Whether a contract schema allows `null`. OpenAPI's `nullable` is not a JSON Schema
/// keyword: validation ignores it, so it allows nothing (it is carried as written).
fn allows_null(schema: &Json) -> bool {
    let is_null = |t: &Json| t.as_str() == Some("null");
    match schema.get("type") {
        Some(Json::Array(types)) if types.iter().any(is_null) => return true,
        Some(t) if is_null(t) => return true,
        _ => {}
    }
    ["oneOf", "anyOf"].iter().any(|k| {
        schema.get(k).and_then(Json::as_array).is_some_and(|alternatives| {
            alternatives.iter().any(|a| allows_null(a) || a.get("const") == Some(&Json::Null))
        })
    }) || schema.get("const") == Some(&Json::Null)
        || schema.get("enum").and_then(Json::as_array).is_some_and(|e| e.contains(&Json::Null))
}

/// Removes what `Option<T>` adds to `T`'s schema: a missing property and `null` read alike
/// in Rust, but the contract (and validation, on by default) does not allow `null`.
/// `has` is the schema's [`keywords`]; returns whether keys were added or removed.
fn strip_null(schema: &mut Map<String, Value>, has: u64) -> bool {
    if has & TYPE != 0
        && let Some(Value::Array(types)) = schema.get_mut("type")
    {
        types.retain(|t| t.as_str() != Some("null"));
        if types.len() == 1 {
            let only = types.remove(0);
            schema.insert("type".into(), only);
        }
    }
    if has & ENUM != 0
        && let Some(Value::Array(values)) = schema.get_mut("enum")
    {
        values.retain(|v| !v.is_null());
    }
    if has & ANY_OF == 0 {
        return false;
    }
    let Some(Value::Array(alternatives)) = schema.get("anyOf") else { return false };
    let is_null = |a: &Value| a.get("type").and_then(Value::as_str) == Some("null");
    if !alternatives.iter().any(is_null) {
        return false;
    }
    let Some(Value::Array(alternatives)) = schema.remove("anyOf") else { return false };
    let kept: Vec<Value> = alternatives.into_iter().filter(|a| !is_null(a)).collect();
    match <[Value; 1]>::try_from(kept) {
        Ok([Value::Object(only)]) => {
            for (key, value) in only {
                schema.entry(key).or_insert(value);
            }
        }
        Ok([other]) => {
            schema.insert("allOf".into(), Value::Array(vec![other]));
        }
        Err(kept) => {
            schema.insert("anyOf".into(), kept.into());
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A contract schema as generated code holds it, from a value (leaked: tests only).
    fn leak(value: &Value) -> &'static Json {
        fn tree(value: &Value) -> Json {
            let text = |s: &str| &*Box::leak(s.to_owned().into_boxed_str());
            match value {
                Value::Null => Json::Null,
                Value::Bool(b) => Json::Bool(*b),
                Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                    (Some(u), _) => Json::Unsigned(u),
                    (None, Some(i)) => Json::Signed(i),
                    _ => Json::Float(n.as_f64().unwrap_or_default()),
                },
                Value::String(s) => Json::Str(text(s)),
                Value::Array(items) => Json::Array(Box::leak(items.iter().map(tree).collect())),
                Value::Object(map) => Json::Object(Box::leak(map.iter().map(|(k, v)| (text(k), tree(v))).collect())),
            }
        }
        Box::leak(Box::new(tree(value)))
    }

    #[test]
    fn servers_are_read_from_urls() {
        let server = SpecServer::new("prod", "wss://chat.example.com/api/");
        assert_eq!((server.host.as_str(), server.protocol.as_str()), ("chat.example.com", "wss"));
        assert_eq!(server.pathname.as_deref(), Some("/api"));
        let bare = SpecServer::new("local", "127.0.0.1:8080");
        assert_eq!((bare.host.as_str(), bare.protocol.as_str(), bare.pathname), ("127.0.0.1:8080", "ws", None));
    }

    #[test]
    fn the_contract_is_laid_over_the_real_shape() {
        let mut definitions = Map::new();
        definitions.insert(
            "Register".into(),
            json!({"type": "object", "description": "`Register`", "required": ["name"], "properties": {
                "name": {"type": "string"},
                "age": {"type": ["integer", "null"], "format": "uint64", "minimum": 0},
                "extra": {"type": "boolean"},
            }}),
        );
        let contract = json!({"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "minLength": 2, "description": "The name wanted."},
            "age": {"type": "integer", "minimum": 0, "maximum": 150},
        }, "examples": [{"name": "ada"}]});
        let mut real = json!({"$ref": "#/components/schemas/Register"});
        let tree = leak(&contract);
        Reconciler { definitions: &mut definitions, done: &mut HashSet::new() }.reconcile(&mut real, tree, tree);
        assert_eq!(real, json!({"$ref": "#/components/schemas/Register"}));
        assert_eq!(
            definitions["Register"],
            json!({"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string", "minLength": 2, "description": "The name wanted."},
                "age": {"type": "integer", "minimum": 0, "maximum": 150},
                "extra": {"type": "boolean"},
            }, "examples": [{"name": "ada"}]})
        );
    }

    #[test]
    fn each_keyword_has_a_bit_of_its_own_and_the_carried_ones_are_carried() {
        let carried = [
            "title",
            "description",
            "examples",
            "default",
            "deprecated",
            "readOnly",
            "writeOnly",
            "format",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "minLength",
            "maxLength",
            "pattern",
            "minItems",
            "maxItems",
            "uniqueItems",
            "minProperties",
            "maxProperties",
            "contentEncoding",
            "contentMediaType",
            "discriminator",
            "externalDocs",
            "nullable",
            "type",
            "enum",
            "const",
            "if",
            "then",
            "else",
            "not",
        ];
        let structural = [
            "oneOf",
            "anyOf",
            "allOf",
            "properties",
            "$ref",
            "items",
            "additionalProperties",
            "contains",
            "propertyNames",
        ];
        let mut seen = 0;
        for key in carried.iter().chain(&structural) {
            let bit = keyword(key);
            assert_eq!(bit.count_ones(), 1, "{key}");
            assert_eq!(seen & bit, 0, "{key} shares a bit");
            seen |= bit;
            assert_eq!(bit & CARRIED != 0, carried.contains(key), "{key}");
        }
        assert_eq!(keyword("required") | keyword("x-note"), 0);
    }

    #[test]
    fn a_field_of_any_value_takes_the_contracts_words() {
        // `serde_json::Value` is `true` to schemars; the contract says more about it.
        let mut real = json!({"type": "object", "properties": {"key": true}});
        let contract = json!({"type": "object", "properties": {"key": {"not": {"type": "integer"}}}});
        let tree = leak(&contract);
        Reconciler { definitions: &mut Map::new(), done: &mut HashSet::new() }.reconcile(&mut real, tree, tree);
        assert_eq!(real, contract);
    }
}
