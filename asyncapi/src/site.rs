//! What kind of spec object stands at a path of a document.
//!
//! The loader and the bundler see raw JSON, before the typed model exists: they need to
//! know whether a `$ref` sits where a message is expected (so that the bundler files it
//! under `components/messages`) and which subtrees are data (`examples`, `const`, ...) whose
//! `$ref` keys are not references at all. This small grammar of the AsyncAPI 3.0 object
//! tree answers both.

use std::borrow::Cow;

use serde_json::Value;

/// The kind of object at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Site {
    Root,
    Info,
    Components,
    Server,
    ServerVariable,
    Channel,
    Parameter,
    Operation,
    OperationTrait,
    Reply,
    ReplyAddress,
    Message,
    MessageTrait,
    CorrelationId,
    /// A message's `payload` or `headers`: a schema, or a multi-format schema.
    SchemaSlot,
    Schema,
    SecurityScheme,
    Tag,
    ExternalDocs,
    ServerBindings,
    ChannelBindings,
    OperationBindings,
    MessageBindings,
    WsChannelBinding,
    /// A map or list whose every entry is of the given kind.
    Each(&'static Site),
    /// Example values, constants, defaults: not spec objects, and `$ref` there is data.
    Data,
    /// Anything else (extensions, unknown keys, other protocols' bindings).
    Other,
}

impl Site {
    /// The kind of the child at `token`.
    pub(crate) fn child(self, token: &str) -> Site {
        use Site::*;
        const SCHEMA: &Site = &Schema;
        match (self, token) {
            (Each(kind), _) => *kind,
            (Data, _) => Data,
            (Schema, t) => match t {
                "properties" | "patternProperties" | "definitions" | "$defs" | "dependentSchemas" | "allOf"
                | "anyOf" | "oneOf" | "prefixItems" | "dependencies" => Each(SCHEMA),
                "const" | "default" | "enum" | "examples" | "example" => Data,
                "externalDocs" => ExternalDocs,
                _ => Schema,
            },
            (_, t) if t.starts_with("x-") => Other,
            (Root, "info") => Info,
            (Root, "servers") => Each(&Server),
            (Root, "channels") => Each(&Channel),
            (Root, "operations") => Each(&Operation),
            (Root, "components") => Components,
            (Components, t) => component_site(t).map_or(Other, Each),
            (Info, "tags") | (Server | Channel | Operation | OperationTrait | Message | MessageTrait, "tags") => {
                Each(&Tag)
            }
            (Info | Tag | Server | Channel | Operation | OperationTrait | Message | MessageTrait, "externalDocs") => {
                ExternalDocs
            }
            (Server, "variables") => Each(&ServerVariable),
            (Server | Operation | OperationTrait, "security") => Each(&SecurityScheme),
            (Server, "bindings") => ServerBindings,
            (Channel, "messages") | (Operation | Reply, "messages") => Each(&Message),
            (Channel, "parameters") => Each(&Parameter),
            (Channel, "servers") => Each(&Server),
            (Channel, "bindings") => ChannelBindings,
            (Operation | Reply, "channel") => Channel,
            (Operation, "reply") => Reply,
            (Operation, "traits") => Each(&OperationTrait),
            (Operation | OperationTrait, "bindings") => OperationBindings,
            (Reply, "address") => ReplyAddress,
            (Message | MessageTrait, "payload" | "headers") => SchemaSlot,
            (Message | MessageTrait, "correlationId") => CorrelationId,
            (Message | MessageTrait, "bindings") => MessageBindings,
            (Message | MessageTrait, "examples") => Data,
            (Message, "traits") => Each(&MessageTrait),
            (SchemaSlot, "schema") => Schema,
            (SchemaSlot, "schemaFormat") => Other,
            (SchemaSlot, t) => Schema.child(t),
            (ChannelBindings, "ws") => WsChannelBinding,
            (WsChannelBinding, "query" | "headers") => Schema,
            _ => Other,
        }
    }

    /// The `components` key under which objects of this kind are kept, for bundling.
    pub(crate) fn component_key(self) -> Option<&'static str> {
        use Site::*;
        Some(match self {
            Schema | SchemaSlot => "schemas",
            Server => "servers",
            Channel => "channels",
            Operation => "operations",
            Message => "messages",
            SecurityScheme => "securitySchemes",
            ServerVariable => "serverVariables",
            Parameter => "parameters",
            CorrelationId => "correlationIds",
            Reply => "replies",
            ReplyAddress => "replyAddresses",
            ExternalDocs => "externalDocs",
            Tag => "tags",
            OperationTrait => "operationTraits",
            MessageTrait => "messageTraits",
            ServerBindings => "serverBindings",
            ChannelBindings => "channelBindings",
            OperationBindings => "operationBindings",
            MessageBindings => "messageBindings",
            _ => return None,
        })
    }

    /// The kind at a path from the root of a document.
    #[cfg(test)]
    pub(crate) fn at(tokens: &[String]) -> Site {
        tokens.iter().fold(Site::Root, |site, token| site.child(token))
    }
}

/// The kind of the entries of `components/<key>`.
pub(crate) fn component_site(key: &str) -> Option<&'static Site> {
    use Site::*;
    Some(match key {
        "schemas" => &SchemaSlot,
        "servers" => &Server,
        "channels" => &Channel,
        "operations" => &Operation,
        "messages" => &Message,
        "securitySchemes" => &SecurityScheme,
        "serverVariables" => &ServerVariable,
        "parameters" => &Parameter,
        "correlationIds" => &CorrelationId,
        "replies" => &Reply,
        "replyAddresses" => &ReplyAddress,
        "externalDocs" => &ExternalDocs,
        "tags" => &Tag,
        "operationTraits" => &OperationTrait,
        "messageTraits" => &MessageTrait,
        "serverBindings" => &ServerBindings,
        "channelBindings" => &ChannelBindings,
        "operationBindings" => &OperationBindings,
        "messageBindings" => &MessageBindings,
        _ => return None,
    })
}

/// A `$ref` found in a value: the path of the object holding it (relative to where the walk
/// started), the kind of object expected there, and the reference text (or `None` when the
/// `$ref` is not a string).
pub(crate) struct RefSite {
    pub(crate) path: Vec<String>,
    pub(crate) site: Site,
    pub(crate) reference: Option<String>,
}

/// Every `$ref` under `value`, in document order, skipping data subtrees.
pub(crate) fn find_refs(value: &Value, start: Site) -> Vec<RefSite> {
    let mut found = Vec::new();
    let mut path = Vec::new();
    walk(value, start, &mut path, &mut found);
    found
}

/// Array indexes as tokens without allocating for the common small ones.
const INDEXES: [&str; 16] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"];

fn walk<'v>(value: &'v Value, site: Site, path: &mut Vec<Cow<'v, str>>, found: &mut Vec<RefSite>) {
    if site == Site::Data {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(r) = crate::pointer::ref_member(value) {
                found.push(RefSite {
                    path: path.iter().map(|t| t.as_ref().to_owned()).collect(),
                    site,
                    reference: r.as_str().map(str::to_owned),
                });
                // Siblings of `$ref` are ignored in Reference Objects; in schemas they are
                // keywords beside the reference, and may hold references themselves.
                if site != Site::Schema && site != Site::SchemaSlot {
                    return;
                }
            }
            for (key, child) in map {
                if key == "$ref" || !could_hold_ref(child) {
                    continue;
                }
                path.push(Cow::Borrowed(key));
                walk(child, site.child(key), path, found);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                if !could_hold_ref(child) {
                    continue;
                }
                let token = INDEXES.get(i).map_or_else(|| Cow::Owned(i.to_string()), |t| Cow::Borrowed(*t));
                let child_site = site.child(&token);
                path.push(token);
                walk(child, child_site, path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Scalars hold no references; skipping them saves a push and a pop per leaf.
fn could_hold_ref(value: &Value) -> bool {
    matches!(value, Value::Object(_) | Value::Array(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(path: &str) -> Site {
        let tokens: Vec<String> = path.split('/').filter(|t| !t.is_empty()).map(str::to_owned).collect();
        Site::at(&tokens)
    }

    #[test]
    fn knows_the_tree() {
        assert_eq!(site("/channels/chat/messages/m"), Site::Message);
        assert_eq!(site("/operations/o/messages/0"), Site::Message);
        assert_eq!(site("/operations/o/reply/address"), Site::ReplyAddress);
        assert_eq!(site("/components/messages/m/payload"), Site::SchemaSlot);
        assert_eq!(site("/components/messages/m/payload/properties/a/items"), Site::Schema);
        assert_eq!(site("/components/messages/m/payload/properties/examples"), Site::Schema);
        assert_eq!(site("/components/messages/m/payload/examples"), Site::Data);
        assert_eq!(site("/components/messages/m/traits/0/bindings"), Site::MessageBindings);
        assert_eq!(site("/operations/o/traits/0/bindings"), Site::OperationBindings);
        assert_eq!(site("/channels/c/bindings/ws/query"), Site::Schema);
    }

    #[test]
    fn skips_data() {
        let v = serde_json::json!({
            "components": {"schemas": {"A": {"properties": {"x": {"$ref": "#/a"}}, "examples": [{"$ref": "data"}]}},
                           "messages": {"m": {"examples": [{"payload": {"$ref": "data"}}], "payload": {"$ref": "#/b"}}}}
        });
        let refs: Vec<_> = find_refs(&v, Site::Root).into_iter().filter_map(|r| r.reference).collect();
        assert_eq!(refs, ["#/a", "#/b"]);
    }
}
