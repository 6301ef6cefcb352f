//! What the application's document says beyond its channels: [`DocumentConfig`] (info,
//! servers, key style, error frames) and its servers ([`DocumentServer`]).

use serde_json::{Map, Value};

use crate::descriptor::InfoDescriptor;

/// What the document says about the application beyond its channels.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DocumentConfig {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The servers; when empty, one named `default` at the address the server listens on.
    pub servers: Vec<DocumentServer>,
    /// Channel, operation and message keys in camelCase (see [`DocumentConfig::camelize`]).
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
pub struct DocumentServer {
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

impl DocumentServer {
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

impl DocumentConfig {
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
                .filter_map(|(name, object)| Some(DocumentServer::from_object(name, object.as_object()?)))
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
    pub fn server(mut self, server: DocumentServer) -> Self {
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

impl Default for DocumentConfig {
    /// A document titled `tidings application` at version `0.0.0`.
    fn default() -> Self {
        Self::new("tidings application", "0.0.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_read_from_urls() {
        let server = DocumentServer::new("prod", "wss://chat.example.com/api/");
        assert_eq!((server.host.as_str(), server.protocol.as_str()), ("chat.example.com", "wss"));
        assert_eq!(server.pathname.as_deref(), Some("/api"));
        let bare = DocumentServer::new("local", "127.0.0.1:8080");
        assert_eq!((bare.host.as_str(), bare.protocol.as_str(), bare.pathname), ("127.0.0.1:8080", "ws", None));
    }
}
