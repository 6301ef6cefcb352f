//! The chat contract's channels in an axum Router, next to an HTTP route, over real sockets.

mod support;

use std::time::Duration;

use contract::types;
use tidings::Client;
use tidings::client::ClientError;
use tidings_build_script::{Chat, contract};

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn channels_served_by_axum_behave_as_on_the_server() {
    let routes = tidings::App::new()
        .mount(contract::chat::channel(Chat::default()))
        .mount(contract::registration::channel(Chat::default()))
        .mount(contract::announcements::channel(Announcements));
    let routes = routes.document_config(tidings::DocumentConfig::from_info(&contract::INFO));
    let document = routes.document();
    let rooms = routes.sender::<contract::chat::Spec>();
    let shutdown = routes.shutdown_handle();
    let app: axum::Router =
        routes.into_router().expect("router").route("/health", axum::routing::get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut ada =
        Client::<contract::chat::Spec>::connect(&format!("ws://{addr}/ws/chat/lobby")).await.expect("connect");
    let pong = ada.request(types::Ping { action: types::PingAction::Ping }).await.expect("pong");
    assert!(matches!(pong, contract::chat::Outgoing::Pong(_)));
    let chat = types::Chat {
        action: types::ChatAction::Chat,
        payload: types::ChatText { message: "via axum".parse().expect("valid"), sender: None },
    };
    ada.send(chat).await.expect("send");
    assert!(matches!(ada.receive_timeout(WAIT).await, Ok(contract::chat::Outgoing::ChatNotification(_))));
    assert_eq!(rooms.members("lobby").len(), 1);

    let mut registration =
        Client::<contract::registration::Spec>::connect(&format!("ws://{addr}/ws/register")).await.expect("connect");
    let register = types::Register {
        action: types::RegisterAction::Register,
        request_id: "x".parse().expect("valid"),
        name: "root".parse().expect("valid"),
    };
    assert!(
        matches!(registration.request(register).await, Err(ClientError::ErrorFrame(body)) if body.code == "name_taken")
    );

    let refused = Client::<contract::announcements::Spec>::connect(&format!("ws://{addr}/ws/announcements")).await;
    assert!(matches!(refused, Err(ClientError::Refused(401))), "{refused:?}");
    let mut http = tokio::net::TcpStream::connect(addr).await.expect("http");
    let upgrade = "GET /ws/announcements HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: websocket\r\n\
                   sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    tokio::io::AsyncWriteExt::write_all(&mut http, upgrade.as_bytes()).await.expect("write");
    let mut head = vec![0; 1024];
    let n = tokio::io::AsyncReadExt::read(&mut http, &mut head).await.expect("read");
    let head = String::from_utf8_lossy(&head[..n]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 401"), "{head}");
    assert!(head.contains(r#"www-authenticate: apikey realm="apikey", in="query", name="api_key""#), "{head}");
    // The router's HTTP routes live beside the channels.
    let mut http = tokio::net::TcpStream::connect(addr).await.expect("http");
    tokio::io::AsyncWriteExt::write_all(&mut http, b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut response = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut http, &mut response).await.expect("read");
    assert!(response.starts_with("HTTP/1.1 200") && response.ends_with("ok"), "{response}");
    // And so do the docs endpoints: the same document as the bare server's.
    for (target, content_type) in [
        ("/asyncapi.json", "application/json"),
        ("/asyncapi.yaml", "application/yaml"),
        ("/asyncapi", "text/html; charset=utf-8"),
    ] {
        let (head, body) = support::http_get(addr, target).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{target}: {head}");
        assert!(head.to_ascii_lowercase().contains(&format!("content-type: {content_type}")), "{target}: {head}");
        if target == "/asyncapi.json" {
            assert_eq!(serde_json::from_str::<serde_json::Value>(&body).expect("JSON"), document);
        }
    }
    tidings::assert_contract!(document, "../../build-support/tests/fixtures/chat.yaml");

    shutdown.shutdown();
    assert_eq!(ada.closed(WAIT).await.expect("closed in time"), Some(1001));
}

struct Announcements;

impl contract::announcements::Announcements for Announcements {
    async fn receive_announce(
        &self,
        _: &mut contract::announcements::Context,
        _: types::Announce,
    ) -> Result<types::Announced, tidings::HandlerError> {
        Ok(types::Announced { action: types::AnnouncedAction::Announced, rooms: 0 })
    }
}
