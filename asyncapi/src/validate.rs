//! Checks the JSON shape of a document cannot express: references that point at the right
//! kind of object, operations whose messages belong to their channel, address parameters
//! that match, servers' variables, security schemes complete for their type, and the
//! version of the specification.

use serde_json::{Map, Value};

use crate::diagnostic::{Problem, Severity};
use crate::model::node::Finding;
use crate::model::{ApiKeyLocation, HttpApiKeyLocation, SecuritySchemeType};
use crate::pointer::{JsonPointer, RefTarget};

/// Checks `asyncapi`: 3.0.x and 3.1.x are read; anything else stops here.
pub(crate) fn check_version(root: &Value) -> Option<Finding> {
    let root = Raw(root);
    let pointer = JsonPointer::from_tokens(["asyncapi"]);
    let problem = match root.field("asyncapi").map(|v| v.0) {
        None if !root.0.is_object() => return None,
        None => Problem::MissingField { field: "asyncapi", object: "an AsyncAPI document" },
        Some(Value::String(v)) if is_supported(v) => return None,
        Some(Value::String(v)) => Problem::UnsupportedVersion { found: v.clone() },
        Some(other) => Problem::UnsupportedVersion { found: other.to_string() },
    };
    let pointer = if root.has("asyncapi") { pointer } else { JsonPointer::root() };
    Some(Finding { severity: Severity::Error, problem, pointer, at_key: false })
}

fn is_supported(version: &str) -> bool {
    let mut parts = version.splitn(3, '.');
    let (Some(major), Some(minor), Some(patch)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let patch_core = patch.split(['-', '+']).next().unwrap_or(patch);
    major == "3"
        && matches!(minor, "0" | "1")
        && !patch_core.is_empty()
        && patch_core.bytes().all(|b| b.is_ascii_digit())
}

/// A node of the document as validation reads it: raw JSON, through this type alone.
///
/// Validation cannot read the typed model ([`crate::model`]) or the view built on it: it
/// runs in the same pass as the typed reading, on the bundled document whether or not that
/// document types, so that an author sees a wrong reference or an undeclared parameter
/// together with a wrong field type, each at its pointer, rather than one after the other
/// (the typed reader gives up on a whole document at its first ill-typed object). The
/// version check runs earlier still, before bundling. And the model says the same of an
/// absent `parameters` and of `parameters: {}`, which the parameter rule tells apart.
///
/// Every read is lenient: a field of the wrong type reads as absent here, and the typed
/// reader reports it.
#[derive(Debug, Clone, Copy)]
struct Raw<'a>(&'a Value);

impl<'a> Raw<'a> {
    /// The value of field `key`, as written.
    fn field(self, key: &str) -> Option<Raw<'a>> {
        crate::pointer::member(self.0.as_object()?, key).map(Raw)
    }

    /// Whether the object has field `key`, whatever its value.
    fn has(self, key: &str) -> bool {
        self.field(key).is_some()
    }

    /// The text of field `key`, when it is a string.
    fn str(self, key: &str) -> Option<&'a str> {
        self.field(key)?.0.as_str()
    }

    /// The object of field `key`, when it is one.
    fn object(self, key: &str) -> Option<&'a Map<String, Value>> {
        self.field(key)?.0.as_object()
    }

    /// The entries of this node, when it is an object, in document order.
    fn entries(self) -> impl Iterator<Item = (&'a String, Raw<'a>)> {
        self.0.as_object().into_iter().flat_map(Map::iter).map(|(key, value)| (key, Raw(value)))
    }

    /// The entries of the object of field `key`.
    fn entries_of(self, key: &str) -> impl Iterator<Item = (&'a String, Raw<'a>)> {
        self.field(key).into_iter().flat_map(Raw::entries)
    }

    /// The items of the array of field `key`, when it is one.
    fn items_of(self, key: &str) -> Option<impl Iterator<Item = Raw<'a>>> {
        Some(self.field(key)?.0.as_array()?.iter().map(Raw))
    }

    /// The reference text, when this is a Reference Object.
    fn reference(self) -> Option<&'a str> {
        crate::pointer::reference_of(self.0)
    }
}

/// Semantic checks over a bundled document.
pub(crate) fn check(doc: &Value) -> Vec<Finding> {
    let mut v = Validator { doc, findings: Vec::new(), channel_messages: Default::default() };
    v.run();
    v.findings
}

struct Validator<'a> {
    doc: &'a Value,
    findings: Vec<Finding>,
    /// Each channel's messages as written and as resolved, worked out once per channel
    /// rather than once per operation that names it.
    channel_messages: std::collections::HashMap<JsonPointer, std::rc::Rc<[JsonPointer]>>,
}

/// A component or root-map key, as the spec allows: `^[a-zA-Z0-9.\-_]+$`.
fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

impl<'a> Validator<'a> {
    fn error(&mut self, pointer: JsonPointer, problem: Problem) {
        self.findings.push(Finding { severity: Severity::Error, problem, pointer, at_key: false });
    }

    fn error_at_key(&mut self, pointer: JsonPointer, problem: Problem) {
        self.findings.push(Finding { severity: Severity::Error, problem, pointer, at_key: true });
    }

    /// What the specification discourages but the official parser accepts: a warning, so that
    /// a document it accepts is never refused (`--deny-warnings` makes it an error).
    fn warn(&mut self, pointer: JsonPointer, problem: Problem, at_key: bool) {
        self.findings.push(Finding { severity: Severity::Warning, problem, pointer, at_key });
    }

    /// The node a local `$ref` finally designates. This runs after errors too; `follow`
    /// bounds its own depth instead of trusting the document.
    fn resolve(&self, reference: &str) -> Option<(JsonPointer, Raw<'a>)> {
        crate::pointer::follow_reference(self.doc, reference).map(|(at, value)| (at, Raw(value)))
    }

    /// An object that may be written in place or referenced: its final pointer and value.
    fn deref(&self, at: JsonPointer, node: Raw<'a>) -> Option<(JsonPointer, Raw<'a>)> {
        match node.reference() {
            Some(reference) => self.resolve(reference),
            None => Some((at, node)),
        }
    }

    fn run(&mut self) {
        let doc = Raw(self.doc);
        let root = JsonPointer::root();
        for map in ["servers", "channels", "operations"] {
            self.check_keys(&root.join(map), doc.entries_of(map));
        }
        for (kind, entries) in doc.entries_of("components") {
            self.check_keys(&root.join("components").join(kind.clone()), entries.entries());
        }
        let components = doc.field("components").unwrap_or(Raw(&Value::Null));
        for (scope, node) in [(root.clone(), doc), (root.join("components"), components)] {
            for (name, server) in node.entries_of("servers") {
                self.check_server(scope.join("servers").join(name.clone()), server);
            }
            for (name, channel) in node.entries_of("channels") {
                self.check_channel(scope.join("channels").join(name.clone()), channel);
            }
            let in_root = scope.is_root();
            for (name, operation) in node.entries_of("operations") {
                self.check_operation(scope.join("operations").join(name.clone()), operation, in_root);
            }
        }
        for (name, trait_) in components.entries_of("operationTraits") {
            let at = root.join("components").join("operationTraits").join(name.clone());
            if let Some((at, trait_)) = self.deref(at, trait_) {
                self.check_security_list(&at, trait_);
            }
        }
        for (name, scheme) in components.entries_of("securitySchemes") {
            let at = root.join("components").join("securitySchemes").join(name.clone());
            if !scheme.has("$ref") {
                self.check_scheme(at, scheme);
            }
        }
    }

    fn check_keys(&mut self, at: &JsonPointer, entries: impl Iterator<Item = (&'a String, Raw<'a>)>) {
        for (key, _) in entries {
            if !valid_key(key) {
                self.warn(at.join(key.clone()), Problem::UnusualKey { key: key.clone() }, true);
            }
        }
    }

    fn check_server(&mut self, at: JsonPointer, server: Raw<'a>) {
        let Some((at, server)) = self.deref(at, server) else { return };
        let declared = server.object("variables");
        for field in ["host", "pathname"] {
            let Some(text) = server.str(field) else { continue };
            match placeholders(text) {
                Ok(names) => {
                    for name in names {
                        if !declared.is_some_and(|d| d.contains_key(name)) {
                            self.warn(
                                at.join(field),
                                Problem::UndeclaredServerVariable { name: name.to_owned(), text: text.to_owned() },
                                false,
                            );
                        }
                    }
                }
                Err(()) => self.warn(
                    at.join(field),
                    Problem::Malformed {
                        found: text.to_owned(),
                        what: "balanced: every `{` needs a `}` and names cannot nest",
                    },
                    false,
                ),
            }
        }
        self.check_security_list(&at, server);
    }

    fn check_channel(&mut self, at: JsonPointer, channel: Raw<'a>) {
        let Some((at, channel)) = self.deref(at, channel) else { return };
        let address = channel.str("address");
        let declared = channel.object("parameters");
        let used = match address.map(placeholders) {
            Some(Ok(names)) => names,
            Some(Err(())) => {
                self.warn(
                    at.join("address"),
                    Problem::Malformed {
                        found: address.unwrap_or_default().to_owned(),
                        what: "a channel address with balanced `{parameter}` expressions",
                    },
                    false,
                );
                return;
            }
            None => Vec::new(),
        };
        for name in &used {
            // With no `parameters` at all the official parser accepts the address (its
            // parameters are then plain strings); with some declared, each must be.
            let problem = Problem::UndeclaredParameter {
                name: (*name).to_owned(),
                address: address.unwrap_or_default().to_owned(),
            };
            match declared {
                None => self.warn(at.join("address"), problem, false),
                Some(declared) if !declared.contains_key(*name) => self.error(at.join("address"), problem),
                Some(_) => {}
            }
        }
        for (name, _) in channel.entries_of("parameters") {
            if !used.contains(&name.as_str()) {
                self.error_at_key(
                    at.join("parameters").join(name.clone()),
                    Problem::UnusedParameter {
                        name: name.clone(),
                        address: address.map_or_else(|| "null".to_owned(), str::to_owned),
                    },
                );
            }
        }
        for (i, server) in channel.items_of("servers").into_iter().flatten().enumerate() {
            let Some(reference) = server.reference() else { continue };
            let is_root_server =
                RefTarget::split(reference).pointer().is_ok_and(|p| matches!(p.tokens(), [s, _] if s == "servers"));
            if !is_root_server {
                self.error(
                    at.join("servers").join(i.to_string()).join("$ref"),
                    Problem::WrongReferenceTarget {
                        reference: reference.to_owned(),
                        expected: "a server in the root `servers` (`#/servers/<name>`)",
                    },
                );
            }
        }
    }

    /// The final pointers of a channel's messages, and the pointers they are written at.
    fn channel_messages(&mut self, channel_at: &JsonPointer, channel: Raw<'a>) -> std::rc::Rc<[JsonPointer]> {
        if let Some(known) = self.channel_messages.get(channel_at) {
            return std::rc::Rc::clone(known);
        }
        let mut out = Vec::new();
        for (key, message) in channel.entries_of("messages") {
            let written = channel_at.join("messages").join(key.clone());
            if let Some((fin, _)) = self.deref(written.clone(), message) {
                out.push(fin);
            }
            out.push(written);
        }
        let out: std::rc::Rc<[JsonPointer]> = out.into();
        self.channel_messages.insert(channel_at.clone(), std::rc::Rc::clone(&out));
        out
    }

    fn check_operation(&mut self, at: JsonPointer, operation: Raw<'a>, in_root: bool) {
        let Some((at, operation)) = self.deref(at, operation) else { return };
        let channel = self.channel_of(&at.join("channel"), operation.field("channel"), in_root);
        if let Some((channel_at, channel)) = channel {
            let allowed = self.channel_messages(&channel_at, channel);
            self.check_messages_in(&at.join("messages"), operation.items_of("messages"), &allowed, &channel_at);
        }
        self.check_security_list(&at, operation);
        let Some(reply) = operation.field("reply") else { return };
        let Some((reply_at, reply)) = self.deref(at.join("reply"), reply) else { return };
        if let Some((channel_at, channel)) = self.channel_of(&reply_at.join("channel"), reply.field("channel"), false) {
            let allowed = self.channel_messages(&channel_at, channel);
            self.check_messages_in(&reply_at.join("messages"), reply.items_of("messages"), &allowed, &channel_at);
        }
    }

    /// The channel an operation or reply names; root operations must name a root channel.
    fn channel_of(&mut self, at: &JsonPointer, node: Option<Raw<'a>>, in_root: bool) -> Option<(JsonPointer, Raw<'a>)> {
        let reference = node?.reference()?;
        let written = RefTarget::split(reference).pointer().ok()?;
        let (fin, channel) = self.resolve(reference)?;
        let points_at_root_channel = matches!(written.tokens(), [c, _] if c == "channels");
        let is_channel =
            points_at_root_channel || matches!(fin.tokens(), [c, k, _] if c == "components" && k == "channels");
        if !is_channel || (in_root && !points_at_root_channel) {
            let expected =
                if in_root { "a channel in the root `channels` (`#/channels/<name>`)" } else { "a Channel Object" };
            self.error(at.join("$ref"), Problem::WrongReferenceTarget { reference: reference.to_owned(), expected });
            return None;
        }
        Some((fin, channel))
    }

    fn check_messages_in(
        &mut self,
        at: &JsonPointer,
        list: Option<impl Iterator<Item = Raw<'a>>>,
        allowed: &[JsonPointer],
        channel_at: &JsonPointer,
    ) {
        for (i, message) in list.into_iter().flatten().enumerate() {
            let Some(reference) = message.reference() else { continue };
            let written = RefTarget::split(reference).pointer().ok();
            // A reference that leads nowhere is reported where it is resolved, once.
            let Some(fin) = self.resolve(reference).map(|(p, _)| p) else { continue };
            let fin = Some(fin);
            let belongs = [written, fin].into_iter().flatten().any(|p| allowed.contains(&p));
            if !belongs {
                self.error(
                    at.join(i.to_string()).join("$ref"),
                    Problem::MessageNotInChannel { reference: reference.to_owned(), channel: channel_at.to_fragment() },
                );
            }
        }
    }

    fn check_security_list(&mut self, at: &JsonPointer, holder: Raw<'a>) {
        for (i, entry) in holder.items_of("security").into_iter().flatten().enumerate() {
            let entry_at = at.join("security").join(i.to_string());
            match entry.reference() {
                Some(reference) => {
                    let Some((fin, _)) = self.resolve(reference) else { continue };
                    if !matches!(fin.tokens(), [c, k, _] if c == "components" && k == "securitySchemes") {
                        self.error(
                            entry_at.join("$ref"),
                            Problem::WrongReferenceTarget {
                                reference: reference.to_owned(),
                                expected: "a security scheme (`#/components/securitySchemes/<name>`)",
                            },
                        );
                    }
                }
                None => self.check_scheme(entry_at, entry),
            }
        }
    }

    fn check_scheme(&mut self, at: JsonPointer, scheme: Raw<'a>) {
        let Some(type_text) = scheme.str("type") else { return };
        let require = |v: &mut Self, field: &'static str| {
            if !scheme.has(field) {
                v.error(at.clone(), Problem::SecuritySchemeIncomplete { scheme_type: type_text.to_owned(), field });
            }
        };
        // Where the key travels, for the types that say: whether a value is allowed, and
        // the allowed values for the message.
        type Location = (fn(&str) -> bool, &'static str);
        let location: Option<Location> = match SecuritySchemeType::parse(type_text) {
            Some(SecuritySchemeType::HttpApiKey) => {
                require(self, "name");
                require(self, "in");
                Some((|l| HttpApiKeyLocation::parse(l).is_some(), HttpApiKeyLocation::ALLOWED))
            }
            Some(SecuritySchemeType::ApiKey) => {
                require(self, "in");
                Some((|l| ApiKeyLocation::parse(l).is_some(), ApiKeyLocation::ALLOWED))
            }
            Some(SecuritySchemeType::Http) => {
                require(self, "scheme");
                None
            }
            Some(SecuritySchemeType::OAuth2) => {
                require(self, "flows");
                None
            }
            Some(SecuritySchemeType::OpenIdConnect) => {
                require(self, "openIdConnectUrl");
                None
            }
            _ => None,
        };
        if let (Some((allowed, text)), Some(found)) = (location, scheme.str("in"))
            && !allowed(found)
        {
            self.error(at.join("in"), Problem::NotAllowed { found: found.to_owned(), allowed: text });
        }
        let flow_needs: [(&str, &[&'static str]); 4] = [
            ("implicit", &["authorizationUrl", "availableScopes"]),
            ("password", &["tokenUrl", "availableScopes"]),
            ("clientCredentials", &["tokenUrl", "availableScopes"]),
            ("authorizationCode", &["authorizationUrl", "tokenUrl", "availableScopes"]),
        ];
        for (flow, needs) in flow_needs {
            let Some(body) = scheme.field("flows").and_then(|f| f.field(flow)) else { continue };
            for field in needs {
                if !body.has(field) {
                    self.error(at.join("flows").join(flow), Problem::MissingField { field, object: "this OAuth flow" });
                }
            }
        }
    }
}

/// The `{names}` in an address or host, in order; `Err` when braces do not balance.
pub(crate) fn placeholders(text: &str) -> Result<Vec<&str>, ()> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Err(());
        }
        let after = &rest[open + 1..];
        let close = after.find(['{', '}']).ok_or(())?;
        if after.as_bytes()[close] == b'{' || close == 0 {
            return Err(());
        }
        names.push(&after[..close]);
        rest = &after[close + 1..];
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(is_supported("3.0.0"));
        assert!(is_supported("3.1.0"));
        assert!(is_supported("3.0.0-rc1"));
        assert!(!is_supported("2.6.0"));
        assert!(!is_supported("3.2.0"));
        assert!(!is_supported("3.0"));
    }

    #[test]
    fn address_placeholders() {
        assert_eq!(placeholders("/ws/chat/{room_id}/{x}"), Ok(vec!["room_id", "x"]));
        assert_eq!(placeholders("plain"), Ok(vec![]));
        assert_eq!(placeholders("/a/{b"), Err(()));
        assert_eq!(placeholders("/a/b}"), Err(()));
        assert_eq!(placeholders("/a/{}"), Err(()));
    }
}
