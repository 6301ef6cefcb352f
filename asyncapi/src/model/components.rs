//! Components: the reusable objects of a document.

use indexmap::IndexMap;

use super::{
    Channel, ChannelBindings, CorrelationId, ExternalDocs, Message, MessageBindings, MessageSchema, MessageTrait,
    Operation, OperationBindings, OperationReply, OperationReplyAddress, OperationTrait, Parameter, RefOr,
    SecurityScheme, Server, ServerBindings, ServerVariable, Tag,
};

crate::model::node::spec_object! { extensible;
    /// Reusable objects by kind and name. They have no effect until something refers to them.
    pub struct Components = "a Components Object" {
        /// Schemas, AsyncAPI or of another format.
        "schemas" => schemas: IndexMap<String, MessageSchema>,
        /// Servers.
        "servers" => servers: IndexMap<String, RefOr<Server>>,
        /// Channels.
        "channels" => channels: IndexMap<String, RefOr<Channel>>,
        /// Operations.
        "operations" => operations: IndexMap<String, RefOr<Operation>>,
        /// Messages.
        "messages" => messages: IndexMap<String, RefOr<Message>>,
        /// Security schemes.
        "securitySchemes" => security_schemes: IndexMap<String, RefOr<SecurityScheme>>,
        /// Server variables.
        "serverVariables" => server_variables: IndexMap<String, RefOr<ServerVariable>>,
        /// Channel address parameters.
        "parameters" => parameters: IndexMap<String, RefOr<Parameter>>,
        /// Correlation ids.
        "correlationIds" => correlation_ids: IndexMap<String, RefOr<CorrelationId>>,
        /// Operation replies.
        "replies" => replies: IndexMap<String, RefOr<OperationReply>>,
        /// Reply addresses.
        "replyAddresses" => reply_addresses: IndexMap<String, RefOr<OperationReplyAddress>>,
        /// External documentation.
        "externalDocs" => external_docs: IndexMap<String, RefOr<ExternalDocs>>,
        /// Tags.
        "tags" => tags: IndexMap<String, RefOr<Tag>>,
        /// Operation traits.
        "operationTraits" => operation_traits: IndexMap<String, RefOr<OperationTrait>>,
        /// Message traits.
        "messageTraits" => message_traits: IndexMap<String, RefOr<MessageTrait>>,
        /// Server bindings.
        "serverBindings" => server_bindings: IndexMap<String, RefOr<ServerBindings>>,
        /// Channel bindings.
        "channelBindings" => channel_bindings: IndexMap<String, RefOr<ChannelBindings>>,
        /// Operation bindings.
        "operationBindings" => operation_bindings: IndexMap<String, RefOr<OperationBindings>>,
        /// Message bindings.
        "messageBindings" => message_bindings: IndexMap<String, RefOr<MessageBindings>>,
    }
}
