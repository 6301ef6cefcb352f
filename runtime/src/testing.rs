//! Helpers for testing an application's channels over real sockets: a server on a free
//! loopback port, typed clients, and a layer that records what each group received.
//!
//! ```no_run
//! # async fn demo(chat: tidings::Channel) -> std::io::Result<()> {
//! use tidings::testing::TestServer;
//! let server = TestServer::start(|app| app.mount(chat)).await?;
//! // let mut client = server.client::<chat::Spec>("/ws/chat/lobby").await?;
//! server.stop().await
//! # }
//! ```

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::app::{App, ShutdownHandle};
use crate::client::{Client, ClientError};
use crate::codec::Frame;
use crate::contract::ChannelSpec;
use crate::document::{ERROR_FRAME_EXTENSION, reference};
use crate::groups::{Groups, Sender, scoped};
use crate::membership::{InProcess, Layer};
use crate::outbox::{ConnectionId, Delivery, Outbox};

/// A server on `127.0.0.1:0`, running in the background.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    shutdown: ShutdownHandle,
    task: tokio::task::JoinHandle<io::Result<()>>,
    groups: Groups,
}

impl TestServer {
    /// Starts the application `configure` builds (mount channels, set config, a layer...).
    pub async fn start(configure: impl FnOnce(App) -> App) -> io::Result<Self> {
        let server = configure(App::new()).bind("127.0.0.1:0").await?;
        let addr = server.local_addr()?;
        let shutdown = server.shutdown_handle();
        let groups = server.app().groups();
        let task = tokio::spawn(server.serve());
        Ok(Self { addr, shutdown, task, groups })
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ws://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    /// A typed client of channel `C` at `path`.
    pub async fn client<C: ChannelSpec>(&self, path: &str) -> Result<Client<C>, ClientError> {
        Client::connect(&self.url(path)).await
    }

    /// Typed sends on channel `C` from outside any connection.
    pub fn sender<C: ChannelSpec>(&self) -> Sender<C> {
        self.groups.sender::<C>()
    }

    /// The connections and groups the server's layer holds now.
    pub fn census(&self) -> crate::layer::Census {
        self.groups.layer().census()
    }

    /// Shuts the server down (Close 1001 to every connection) and waits for it.
    pub async fn stop(self) -> io::Result<()> {
        self.shutdown.shutdown();
        self.task.await.map_err(io::Error::other)?
    }
}

/// A layer that keeps membership in process, like [`InProcess`], and records every frame
/// broadcast to each group, for tests to look at (server events are delivered, not recorded).
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    inner: Arc<InProcess>,
    frames: Arc<Mutex<HashMap<String, Vec<Frame>>>>,
}

impl Recorder {
    /// What was broadcast to `group` of channel `C`, in order.
    pub fn received<C: ChannelSpec>(&self, group: &str) -> Vec<Frame> {
        let frames = self.frames.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        frames.get(&scoped(C::DESCRIPTOR.name, group)).cloned().unwrap_or_default()
    }

    /// Keeps `delivery` as broadcast to `group`, when it is a frame.
    fn record(&self, group: &str, delivery: &Delivery) {
        let Delivery::Frame(frame) = delivery else { return };
        self.frames
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(group.to_owned())
            .or_default()
            .push(frame.clone());
    }
}

impl Layer for Recorder {
    fn attach(&self, id: ConnectionId, outbox: Outbox) {
        self.inner.attach(id, outbox);
    }
    fn detach(&self, id: ConnectionId) {
        self.inner.detach(id);
    }
    fn join(&self, id: ConnectionId, group: &str) {
        self.inner.join(id, group);
    }
    fn leave(&self, id: ConnectionId, group: &str) {
        self.inner.leave(id, group);
    }
    fn broadcast(&self, group: &str, delivery: Delivery) -> usize {
        self.record(group, &delivery);
        self.inner.broadcast(group, delivery)
    }
    fn broadcast_except(&self, group: &str, delivery: Delivery, except: ConnectionId) -> usize {
        self.record(group, &delivery);
        self.inner.broadcast_except(group, delivery, except)
    }
    fn send_to(&self, id: ConnectionId, delivery: Delivery) -> bool {
        self.inner.send_to(id, delivery)
    }
    fn members(&self, group: &str) -> Vec<ConnectionId> {
        self.inner.members(group)
    }
}

/// Fails, with a readable semantic diff, unless `document` (an application's document, as
/// [`App::document`] builds it) says what the contract at `contract` says.
///
/// The comparison is `tidings diff`'s: after its normalizations, any change at all (breaking,
/// non-breaking or annotation) fails. The error frame the runtime documents on every channel
/// is left out unless the contract declares it too. On failure the application's document
/// is written beside the contract as `<name>.actual.yaml`, for a person to compare; on
/// success a stale one is removed. See [`assert_contract!`](crate::assert_contract).
pub fn assert_contract(document: &serde_json::Value, contract: impl AsRef<std::path::Path>) {
    let contract = contract.as_ref();
    let stem = contract.file_stem().and_then(|s| s.to_str()).unwrap_or("asyncapi");
    let written = contract.with_file_name(format!("{stem}.actual.yaml"));
    match check_contract(document, contract) {
        Ok(()) => {
            let _ = std::fs::remove_file(&written);
        }
        Err(report) => {
            let saved = match std::fs::write(&written, crate::document::to_yaml(document)) {
                Ok(()) => format!("the application's document is in {}", written.display()),
                Err(e) => format!("(the application's document could not be written to {}: {e})", written.display()),
            };
            panic!("{report}\n{saved}");
        }
    }
}

/// Every message example of `document` that its message's payload schema refuses, one line
/// each: where, and what the schema says. Code first, examples are JSON text in
/// `#[message(example = ...)]`, which nothing else checks.
fn invalid_examples(document: &serde_json::Value) -> Vec<String> {
    let mut wrong = Vec::new();
    let Some(messages) = document.pointer("/components/messages").and_then(serde_json::Value::as_object) else {
        return wrong;
    };
    // The payloads refer to `#/components/schemas/...`: each is checked from one root that
    // holds the document's components (copied once), so that those references resolve.
    let mut root = serde_json::json!({ "components": document["components"] });
    for (key, message) in messages {
        let Some(examples) = message.get("examples").and_then(serde_json::Value::as_array) else { continue };
        let pointer = format!("#/components/messages/{}/payload", key.replace('~', "~0").replace('/', "~1"));
        root["$ref"] = pointer.into();
        let validator = match jsonschema::draft7::new(&root) {
            Ok(validator) => validator,
            Err(e) => {
                wrong.push(format!("components/messages/{key}: its payload schema cannot be compiled: {e}"));
                continue;
            }
        };
        for (i, example) in examples.iter().enumerate() {
            let Some(payload) = example.get("payload") else { continue };
            for error in validator.iter_errors(payload) {
                wrong.push(format!(
                    "components/messages/{key}/examples/{i}/payload{}: {error}",
                    error.instance_path().as_str()
                ));
            }
        }
    }
    wrong
}

/// The environment variable that makes [`assert_document`] write the document instead of
/// comparing it.
pub const UPDATE_DOCUMENT: &str = "TIDINGS_UPDATE_DOCUMENT";

/// Code first: fails, with `tidings diff`'s report, unless `document` (the
/// application's, as [`App::document`] builds it) says what the checked-in document at
/// `path` says. With `TIDINGS_UPDATE_DOCUMENT=1` it writes `document` there (as YAML)
/// instead, so that a change to the code's API is a change to that file, which reviewers
/// see and `tidings diff` classes. Either way it first checks each message's examples
/// against the message's payload schema, and fails naming the ones that do not match.
/// See [`assert_document!`](crate::assert_document).
pub fn assert_document(document: &serde_json::Value, path: impl AsRef<std::path::Path>) {
    let path = path.as_ref();
    let wrong = invalid_examples(document);
    if !wrong.is_empty() {
        panic!("examples the document gives do not match their messages' payload schemas:\n{}", wrong.join("\n"));
    }
    if std::env::var_os(UPDATE_DOCUMENT).is_some_and(|value| value == "1") {
        if let Err(e) = std::fs::write(path, crate::document::to_yaml(document)) {
            panic!("{UPDATE_DOCUMENT}=1: cannot write {}: {e}", path.display());
        }
        return;
    }
    if !path.exists() {
        panic!("{} does not exist: run the test with {UPDATE_DOCUMENT}=1 to write it", path.display());
    }
    if let Err(report) = check_document(document, path) {
        panic!(
            "the application's document is not {}:\n{report}\nIf the change is meant, run the test with {UPDATE_DOCUMENT}=1 to rewrite the file, and review its diff.",
            path.display()
        );
    }
}

/// The part of `document` at the JSON pointer `pointer`, following every `$ref` on the way
/// and at the end: messages and payloads are written once in `components` and referred to,
/// so `"/channels/chat/messages/ping/payload/properties"` reaches the payload's properties
/// wherever they are written. `None` when the pointer leads nowhere.
///
/// ```
/// let document = serde_json::json!({
///     "channels": {"chat": {"messages": {"ping": {"$ref": "#/components/messages/ping"}}}},
///     "components": {"messages": {"ping": {"payload": {"type": "object"}}}},
/// });
/// let payload = tidings::testing::lookup(&document, "/channels/chat/messages/ping/payload");
/// assert_eq!(payload, Some(&serde_json::json!({"type": "object"})));
/// ```
pub fn lookup<'d>(document: &'d serde_json::Value, pointer: &str) -> Option<&'d serde_json::Value> {
    let pointer = tidings_asyncapi::JsonPointer::parse(pointer).ok()?;
    tidings_asyncapi::pointer::follow(document, &pointer).map(|(_, value)| value)
}

/// Why an application's document is not its contract's: [`check_contract`]'s error. Its
/// `Display` is the readable report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContractError {
    /// The contract cannot be loaded; its diagnostics say why.
    #[error("the contract {} cannot be read:\n{source}", path.display())]
    Unreadable {
        /// The contract's file.
        path: PathBuf,
        /// What the loader found.
        #[source]
        source: tidings_asyncapi::LoadError,
    },
    /// The application's document and the contract differ.
    #[error("the application does not implement its contract {}:\n\n{}", path.display(), differences.render_human())]
    Differs {
        /// The contract's file.
        path: PathBuf,
        /// Every difference, as `tidings diff` reports it.
        differences: tidings_asyncapi::diff::Report,
    },
}

/// The comparison of [`assert_document`], writing nothing: `tidings diff` between the whole
/// documents, error frames included (both sides are an application's document). A
/// contract-first implementation of a code-first application's exported document checks
/// with it that both serve the same API.
pub fn check_document(document: &serde_json::Value, path: impl AsRef<std::path::Path>) -> Result<(), ContractError> {
    let path = path.as_ref();
    let expected = match tidings_asyncapi::Document::load(path) {
        Ok(loaded) => loaded.bundled_with_traits(),
        Err(source) => return Err(ContractError::Unreadable { path: path.to_owned(), source }),
    };
    let differences = tidings_asyncapi::diff::diff_values(&expected, document);
    if differences.is_empty() {
        return Ok(());
    }
    Err(ContractError::Differs { path: path.to_owned(), differences })
}

/// The comparison of [`assert_contract`], writing nothing.
pub fn check_contract(
    document: &serde_json::Value,
    contract: impl AsRef<std::path::Path>,
) -> Result<(), ContractError> {
    let path = contract.as_ref();
    let expected = match tidings_asyncapi::Document::load(path) {
        Ok(loaded) => loaded.bundled_with_traits(),
        Err(source) => return Err(ContractError::Unreadable { path: path.to_owned(), source }),
    };
    let expected = without_unused_messages(&expected);
    let actual = without_error_frames(document);
    let differences = tidings_asyncapi::diff::diff_values(&expected, &actual);
    if differences.is_empty() {
        return Ok(());
    }
    Err(ContractError::Differs { path: path.to_owned(), differences })
}

/// `document` with every operation's messages listed (none listed means all of its
/// channel's), and without the channels no operation names and the channel messages no
/// operation sends, receives or replies with: generated code has nothing to do with them, so
/// the application cannot describe them.
fn without_unused_messages(document: &serde_json::Value) -> serde_json::Value {
    let mut used = std::collections::HashSet::new();
    let mut collect = |list: Option<&serde_json::Value>| {
        for item in list.and_then(serde_json::Value::as_array).into_iter().flatten() {
            if let Some(reference) = item.get("$ref").and_then(serde_json::Value::as_str) {
                used.insert(reference.to_owned());
            }
        }
    };
    let mut document = document.clone();
    // An operation without `messages` carries every message of its channel: say so.
    let channels = document.get("channels").cloned().unwrap_or_default();
    if let Some(serde_json::Value::Object(operations)) = document.get_mut("operations") {
        for operation in operations.values_mut() {
            let Some(object) = operation.as_object_mut() else { continue };
            if object.contains_key("messages") {
                continue;
            }
            let Some(channel_ref) =
                object.get("channel").and_then(|c| c.get("$ref")).and_then(serde_json::Value::as_str)
            else {
                continue;
            };
            let channel = tidings_asyncapi::RefTarget::split(channel_ref).pointer().ok();
            let Some([_, name]) = channel.as_ref().map(tidings_asyncapi::JsonPointer::tokens) else { continue };
            let all: Vec<serde_json::Value> = channels
                .get(name)
                .and_then(|c| c.get("messages"))
                .and_then(serde_json::Value::as_object)
                .into_iter()
                .flatten()
                .map(|(key, _)| serde_json::json!({"$ref": reference(["channels", name, "messages", key])}))
                .collect();
            object.insert("messages".into(), all.into());
        }
    }
    for operation in document.get("operations").and_then(serde_json::Value::as_object).into_iter().flatten() {
        let operation = operation.1;
        collect(operation.get("messages"));
        collect(operation.get("reply").and_then(|r| r.get("messages")));
    }
    // A channel no operation names has nothing to implement: generated code leaves it out.
    let named: std::collections::HashSet<String> = document
        .get("operations")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(_, operation)| [operation.get("channel"), operation.get("reply").and_then(|r| r.get("channel"))])
        .filter_map(|channel| channel?.get("$ref")?.as_str().map(str::to_owned))
        .collect();
    if let Some(serde_json::Value::Object(channels)) = document.get_mut("channels") {
        channels.retain(|name, _| named.contains(&reference(["channels", name])));
        for (name, channel) in channels.iter_mut() {
            if let Some(serde_json::Value::Object(messages)) = channel.get_mut("messages") {
                messages.retain(|key, _| used.contains(&reference(["channels", name, "messages", key])));
            }
        }
    }
    document
}

/// `document` without what [`ERROR_FRAME_EXTENSION`] marks: the error
/// operations, the error messages in `components/messages` and the channels' references to them.
fn without_error_frames(document: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let marked = |v: &Value| v.get(ERROR_FRAME_EXTENSION).is_some();
    // A channel's message is the error message itself or a reference to it.
    let is_error = |v: &Value| {
        marked(v)
            || v.get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|pointer| document.pointer(pointer))
                .is_some_and(marked)
    };
    let mut cleaned = document.clone();
    if let Some(Value::Object(channels)) = cleaned.get_mut("channels") {
        for channel in channels.values_mut() {
            if let Some(Value::Object(messages)) = channel.get_mut("messages") {
                messages.retain(|_, m| !is_error(m));
            }
        }
    }
    if let Some(Value::Object(operations)) = cleaned.get_mut("operations") {
        operations.retain(|_, o| !marked(o));
    }
    let no_components = match cleaned.get_mut("components") {
        Some(Value::Object(components)) => {
            if let Some(Value::Object(messages)) = components.get_mut("messages") {
                messages.retain(|_, m| !marked(m));
                if messages.is_empty() {
                    components.remove("messages");
                }
            }
            components.is_empty()
        }
        _ => false,
    };
    if no_components && let Some(root) = cleaned.as_object_mut() {
        root.remove("components");
    }
    cleaned
}

#[cfg(feature = "redis")]
#[path = "testing_redis.rs"]
mod redis_server;
#[cfg(feature = "redis")]
pub use redis_server::RedisServer;

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// A document whose `greet` message has one example per entry of `names`, its payload
    /// a named schema in `components/schemas` as the document builder writes it.
    fn document(names: &[serde_json::Value]) -> serde_json::Value {
        let examples: Vec<_> = names.iter().map(|name| json!({"payload": {"action": "greet", "name": name}})).collect();
        json!({
            "components": {
                "messages": {"greet": {"payload": {"$ref": "#/components/schemas/Greet"}, "examples": examples}},
                "schemas": {"Greet": {
                    "type": "object",
                    "required": ["action", "name"],
                    "properties": {"action": {"const": "greet"}, "name": {"type": "string", "maxLength": 8}},
                }},
            }
        })
    }

    #[test]
    fn examples_are_checked_against_their_payload_schemas() {
        assert!(super::invalid_examples(&document(&[json!("Ada"), json!("Grace")])).is_empty());
        let wrong = super::invalid_examples(&document(&[json!("Ada"), json!("a name longer than eight"), json!(7)]));
        assert_eq!(wrong.len(), 2, "{wrong:#?}");
        assert!(wrong[0].starts_with("components/messages/greet/examples/1/payload/name: "), "{wrong:#?}");
        assert!(wrong[1].starts_with("components/messages/greet/examples/2/payload/name: "), "{wrong:#?}");
    }
}
