//! Who is connected, over real sockets: an authenticator that awaits (a simulated lookup)
//! gives each connection its principal, or refuses with 401/403 before the upgrade, and a
//! slow one holds up only its own handshake; the channel's typed `authorize` hook refuses
//! a room with 403 before the upgrade too; handlers read the principal (a forged `sender`
//! is replaced by it) and keep state across a connection's frames; a broadcast can leave the
//! sender out; a message can reach every connection of one principal and nobody else.

use std::time::Duration;

use tidings::testing::TestServer;
use tidings::{App, AuthError, HandlerError, Handshake, ServerConfig};
use tidings_build_script::contract::{self, chat, types};

/// Longer than anything here should take.
const WAIT: Duration = Duration::from_secs(10);

#[derive(Debug)]
struct User {
    name: String,
    staff: bool,
}

impl tidings::Principal for User {
    fn key(&self) -> Option<&str> {
        Some(&self.name)
    }
}

/// What a connection keeps between its frames.
#[derive(Debug, Default)]
struct Seen {
    said: u32,
}

/// Looks tokens up as a database would: after a wait. `slow-token` takes longer than the
/// handshake's patience; `staff` is a room only staff may open.
struct Directory;

impl tidings::Authenticator for Directory {
    type Principal = User;

    async fn authenticate(&self, handshake: &Handshake<'_>) -> Result<User, AuthError> {
        let token = handshake.query_param("token").ok_or_else(|| AuthError::invalid_credential("token"))?;
        let wait = if token == "slow-token" { WAIT } else { Duration::from_millis(20) };
        tokio::time::sleep(wait).await;
        let user = match token.as_str() {
            "ada-token" => User { name: "ada".into(), staff: true },
            "bob-token" => User { name: "bob".into(), staff: false },
            _ => return Err(AuthError::invalid_credential("token")),
        };
        if handshake.param("room_id") == Some("staff") && !user.staff {
            return Err(AuthError::forbidden("the staff room is for staff"));
        }
        Ok(user)
    }
}

/// The chat channel as an application with users writes it.
struct Rooms;

impl chat::Chat<User, Seen> for Rooms {
    async fn receive_chat(&self, cx: &mut chat::Context<User, Seen>, message: types::Chat) -> Result<(), HandlerError> {
        cx.state_mut().said += 1;
        let said = cx.state().said;
        let text = format!("{} (#{said})", message.payload.message);
        // Whatever the client wrote as `sender`, the server says who it is.
        let payload = types::ChatText {
            message: text.parse().map_err(|_| HandlerError::new("too_long", "message too long"))?,
            sender: Some(cx.principal().name.clone()),
        };
        let room = cx.params().room_id.clone();
        let notification = types::ChatNotification { action: types::ChatNotificationAction::ChatNotification, payload };
        cx.broadcast_others(&room, notification)?;
        Ok(())
    }

    async fn receive_ping(
        &self,
        _: &mut chat::Context<User, Seen>,
        _: types::Ping,
    ) -> Result<types::Pong, HandlerError> {
        Ok(types::Pong { action: types::PongAction::Pong })
    }

    async fn on_connect(&self, cx: &mut chat::Context<User, Seen>) -> Result<(), HandlerError> {
        cx.join(&cx.params().room_id.clone());
        Ok(())
    }

    /// The channel's own check, typed: rooms named `ada-*` are ada's.
    async fn authorize(&self, user: &User, params: &chat::Params) -> Result<(), AuthError> {
        tokio::time::sleep(Duration::from_millis(5)).await;
        match params.room_id.strip_prefix("ada-") {
            Some(_) if user.name != "ada" => Err(AuthError::forbidden("ada's rooms are ada's")),
            _ => Ok(()),
        }
    }
}

async fn start() -> TestServer {
    let config = ServerConfig::default().auth_timeout(Duration::from_millis(500));
    TestServer::start(|app: App| app.config(config).mount(chat::channel(Rooms)).authenticator(Directory))
        .await
        .expect("start")
}

async fn connect(server: &TestServer, path: &str) -> tidings::Client<chat::Spec> {
    server.client::<chat::Spec>(path).await.unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

fn chat_message(text: &str, sender: &str) -> types::Chat {
    types::Chat {
        action: types::ChatAction::Chat,
        payload: types::ChatText { message: text.parse().expect("short"), sender: Some(sender.into()) },
    }
}

/// The next frame, which must come.
async fn next(client: &mut tidings::Client<chat::Spec>) -> chat::Outgoing {
    client.receive_timeout(WAIT).await.expect("a frame")
}

/// Nothing but the pong of a ping: what was queued before it would come first.
async fn nothing_else(client: &mut tidings::Client<chat::Spec>) {
    let reply = client.request(types::Ping { action: types::PingAction::Ping }).await.expect("pong");
    assert!(matches!(reply, chat::Outgoing::Pong(_)), "expected only the pong, got {reply:?}");
}

#[tokio::test]
async fn the_principal_speaks_for_the_sender_state_persists_and_the_sender_is_left_out() {
    let server = start().await;
    let mut ada = connect(&server, "/ws/chat/lobby?token=ada-token").await;
    let mut ada_again = connect(&server, "/ws/chat/lobby?token=ada-token").await;
    let mut bob = connect(&server, "/ws/chat/lobby?token=bob-token").await;

    for (n, forged) in [(1, "mallory"), (2, "bob")] {
        ada.send(chat_message("hello", forged)).await.expect("sent");
        for listener in [&mut bob, &mut ada_again] {
            match next(listener).await {
                chat::Outgoing::ChatNotification(said) => {
                    assert_eq!(said.payload.sender.as_deref(), Some("ada"), "never what the client claimed");
                    assert_eq!(*said.payload.message, format!("hello (#{n})"), "the count lives with ada's connection");
                }
                other => panic!("expected a notification, got {other:?}"),
            }
        }
    }
    // The sender was left out of its own broadcasts.
    nothing_else(&mut ada).await;
    // Each connection has its own state: bob's first message is his first.
    bob.send(chat_message("hi", "ada")).await.expect("sent");
    match next(&mut ada).await {
        chat::Outgoing::ChatNotification(said) => {
            assert_eq!((said.payload.sender.as_deref(), said.payload.message.as_str()), (Some("bob"), "hi (#1)"));
        }
        other => panic!("expected a notification, got {other:?}"),
    }
    server.stop().await.expect("stops");
}

#[tokio::test]
async fn a_message_to_a_principal_reaches_all_its_connections_and_nobody_else() {
    let server = start().await;
    let mut ada = connect(&server, "/ws/chat/lobby?token=ada-token").await;
    let mut ada_elsewhere = connect(&server, "/ws/chat/rust?token=ada-token").await;
    let mut bob = connect(&server, "/ws/chat/lobby?token=bob-token").await;

    let mention = types::RoomEvent {
        action: types::RoomEventAction::RoomEvent,
        payload: types::RoomEventPayload { event: "bob mentioned you".parse().expect("short") },
    };
    let queued = server.sender::<chat::Spec>().to_principal("ada", mention).expect("encoded");
    assert_eq!(queued, 2, "both of ada's connections, in any room");
    for tab in [&mut ada, &mut ada_elsewhere] {
        match next(tab).await {
            chat::Outgoing::RoomEvent(event) => assert_eq!(*event.payload.event, "bob mentioned you"),
            other => panic!("expected the mention, got {other:?}"),
        }
    }
    nothing_else(&mut bob).await;

    // A closed connection is no longer addressed.
    ada_elsewhere.close().await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let event = types::RoomEvent {
            action: types::RoomEventAction::RoomEvent,
            payload: types::RoomEventPayload { event: "again".parse().expect("short") },
        };
        if server.sender::<chat::Spec>().to_principal("ada", event).expect("encoded") == 1 {
            break;
        }
        let _ = next(&mut ada).await;
        assert!(tokio::time::Instant::now() < deadline, "the closed tab is still addressed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await.expect("stops");
}

#[tokio::test]
async fn handshakes_are_refused_before_the_upgrade_and_a_slow_lookup_holds_up_only_its_own() {
    let server = start().await;
    let refused = |path: &'static str| {
        let url = server.url(path);
        async move {
            match tidings::Client::<chat::Spec>::connect(&url).await {
                Err(tidings::client::ClientError::Refused(status)) => status,
                other => panic!("{path}: expected a refusal, got {:?}", other.map(|_| "a connection")),
            }
        }
    };
    assert_eq!(refused("/ws/chat/lobby").await, 401, "no token");
    assert_eq!(refused("/ws/chat/lobby?token=forged").await, 401, "an unknown token");
    assert_eq!(refused("/ws/chat/staff?token=bob-token").await, 403, "a room bob may not enter");
    let _ada_in_staff = connect(&server, "/ws/chat/staff?token=ada-token").await;
    // The channel's typed hook refuses before the upgrade too.
    assert_eq!(refused("/ws/chat/ada-notes?token=bob-token").await, 403, "the channel's authorize hook");
    let _ada_in_hers = connect(&server, "/ws/chat/ada-notes?token=ada-token").await;

    // A lookup that never answers in time gets 503 at the deadline; meanwhile others are let in.
    let slow = tokio::spawn(refused("/ws/chat/lobby?token=slow-token"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = tokio::time::Instant::now();
    let mut bob = connect(&server, "/ws/chat/lobby?token=bob-token").await;
    nothing_else(&mut bob).await;
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "bob waited {:?} behind the slow lookup",
        started.elapsed()
    );
    assert!(!slow.is_finished(), "the slow handshake is still waiting");
    assert_eq!(tokio::time::timeout(WAIT, slow).await.expect("answered").expect("joined"), 503);
    server.stop().await.expect("stops");
}

#[tokio::test]
async fn an_application_whose_channel_reads_a_principal_does_not_start_without_an_authenticator_for_it() {
    let started = TestServer::start(|app: App| app.mount(chat::channel(Rooms))).await;
    let error = started.expect_err("no authenticator returns a User");
    assert!(error.to_string().contains("User"), "{error}");
    // An authenticator returning another type is no better.
    let other = |_: &Handshake<'_>| Ok(());
    let error = TestServer::start(|app: App| app.mount(chat::channel(Rooms)).authenticator(other))
        .await
        .expect_err("the authenticator returns ()");
    assert!(error.to_string().contains("returns `()`"), "{error}");
    let _ = contract::INFO;
}

#[tokio::test]
async fn a_message_to_a_principal_reaches_its_connections_in_another_process_through_redis() {
    use tidings::layer::{RedisConfig, RedisLayer};
    let Some(redis) = tidings::testing::RedisServer::for_test() else { return };
    // Two servers with a Redis layer each behave as two processes do.
    let layer = || RedisLayer::start(&redis.url(), RedisConfig::default().prefix("principal")).expect("layer");
    let config = ServerConfig::default;
    let here = TestServer::start(|app: App| {
        app.config(config()).layer(layer()).mount(chat::channel(Rooms)).authenticator(Directory)
    })
    .await
    .expect("start");
    let there = TestServer::start(|app: App| {
        app.config(config()).layer(layer()).mount(chat::channel(Rooms)).authenticator(Directory)
    })
    .await
    .expect("start");
    let mut ada_here = connect(&here, "/ws/chat/lobby?token=ada-token").await;
    let mut ada_there = connect(&there, "/ws/chat/lobby?token=ada-token").await;
    let mut bob_there = connect(&there, "/ws/chat/lobby?token=bob-token").await;

    // The other process subscribes to ada's group when she connects there; until Redis has
    // the subscription, a message is not seen there, so it is sent again until it is.
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut sent = 0;
    loop {
        sent += 1;
        let event = types::RoomEvent {
            action: types::RoomEventAction::RoomEvent,
            payload: types::RoomEventPayload { event: format!("mention {sent}").parse().expect("short") },
        };
        assert_eq!(here.sender::<chat::Spec>().to_principal("ada", event).expect("encoded"), 1, "ada here");
        if let Ok(chat::Outgoing::RoomEvent(event)) = ada_there.receive_timeout(Duration::from_millis(100)).await {
            assert!(event.payload.event.starts_with("mention "), "{event:?}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "ada's connection in the other process was never reached");
    }
    for n in 1..=sent {
        match next(&mut ada_here).await {
            chat::Outgoing::RoomEvent(event) => assert_eq!(*event.payload.event, format!("mention {n}")),
            other => panic!("expected mention {n}, got {other:?}"),
        }
    }
    nothing_else(&mut bob_there).await;
    here.stop().await.expect("stops");
    there.stop().await.expect("stops");
}

#[tokio::test]
async fn on_axum_the_same_authenticator_decides_and_the_handlers_read_the_principal() {
    let app = App::new().mount(chat::channel(Rooms)).authenticator(Directory);
    let router: axum::Router = app.into_router().expect("router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    let url = |path: &str| format!("ws://{addr}{path}");

    for (path, status) in
        [("/ws/chat/lobby", 401), ("/ws/chat/staff?token=bob-token", 403), ("/ws/chat/ada-x?token=bob-token", 403)]
    {
        match tidings::Client::<chat::Spec>::connect(&url(path)).await {
            Err(tidings::client::ClientError::Refused(refused)) => assert_eq!(refused, status, "{path}"),
            other => panic!("{path}: expected {status}, got {:?}", other.map(|_| "a connection")),
        }
    }
    let mut ada = tidings::Client::<chat::Spec>::connect(&url("/ws/chat/lobby?token=ada-token")).await.expect("ada");
    let mut bob = tidings::Client::<chat::Spec>::connect(&url("/ws/chat/lobby?token=bob-token")).await.expect("bob");
    ada.send(chat_message("hello", "mallory")).await.expect("sent");
    match next(&mut bob).await {
        chat::Outgoing::ChatNotification(said) => assert_eq!(said.payload.sender.as_deref(), Some("ada")),
        other => panic!("expected a notification, got {other:?}"),
    }
}
