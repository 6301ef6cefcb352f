//! The typed AsyncAPI 3.0 document: one struct per spec object, named and documented as
//! the specification names them, `x-` extensions and unknown keys kept, document order kept.

pub(crate) mod node;

mod bindings;
mod channel;
mod components;
mod document;
mod message;
mod operation;
mod schema;
mod security;
mod server;

pub use bindings::{ChannelBindings, MessageBindings, OperationBindings, ServerBindings, WsChannelBinding, WsMethod};
pub use channel::{Channel, Parameter};
pub use components::Components;
pub use document::{AsyncApi, Contact, ExternalDocs, Info, License, Tag};
pub use message::{CorrelationId, Message, MessageExample, MessageSchema, MessageTrait, MultiFormatSchema};
pub use operation::{Action, Operation, OperationReply, OperationReplyAddress, OperationTrait};
pub use schema::{Schema, SchemaFormat};
pub use security::{ApiKeyLocation, HttpApiKeyLocation, OAuthFlow, OAuthFlows, SecurityScheme, SecuritySchemeType};
pub use server::{Server, ServerVariable};

use serde::Serialize;
use serde_json::Value;

use crate::diagnostic::{Problem, Severity};
use node::{Absent, Cx, FromNode, kind_of};

/// Reads `value` as a `T` on its own, for readers of JSON that may not be a whole document
/// (the diff compares any JSON): an object that does not type is `None`, and what was
/// found in it is dropped (a loaded document reports it).
pub(crate) fn read<T: FromNode>(value: &Value) -> Option<T> {
    T::from_node(value, &mut Cx::new())
}

/// A Reference Object: `{"$ref": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Reference {
    /// The reference: an optional relative file path, then `#` and a JSON Pointer.
    #[serde(rename = "$ref")]
    pub reference: String,
}

impl Reference {
    /// A reference to a node of the same document.
    pub fn local(pointer: &crate::JsonPointer) -> Self {
        Self { reference: pointer.to_fragment() }
    }
}

impl FromNode for Reference {
    fn from_node(v: &Value, cx: &mut Cx) -> Option<Self> {
        let Some(map) = v.as_object().filter(|m| m.contains_key("$ref")) else {
            cx.error(Problem::WrongType { expected: "a Reference Object (`$ref`)", found: kind_of(v) });
            return None;
        };
        let reference = cx.within("$ref", |cx| String::from_node(&map["$ref"], cx))?;
        for key in map.keys().filter(|k| *k != "$ref") {
            cx.at_key(
                key,
                Severity::Warning,
                Problem::UnknownField {
                    key: key.clone(),
                    object: "a Reference Object, whose other fields are ignored",
                },
            );
        }
        Some(Self { reference })
    }
}

/// Either a Reference Object or the object itself, as most places of the spec allow.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RefOr<T> {
    /// A `$ref` to the object.
    Ref(Reference),
    /// The object, written in place.
    Item(T),
}

impl<T> RefOr<T> {
    /// The object, when it is written in place.
    pub fn as_item(&self) -> Option<&T> {
        match self {
            RefOr::Item(t) => Some(t),
            RefOr::Ref(_) => None,
        }
    }

    /// The reference, when it is one.
    pub fn as_ref(&self) -> Option<&Reference> {
        match self {
            RefOr::Ref(r) => Some(r),
            RefOr::Item(_) => None,
        }
    }
}

impl<T: FromNode> FromNode for RefOr<T> {
    fn from_node(v: &Value, cx: &mut Cx) -> Option<Self> {
        if v.as_object().is_some_and(|m| m.contains_key("$ref")) {
            Reference::from_node(v, cx).map(RefOr::Ref)
        } else {
            T::from_node(v, cx).map(RefOr::Item)
        }
    }
}

impl<T> Absent for RefOr<T> {
    fn is_absent(&self) -> bool {
        false
    }
}

impl Absent for Reference {
    fn is_absent(&self) -> bool {
        false
    }
}

impl FromNode for bool {
    fn from_node(v: &Value, cx: &mut Cx) -> Option<Self> {
        v.as_bool().or_else(|| {
            cx.error(Problem::WrongType { expected: "a boolean", found: kind_of(v) });
            None
        })
    }
}

/// A value that may be written as `null`, which the spec gives a meaning of its own
/// (a channel whose `address` is `null` has an address unknown until run time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Nullable<T> {
    /// Written as `null`.
    Null,
    /// Written as a value.
    Value(T),
}

impl<T> Nullable<T> {
    /// The value, unless it was `null`.
    pub fn as_value(&self) -> Option<&T> {
        match self {
            Nullable::Null => None,
            Nullable::Value(t) => Some(t),
        }
    }
}

impl<T: FromNode> FromNode for Nullable<T> {
    fn from_node(v: &Value, cx: &mut Cx) -> Option<Self> {
        if v.is_null() { Some(Nullable::Null) } else { T::from_node(v, cx).map(Nullable::Value) }
    }
}
