//! The typed client and the testing helpers, against the chat contract's channels.

use std::time::Duration;

use contract::types;
use tidings::client::ClientError;
use tidings::codec::Frame;
use tidings::testing::{Recorder, TestServer};
use tidings_build_script::{Chat, contract};

const WAIT: Duration = Duration::from_secs(5);

fn register(name: &str) -> types::Register {
    types::Register {
        action: types::RegisterAction::Register,
        request_id: "placeholder".parse().expect("valid id"),
        name: name.parse().expect("valid name"),
    }
}

#[tokio::test]
async fn request_awaits_the_reply_with_its_correlation_id() {
    let server = TestServer::start(|s| s.mount(contract::registration::channel(Chat::default()))).await.expect("start");
    let mut client = server.client::<contract::registration::Spec>("/ws/register").await.expect("connect");
    let reply = client.request(register("ada")).await.expect("a reply");
    let contract::registration::Outgoing::RegistrationComplete(done) = reply;
    assert!(done.request_id.starts_with("tidings-"), "the client chose the id and got it back: {}", done.request_id);
    let second = client.request(register("bob")).await.expect("a reply");
    let contract::registration::Outgoing::RegistrationComplete(second) = second;
    assert_ne!(second.request_id, done.request_id);
    // The contract's error frame comes back as an error, with its code.
    match client.request(register("root")).await {
        Err(ClientError::ErrorFrame(body)) => assert_eq!(body.code, "name_taken"),
        other => panic!("expected the error frame, got {other:?}"),
    }
    server.stop().await.expect("stops");
    assert_eq!(client.closed(WAIT).await.expect("closed in time"), Some(1001));
}

#[tokio::test]
async fn a_recorder_captures_what_a_group_received() {
    let recorder = Recorder::default();
    let layer = recorder.clone();
    let server =
        TestServer::start(|s| s.layer(layer).mount(contract::chat::channel(Chat::default()))).await.expect("start");
    let mut client = server.client::<contract::chat::Spec>("/ws/chat/lobby").await.expect("connect");
    let pong = client.request(types::Ping { action: types::PingAction::Ping }).await.expect("pong");
    assert!(matches!(pong, contract::chat::Outgoing::Pong(_)));
    let chat = types::Chat {
        action: types::ChatAction::Chat,
        payload: types::ChatText { message: "recorded".parse().expect("valid"), sender: None },
    };
    client.send(chat).await.expect("send");
    let notification = client.receive_timeout(WAIT).await.expect("the broadcast");
    assert!(
        matches!(notification, contract::chat::Outgoing::ChatNotification(ref n) if n.payload.message.as_str() == "recorded")
    );
    let frames = recorder.received::<contract::chat::Spec>("lobby");
    assert_eq!(frames.len(), 1);
    let Frame::Text(text) = &frames[0] else { panic!("a text frame") };
    assert!(text.contains("\"recorded\""));
    assert!(recorder.received::<contract::chat::Spec>("attic").is_empty());
    assert!(matches!(client.receive_timeout(Duration::from_millis(100)).await, Err(ClientError::Timeout)));
}

#[tokio::test]
async fn refused_handshakes_surface_their_status() {
    let server = TestServer::start(|s| s.mount(contract::chat::channel(Chat::default()))).await.expect("start");
    match server.client::<contract::chat::Spec>("/ws/nope").await {
        Err(ClientError::Refused(status)) => assert_eq!(status, 404),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
