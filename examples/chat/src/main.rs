//! The tidings chat example, contract first: `asyncapi.yaml` is the source of truth.
//!
//! Run it with `cargo run -p chat` (ws://127.0.0.1:8080; its contract as served, rendered at
//! http://127.0.0.1:8080/asyncapi), or `cargo run -p chat -- --addr 127.0.0.1:9000 --api-key
//! secret --tick-seconds 10 --user eve:eve-token --private staff=ada,eve`. The users are
//! `ada:ada-token` and `bob:bob-token` unless `--user NAME:TOKEN` (repeatable) says otherwise;
//! the private room `staff` admits ada only unless `--private ROOM=NAME,NAME` (repeatable)
//! says otherwise. With `--layer redis://127.0.0.1:6379`, several processes share their rooms
//! through Redis: start two on different `--addr`s, and what is said in a room on one reaches
//! the room's members on the other. Then, with any WebSocket client:
//!
//! - `ws://127.0.0.1:8080/ws/chat/lobby?token=ada-token`: send `{"action": "chat",
//!   "payload": {"message": "hi @bob"}}` and everyone in `lobby` gets a
//!   `chatNotification` signed `ada` (whatever `sender` the client wrote), and every
//!   connection of bob's, in any room, a `roomEvent` saying ada mentioned him (`here` in
//!   the lobby, `in lobby` elsewhere: a server event each connection words for itself);
//!   `{"action": "ping"}` gets a pong. Without a token the handshake gets 401; bob opening
//!   `/ws/chat/staff` gets 403.
//! - `ws://127.0.0.1:8080/ws/register`: `{"action": "register", "request_id": "1", "name":
//!   "ada"}` is answered with `registrationComplete` carrying the same `request_id`.
//! - `ws://127.0.0.1:8080/ws/announcements?api_key=<key>`: `{"action": "announce", "text":
//!   "..."}` reaches every connection in every room as a `roomEvent`; without the key the
//!   handshake gets 401.
//!
//! Every connection also gets a `roomEvent` from a timer, published from outside any
//! connection. With `--layer`, announcements and each process's timer reach the chat
//! connections of every process: with two processes, each connection hears two timers.
//!
//! With `--try-it on`, the docs page has a panel per channel that connects from the browser
//! and sends the contract's examples (off by default: it lets readers send frames).

use std::collections::{BTreeSet, HashMap};
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tidings::layer::{RedisConfig, RedisLayer};
use tidings::{App, AuthError, DocsConfig, DocumentConfig, HandlerError, To};

mod contract {
    tidings::include_contract!();
}

use contract::types;

/// What the server knows: the private rooms and who may enter them, the rooms that have
/// been opened, and the next user id.
#[derive(Debug, Default)]
struct State {
    private: HashMap<String, Vec<String>>,
    rooms: Mutex<BTreeSet<String>>,
    next_user: AtomicU64,
}

/// Who opened a connection: a user (by token), or an operator (by the announcements key).
#[derive(Debug)]
enum Who {
    User(String),
    Operator,
}

impl tidings::Principal for Who {
    /// A user's connections are reached together: all tabs of one user.
    fn key(&self) -> Option<&str> {
        match self {
            Who::User(name) => Some(name),
            Who::Operator => None,
        }
    }
}

/// The example's users, from the command line, and the operators' key.
struct Directory {
    /// Token to user name.
    users: HashMap<String, String>,
    api_key: String,
}

impl tidings::Authenticator for Directory {
    type Principal = Who;

    async fn authenticate(&self, handshake: &tidings::Handshake<'_>) -> Result<Who, AuthError> {
        if let Some(key) = handshake.credential("apiKey") {
            return if key == self.api_key { Ok(Who::Operator) } else { Err(AuthError::forbidden("unknown api_key")) };
        }
        let token = handshake.credential("token").ok_or_else(|| AuthError::invalid_credential("token"))?;
        let name = self.users.get(token).ok_or_else(|| AuthError::invalid_credential("token"))?;
        Ok(Who::User(name.clone()))
    }
}

/// What the server tells the chat's connections, from a handler, the timer or the
/// announcements channel; each connection's event handler words it for its own user. The
/// JSON form (`{"event": "notice", "text": "..."}`) is what another service publishes
/// through Redis (see `docs/REDIS.md`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum RoomNews {
    /// `by` mentioned the recipient in `room`.
    Mention { by: String, room: String },
    /// For everyone: an announcement, the timer.
    Notice { text: String },
}

#[derive(Clone)]
struct Chat(Arc<State>);

impl contract::chat::Chat<Who> for Chat {
    async fn receive_chat(
        &self,
        cx: &mut contract::chat::Context<Who>,
        message: types::Chat,
    ) -> Result<(), HandlerError> {
        let Who::User(name) = cx.principal() else { return Err(HandlerError::new("forbidden", "users only")) };
        let name = name.clone();
        let mut text = message.payload;
        // The speaker is who the token says, never what the client wrote.
        text.sender = Some(name.clone());
        let room = cx.params().room_id.clone();
        let mentioned: BTreeSet<String> = text
            .message
            .split_whitespace()
            .filter_map(|word| word.strip_prefix('@'))
            .map(|who| who.trim_end_matches(|c: char| !c.is_alphanumeric()).to_owned())
            .filter(|who| !who.is_empty() && *who != name)
            .collect();
        cx.broadcast(&room, types::ChatNotification::new(text))?;
        for who in mentioned {
            cx.publish(To::principal(&who), RoomNews::Mention { by: name.clone(), room: room.clone() });
        }
        Ok(())
    }

    async fn receive_ping(
        &self,
        _: &mut contract::chat::Context<Who>,
        _: types::Ping,
    ) -> Result<types::Pong, HandlerError> {
        Ok(types::Pong::new())
    }

    /// Who may enter a room is decided before the upgrade: a user who may not enter a
    /// private room never gets a socket in it (403).
    async fn authorize(&self, who: &Who, params: &contract::chat::Params) -> Result<(), AuthError> {
        match (who, self.0.private.get(&params.room_id)) {
            (Who::User(name), Some(admitted)) if !admitted.contains(name) => {
                Err(AuthError::forbidden("a private room"))
            }
            (Who::Operator, _) => Err(AuthError::forbidden("the rooms are for users")),
            _ => Ok(()),
        }
    }

    async fn on_connect(&self, cx: &mut contract::chat::Context<Who>) -> Result<(), HandlerError> {
        let room = cx.params().room_id.clone();
        cx.join(&room);
        self.0.rooms.lock().map_err(|_| HandlerError::new("unavailable", "try again"))?.insert(room);
        Ok(())
    }
}

impl tidings::Events<contract::chat::Spec, Who> for Chat {
    type Event = RoomNews;

    async fn on_event(
        &self,
        cx: &mut contract::chat::Context<Who>,
        event: &RoomNews,
    ) -> Option<contract::chat::Outgoing> {
        let text = match event {
            RoomNews::Mention { by, room } if *room == cx.params().room_id => format!("{by} mentioned you here"),
            RoomNews::Mention { by, room } => format!("{by} mentioned you in {room}"),
            RoomNews::Notice { text } => text.clone(),
        };
        room_event(&text).ok().map(Into::into)
    }
}

impl contract::registration::Registration for Chat {
    async fn receive_register(
        &self,
        _: &mut contract::registration::Context,
        _: types::Register,
    ) -> Result<types::RegistrationComplete, HandlerError> {
        let next = self.0.next_user.fetch_add(1, Ordering::Relaxed) + 1;
        let user_id = NonZeroU64::new(next).ok_or_else(|| HandlerError::new("exhausted", "no user ids left"))?;
        // tidings writes the request's `request_id` into the reply, as the contract's
        // correlationId says: `new` leaves it empty.
        Ok(types::RegistrationComplete::new(user_id))
    }
}

struct Announcements {
    state: Arc<State>,
    rooms: tidings::Sender<contract::chat::Spec>,
}

impl contract::announcements::Announcements for Announcements {
    async fn receive_announce(
        &self,
        _: &mut contract::announcements::Context,
        message: types::Announce,
    ) -> Result<types::Announced, HandlerError> {
        let rooms = self.state.rooms.lock().map(|r| r.len()).unwrap_or_default();
        self.rooms.publish(To::channel(), RoomNews::Notice { text: message.text.to_string() });
        Ok(types::Announced::new(rooms as u64))
    }
}

fn room_event(text: &str) -> Result<types::RoomEvent, HandlerError> {
    let event =
        text.chars().take(200).collect::<String>().parse().map_err(|e| HandlerError::new("invalid", format!("{e}")))?;
    Ok(types::RoomEvent::new(types::RoomEventPayload { event }))
}

struct Options {
    addr: String,
    api_key: String,
    /// `NAME:TOKEN` pairs.
    users: Vec<(String, String)>,
    /// Private rooms and who they admit.
    private: Vec<(String, Vec<String>)>,
    tick: Duration,
    /// Print the served AsyncAPI document in this format (`json` or `yaml`) and exit.
    print_spec: Option<String>,
    /// Serve the docs page's component from this installed `@asyncapi/react-component`.
    docs_assets: Option<String>,
    /// Add the "try it" panels to the docs page.
    try_it: bool,
    /// Where groups live: `None` in this process, else the Redis URL.
    layer: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        addr: "127.0.0.1:8080".into(),
        api_key: "let-me-in".into(),
        users: Vec::new(),
        private: Vec::new(),
        tick: Duration::from_secs(30),
        print_spec: None,
        docs_assets: None,
        try_it: false,
        layer: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--addr" => options.addr = value,
            "--api-key" => options.api_key = value,
            "--user" => {
                let (name, token) = value.split_once(':').ok_or("--user takes NAME:TOKEN")?;
                options.users.push((name.to_owned(), token.to_owned()));
            }
            "--private" => {
                let (room, names) = value.split_once('=').ok_or("--private takes ROOM=NAME,NAME")?;
                options.private.push((room.to_owned(), names.split(',').map(str::to_owned).collect()));
            }
            "--tick-seconds" => {
                options.tick = Duration::from_secs(value.parse().map_err(|_| "--tick-seconds takes seconds")?)
            }
            "--print-spec" if value == "json" || value == "yaml" => options.print_spec = Some(value),
            "--docs-assets" => options.docs_assets = Some(value),
            "--try-it" if value == "on" || value == "off" => options.try_it = value == "on",
            "--layer" if value.starts_with("redis://") || value.starts_with("unix://") => options.layer = Some(value),
            "--layer" => return Err("--layer takes a Redis URL: redis://HOST:PORT".into()),
            _ => {
                return Err(format!(
                    "unknown option {arg} {value}; use --addr HOST:PORT, --api-key KEY, --user NAME:TOKEN, \
                     --private ROOM=NAME,NAME, --tick-seconds N, \
                     --layer redis://HOST:PORT, --print-spec json|yaml, --docs-assets DIR, --try-it on|off"
                ));
            }
        }
    }
    if options.users.is_empty() {
        options.users = vec![("ada".into(), "ada-token".into()), ("bob".into(), "bob-token".into())];
    }
    if options.private.is_empty() {
        options.private = vec![("staff".into(), vec!["ada".into()])];
    }
    Ok(options)
}

/// A line on standard output; a reader that went away (a test that read the address and
/// closed the pipe) is no reason to stop serving.
fn say(line: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("chat: {message}");
            std::process::exit(2);
        }
    };
    // The runtime logs through `tracing` (the Redis layer's link going down and coming back).
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let state = Arc::new(State { private: options.private.iter().cloned().collect(), ..State::default() });
    let chat = Chat(Arc::clone(&state));
    let directory = Directory {
        users: options.users.iter().map(|(name, token)| (token.clone(), name.clone())).collect(),
        api_key: options.api_key.clone(),
    };
    let mut app = App::new();
    if let Some(url) = &options.layer {
        match RedisLayer::start(url, RedisConfig::default()) {
            Ok(layer) => app = app.layer(layer),
            Err(e) => {
                eprintln!("chat: --layer: {e}");
                std::process::exit(2);
            }
        }
    }
    let rooms = app.sender::<contract::chat::Spec>();
    let app = app
        .mount(contract::chat::channel_with_events(chat.clone()))
        .mount(contract::registration::channel(chat))
        .mount(contract::announcements::channel(Announcements { state: Arc::clone(&state), rooms: rooms.clone() }))
        .authenticator(directory)
        // The served document's info and servers are the contract's.
        .document_config(DocumentConfig::from_info(&contract::INFO))
        .docs(
            match &options.docs_assets {
                Some(dir) => DocsConfig::default().local_assets(dir),
                None => DocsConfig::default(),
            }
            .try_it(options.try_it),
        );
    let server = app.bind(&options.addr).await?;
    if let Some(format) = options.print_spec {
        let document = server.document();
        let text = if format == "yaml" {
            tidings::document::to_yaml(&document)
        } else {
            tidings::document::to_json(&document)
        };
        print!("{text}");
        return Ok(());
    }
    let addr = server.local_addr()?;
    say(&format!(
        "chat: listening on ws://{addr} (rooms at /ws/chat/{{room_id}}?token=TOKEN, /ws/register, /ws/announcements)"
    ));
    let users: Vec<String> = options.users.iter().map(|(name, token)| format!("{name}:{token}")).collect();
    say(&format!("chat: users {}, e.g. ws://{addr}/ws/chat/lobby?token={}", users.join(" "), options.users[0].1));
    say(&format!("chat: the contract as served: http://{addr}/asyncapi (also /asyncapi.json, /asyncapi.yaml)"));
    if options.layer.is_some() {
        say("chat: rooms are shared with every process on the same Redis");
    }

    // Events published from outside any connection, to every connection on the channel.
    let ticker = rooms.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(options.tick);
        ticks.tick().await;
        let mut count = 0u64;
        loop {
            ticks.tick().await;
            count += 1;
            ticker.publish(To::channel(), RoomNews::Notice { text: format!("tick {count}") });
        }
    });

    let shutdown = server.shutdown_handle();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            say("chat: shutting down");
            shutdown.shutdown();
        }
    });
    server.serve().await
}
