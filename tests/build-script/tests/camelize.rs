//! A contract written in snake_case, generated with `Builder::camelize(true)`: the wire, the
//! validation, the discriminator, the correlation id and the application's own document all
//! say camelCase, and nothing says snake_case where the wire does not.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tidings::{App, DocumentConfig};
use tidings_build_script::events_camel::{events, types};
use tokio_tungstenite::tungstenite::Message;

struct Events;

impl events::Events for Events {
    async fn receive_user_joined(
        &self,
        _: &mut events::Context,
        message: types::UserJoined,
    ) -> Result<types::JoinedAck, tidings::HandlerError> {
        assert_eq!(message.user_name.as_str(), "ada");
        Ok(types::JoinedAck { message_type: types::JoinedAckMessageType::JoinedAck, request_id: String::new() })
    }
}

async fn exchange(
    socket: &mut tokio_tungstenite::WebSocketStream<impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>,
    frame: Value,
) -> Value {
    socket.send(Message::Text(frame.to_string().into())).await.expect("send");
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
            .await
            .expect("a reply in time")
            .expect("open")
            .expect("ok");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).expect("JSON");
        }
    }
}

#[tokio::test]
async fn the_wire_is_camel_case() {
    let server = App::new().mount(events::channel(Events)).bind("127.0.0.1:0").await.expect("bind");
    let addr = server.local_addr().expect("address");
    tokio::spawn(server.serve());
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/events")).await.expect("connect");

    let reply =
        exchange(&mut socket, json!({"messageType": "user_joined", "requestId": "r1", "userName": "ada"})).await;
    assert_eq!(reply, json!({"messageType": "joined_ack", "requestId": "r1"}), "values stay, names are camelCase");

    // The snake_case names of the contract's text are not the wire's: the discriminator is
    // read under its new name, and the error frame carries it too.
    let error =
        exchange(&mut socket, json!({"message_type": "user_joined", "request_id": "r2", "user_name": "ada"})).await;
    assert_eq!(error["messageType"], "error", "{error}");
    assert_eq!(error["error"]["code"], "missing_discriminator", "{error}");
    let error =
        exchange(&mut socket, json!({"messageType": "user_joined", "requestId": "r3", "user_name": "ada"})).await;
    assert_eq!(error["error"]["code"], "invalid_message", "{error}");
}

#[test]
fn the_document_says_what_the_wire_carries() {
    let config = DocumentConfig::from_info(&tidings_build_script::events_camel::INFO).camelize(true);
    let document = tidings::document::describe(&config, [&events::DESCRIPTOR]);
    let message = tidings::testing::lookup(&document, "/channels/events/messages/userJoined").expect("message");
    let payload = tidings::testing::lookup(&document, "/channels/events/messages/userJoined/payload").expect("payload");
    let properties: Vec<&String> = payload["properties"].as_object().expect("properties").keys().collect();
    assert_eq!(properties, ["messageType", "requestId", "userName"]);
    assert_eq!(payload["required"], json!(["messageType", "requestId", "userName"]));
    assert_eq!(payload["properties"]["messageType"]["const"], "user_joined", "values are not renamed");
    assert_eq!(message["correlationId"]["location"], "$message.payload#/requestId");
    assert_eq!(
        message["examples"][0]["payload"],
        json!({"messageType": "user_joined", "requestId": "r1", "userName": "ada"})
    );
    assert!(document["operations"].get("receiveUserJoined").is_some(), "{}", document["operations"]);
    let text = document.to_string();
    for snake in ["message_type", "request_id", "user_name", "\"user_joined\":", "receive_user_joined"] {
        assert!(!text.contains(snake), "the document says `{snake}`: {text}");
    }
}
