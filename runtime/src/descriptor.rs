//! Static descriptions of the channels the generated code implements: what the contract said,
//! kept in the binary, so that the running application can describe itself.

pub use tidings_asyncapi::model::Action;

/// A channel as the contract describes it.
#[derive(Debug)]
pub struct ChannelDescriptor {
    /// The channel's key in the contract's `channels`.
    pub name: &'static str,
    /// The address template, such as `/ws/chat/{room_id}`; `None` when the contract has none.
    pub address: Option<&'static str>,
    /// The contract's title for the channel.
    pub title: Option<&'static str>,
    /// The contract's summary.
    pub summary: Option<&'static str>,
    /// The contract's description.
    pub description: Option<&'static str>,
    /// The address parameters, in address order.
    pub parameters: &'static [ParameterDescriptor],
    /// Every message of the channel the generated side uses, both directions.
    pub messages: &'static [MessageDescriptor],
    /// The operations on this channel.
    pub operations: &'static [OperationDescriptor],
    /// The property that tells the messages of each direction apart, such as `action`.
    pub discriminator: Option<&'static str>,
    /// The channel's `bindings`, as JSON text.
    pub bindings: Option<&'static str>,
    /// The security schemes the channel's operations name; a connection must satisfy one.
    pub security: &'static [SecuritySchemeDescriptor],
    /// The rest of the contract's channel object (`servers`, `tags`, ...), as JSON text.
    pub extra: &'static str,
}

/// A security scheme an operation of the channel requires.
#[derive(Debug)]
pub struct SecuritySchemeDescriptor {
    /// The scheme's key in `components/securitySchemes`.
    pub key: &'static str,
    /// The scheme's `type`, such as `httpApiKey` or `http`.
    pub scheme_type: &'static str,
    /// For `httpApiKey`: the query parameter, header or cookie name.
    pub name: Option<&'static str>,
    /// For `httpApiKey`: `query`, `header` or `cookie`.
    pub location: Option<&'static str>,
    /// For `http`: the scheme, such as `bearer`.
    pub scheme: Option<&'static str>,
    /// The contract's description.
    pub description: Option<&'static str>,
    /// The scheme's other fields (`bearerFormat`, `flows`, ...), as JSON text.
    pub extra: &'static str,
}

impl SecuritySchemeDescriptor {
    /// An API key in a query parameter of the handshake: scheme `key`, parameter `name`. A
    /// code-first channel names it in `#[channel(security = [...])]`.
    ///
    /// ```
    /// use tidings::descriptor::SecuritySchemeDescriptor;
    /// const OPERATORS: SecuritySchemeDescriptor =
    ///     SecuritySchemeDescriptor::query_api_key("operatorKey", "api_key").described("The operators' key.");
    /// assert_eq!((OPERATORS.scheme_type, OPERATORS.location), ("httpApiKey", Some("query")));
    /// ```
    pub const fn query_api_key(key: &'static str, name: &'static str) -> Self {
        Self::api_key(key, name, "query")
    }

    /// An API key in a header of the handshake: scheme `key`, header `name`.
    pub const fn header_api_key(key: &'static str, name: &'static str) -> Self {
        Self::api_key(key, name, "header")
    }

    /// An API key in a cookie of the handshake: scheme `key`, cookie `name`.
    pub const fn cookie_api_key(key: &'static str, name: &'static str) -> Self {
        Self::api_key(key, name, "cookie")
    }

    /// A bearer token in the handshake's `Authorization` header: scheme `key`.
    pub const fn bearer(key: &'static str) -> Self {
        Self {
            key,
            scheme_type: "http",
            name: None,
            location: None,
            scheme: Some("bearer"),
            description: None,
            extra: "{}",
        }
    }

    /// The same scheme with a description.
    #[must_use]
    pub const fn described(self, description: &'static str) -> Self {
        Self { description: Some(description), ..self }
    }

    const fn api_key(key: &'static str, name: &'static str, location: &'static str) -> Self {
        Self {
            key,
            scheme_type: "httpApiKey",
            name: Some(name),
            location: Some(location),
            scheme: None,
            description: None,
            extra: "{}",
        }
    }
}

impl ChannelDescriptor {
    /// A message by its key in the channel.
    pub fn message(&self, key: &str) -> Option<&'static MessageDescriptor> {
        self.messages.iter().find(|m| m.key == key)
    }

    /// An operation by its key in the contract.
    pub fn operation(&self, name: &str) -> Option<&'static OperationDescriptor> {
        self.operations.iter().find(|o| o.name == name)
    }
}

/// A parameter of a channel address.
#[derive(Debug)]
pub struct ParameterDescriptor {
    /// The name used in the address, `{name}`.
    pub name: &'static str,
    /// The contract's description.
    pub description: Option<&'static str>,
    /// The allowed values, when the contract limits them.
    pub allowed: &'static [&'static str],
    /// The default value.
    pub default: Option<&'static str>,
    /// Example values.
    pub examples: &'static [&'static str],
    /// Where else the value is found, as a runtime expression (`$message.payload#/room`).
    pub location: Option<&'static str>,
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// JSON in a text frame.
    Json,
    /// Raw bytes in a binary frame.
    Binary,
}

/// A message of a channel.
#[derive(Debug)]
pub struct MessageDescriptor {
    /// The message's key in the channel's `messages`.
    pub key: &'static str,
    /// The contract's machine-friendly name.
    pub name: Option<&'static str>,
    /// The contract's title.
    pub title: Option<&'static str>,
    /// The contract's summary.
    pub summary: Option<&'static str>,
    /// The contract's description.
    pub description: Option<&'static str>,
    /// The content type, such as `application/json`.
    pub content_type: Option<&'static str>,
    /// How the message travels.
    pub encoding: Encoding,
    /// This message's value of the channel's discriminator, such as `chat`.
    pub tag: Option<&'static str>,
    /// The Rust type of the payload, for messages and docs.
    pub rust_type: &'static str,
    /// The payload schema exactly as the contract gives it (bundled, with the definitions it
    /// refers to): bounds, examples and titles that Rust types cannot carry are all here.
    /// Written into the binary as a tree, so that describing the application reads it without
    /// parsing.
    pub schema: Json,
    /// Whether the payload's Rust type refuses every frame the schema refuses (`tidings-build`
    /// decides, conservatively: `docs/TYPES.md`, "What the types hold"). Validation then has
    /// nothing to add for this message, and does not interpret its schema.
    pub held_by_type: bool,
    /// Where the correlation id is, as a JSON pointer into the payload (`/request_id`).
    pub correlation_pointer: Option<&'static str>,
    /// The contract's description of the correlation id.
    pub correlation_description: Option<&'static str>,
    /// The JSON schema of the payload's Rust type, through schemars: what the application
    /// really reads and writes. `None` for binary messages.
    pub payload_schema: Option<PayloadSchema>,
    /// The example payloads of the contract, as JSON text.
    pub examples: &'static [&'static str],
    /// The rest of the contract's message object (`headers`, `bindings`, `tags`, the
    /// examples as written, ...), as JSON text.
    pub extra: &'static str,
}

/// Writes the schema of a payload type into a generator, returning it or a reference to it.
pub type PayloadSchema = fn(&mut schemars::SchemaGenerator) -> schemars::Schema;

/// The schema of `T`, as a reference into the generator's definitions when `T` is named:
/// what generated descriptors point [`MessageDescriptor::payload_schema`] at.
pub fn payload_schema<T: schemars::JsonSchema>(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.subschema_for::<T>()
}

/// The contract's `info`, kept in the generated module as `INFO`.
#[derive(Debug)]
pub struct InfoDescriptor {
    /// The title.
    pub title: &'static str,
    /// The contract's version.
    pub version: &'static str,
    /// The description.
    pub description: Option<&'static str>,
    /// The rest of the contract's `info` (contact, license, tags, ...), as JSON text.
    pub extra: &'static str,
    /// The contract's `servers`, as JSON text.
    pub servers: &'static str,
    /// The contract's top-level fields other than the sections (`id`, `defaultContentType`,
    /// extensions), as JSON text.
    pub root: &'static str,
    /// Every security scheme of the contract's components (servers name them too), as JSON text.
    pub security_schemes: &'static str,
}

/// An operation: what one side does on a channel.
#[derive(Debug)]
pub struct OperationDescriptor {
    /// The operation's key in the contract's `operations`.
    pub name: &'static str,
    /// What the application does (the contract's `action`).
    pub action: Action,
    /// The contract's title.
    pub title: Option<&'static str>,
    /// The contract's summary.
    pub summary: Option<&'static str>,
    /// The contract's description.
    pub description: Option<&'static str>,
    /// Tag names.
    pub tags: &'static [&'static str],
    /// The security schemes (by component key) any one of which is required.
    pub security: &'static [&'static str],
    /// The keys of the channel messages this operation carries.
    pub messages: &'static [&'static str],
    /// The reply, for request/reply operations.
    pub reply: Option<ReplyDescriptor>,
    /// The rest of the contract's operation object (`bindings`, `externalDocs`, ...), as
    /// JSON text.
    pub extra: &'static str,
}

/// The reply of a request/reply operation.
#[derive(Debug)]
pub struct ReplyDescriptor {
    /// The channel the reply travels on (the operation's own when `None`).
    pub channel: Option<&'static str>,
    /// When the contract documents the reply on a channel of its own, that channel's object
    /// (without its messages, which the generated channel carries), as JSON text. Over
    /// WebSocket the reply comes back on the request's connection all the same.
    pub channel_object: Option<&'static str>,
    /// The keys of the messages the reply may be.
    pub messages: &'static [&'static str],
}

/// A JSON value written into the binary by the code generator, read where it lies: no parsing,
/// no allocation. Objects keep the contract's key order.
///
/// ```
/// use tidings::descriptor::Json;
///
/// static SCHEMA: Json = Json::Object(&[
///     ("type", Json::Str("integer")),
///     ("enum", Json::Array(&[Json::Unsigned(1), Json::Signed(-1), Json::Float(0.5)])),
/// ]);
/// assert_eq!(SCHEMA.get("type").and_then(Json::as_str), Some("integer"));
/// assert_eq!(SCHEMA.pointer("/enum/1"), Some(&Json::Signed(-1)));
/// assert_eq!(SCHEMA.to_value(), serde_json::json!({"type": "integer", "enum": [1, -1, 0.5]}));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number from zero up.
    Unsigned(u64),
    /// A whole number below zero.
    Signed(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    Str(&'static str),
    /// An array.
    Array(&'static [Json]),
    /// An object, its members in order.
    Object(&'static [(&'static str, Json)]),
}

impl Json {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&'static Json> {
        self.as_object()?.iter().find(|(k, _)| *k == key).map(|(_, value)| value)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&'static str> {
        match *self {
            Self::Str(text) => Some(text),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&'static [Json]> {
        match *self {
            Self::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&'static [(&'static str, Json)]> {
        match *self {
            Self::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The value a JSON pointer (RFC 6901, such as `/definitions/Name`) names within this one.
    pub fn pointer(&self, pointer: &str) -> Option<&Json> {
        let pointer = tidings_asyncapi::JsonPointer::parse(pointer).ok()?;
        pointer.tokens().iter().try_fold(self, |at, token| match *at {
            Self::Object(members) => members.iter().find(|(k, _)| k == token).map(|(_, value)| value),
            Self::Array(items) => items.get(token.parse::<usize>().ok()?),
            _ => None,
        })
    }

    /// The same value as a [`serde_json::Value`].
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match *self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(b),
            Self::Unsigned(n) => Value::from(n),
            Self::Signed(n) => Value::from(n),
            Self::Float(n) => Value::from(n),
            Self::Str(text) => Value::String(text.to_owned()),
            Self::Array(items) => Value::Array(items.iter().map(Json::to_value).collect()),
            Self::Object(members) => {
                Value::Object(members.iter().map(|(key, value)| ((*key).to_owned(), value.to_value())).collect())
            }
        }
    }
}

impl From<&Json> for serde_json::Value {
    fn from(json: &Json) -> Self {
        json.to_value()
    }
}
