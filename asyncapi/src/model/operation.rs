//! Operations: what the application sends and receives, and the replies.

use super::{ExternalDocs, OperationBindings, RefOr, Reference, SecurityScheme, Tag};

crate::model::node::spec_enum! {
    /// Whether the application sends or receives on the operation's channel.
    pub enum Action = "`send` or `receive`" {
        /// The application sends the messages.
        "send" => Send,
        /// The application receives the messages.
        "receive" => Receive,
    }
}

impl Action {
    /// The action of the application's peer: what one side sends the other receives.
    pub fn peer(self) -> Self {
        match self {
            Action::Send => Action::Receive,
            Action::Receive => Action::Send,
        }
    }
}

crate::model::node::spec_object! { extensible;
    /// Something the application does on a channel.
    pub struct Operation = "an Operation Object" {
        /// Whether the application sends or receives.
        "action" => action: Action,
        /// A `$ref` to the channel, in the root `channels`.
        "channel" => channel: Reference,
        /// A human-friendly title.
        "title" => title: Option<String>,
        /// A short summary.
        "summary" => summary: Option<String>,
        /// What the operation does; CommonMark is allowed.
        "description" => description: Option<String>,
        /// The security schemes required; any one of them suffices.
        "security" => security: Vec<RefOr<SecurityScheme>>,
        /// Tags for grouping operations.
        "tags" => tags: Vec<RefOr<Tag>>,
        /// More documentation about the operation.
        "externalDocs" => external_docs: Option<RefOr<ExternalDocs>>,
        /// Protocol-specific settings.
        "bindings" => bindings: Option<RefOr<OperationBindings>>,
        /// Traits merged into this operation.
        "traits" => traits: Vec<RefOr<OperationTrait>>,
        /// `$ref`s to the channel's messages this operation handles; all of them when empty.
        "messages" => messages: Vec<Reference>,
        /// The reply to a request, for request/reply operations.
        "reply" => reply: Option<RefOr<OperationReply>>,
    }
}

crate::model::node::spec_object! { extensible;
    /// Fields shared by operations, merged into each operation that lists the trait.
    pub struct OperationTrait = "an Operation Trait Object" {
        /// A human-friendly title.
        "title" => title: Option<String>,
        /// A short summary.
        "summary" => summary: Option<String>,
        /// What the operation does.
        "description" => description: Option<String>,
        /// The security schemes required.
        "security" => security: Vec<RefOr<SecurityScheme>>,
        /// Tags for grouping operations.
        "tags" => tags: Vec<RefOr<Tag>>,
        /// More documentation.
        "externalDocs" => external_docs: Option<RefOr<ExternalDocs>>,
        /// Protocol-specific settings.
        "bindings" => bindings: Option<RefOr<OperationBindings>>,
    }
}

crate::model::node::spec_object! { extensible;
    /// The reply of a request/reply operation.
    pub struct OperationReply = "an Operation Reply Object" {
        /// Where the reply goes, when it is given by the request at run time.
        "address" => address: Option<RefOr<OperationReplyAddress>>,
        /// A `$ref` to the channel the reply travels on.
        "channel" => channel: Option<Reference>,
        /// `$ref`s to the messages the reply may be.
        "messages" => messages: Vec<Reference>,
    }
}

crate::model::node::spec_object! { extensible;
    /// Where a reply is sent, found in the request at run time.
    pub struct OperationReplyAddress = "an Operation Reply Address Object" {
        /// What the address is.
        "description" => description: Option<String>,
        /// A runtime expression, such as `$message.header#/replyTo`.
        "location" => location: String,
    }
}
