//! The tidings chat example, contract first: `asyncapi.yaml` is the source of truth.
//!
//! Run it with `cargo run -p chat` (ws://127.0.0.1:8080; its contract as served, rendered at
//! http://127.0.0.1:8080/asyncapi), or `cargo run -p chat -- --addr
//! 127.0.0.1:9000 --api-key secret --tick-seconds 10`. With `--layer redis://127.0.0.1:6379`,
//! several processes share their rooms through Redis: start two on different `--addr`s, and
//! what is said in a room on one reaches the room's members on the other. Then, with any
//! WebSocket client:
//!
//! - `ws://127.0.0.1:8080/ws/chat/lobby`: send `{"action": "chat", "payload": {"message":
//!   "hi"}}` and everyone in `lobby` gets a `chatNotification`; `{"action": "ping"}` gets a pong.
//! - `ws://127.0.0.1:8080/ws/register`: `{"action": "register", "request_id": "1", "name":
//!   "ada"}` is answered with `registrationComplete` carrying the same `request_id`.
//! - `ws://127.0.0.1:8080/ws/announcements?api_key=<key>`: `{"action": "announce", "text":
//!   "..."}` reaches every room as a `roomEvent`; without the key the handshake gets 401.
//!
//! Every room also gets a `roomEvent` from a timer, pushed from outside any connection.
//! With `--layer`, each process's timer and announcements go to the rooms opened on that
//! process, and reach those rooms' members on every process: a room open on two processes
//! hears two timers.

use std::collections::BTreeSet;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tidings::layer::{RedisConfig, RedisLayer};
use tidings::{App, AuthError, DocsConfig, DocumentConfig, HandlerError};

mod contract {
    tidings::include_contract!();
}

use contract::types;

/// What the server knows: the rooms that have been opened, and the next user id.
#[derive(Debug, Default)]
struct State {
    rooms: Mutex<BTreeSet<String>>,
    next_user: AtomicU64,
}

#[derive(Clone)]
struct Chat(Arc<State>);

impl contract::chat::Chat for Chat {
    async fn receive_chat(&self, cx: &mut contract::chat::Context, message: types::Chat) -> Result<(), HandlerError> {
        let mut text = message.payload;
        text.sender.get_or_insert_with(|| format!("guest-{}", cx.id().get()));
        let room = cx.params().room_id.clone();
        let notification =
            types::ChatNotification { action: types::ChatNotificationAction::ChatNotification, payload: text };
        cx.broadcast(&room, notification)?;
        Ok(())
    }

    async fn receive_ping(&self, _: &mut contract::chat::Context, _: types::Ping) -> Result<types::Pong, HandlerError> {
        Ok(types::Pong { action: types::PongAction::Pong })
    }

    async fn on_connect(&self, cx: &mut contract::chat::Context) -> Result<(), HandlerError> {
        let room = cx.params().room_id.clone();
        cx.join(&room);
        self.0.rooms.lock().map_err(|_| HandlerError::new("unavailable", "try again"))?.insert(room);
        Ok(())
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
        Ok(types::RegistrationComplete {
            action: types::RegistrationCompleteAction::RegistrationComplete,
            // tidings copies the request's `request_id` here, as the contract's correlationId says.
            request_id: String::new(),
            user_id,
        })
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
        let event = room_event(message.text.as_str())?;
        let rooms: Vec<String> = self.state.rooms.lock().map(|r| r.iter().cloned().collect()).unwrap_or_default();
        for room in &rooms {
            self.rooms.broadcast(room, event.clone())?;
        }
        Ok(types::Announced { action: types::AnnouncedAction::Announced, rooms: rooms.len() as u64 })
    }
}

fn room_event(text: &str) -> Result<types::RoomEvent, HandlerError> {
    let event =
        text.chars().take(200).collect::<String>().parse().map_err(|e| HandlerError::new("invalid", format!("{e}")))?;
    Ok(types::RoomEvent { action: types::RoomEventAction::RoomEvent, payload: types::RoomEventPayload { event } })
}

struct Options {
    addr: String,
    api_key: String,
    tick: Duration,
    /// Print the served AsyncAPI document in this format (`json` or `yaml`) and exit.
    print_spec: Option<String>,
    /// Serve the docs page's component from this installed `@asyncapi/react-component`.
    docs_assets: Option<String>,
    /// Where groups live: `None` in this process, else the Redis URL.
    layer: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        addr: "127.0.0.1:8080".into(),
        api_key: "let-me-in".into(),
        tick: Duration::from_secs(30),
        print_spec: None,
        docs_assets: None,
        layer: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--addr" => options.addr = value,
            "--api-key" => options.api_key = value,
            "--tick-seconds" => {
                options.tick = Duration::from_secs(value.parse().map_err(|_| "--tick-seconds takes seconds")?)
            }
            "--print-spec" if value == "json" || value == "yaml" => options.print_spec = Some(value),
            "--docs-assets" => options.docs_assets = Some(value),
            "--layer" if value.starts_with("redis://") || value.starts_with("unix://") => options.layer = Some(value),
            "--layer" => return Err("--layer takes a Redis URL: redis://HOST:PORT".into()),
            _ => {
                return Err(format!(
                    "unknown option {arg} {value}; use --addr HOST:PORT, --api-key KEY, --tick-seconds N, \
                     --layer redis://HOST:PORT, --print-spec json|yaml, --docs-assets DIR"
                ));
            }
        }
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
    let state = Arc::new(State::default());
    let chat = Chat(Arc::clone(&state));
    let api_key = options.api_key.clone();
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
        .mount(contract::chat::channel(chat.clone()))
        .mount(contract::registration::channel(chat))
        .mount(contract::announcements::channel(Announcements { state: Arc::clone(&state), rooms: rooms.clone() }))
        .authenticator(move |handshake: &tidings::Handshake<'_>| {
            if handshake.credentials().iter().any(|c| c.value == api_key) {
                Ok(())
            } else {
                Err(AuthError::forbidden("unknown api_key"))
            }
        })
        // The served document's info and servers are the contract's.
        .document_config(DocumentConfig::from_info(&contract::INFO))
        .docs(match &options.docs_assets {
            Some(dir) => DocsConfig::default().local_assets(dir),
            None => DocsConfig::default(),
        });
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
    say(&format!("chat: listening on ws://{addr} (rooms at /ws/chat/{{room_id}}, /ws/register, /ws/announcements)"));
    say(&format!("chat: the contract as served: http://{addr}/asyncapi (also /asyncapi.json, /asyncapi.yaml)"));
    if options.layer.is_some() {
        say("chat: rooms are shared with every process on the same Redis");
    }

    // The seed's event handler: events pushed to rooms from outside any connection.
    let ticker_state = Arc::clone(&state);
    let ticker = rooms.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(options.tick);
        ticks.tick().await;
        let mut count = 0u64;
        loop {
            ticks.tick().await;
            count += 1;
            let open: Vec<String> = ticker_state.rooms.lock().map(|r| r.iter().cloned().collect()).unwrap_or_default();
            if let Ok(event) = room_event(&format!("tick {count}")) {
                for room in open {
                    let _ = ticker.broadcast(&room, event.clone());
                }
            }
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
