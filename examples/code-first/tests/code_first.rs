//! The code-first example from outside: its document (checked in, served, through the
//! official parser), and its channels through the typed client: replies, broadcasts,
//! validation and error frames, the operators' key, server events.

use std::time::Duration;

use code_first::{
    Announce, Attachment, ChatConsumer, ChatConsumerOutgoing, ChatMessage, ChatPayload, Ping, Register, Registration,
    RegistrationOutgoing,
};
use serde_json::{Value, json};
use tidings::Client;
use tidings::client::ClientError;
use tidings::testing::{TestServer, lookup};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KEY: &str = "operators-key";

async fn start() -> TestServer {
    TestServer::start(|_| code_first::app(KEY, "127.0.0.1:8080")).await.expect("the server starts")
}

/// The body of `GET path`.
async fn get(server: &TestServer, path: &str) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.expect("connects");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let at = response.windows(4).position(|w| w == b"\r\n\r\n").expect("a response with a body") + 4;
    assert!(response.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&response[..at]));
    response.split_off(at)
}

#[test]
fn the_checked_in_document_is_the_codes() {
    // `TIDINGS_UPDATE_DOCUMENT=1 cargo test -p code-first` rewrites it after a change.
    tidings::assert_document!(code_first::app(KEY, "127.0.0.1:8080").document(), "asyncapi.yaml");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_served_document_passes_the_official_parser_and_says_what_the_code_says() {
    let server = start().await;
    let json = get(&server, "/asyncapi.json").await;
    let document: Value = serde_json::from_slice(&json).expect("JSON");
    let file = std::env::temp_dir().join(format!("tidings-code-first-{}.json", std::process::id()));
    std::fs::write(&file, &json).expect("written");
    let verdicts = tidings_tests::official_parser(std::slice::from_ref(&file));
    let _ = std::fs::remove_file(&file);
    assert!(verdicts[0].valid, "the official parser refuses the document: {:?}", verdicts[0].errors);
    let at = |pointer: &str| lookup(&document, pointer).unwrap_or_else(|| panic!("nothing at {pointer}")).clone();

    // Operations: summaries, doc comments and tags written in Rust; replies from return types.
    let chat = at("/operations/receiveChat");
    assert_eq!(chat["action"], "receive");
    assert_eq!(chat["summary"], "Send a chat message");
    assert_eq!(chat["description"], "Sends a message to everyone in the room, the sender included.");
    assert_eq!(chat["tags"], json!([{"name": "messaging"}]));
    assert!(chat.get("reply").is_none(), "chat replies nothing: {chat}");
    let raw = |pointer: &str| document.pointer(pointer).cloned().unwrap_or_else(|| panic!("nothing at {pointer}"));
    assert_eq!(raw("/operations/receivePing/reply/messages/0/$ref"), "#/channels/chat/messages/pong");
    // What the chat handler broadcasts is a send operation of its own.
    let broadcast = at("/operations/sendChatNotification");
    assert_eq!(broadcast["action"], "send");
    assert_eq!(
        raw("/operations/sendChatNotification/messages"),
        json!([{"$ref": "#/channels/chat/messages/chatNotification"}])
    );
    assert_eq!(broadcast["description"], "Broadcast by `receiveChat`.");
    // The server event's message, from the `#[event]` method.
    let news = at("/operations/sendNotification");
    assert_eq!((news["action"].as_str(), news["summary"].as_str()), (Some("send"), Some("Server news")));

    // Channels: address, parameters with their doc comments and examples, tags.
    assert_eq!(at("/channels/chat/address"), "/ws/chat/{room_id}");
    assert_eq!(
        at("/channels/chat/parameters/room_id"),
        json!({"description": "The room to join; any name opens a room.", "examples": ["lobby"]})
    );
    assert_eq!(at("/channels/chat/tags"), json!([{"name": "chat"}]));
    assert_eq!(at("/channels/chat/description"), "Rooms of people talking: join a room by opening its address.");

    // Payloads: doc comments, bounds, the discriminator, the nested union, camelCase.
    let said = at("/channels/chat/messages/chat/payload");
    assert_eq!(said["properties"]["action"], json!({"const": "chat"}));
    assert_eq!(said["required"][0], "action");
    let payload = at("/channels/chat/messages/chat/payload/properties/payload");
    assert_eq!(payload["properties"]["message"]["description"], "The text.");
    assert_eq!(
        (
            payload["properties"]["message"]["minLength"].as_u64(),
            payload["properties"]["message"]["maxLength"].as_u64()
        ),
        (Some(1), Some(2000))
    );
    assert_eq!(payload["additionalProperties"], false);
    let attachment = at("/components/schemas/Attachment");
    let kinds: Vec<&Value> =
        attachment["oneOf"].as_array().expect("a union").iter().map(|v| &v["properties"]["kind"]["const"]).collect();
    assert_eq!(kinds, [&json!("image"), &json!("link")]);
    assert_eq!(attachment["oneOf"][0]["properties"]["width"]["maximum"], 4096);
    let user = at("/channels/registration/messages/registered/payload/properties/user");
    assert_eq!(user["required"], json!(["firstName", "lastName", "userId"]));
    assert_eq!(
        at("/channels/registration/messages/register/payload/required"),
        json!(["action", "firstName", "lastName"])
    );
    // Messages: names, titles, descriptions and examples, the discriminator written in.
    let message = at("/channels/chat/messages/chat");
    assert_eq!((message["name"].as_str(), message["title"].as_str()), (Some("chat"), Some("Say something")));
    assert_eq!(message["description"], "Say something in the room.");
    assert_eq!(message["examples"], json!([{"payload": {"action": "chat", "payload": {"message": "hello"}}}]));

    // The guarded channel's scheme.
    assert_eq!(raw("/operations/receiveAnnounce/security/0/$ref"), "#/components/securitySchemes/operatorKey");
    assert_eq!(
        at("/components/securitySchemes/operatorKey"),
        json!({"type": "httpApiKey", "name": "api_key", "in": "query", "description": "The operators' key, as the `api_key` query parameter of the handshake."})
    );
    server.stop().await.expect("stops");
}

fn said(text: &str) -> ChatMessage {
    ChatMessage { payload: ChatPayload { message: text.into(), attachment: None } }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_channels_answer_the_typed_client() {
    let server = start().await;
    let mut ada = server.client::<ChatConsumer>("/ws/chat/lobby").await.expect("ada connects");
    let mut bob = server.client::<ChatConsumer>("/ws/chat/lobby").await.expect("bob connects");
    let mut eve = server.client::<ChatConsumer>("/ws/chat/attic").await.expect("eve connects");
    for client in [&mut ada, &mut bob, &mut eve] {
        assert!(matches!(client.request(Ping).await, Ok(ChatConsumerOutgoing::Pong(_))));
    }

    // A chat message reaches the room, with its nested attachment, and no other room.
    let link = Attachment::Link { href: "https://example.com".into(), title: "an example".into() };
    ada.send(ChatMessage { payload: ChatPayload { message: "look".into(), attachment: Some(link) } })
        .await
        .expect("sent");
    for client in [&mut ada, &mut bob] {
        match client.receive_timeout(Duration::from_secs(5)).await {
            Ok(ChatConsumerOutgoing::ChatNotification(told)) => {
                assert_eq!((told.room.as_str(), told.payload.message.as_str()), ("lobby", "look"));
                assert!(matches!(told.payload.attachment, Some(Attachment::Link { .. })));
            }
            other => panic!("expected the broadcast, got {other:?}"),
        }
    }
    assert!(matches!(eve.receive_timeout(Duration::from_millis(200)).await, Err(ClientError::Timeout)));

    // What serde reads but the schema bounds is refused with an error frame that says where;
    // the connection lives on.
    ada.send(said("")).await.expect("sent");
    match ada.receive_timeout(Duration::from_secs(5)).await {
        Err(ClientError::ErrorFrame(error)) => {
            assert_eq!((error.code.as_str(), error.pointer.as_deref()), ("invalid_message", Some("/payload/message")));
        }
        other => panic!("expected an error frame, got {other:?}"),
    }
    assert!(matches!(ada.request(Ping).await, Ok(ChatConsumerOutgoing::Pong(_))));

    // Request and reply, camelCase on the wire.
    let mut registration = server.client::<Registration>("/ws/register").await.expect("connects");
    let register = Register { first_name: "Ada".into(), last_name: "Lovelace".into() };
    match registration.request(register).await {
        Ok(RegistrationOutgoing::Registered(done)) => {
            assert_eq!((done.user.first_name.as_str(), done.user.user_id), ("Ada", 1));
        }
        other => panic!("expected the registration, got {other:?}"),
    }

    // The guarded channel: refused without the key, or with another; with it, an
    // announcement reaches every chat connection as a server event.
    let url = server.url("/ws/admin");
    assert!(matches!(Client::<code_first::Admin>::connect(&url).await, Err(ClientError::Refused(401))));
    assert!(matches!(
        Client::<code_first::Admin>::connect(&format!("{url}?api_key=nope")).await,
        Err(ClientError::Refused(403))
    ));
    let mut operator = Client::<code_first::Admin>::connect(&format!("{url}?api_key={KEY}")).await.expect("admitted");
    match operator.request(Announce { text: "maintenance at noon".into() }).await {
        Ok(code_first::AdminOutgoing::Announced(announced)) => assert_eq!(announced.connections, 3),
        other => panic!("expected the count, got {other:?}"),
    }
    for client in [&mut ada, &mut bob, &mut eve] {
        match client.receive_timeout(Duration::from_secs(5)).await {
            Ok(ChatConsumerOutgoing::Notification(notification)) => {
                assert_eq!(notification.text, "announcement: maintenance at noon");
            }
            other => panic!("expected the notification, got {other:?}"),
        }
    }
    server.stop().await.expect("stops");
}
