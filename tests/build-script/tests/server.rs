//! The chat contract served over real sockets on 127.0.0.1:0, driven by a plain WebSocket
//! client: routing, broadcasts, bad input, panics, limits, auth, origin, shutdown.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tidings::app::ShutdownHandle;
use tidings::{App, AuthError, ServerConfig};
use tidings_build_script::{Chat, contract};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::StatusCode};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

const WAIT: Duration = Duration::from_secs(5);

struct Running {
    addr: std::net::SocketAddr,
    shutdown: ShutdownHandle,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    chat: Arc<Chat>,
    sender: tidings::Sender<contract::chat::Spec>,
}

/// A chat server on a free port, with `config`.
async fn start(config: ServerConfig) -> Running {
    start_with(config, 1).await
}

/// A chat server whose registration channel handles up to `concurrency` frames at once.
async fn start_with(config: ServerConfig, concurrency: usize) -> Running {
    let chat = Arc::new(Chat::default());
    let server = App::new()
        .config(config)
        .mount(contract::chat::channel(Shared(Arc::clone(&chat))))
        .mount(contract::registration::channel(Shared(Arc::clone(&chat))).concurrency(concurrency))
        .mount(contract::announcements::channel(Announcements))
        .authenticator(|handshake: &tidings::Handshake<'_>| match handshake.credential("apiKey") {
            Some("let-me-in") => Ok(()),
            _ => Err(AuthError::forbidden("unknown key")),
        })
        .bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = server.local_addr().expect("address");
    let shutdown = server.shutdown_handle();
    let sender = server.app().sender::<contract::chat::Spec>();
    let server = tokio::spawn(server.serve());
    Running { addr, shutdown, server, chat, sender }
}

/// The test's chat implementation, shared with the test so it can look at what it recorded.
struct Shared(Arc<Chat>);

impl contract::chat::Chat for Shared {
    async fn receive_chat(
        &self,
        cx: &mut contract::chat::Context,
        m: contract::types::Chat,
    ) -> Result<(), tidings::HandlerError> {
        contract::chat::Chat::receive_chat(&*self.0, cx, m).await
    }
    async fn receive_ping(
        &self,
        cx: &mut contract::chat::Context,
        m: contract::types::Ping,
    ) -> Result<contract::types::Pong, tidings::HandlerError> {
        contract::chat::Chat::receive_ping(&*self.0, cx, m).await
    }
    async fn on_connect(&self, cx: &mut contract::chat::Context) -> Result<(), tidings::HandlerError> {
        contract::chat::Chat::on_connect(&*self.0, cx).await
    }
}

impl contract::registration::Registration for Shared {
    async fn receive_register(
        &self,
        cx: &mut contract::registration::Context,
        m: contract::types::Register,
    ) -> Result<contract::types::RegistrationComplete, tidings::HandlerError> {
        contract::registration::Registration::receive_register(&*self.0, cx, m).await
    }
}

struct Announcements;

impl contract::announcements::Announcements for Announcements {
    async fn receive_announce(
        &self,
        _: &mut contract::announcements::Context,
        _: contract::types::Announce,
    ) -> Result<contract::types::Announced, tidings::HandlerError> {
        Ok(contract::types::Announced { action: contract::types::AnnouncedAction::Announced, rooms: 0 })
    }
}

async fn connect(addr: std::net::SocketAddr, path: &str) -> Client {
    let (client, _) = tokio_tungstenite::connect_async(format!("ws://{addr}{path}")).await.expect("handshake");
    client
}

/// The handshake's HTTP status when it is refused.
async fn refused(addr: std::net::SocketAddr, path: &str, origin: Option<&str>) -> StatusCode {
    let mut request = format!("ws://{addr}{path}").into_client_request().expect("request");
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", origin.parse().expect("header"));
    }
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status(),
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => StatusCode::SWITCHING_PROTOCOLS,
    }
}

async fn send(client: &mut Client, value: Value) {
    client.send(Message::Text(value.to_string().into())).await.expect("send");
}

/// The next data frame as JSON, within the wait.
async fn recv(client: &mut Client) -> Value {
    loop {
        let message =
            tokio::time::timeout(WAIT, client.next()).await.expect("a frame in time").expect("open").expect("ok");
        match message {
            Message::Text(text) => return serde_json::from_str(&text).expect("json"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// The close code the server sends, reading past any data frames.
async fn close_code(client: &mut Client) -> u16 {
    loop {
        match tokio::time::timeout(WAIT, client.next()).await.expect("a close in time") {
            Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
            Some(Ok(Message::Close(None))) | None => panic!("closed without a code"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => panic!("error instead of a close frame: {e}"),
        }
    }
}

/// Nothing arrives for a while.
async fn silent(client: &mut Client) -> bool {
    tokio::time::timeout(Duration::from_millis(200), client.next()).await.is_err()
}

#[tokio::test]
async fn a_broadcast_reaches_exactly_the_room() {
    let server = start(ServerConfig::default()).await;
    let mut ada = connect(server.addr, "/ws/chat/lobby").await;
    let mut bob = connect(server.addr, "/ws/chat/lobby").await;
    let mut eve = connect(server.addr, "/ws/chat/attic").await;
    // The joins happen in on_connect; a ping round trip proves each connection is set up.
    for client in [&mut ada, &mut bob, &mut eve] {
        send(client, json!({"action": "ping"})).await;
        assert_eq!(recv(client).await, json!({"action": "pong"}));
    }
    send(&mut ada, json!({"action": "chat", "payload": {"message": "hello"}})).await;
    for client in [&mut ada, &mut bob] {
        let got = recv(client).await;
        assert_eq!(got["action"], "chatNotification");
        assert_eq!(got["payload"]["message"], "hello");
    }
    assert!(silent(&mut eve).await, "the other room hears nothing");
    // A push from outside any connection, typed by what the channel sends.
    let event = contract::types::RoomEvent {
        action: contract::types::RoomEventAction::RoomEvent,
        payload: contract::types::RoomEventPayload { event: "renamed".parse().expect("short enough") },
    };
    assert_eq!(server.sender.broadcast("attic", event).expect("encodes"), 1);
    assert_eq!(recv(&mut eve).await, json!({"action": "roomEvent", "payload": {"event": "renamed"}}));
    assert_eq!(server.sender.members("lobby").len(), 2);
}

#[tokio::test]
async fn bad_frames_get_error_frames_and_the_connection_lives_on() {
    let server = start(ServerConfig::default()).await;
    let mut client = connect(server.addr, "/ws/chat/lobby").await;
    let cases: Vec<(Message, &str, Option<&str>)> = vec![
        (Message::Text("not json".into()), "not_json", None),
        (Message::Binary(vec![1, 2, 3].into()), "binary_not_accepted", None),
        (Message::Text(json!({"action": "shout"}).to_string().into()), "unknown_message", Some("/action")),
        (Message::Text(json!({"text": "no action"}).to_string().into()), "missing_discriminator", Some("")),
        (
            Message::Text(json!({"action": "chat", "payload": {"message": ""}}).to_string().into()),
            "invalid_message",
            Some("/payload/message"),
        ),
        (
            Message::Text(json!({"action": "chat", "payload": {"message": 7}}).to_string().into()),
            "invalid_message",
            Some("/payload/message"),
        ),
        (
            Message::Text(json!({"action": "chat", "payload": {"message": "x", "extra": 1}}).to_string().into()),
            "invalid_message",
            Some("/payload/extra"),
        ),
        (Message::Text(json!({"action": "chat", "payload": {"message": "fail"}}).to_string().into()), "refused", None),
        (
            Message::Text(json!({"action": "chat", "payload": {"message": "panic"}}).to_string().into()),
            "handler_panicked",
            None,
        ),
    ];
    for (frame, code, pointer) in cases {
        client.send(frame.clone()).await.expect("send");
        let error = recv(&mut client).await;
        assert_eq!(error["action"], "error", "{frame:?} -> {error}");
        assert_eq!(error["error"]["code"], code, "{frame:?} -> {error}");
        assert_eq!(error["error"]["pointer"].as_str(), pointer, "{frame:?} -> {error}");
        assert!(error["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    send(&mut client, json!({"action": "ping"})).await;
    assert_eq!(recv(&mut client).await, json!({"action": "pong"}), "the connection lives on");
}

#[tokio::test]
async fn a_panicking_handler_harms_no_other_connection() {
    let server = start(ServerConfig::default()).await;
    let mut other = connect(server.addr, "/ws/chat/elsewhere").await;
    let mut client = connect(server.addr, "/ws/chat/lobby").await;
    send(&mut client, json!({"action": "chat", "payload": {"message": "panic"}})).await;
    assert_eq!(recv(&mut client).await["error"]["code"], "handler_panicked");
    // The connection handles its next frames in the place the panicking handler had.
    for _ in 0..2 {
        send(&mut client, json!({"action": "ping"})).await;
        assert_eq!(recv(&mut client).await, json!({"action": "pong"}), "the panicking connection lives on");
    }
    send(&mut other, json!({"action": "ping"})).await;
    assert_eq!(recv(&mut other).await, json!({"action": "pong"}));
    let mut late = connect(server.addr, "/ws/chat/lobby").await;
    send(&mut late, json!({"action": "ping"})).await;
    assert_eq!(recv(&mut late).await, json!({"action": "pong"}), "the server still accepts");
}

#[tokio::test]
async fn requests_are_answered_with_their_correlation_id_and_in_order() {
    let server = start(ServerConfig::default().max_frames_per_second(100_000)).await;
    let client = connect(server.addr, "/ws/register").await;
    let count = 10_000;
    let (mut sink, mut stream) = client.split();
    let writer = tokio::spawn(async move {
        for i in 0..count {
            let frame = json!({"action": "register", "request_id": format!("r{i}"), "name": format!("user{i}")});
            sink.send(Message::Text(frame.to_string().into())).await.expect("send");
        }
        sink
    });
    let mut i = 0;
    while i < count {
        let message =
            tokio::time::timeout(WAIT, stream.next()).await.expect("reply in time").expect("open").expect("ok");
        let text = match message {
            Message::Text(text) => text,
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("reply {i}: text expected, got {other:?}"),
        };
        let reply: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(reply["request_id"], format!("r{i}"), "reply {i} carries its request's id");
        i += 1;
    }
    let _ = writer.await;
    let registered = server.chat.registered.lock().expect("lock").clone();
    let expected: Vec<String> = (0..count).map(|i| format!("user{i}")).collect();
    assert_eq!(registered, expected, "the handler saw the frames in the order sent");
}

#[tokio::test]
async fn handshakes_are_refused_before_the_upgrade() {
    let server = start(ServerConfig::default()).await;
    assert_eq!(refused(server.addr, "/ws/nowhere", None).await, StatusCode::NOT_FOUND);
    assert_eq!(refused(server.addr, "/ws/chat/lobby/extra", None).await, StatusCode::NOT_FOUND);
    assert_eq!(refused(server.addr, "/ws/announcements", None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(refused(server.addr, "/ws/announcements?api_key=wrong", None).await, StatusCode::FORBIDDEN);
    assert_eq!(refused(server.addr, "/ws/chat/lobby", Some("https://evil.example")).await, StatusCode::FORBIDDEN);
    let same_host = format!("http://{}", server.addr);
    assert_eq!(refused(server.addr, "/ws/chat/lobby", Some(&same_host)).await, StatusCode::SWITCHING_PROTOCOLS);
    let mut operator = connect(server.addr, "/ws/announcements?api_key=let-me-in").await;
    send(&mut operator, json!({"action": "announce", "text": "noon"})).await;
    assert_eq!(recv(&mut operator).await, json!({"action": "announced", "rooms": 0}));
}

#[tokio::test]
async fn a_401_says_which_credentials_the_channel_accepts() {
    let server = start(ServerConfig::default()).await;
    let request = format!("ws://{}/ws/announcements", server.addr).into_client_request().expect("request");
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) = tokio_tungstenite::connect_async(request).await
    else {
        panic!("expected a refusal");
    };
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers().get("www-authenticate").and_then(|v| v.to_str().ok());
    assert_eq!(challenge, Some(r#"ApiKey realm="apiKey", in="query", name="api_key""#));
    // A refusal for another reason challenges nothing.
    let request =
        format!("ws://{}/ws/announcements?api_key=wrong", server.addr).into_client_request().expect("request");
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) = tokio_tungstenite::connect_async(request).await
    else {
        panic!("expected a refusal");
    };
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get("www-authenticate").is_none());
}

#[tokio::test]
async fn an_oversized_message_is_closed_with_1009() {
    let server = start(ServerConfig::default().max_message_size(1024)).await;
    let mut client = connect(server.addr, "/ws/chat/lobby").await;
    let big = "x".repeat(4096);
    send(&mut client, json!({"action": "chat", "payload": {"message": big}})).await;
    assert_eq!(close_code(&mut client).await, 1009);
}

/// Frames sent back to back with what ends the connection are each handled and answered, in
/// order, before the end: the peer's close (tungstenite answers a close as it reads it, after
/// which nothing more can be written), or a message over the size limit.
#[tokio::test]
async fn frames_sent_right_before_the_end_are_answered_first() {
    let server = start(ServerConfig::default().max_message_size(1024)).await;
    let ping = || Message::Text(json!({"action": "ping"}).to_string().into());
    let too_big = Message::Text(json!({"action": "chat", "payload": {"message": "x".repeat(4096)}}).to_string().into());
    for (end, code) in [(Message::Close(None), 1005), (too_big, 1009)] {
        let mut client = connect(server.addr, "/ws/chat/lobby").await;
        for _ in 0..5 {
            client.feed(ping()).await.expect("feed");
        }
        client.feed(end).await.expect("feed");
        client.flush().await.expect("flush");
        for i in 0..5 {
            assert_eq!(recv(&mut client).await, json!({"action": "pong"}), "reply {i} before the {code} close");
        }
        match tokio::time::timeout(WAIT, client.next()).await.expect("the close in time") {
            Some(Ok(Message::Close(frame))) => {
                assert_eq!(frame.map_or(1005, |frame| u16::from(frame.code)), code, "the close after the replies");
            }
            other => panic!("the close expected after the replies, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_frame_flood_is_closed_with_1008() {
    let server = start(ServerConfig::default().max_frames_per_second(20)).await;
    let mut client = connect(server.addr, "/ws/chat/lobby").await;
    for _ in 0..200 {
        if client.send(Message::Text(json!({"action": "ping"}).to_string().into())).await.is_err() {
            break;
        }
    }
    assert_eq!(close_code(&mut client).await, 1008);
}

#[tokio::test]
async fn a_slow_consumer_is_closed_with_1013() {
    let server = start(ServerConfig::default().outbound_queue(8)).await;
    let mut slow = connect(server.addr, "/ws/chat/lobby").await;
    send(&mut slow, json!({"action": "ping"})).await;
    assert_eq!(recv(&mut slow).await, json!({"action": "pong"}));
    // The client stops reading; pushes fill the kernel's buffers, then the queue.
    let text = "y".repeat(1500);
    let mut queued = 0;
    for _ in 0..20_000 {
        let event = contract::types::RoomEvent {
            action: contract::types::RoomEventAction::RoomEvent,
            payload: contract::types::RoomEventPayload { event: text[..200].parse().expect("short enough") },
        };
        queued += server.sender.broadcast("lobby", event).expect("encodes");
        if server.sender.members("lobby").is_empty() {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(queued > 0);
    assert_eq!(close_code(&mut slow).await, 1013, "after the backlog, the close");
}

#[tokio::test]
async fn a_peer_that_never_reads_its_replies_stops_being_read_then_is_closed_with_1013() {
    let config = ServerConfig::default()
        .max_frames_per_second(1_000_000)
        .ping_interval(Duration::from_secs(60))
        .idle_timeout(Duration::from_millis(500));
    let server = start(config).await;
    // A socket with a small receive buffer: the server's writes to it stall soon.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("buffer size");
    let stream = socket.connect(server.addr).await.expect("connect");
    let url = format!("ws://{}/ws/chat/lobby", server.addr);
    let (mut stalled, _) =
        tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream)).await.expect("handshake");
    // Frames, never reading a reply, until a send cannot finish: the server stopped reading
    // once it could not write the replies, and the buffers between filled up. Each is
    // answered with an error frame that names its 4 KiB action: the replies fill the
    // buffers toward the peer in a few thousand frames.
    let unknown = json!({"action": "x".repeat(4096)}).to_string();
    let started = std::time::Instant::now();
    let mut sent = 0u64;
    while tokio::time::timeout(Duration::from_millis(300), stalled.send(Message::Text(unknown.clone().into())))
        .await
        .is_ok_and(|sent| sent.is_ok())
    {
        sent += 1;
        assert!(started.elapsed() < Duration::from_secs(30), "the server read {sent} frames and never stopped");
    }
    // Meanwhile the server serves everyone else.
    let mut other = connect(server.addr, "/ws/chat/hall").await;
    send(&mut other, json!({"action": "ping"})).await;
    assert_eq!(recv(&mut other).await, json!({"action": "pong"}));
    // Past the idle timeout without room, the stalled peer is closed as too slow: reading
    // now, it finds the replies the server did write, then the close.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(close_code(&mut stalled).await, 1013, "after {sent} requests");
    assert!(server.sender.members("lobby").is_empty());
}

#[tokio::test]
async fn a_silent_peer_is_closed_after_the_idle_timeout() {
    let config =
        ServerConfig::default().ping_interval(Duration::from_secs(60)).idle_timeout(Duration::from_millis(300));
    let server = start(config).await;
    let mut client = connect(server.addr, "/ws/chat/lobby").await;
    assert_eq!(close_code(&mut client).await, 1001);
}

#[tokio::test]
async fn a_peer_that_keeps_talking_outlives_the_idle_timeout() {
    let config =
        ServerConfig::default().ping_interval(Duration::from_secs(60)).idle_timeout(Duration::from_millis(300));
    let server = start(config).await;
    let mut client = connect(server.addr, "/ws/chat/lobby").await;
    // A frame every 100 ms for four idle timeouts: each one moves the deadline.
    for _ in 0..12 {
        send(&mut client, json!({"action": "ping"})).await;
        assert_eq!(recv(&mut client).await, json!({"action": "pong"}));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Then silence: closed one timeout after the last frame.
    assert_eq!(close_code(&mut client).await, 1001);
}

#[tokio::test]
async fn shutdown_closes_every_connection_with_1001() {
    let server = start(ServerConfig::default()).await;
    let mut a = connect(server.addr, "/ws/chat/lobby").await;
    let mut b = connect(server.addr, "/ws/register").await;
    send(&mut a, json!({"action": "ping"})).await;
    assert_eq!(recv(&mut a).await, json!({"action": "pong"}));
    server.shutdown.shutdown();
    assert_eq!(close_code(&mut a).await, 1001);
    assert_eq!(close_code(&mut b).await, 1001);
    tokio::time::timeout(WAIT, server.server).await.expect("serve returns").expect("joined").expect("ok");
    assert!(tokio_tungstenite::connect_async(format!("ws://{}/ws/chat/lobby", server.addr)).await.is_err());
}

/// A registration frame with `name`, and `id` as its correlation id.
fn register(id: &str, name: &str) -> Value {
    json!({"action": "register", "request_id": id, "name": name})
}

#[tokio::test]
async fn error_frames_answering_a_request_carry_its_correlation_id() {
    let server = start(ServerConfig::default()).await;
    let mut client = connect(server.addr, "/ws/register").await;
    // A field the contract refuses, and a handler's refusal: each error names its request.
    send(&mut client, register("r-1", "x")).await;
    let invalid = recv(&mut client).await;
    assert_eq!(
        (invalid["error"]["code"].as_str(), invalid["error"]["pointer"].as_str()),
        (Some("invalid_message"), Some("/name"))
    );
    assert_eq!(invalid["request_id"], "r-1", "{invalid}");
    send(&mut client, register("r-2", "root")).await;
    let refused = recv(&mut client).await;
    assert_eq!(refused["error"]["code"], "name_taken");
    assert_eq!(refused["request_id"], "r-2", "{refused}");
    // Without a request to name, there is nothing to carry back.
    send(&mut client, json!({"action": "register", "name": "ada"})).await;
    let anonymous = recv(&mut client).await;
    assert_eq!(anonymous["error"]["code"], "invalid_message");
    assert!(anonymous.get("request_id").is_none(), "{anonymous}");
    client.send(Message::Text("not json".into())).await.expect("send");
    assert!(recv(&mut client).await.get("request_id").is_none());
}

#[tokio::test]
async fn by_default_a_frame_waits_for_the_one_before() {
    let server = start(ServerConfig::default()).await;
    let mut client = connect(server.addr, "/ws/register").await;
    send(&mut client, register("1", "wait")).await;
    send(&mut client, register("2", "release")).await;
    // `wait` is released only by `release`, which is not read while `wait` is handled.
    assert!(silent(&mut client).await, "in order: the second frame waits for the first");
    assert_eq!(*server.chat.registered.lock().expect("lock"), ["wait"]);
}

#[tokio::test]
async fn a_concurrent_channel_handles_frames_in_flight_at_once() {
    let server = start_with(ServerConfig::default(), 4).await;
    let mut client = connect(server.addr, "/ws/register").await;
    send(&mut client, register("1", "wait")).await;
    send(&mut client, register("2", "release")).await;
    let first = recv(&mut client).await;
    let second = recv(&mut client).await;
    assert_eq!((first["request_id"].as_str(), second["request_id"].as_str()), (Some("2"), Some("1")));
    // Errors and panics of one frame in flight stay with that frame.
    send(&mut client, register("3", "root")).await;
    let error = recv(&mut client).await;
    assert_eq!(error["error"]["code"], "name_taken");
    send(&mut client, register("4", "ada")).await;
    assert_eq!(recv(&mut client).await["request_id"], "4");
}

#[tokio::test]
async fn a_concurrent_channel_stops_reading_at_its_limit() {
    let server = start_with(ServerConfig::default(), 2).await;
    let mut client = connect(server.addr, "/ws/register").await;
    send(&mut client, register("1", "wait")).await;
    send(&mut client, register("2", "wait")).await;
    send(&mut client, register("3", "release")).await;
    // Two frames in flight is the limit: the third is not read, so nothing is released.
    assert!(silent(&mut client).await);
    assert_eq!(server.chat.registered.lock().expect("lock").len(), 2);
}

#[tokio::test]
async fn shutdown_lets_running_handlers_finish_before_the_close() {
    let server = start(ServerConfig::default()).await;
    let mut client = connect(server.addr, "/ws/register").await;
    send(&mut client, register("1", "slow")).await;
    // Wait until the handler runs, then shut down while it sleeps.
    while server.chat.registered.lock().expect("lock").is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.shutdown.shutdown();
    assert_eq!(recv(&mut client).await["request_id"], "1", "the running handler's reply is sent");
    assert_eq!(close_code(&mut client).await, 1001);
}
