//! Server events over real sockets: published to a room, a user, one connection or the whole
//! channel, from a handler or from outside; each recipient connection's event handler
//! filters (a muted speaker) and personalizes (a mention "here" or "in lobby") with its own
//! principal and state; across processes through Redis, including an event a plain Redis
//! client publishes in the documented format; and a handler that cannot read an event, or
//! panics on one, costs that event only.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tidings::testing::TestServer;
use tidings::{App, AuthError, HandlerError, Handshake, To};
use tidings_build_script::contract::{chat, types};

/// Longer than anything here should take.
const WAIT: Duration = Duration::from_secs(10);

#[derive(Debug)]
struct User {
    name: String,
}

impl tidings::Principal for User {
    fn key(&self) -> Option<&str> {
        Some(&self.name)
    }
}

/// `<name>-token` is the token of ada, bob and carol.
fn directory(handshake: &Handshake<'_>) -> Result<User, AuthError> {
    let token = handshake.query_param("token").ok_or_else(|| AuthError::invalid_credential("token"))?;
    match token.strip_suffix("-token") {
        Some(name @ ("ada" | "bob" | "carol")) => Ok(User { name: name.to_owned() }),
        _ => Err(AuthError::invalid_credential("token")),
    }
}

/// What happens in the rooms, as the server tells each connection.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum News {
    Said { by: String, room: String, text: String },
    Mention { by: String, room: String },
    Notice { text: String },
}

/// A connection's own settings: whom its user muted, and how many notices it has had.
#[derive(Debug, Default)]
struct Prefs {
    muted: BTreeSet<String>,
    notices: u32,
}

struct Rooms;

impl chat::Chat<User, Prefs> for Rooms {
    /// `/mute NAME` mutes NAME for this connection; anything else is said to the room, and
    /// every `@name` in it mentions that user.
    async fn receive_chat(
        &self,
        cx: &mut chat::Context<User, Prefs>,
        message: types::Chat,
    ) -> Result<(), HandlerError> {
        let text = message.payload.message.to_string();
        if let Some(name) = text.strip_prefix("/mute ") {
            cx.state_mut().muted.insert(name.to_owned());
            return Ok(());
        }
        let by = cx.principal().name.clone();
        let room = cx.params().room_id.clone();
        let mentioned: Vec<String> =
            text.split_whitespace().filter_map(|word| word.strip_prefix('@')).map(str::to_owned).collect();
        cx.publish(To::group(&room).except(cx.id()), News::Said { by: by.clone(), room: room.clone(), text });
        for name in mentioned {
            cx.publish(To::principal(&name), News::Mention { by: by.clone(), room: room.clone() });
        }
        Ok(())
    }

    async fn receive_ping(
        &self,
        _: &mut chat::Context<User, Prefs>,
        _: types::Ping,
    ) -> Result<types::Pong, HandlerError> {
        Ok(types::Pong { action: types::PongAction::Pong })
    }

    async fn on_connect(&self, cx: &mut chat::Context<User, Prefs>) -> Result<(), HandlerError> {
        cx.join(&cx.params().room_id.clone());
        Ok(())
    }
}

impl tidings::Events<chat::Spec, User, Prefs> for Rooms {
    type Event = News;

    async fn on_event(&self, cx: &mut chat::Context<User, Prefs>, event: &News) -> Option<chat::Outgoing> {
        match event {
            News::Said { by, .. } if cx.state().muted.contains(by) => None,
            News::Said { by, text, .. } => Some(
                types::ChatNotification {
                    action: types::ChatNotificationAction::ChatNotification,
                    payload: types::ChatText { message: text.parse().ok()?, sender: Some(by.clone()) },
                }
                .into(),
            ),
            News::Mention { by, room } if *room == cx.params().room_id => {
                Some(room_event(&format!("{by} mentioned you here")))
            }
            News::Mention { by, room } => Some(room_event(&format!("{by} mentioned you in {room}"))),
            News::Notice { text } if text == "panic" => panic!("an event handler that fails"),
            News::Notice { text } => {
                cx.state_mut().notices += 1;
                Some(room_event(&format!("{text} (notice {} for {})", cx.state().notices, cx.principal().name)))
            }
        }
    }
}

fn room_event(text: &str) -> chat::Outgoing {
    types::RoomEvent {
        action: types::RoomEventAction::RoomEvent,
        payload: types::RoomEventPayload { event: text.parse().expect("short") },
    }
    .into()
}

fn app(app: App) -> App {
    app.mount(chat::channel_with_events(Rooms)).authenticator(directory)
}

async fn connect(server: &TestServer, path: &str) -> tidings::Client<chat::Spec> {
    server.client::<chat::Spec>(path).await.unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

fn say(text: &str) -> types::Chat {
    types::Chat {
        action: types::ChatAction::Chat,
        payload: types::ChatText { message: text.parse().expect("short"), sender: None },
    }
}

/// The text of the next frame, which must be a room event.
async fn event_text(client: &mut tidings::Client<chat::Spec>) -> String {
    match client.receive_timeout(WAIT).await.expect("a frame") {
        chat::Outgoing::RoomEvent(event) => event.payload.event.to_string(),
        other => panic!("expected a room event, got {other:?}"),
    }
}

/// Nothing but the pong of a ping: what was queued before it would come first.
async fn nothing_else(client: &mut tidings::Client<chat::Spec>) {
    let reply = client.request(types::Ping { action: types::PingAction::Ping }).await.expect("pong");
    assert!(matches!(reply, chat::Outgoing::Pong(_)), "expected only the pong, got {reply:?}");
}

#[tokio::test]
async fn each_member_filters_a_room_event_by_its_own_state_and_the_sender_is_left_out() {
    let server = TestServer::start(app).await.expect("start");
    let mut ada = connect(&server, "/ws/chat/lobby?token=ada-token").await;
    let mut bob = connect(&server, "/ws/chat/lobby?token=bob-token").await;
    let mut carol = connect(&server, "/ws/chat/lobby?token=carol-token").await;
    bob.send(say("/mute ada")).await.expect("sent");
    nothing_else(&mut bob).await;

    ada.send(say("hello room")).await.expect("sent");
    match carol.receive_timeout(WAIT).await.expect("a frame") {
        chat::Outgoing::ChatNotification(said) => {
            assert_eq!((said.payload.sender.as_deref(), said.payload.message.as_str()), (Some("ada"), "hello room"));
        }
        other => panic!("expected ada's words, got {other:?}"),
    }
    nothing_else(&mut bob).await; // bob muted ada
    nothing_else(&mut ada).await; // the sender was left out

    // Bob's connection muted ada, not bob: his second tab hears her.
    let mut bob_again = connect(&server, "/ws/chat/lobby?token=bob-token").await;
    ada.send(say("again")).await.expect("sent");
    assert!(matches!(bob_again.receive_timeout(WAIT).await, Ok(chat::Outgoing::ChatNotification(_))));
    nothing_else(&mut bob).await;
    server.stop().await.expect("stops");
}

#[tokio::test]
async fn a_user_event_reaches_all_of_that_users_connections_personalized_and_nobody_else() {
    let server = TestServer::start(app).await.expect("start");
    let mut ada_lobby = connect(&server, "/ws/chat/lobby?token=ada-token").await;
    let mut ada_rust = connect(&server, "/ws/chat/rust?token=ada-token").await;
    let mut bob = connect(&server, "/ws/chat/lobby?token=bob-token").await;
    let mut carol = connect(&server, "/ws/chat/rust?token=carol-token").await;

    bob.send(say("ping @ada")).await.expect("sent");
    assert_eq!(event_text(&mut ada_rust).await, "bob mentioned you in lobby");
    // In the room where it was said, ada also gets the words, then the mention.
    assert!(matches!(ada_lobby.receive_timeout(WAIT).await, Ok(chat::Outgoing::ChatNotification(_))));
    assert_eq!(event_text(&mut ada_lobby).await, "bob mentioned you here");
    nothing_else(&mut bob).await;
    nothing_else(&mut carol).await;

    // From outside any connection: the same events, the same handlers.
    let sender = server.sender::<chat::Spec>();
    let queued = sender.publish(To::principal("carol"), News::Mention { by: "the server".into(), room: "rust".into() });
    assert_eq!(queued, 1);
    assert_eq!(event_text(&mut carol).await, "the server mentioned you here");
    assert_eq!(sender.publish(To::principal("nobody"), News::Notice { text: "lost".into() }), 0);
    server.stop().await.expect("stops");
}

#[tokio::test]
async fn channel_wide_and_single_connection_events_keep_per_connection_state() {
    let server = TestServer::start(app).await.expect("start");
    let mut ada = connect(&server, "/ws/chat/lobby?token=ada-token").await;
    let mut bob = connect(&server, "/ws/chat/rust?token=bob-token").await;
    let sender = server.sender::<chat::Spec>();

    assert_eq!(sender.publish(To::channel(), News::Notice { text: "maintenance".into() }), 2);
    assert_eq!(event_text(&mut ada).await, "maintenance (notice 1 for ada)");
    assert_eq!(event_text(&mut bob).await, "maintenance (notice 1 for bob)");

    let ada_id = sender.members("lobby")[0];
    assert_eq!(sender.publish(To::connection(ada_id), News::Notice { text: "just you".into() }), 1);
    assert_eq!(event_text(&mut ada).await, "just you (notice 2 for ada)");
    assert_eq!(sender.publish(To::channel().except(ada_id), News::Notice { text: "not ada".into() }), 1);
    assert_eq!(event_text(&mut bob).await, "not ada (notice 2 for bob)");
    nothing_else(&mut ada).await;

    // An event the handler cannot read, and one it panics on, cost that event only.
    assert_eq!(sender.publish(To::channel(), serde_json::json!({"kind": "unknown"})), 2);
    assert_eq!(sender.publish(To::channel(), News::Notice { text: "panic".into() }), 2);
    assert_eq!(sender.publish(To::channel(), News::Notice { text: "still here".into() }), 2);
    assert_eq!(event_text(&mut ada).await, "still here (notice 3 for ada)");
    assert_eq!(event_text(&mut bob).await, "still here (notice 3 for bob)");
    server.stop().await.expect("stops");
}

#[tokio::test]
async fn a_channel_mounted_without_events_receives_none() {
    let server =
        TestServer::start(|app: App| app.mount(chat::channel(Rooms)).authenticator(directory)).await.expect("start");
    let mut ada = connect(&server, "/ws/chat/lobby?token=ada-token").await;
    let sender = server.sender::<chat::Spec>();
    assert_eq!(sender.publish(To::channel(), News::Notice { text: "unheard".into() }), 0, "not in the channel's group");
    assert_eq!(sender.publish(To::group("lobby"), News::Notice { text: "unhandled".into() }), 1);
    nothing_else(&mut ada).await;
    server.stop().await.expect("stops");
}

#[tokio::test]
async fn events_reach_other_processes_through_redis_also_from_a_plain_redis_client() {
    use tidings::layer::{RedisConfig, RedisLayer};
    let Some(redis) = tidings::testing::RedisServer::for_test() else { return };
    let layer = || RedisLayer::start(&redis.url(), RedisConfig::default().prefix("events")).expect("layer");
    let here = TestServer::start(|a: App| app(a.layer(layer()))).await.expect("start");
    let there = TestServer::start(|a: App| app(a.layer(layer()))).await.expect("start");
    let mut ada_here = connect(&here, "/ws/chat/lobby?token=ada-token").await;
    let mut ada_there = connect(&there, "/ws/chat/rust?token=ada-token").await;
    let mut bob_there = connect(&there, "/ws/chat/lobby?token=bob-token").await;

    // Until Redis has the other process's subscription, a publication is not seen there, so
    // it is published again until it is.
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut sent = 0;
    loop {
        sent += 1;
        let mention = News::Mention { by: format!("bob{sent}"), room: "lobby".into() };
        assert_eq!(here.sender::<chat::Spec>().publish(To::principal("ada"), mention), 1, "ada here");
        if let Ok(chat::Outgoing::RoomEvent(event)) = ada_there.receive_timeout(Duration::from_millis(100)).await {
            assert!(event.payload.event.ends_with("mentioned you in lobby"), "{event:?}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "ada's connection in the other process was never reached");
    }
    for n in 1..=sent {
        assert_eq!(event_text(&mut ada_here).await, format!("bob{n} mentioned you here"));
    }
    nothing_else(&mut bob_there).await;

    // A service in another language publishes the documented envelope (docs/REDIS.md) with
    // its own Redis client: every member of room `lobby` of channel `chat` hears it.
    let client = redis::Client::open(redis.url()).expect("a client");
    let mut connection = client.get_multiplexed_async_connection().await.expect("a connection");
    let mut payload = vec![1, b'e'];
    payload.extend_from_slice(&[0; 16]); // origin and target: none
    payload.extend_from_slice(br#"{"kind": "notice", "text": "from billing"}"#);
    let _: i64 = redis::cmd("PUBLISH")
        .arg("events:g:chat\u{1f}lobby")
        .arg(payload)
        .query_async(&mut connection)
        .await
        .expect("PUBLISH");
    assert_eq!(event_text(&mut bob_there).await, "from billing (notice 1 for bob)");
    assert_eq!(event_text(&mut ada_here).await, "from billing (notice 1 for ada)");
    here.stop().await.expect("stops");
    there.stop().await.expect("stops");
}
