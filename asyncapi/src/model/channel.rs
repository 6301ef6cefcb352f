//! Channels and their address parameters.

use indexmap::IndexMap;

use super::{ChannelBindings, ExternalDocs, Message, Nullable, RefOr, Reference, Tag};

crate::model::node::spec_object! { extensible;
    /// A place messages are exchanged: a WebSocket path, a topic, a queue.
    pub struct Channel = "a Channel Object" {
        /// The address, with `{parameters}`; `null` means it is only known at run time.
        "address" => address: Option<Nullable<String>>,
        /// The messages that may travel on this channel, by identifier.
        "messages" => messages: IndexMap<String, RefOr<Message>>,
        /// A human-friendly title.
        "title" => title: Option<String>,
        /// A short summary.
        "summary" => summary: Option<String>,
        /// What the channel is for; CommonMark is allowed.
        "description" => description: Option<String>,
        /// References to the root `servers` this channel is available on; all when empty.
        "servers" => servers: Vec<Reference>,
        /// The parameters of `address`, by name.
        "parameters" => parameters: IndexMap<String, RefOr<Parameter>>,
        /// Tags for grouping channels.
        "tags" => tags: Vec<RefOr<Tag>>,
        /// More documentation about the channel.
        "externalDocs" => external_docs: Option<RefOr<ExternalDocs>>,
        /// Protocol-specific settings.
        "bindings" => bindings: Option<RefOr<ChannelBindings>>,
    }
}

crate::model::node::spec_object! { extensible;
    /// A parameter of a channel address.
    pub struct Parameter = "a Parameter Object" {
        /// The allowed values, when limited.
        "enum" => allowed: Vec<String>,
        /// The value to use when none is given.
        "default" => default: Option<String>,
        /// What the parameter is for.
        "description" => description: Option<String>,
        /// Example values.
        "examples" => examples: Vec<String>,
        /// A runtime expression saying where in a message the value is found.
        "location" => location: Option<String>,
    }
}
