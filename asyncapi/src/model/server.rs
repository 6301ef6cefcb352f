//! Servers and their variables.

use indexmap::IndexMap;

use super::{ExternalDocs, RefOr, SecurityScheme, ServerBindings, Tag};

crate::model::node::spec_object! { extensible;
    /// A message broker or server the application talks to.
    pub struct Server = "a Server Object" {
        /// Host name, optionally with port; may contain `{variables}`.
        "host" => host: String,
        /// The protocol, such as `ws`, `wss`, `mqtt` or `kafka`.
        "protocol" => protocol: String,
        /// The protocol's version.
        "protocolVersion" => protocol_version: Option<String>,
        /// A path after the host; may contain `{variables}`.
        "pathname" => pathname: Option<String>,
        /// What the server is; CommonMark is allowed.
        "description" => description: Option<String>,
        /// A human-friendly title.
        "title" => title: Option<String>,
        /// A short summary.
        "summary" => summary: Option<String>,
        /// Values for the `{variables}` in `host` and `pathname`.
        "variables" => variables: IndexMap<String, RefOr<ServerVariable>>,
        /// The security schemes a client may use; any one of them suffices.
        "security" => security: Vec<RefOr<SecurityScheme>>,
        /// Tags for grouping servers.
        "tags" => tags: Vec<RefOr<Tag>>,
        /// More documentation about the server.
        "externalDocs" => external_docs: Option<RefOr<ExternalDocs>>,
        /// Protocol-specific settings.
        "bindings" => bindings: Option<RefOr<ServerBindings>>,
    }
}

crate::model::node::spec_object! { extensible;
    /// A variable for substitution in a server's host or pathname.
    pub struct ServerVariable = "a Server Variable Object" {
        /// The allowed values, when limited.
        "enum" => allowed: Vec<String>,
        /// The value to use when none is given.
        "default" => default: Option<String>,
        /// What the variable is for.
        "description" => description: Option<String>,
        /// Example values.
        "examples" => examples: Vec<String>,
    }
}
