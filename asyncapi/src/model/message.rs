//! Messages, their traits, examples and schemas.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use super::node::{Absent, Cx, FromNode};
use super::{ExternalDocs, MessageBindings, RefOr, Schema, SchemaFormat, Tag};
use crate::diagnostic::{Problem, Severity};

crate::model::node::spec_object! { extensible;
    /// A message that travels on a channel.
    pub struct Message = "a Message Object" {
        /// The schema of the message's headers; must describe an object.
        "headers" => headers: Option<MessageSchema>,
        /// The schema of the message's payload.
        "payload" => payload: Option<MessageSchema>,
        /// Where the id that ties a reply to its request is found.
        "correlationId" => correlation_id: Option<RefOr<CorrelationId>>,
        /// The payload's content type, such as `application/json`.
        "contentType" => content_type: Option<String>,
        /// A machine-friendly name.
        "name" => name: Option<String>,
        /// A human-friendly title.
        "title" => title: Option<String>,
        /// A short summary.
        "summary" => summary: Option<String>,
        /// What the message is; CommonMark is allowed.
        "description" => description: Option<String>,
        /// Tags for grouping messages.
        "tags" => tags: Vec<RefOr<Tag>>,
        /// More documentation about the message.
        "externalDocs" => external_docs: Option<RefOr<ExternalDocs>>,
        /// Protocol-specific settings.
        "bindings" => bindings: Option<RefOr<MessageBindings>>,
        /// Example messages.
        "examples" => examples: Vec<MessageExample>,
        /// Traits merged into this message.
        "traits" => traits: Vec<RefOr<MessageTrait>>,
    }
}

crate::model::node::spec_object! { extensible;
    /// Fields shared by messages, merged into each message that lists the trait.
    pub struct MessageTrait = "a Message Trait Object" {
        /// The schema of the message's headers.
        "headers" => headers: Option<MessageSchema>,
        /// Where the correlation id is found.
        "correlationId" => correlation_id: Option<RefOr<CorrelationId>>,
        /// The payload's content type.
        "contentType" => content_type: Option<String>,
        /// A machine-friendly name.
        "name" => name: Option<String>,
        /// A human-friendly title.
        "title" => title: Option<String>,
        /// A short summary.
        "summary" => summary: Option<String>,
        /// What the message is.
        "description" => description: Option<String>,
        /// Tags for grouping messages.
        "tags" => tags: Vec<RefOr<Tag>>,
        /// More documentation.
        "externalDocs" => external_docs: Option<RefOr<ExternalDocs>>,
        /// Protocol-specific settings.
        "bindings" => bindings: Option<RefOr<MessageBindings>>,
        /// Example messages.
        "examples" => examples: Vec<MessageExample>,
    }
}

crate::model::node::spec_object! { extensible;
    /// An example of a message: headers and payload as they travel.
    pub struct MessageExample = "a Message Example Object" {
        /// Example header values.
        "headers" => headers: Option<IndexMap<String, Value>>,
        /// An example payload.
        "payload" => payload: Option<Value>,
        /// A machine-friendly name.
        "name" => name: Option<String>,
        /// A short summary.
        "summary" => summary: Option<String>,
    }
}

crate::model::node::spec_object! { extensible;
    /// Where in a message the correlation id is found.
    pub struct CorrelationId = "a Correlation ID Object" {
        /// What the id is.
        "description" => description: Option<String>,
        /// A runtime expression, such as `$message.payload#/id`.
        "location" => location: String,
    }
}

crate::model::node::spec_object! { extensible;
    /// A schema in a format named by `schemaFormat` (Avro, Protobuf, JSON Schema, ...).
    pub struct MultiFormatSchema = "a Multi Format Schema Object" {
        /// The schema's format as a media type with a version.
        "schemaFormat" => schema_format: String,
        /// The schema, in that format.
        "schema" => schema: Value,
    }
}

impl MultiFormatSchema {
    /// The format, when tidings knows it.
    pub fn format(&self) -> Option<SchemaFormat> {
        SchemaFormat::parse(&self.schema_format)
    }

    /// A payload or headers value as written, when it is a Multi Format Schema Object: its
    /// `schemaFormat` and its `schema` (absent allows anything), borrowed. `None` for a
    /// schema written directly (or a `$ref` to one).
    ///
    /// For readers of JSON as written (the view's payload schemas, the diff, which compares
    /// any JSON), so that they tell the two forms apart as one.
    pub fn written(value: &Value) -> Option<(&str, Option<&Value>)> {
        let map = value.as_object()?;
        let format = map.get("schemaFormat")?.as_str()?;
        Some((format, map.get("schema")))
    }
}

/// A message's payload or headers schema: an AsyncAPI Schema (or a `$ref` to one), or a
/// schema of another format.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MessageSchema {
    /// A schema with its format named.
    MultiFormat(MultiFormatSchema),
    /// An AsyncAPI Schema Object (a superset of JSON Schema draft 07), or a `$ref`.
    Schema(Schema),
}

impl MessageSchema {
    /// The schema as JSON Schema, when it is one (AsyncAPI, JSON Schema formats, or a `$ref`).
    pub fn json_schema(&self) -> Option<&Value> {
        match self {
            MessageSchema::Schema(s) => Some(&s.0),
            MessageSchema::MultiFormat(m) => m.format().filter(|f| f.is_json_schema()).map(|_| &m.schema),
        }
    }
}

impl Absent for MessageSchema {
    fn is_absent(&self) -> bool {
        false
    }
}

impl FromNode for MessageSchema {
    fn from_node(v: &Value, cx: &mut Cx) -> Option<Self> {
        let is_multi = v.as_object().is_some_and(|m| m.contains_key("schemaFormat"));
        if !is_multi {
            return Schema::from_node(v, cx).map(MessageSchema::Schema);
        }
        let multi = MultiFormatSchema::from_node(v, cx)?;
        match multi.format() {
            Some(format) if format.is_json_schema() => {
                cx.within("schema", |cx| Schema::from_node(&multi.schema, cx))?;
            }
            Some(_) => {}
            None => cx.at_key(
                "schemaFormat",
                Severity::Warning,
                Problem::UnknownSchemaFormat { format: multi.schema_format.clone() },
            ),
        }
        Some(MessageSchema::MultiFormat(multi))
    }
}
