//! Protocol bindings: kept as written, with the WebSocket bindings typed.

use serde_json::Value;

use super::Schema;

crate::model::node::spec_object! { open;
    /// Server settings per protocol. The `ws` binding has no fields; others are kept as written.
    pub struct ServerBindings = "a Server Bindings Object" {
        /// The WebSocket server binding (reserved, no fields).
        "ws" => ws: Option<Value>,
    }
}

crate::model::node::spec_object! { open;
    /// Channel settings per protocol; `ws` is typed, others are kept as written.
    pub struct ChannelBindings = "a Channel Bindings Object" {
        /// The WebSocket channel binding: the handshake's method, query and headers.
        "ws" => ws: Option<WsChannelBinding>,
    }
}

crate::model::node::spec_object! { open;
    /// Operation settings per protocol. The `ws` binding has no fields; others are kept as written.
    pub struct OperationBindings = "an Operation Bindings Object" {
        /// The WebSocket operation binding (reserved, no fields).
        "ws" => ws: Option<Value>,
    }
}

crate::model::node::spec_object! { open;
    /// Message settings per protocol. The `ws` binding has no fields; others are kept as written.
    pub struct MessageBindings = "a Message Bindings Object" {
        /// The WebSocket message binding (reserved, no fields).
        "ws" => ws: Option<Value>,
    }
}

crate::model::node::spec_enum! {
    /// The HTTP method of a WebSocket handshake.
    pub enum WsMethod = "`GET` or `POST`" {
        /// `GET`, the usual handshake.
        "GET" => Get,
        /// `POST`.
        "POST" => Post,
    }
}

crate::model::node::spec_object! { extensible;
    /// How a WebSocket channel is opened: the handshake request.
    pub struct WsChannelBinding = "a WebSockets Channel Binding Object" {
        /// The HTTP method of the handshake.
        "method" => method: Option<WsMethod>,
        /// A schema of the handshake's query parameters; must describe an object.
        "query" => query: Option<Schema>,
        /// A schema of the handshake's headers; must describe an object.
        "headers" => headers: Option<Schema>,
        /// The version of this binding, such as `0.1.0`.
        "bindingVersion" => binding_version: Option<String>,
    }
}
