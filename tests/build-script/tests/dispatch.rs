//! The generated code and the runtime together, without sockets: frames in, replies out.

use serde_json::{Value, json};
use tidings::channel::FrameError;
use tidings::codec::Frame;
use tidings::layer::Outbox;
use tidings_build_script::{Chat, contract};

fn text(value: Value) -> Frame {
    Frame::text(value.to_string())
}

fn json_of(frame: Frame) -> Value {
    match frame {
        Frame::Text(text) => serde_json::from_str(&text).expect("json"),
        Frame::Binary(_) => panic!("expected a text frame"),
    }
}

#[tokio::test]
async fn a_request_gets_its_reply_and_a_chat_message_its_notification() {
    let channel = contract::chat::channel(Chat::default());
    assert_eq!(channel.descriptor().address, Some("/ws/chat/{room_id}"));
    let (outbox, mut queued) = Outbox::bounded(8);
    // The server attaches each connection to its groups' layer; so does this test.
    let id = tidings::ConnectionId::next();
    let groups = tidings::layer::Groups::default();
    groups.layer().attach(id, outbox.clone());
    let mut session = channel.open(id, vec!["lobby".into()], outbox, groups, true).expect("params accepted");
    session.connected().await.expect("connect hook");

    let reply = session.frame(text(json!({"action": "ping"}))).await.expect("handled");
    assert_eq!(reply.map(json_of), Some(json!({"action": "pong"})));

    let reply = session.frame(text(json!({"action": "chat", "payload": {"message": "hi"}}))).await.expect("handled");
    assert_eq!(reply, None, "chat has no reply in the contract");
    let Ok(tidings::layer::Delivery::Frame(notification)) = queued.try_recv() else {
        panic!("the handler broadcast a notification to its room")
    };
    let notification = json_of(notification);
    assert_eq!(notification["action"], "chatNotification");
    assert_eq!(notification["payload"]["message"], "hi");
    assert_eq!(notification["payload"]["sender"], format!("{id}"));
}

#[tokio::test]
async fn replies_carry_the_request_correlation_id() {
    let channel = contract::registration::channel(Chat::default());
    let (outbox, _queued) = Outbox::bounded(8);
    let session = channel
        .open(tidings::ConnectionId::next(), Vec::new(), outbox, tidings::layer::Groups::default(), true)
        .expect("no params");
    let reply = session
        .frame(text(json!({"action": "register", "request_id": "req-7", "name": "ada"})))
        .await
        .expect("handled")
        .map(json_of);
    assert_eq!(reply, Some(json!({"action": "registrationComplete", "request_id": "req-7", "user_id": 1})));
}

#[tokio::test]
async fn bad_frames_and_handler_errors_are_reported_not_fatal() {
    let channel = contract::registration::channel(Chat::default());
    let (outbox, _queued) = Outbox::bounded(8);
    let session = channel
        .open(tidings::ConnectionId::next(), Vec::new(), outbox, tidings::layer::Groups::default(), true)
        .expect("no params");
    let err = session.frame(Frame::text("not json")).await.expect_err("not json");
    assert!(matches!(err.error, FrameError::Decode(ref e) if e.code() == "not_json"), "{err}");
    let err =
        session.frame(text(json!({"action": "register", "request_id": "r", "name": "x"}))).await.expect_err("short");
    assert!(matches!(err.error, FrameError::Decode(ref e) if e.pointer().as_deref() == Some("/name")), "{err}");
    assert_eq!(err.correlation, Some(("/request_id", json!("r"))), "the request's id, for the error frame");
    let err =
        session.frame(text(json!({"action": "register", "request_id": "r", "name": "root"}))).await.expect_err("taken");
    assert!(matches!(err.error, FrameError::Handler(ref e) if e.code() == "name_taken"), "{err}");
    // The session lives on.
    let reply = session.frame(text(json!({"action": "register", "request_id": "r2", "name": "bob"}))).await;
    assert!(matches!(reply, Ok(Some(_))));
}

#[test]
fn the_build_script_watches_every_file_it_read() {
    // Cargo keeps a build script's output next to OUT_DIR.
    let out_dir = std::path::Path::new(env!("OUT_DIR"));
    let output = std::fs::read_to_string(out_dir.join("../output")).expect("build script output");
    for file in ["fixtures/chat.yaml", "collisions/asyncapi.yaml", "collisions/a.yaml", "collisions/b.yaml"] {
        assert!(
            output.lines().any(|l| l.starts_with("cargo:rerun-if-changed=") && l.ends_with(file)),
            "no rerun-if-changed for {file} in:\n{output}"
        );
    }
}

#[test]
fn build_rs_settings_reach_the_generated_code() {
    // `.derive("Eq")` adds Eq to every generated type of the collisions contract.
    fn is_eq<T: Eq>() {}
    is_eq::<tidings_build_script::collisions::types::Foo>();
    is_eq::<tidings_build_script::collisions::types::Foo2>();
}
