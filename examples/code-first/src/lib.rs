//! The tidings code-first example: a chat declared in Rust, no YAML. The messages are structs
//! (`#[derive(tidings::Message)]`), the channels `impl` blocks (`#[tidings::channel]`), and
//! the AsyncAPI document, served at `/asyncapi.json`, is written from them; `asyncapi.yaml`
//! beside this crate is that document, checked in and kept current by a test.
//!
//! Three channels:
//!
//! - `chat` at `/ws/chat/{room_id}`: `chat` is broadcast to the room as `chatNotification`,
//!   `ping` answered with `pong`; server events (the timer, announcements) reach each
//!   connection as a `notification`.
//! - `registration` at `/ws/register`: `register` is answered with `registered`, whose user
//!   travels in camelCase (`firstName`, `userId`), on the wire as in the document.
//! - `admin` at `/ws/admin`, guarded by the operators' key (the `api_key` query parameter):
//!   `announce` reaches every chat connection.

use std::sync::atomic::{AtomicU64, Ordering};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tidings::descriptor::SecuritySchemeDescriptor;
use tidings::{App, AuthError, Context, DocumentConfig, HandlerError, Sender, To};

/// The operators' key, as the `api_key` query parameter of the handshake.
pub const OPERATOR_KEY: SecuritySchemeDescriptor = SecuritySchemeDescriptor::query_api_key("operatorKey", "api_key")
    .described("The operators' key, as the `api_key` query parameter of the handshake.");

// The chat channel.

/// The room a chat connection is in.
#[derive(Debug, tidings::Params)]
pub struct Room {
    /// The room to join; any name opens a room.
    #[param(example = "lobby")]
    pub room_id: String,
}

/// Say something in the room.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "chat", title = "Say something", example = r#"{"payload": {"message": "hello"}}"#)]
pub struct ChatMessage {
    /// What is said.
    pub payload: ChatPayload,
}

/// A message said in a room, and what comes with it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatPayload {
    /// The text.
    #[schemars(length(min = 1, max = 2000))]
    pub message: String,
    /// Something shown with the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Attachment>,
}

/// What a message can carry, told apart by `kind`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Attachment {
    /// An image, by address.
    Image {
        /// Where the image is.
        #[schemars(url)]
        url: String,
        /// How wide to show it, in pixels.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(range(min = 1, max = 4096))]
        width: Option<u32>,
    },
    /// A link and its title.
    Link {
        /// Where it points.
        #[schemars(url)]
        href: String,
        /// What to show for it.
        #[schemars(length(max = 200))]
        title: String,
    },
}

/// What someone said in the room, for everyone in it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "chatNotification", title = "Someone said something")]
pub struct ChatNotification {
    /// What was said.
    pub payload: ChatPayload,
    /// The room it was said in.
    pub room: String,
}

/// Checks that the connection is alive.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "ping", example = "{}")]
pub struct Ping;

/// The answer to a ping.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "pong")]
pub struct Pong;

/// Something the server tells the room's members.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "notification", title = "A notification")]
pub struct Notification {
    /// What happened, for people.
    #[schemars(length(max = 500))]
    pub text: String,
}

/// What the server publishes to chat connections, from the timer or an announcement; each
/// connection turns it into its `notification`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum News {
    /// An operator's announcement.
    Announcement {
        /// What the operator said.
        text: String,
    },
    /// The timer.
    Tick {
        /// How many ticks so far.
        count: u64,
    },
}

/// Real-time chat: everything said in a room reaches everyone in it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChatConsumer;

/// Rooms of people talking: join a room by opening its address.
#[tidings::channel(address = "/ws/chat/{room_id}", params = Room, title = "A chat room", tags = ["chat"])]
impl ChatConsumer {
    /// Joins the room.
    #[connect]
    async fn joined(&self, cx: &mut Context<Self>) -> Result<(), HandlerError> {
        cx.join(&cx.params().room_id);
        Ok(())
    }

    /// Sends a message to everyone in the room, the sender included.
    #[handler(summary = "Send a chat message", tags = ["messaging"], broadcasts = ChatNotification)]
    async fn chat(&self, cx: &mut Context<Self>, message: ChatMessage) -> Result<(), HandlerError> {
        let room = cx.params().room_id.clone();
        cx.broadcast(&room, ChatNotification { payload: message.payload, room: room.clone() })?;
        Ok(())
    }

    /// Answers a ping.
    #[handler(summary = "Check the connection")]
    async fn ping(&self, _: &mut Context<Self>, _: Ping) -> Result<Pong, HandlerError> {
        Ok(Pong)
    }

    /// Tells the connection what the server published: announcements and the timer.
    #[event(summary = "Server news")]
    async fn news(&self, _: &mut Context<Self>, news: &News) -> Option<Notification> {
        let text = match news {
            News::Announcement { text } => format!("announcement: {text}"),
            News::Tick { count } => format!("tick {count}"),
        };
        Some(Notification { text })
    }
}

// The registration channel.

/// Registers a user.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[serde(rename_all = "camelCase")]
#[message(tag = "register", example = r#"{"firstName": "Ada", "lastName": "Lovelace"}"#)]
pub struct Register {
    /// The user's first name.
    #[schemars(length(min = 1, max = 100))]
    pub first_name: String,
    /// The user's last name.
    #[schemars(length(min = 1, max = 100))]
    pub last_name: String,
}

/// The user, registered.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "registered")]
pub struct Registered {
    /// Who was registered.
    pub user: UserPayload,
}

/// A registered user, in camelCase on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserPayload {
    /// The user's first name.
    pub first_name: String,
    /// The user's last name.
    pub last_name: String,
    /// The id the server gave the user.
    #[schemars(range(min = 1))]
    pub user_id: u64,
}

/// Registration of users, each given an id.
#[derive(Debug, Default)]
pub struct Registration {
    next_id: AtomicU64,
}

/// Registration of a user, answered with the user's id.
#[tidings::channel(address = "/ws/register", title = "User registration", tags = ["users"])]
impl Registration {
    /// Registers a user and gives it an id.
    #[handler(summary = "Register a user")]
    async fn register(&self, _: &mut Context<Self>, message: Register) -> Result<Registered, HandlerError> {
        let user_id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        Ok(Registered { user: UserPayload { first_name: message.first_name, last_name: message.last_name, user_id } })
    }
}

// The admin channel.

/// An announcement to every room.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "announce", example = r#"{"text": "maintenance at noon"}"#)]
pub struct Announce {
    /// What to announce.
    #[schemars(length(min = 1, max = 400))]
    pub text: String,
}

/// How many chat connections the announcement reached.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "announced")]
pub struct Announced {
    /// The connections reached, in this process.
    pub connections: u64,
}

/// An operator, as the operators' key says.
#[derive(Debug)]
pub struct Operator;

impl tidings::Principal for Operator {}

/// Checks the operators' key of the admin channel's handshakes.
#[derive(Debug)]
pub struct Operators {
    /// The key.
    pub key: String,
}

impl tidings::Authenticator for Operators {
    type Principal = Operator;

    async fn authenticate(&self, handshake: &tidings::Handshake<'_>) -> Result<Operator, AuthError> {
        match handshake.credential(OPERATOR_KEY.key) {
            Some(key) if key == self.key => Ok(Operator),
            Some(_) => Err(AuthError::forbidden("not the operators' key")),
            None => Err(AuthError::invalid_credential(OPERATOR_KEY.key)),
        }
    }
}

/// Operators' announcements, which reach every chat connection.
#[derive(Debug)]
pub struct Admin {
    rooms: Sender<ChatConsumer>,
}

/// Operators only: announcements to every room.
#[tidings::channel(address = "/ws/admin", title = "Administration", tags = ["admin"], security = [OPERATOR_KEY])]
impl Admin {
    /// Publishes an announcement to every chat connection.
    #[handler(summary = "Announce to every room")]
    async fn announce(&self, _: &mut Context<Self, Operator>, message: Announce) -> Result<Announced, HandlerError> {
        let reached = self.rooms.publish(To::channel(), News::Announcement { text: message.text });
        Ok(Announced { connections: reached as u64 })
    }
}

/// The application: the three channels, the operators' key, and the document's words.
/// `server` is the address the document names, such as `127.0.0.1:8080`.
pub fn app(operator_key: &str, server: &str) -> App {
    let app = App::new();
    let rooms = app.sender::<ChatConsumer>();
    app.mount(ChatConsumer)
        .mount(Registration::default())
        .mount(Admin { rooms })
        .authenticator(Operators { key: operator_key.to_owned() })
        .document_config(
            DocumentConfig::new("tidings code-first chat", "1.0.0")
                .description(
                    "Rooms of people talking, and the registration of users: declared in Rust, documented from it.",
                )
                .server(tidings::document::DocumentServer::new("local", &format!("ws://{server}"))),
        )
}

/// Publishes a tick to every chat connection of `app` every `period`, from outside any
/// connection.
pub fn tick(app: &App, period: std::time::Duration) {
    let rooms = app.sender::<ChatConsumer>();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.tick().await;
        for count in 1.. {
            ticks.tick().await;
            rooms.publish(To::channel(), News::Tick { count });
        }
    });
}
