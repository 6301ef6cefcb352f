//! The bench contract served by hand on tokio-tungstenite and serde, the way one would write it
//! without tidings: what `src/main.rs` is measured against by `src/bin/load/main.rs`.
//!
//! Run it with `cargo run --release -p bench --bin baseline -- --addr 127.0.0.1:8091`.

use std::collections::HashMap;
use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use bench::wire::Frame;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// The same buffer sizes as the tidings server, and its outbound queue and message limit.
const BUFFER_SIZE: usize = 8 * 1024;
const QUEUE: usize = 256;
const MAX_MESSAGE: usize = 64 * 1024;

/// The members of a room: a connection id and the sending end of its writer's queue.
type Members = Vec<(u64, mpsc::Sender<Message>)>;

/// Every room by name.
#[derive(Default)]
struct Rooms {
    rooms: RwLock<HashMap<String, Members>>,
    next_id: AtomicU64,
}

/// A line on standard output; a reader that went away is no reason to stop serving.
fn say(line: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut addr = "127.0.0.1:8090".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--addr", Some(value)) => addr = value,
            _ => return Err(format!("unknown option {arg}; use --addr HOST:PORT").into()),
        }
    }
    let listener = TcpListener::bind(&addr).await?;
    say(&format!("baseline: listening on ws://{} (/ws/echo, /ws/room/{{room_id}})", listener.local_addr()?));
    let rooms = Arc::new(Rooms::default());
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(serve(stream, Arc::clone(&rooms)));
    }
}

async fn serve(stream: TcpStream, rooms: Arc<Rooms>) {
    let _ = stream.set_nodelay(true);
    let config = WebSocketConfig::default()
        .read_buffer_size(BUFFER_SIZE)
        .write_buffer_size(BUFFER_SIZE)
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let mut path = String::new();
    #[allow(clippy::result_large_err, reason = "tungstenite's handshake callback returns its error response by value")]
    let record_path = |request: &Request, response: Response| {
        path = request.uri().path().to_string();
        Ok(response)
    };
    let Ok(ws) = tokio_tungstenite::accept_hdr_async_with_config(stream, record_path, Some(config)).await else {
        return;
    };
    let room = match path.as_str() {
        "/ws/echo" => None,
        other => match other.strip_prefix("/ws/room/") {
            Some(room) if !room.is_empty() && !room.contains('/') => Some(room.to_string()),
            _ => return,
        },
    };
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::channel::<Message>(QUEUE);
    // The writer sends what is queued, flushing once the queue is empty.
    let writer = tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            if sink.feed(message).await.is_err() {
                return;
            }
            while let Ok(message) = rx.try_recv() {
                if sink.feed(message).await.is_err() {
                    return;
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
    });
    let id = rooms.next_id.fetch_add(1, Ordering::Relaxed);
    if let Some(room) = &room {
        rooms.rooms.write().unwrap_or_else(|e| e.into_inner()).entry(room.clone()).or_default().push((id, tx.clone()));
    }
    while let Some(Ok(message)) = stream.next().await {
        let Message::Text(text) = message else { continue };
        match (serde_json::from_str::<Frame>(&text), &room) {
            (Ok(Frame::Echo(body)), None) => {
                let Ok(reply) = serde_json::to_string(&Frame::EchoReply(body)) else { break };
                if tx.send(Message::Text(reply.into())).await.is_err() {
                    break;
                }
            }
            (Ok(Frame::Say(body)), Some(room)) => {
                // Encoded once, shared by every member's queue.
                let Ok(said) = serde_json::to_string(&Frame::Said(body)) else { break };
                let said = Utf8Bytes::from(said);
                let members = rooms.rooms.read().unwrap_or_else(|e| e.into_inner());
                for (_, member) in members.get(room).into_iter().flatten() {
                    let _ = member.try_send(Message::Text(said.clone()));
                }
            }
            _ => break,
        }
    }
    if let Some(room) = &room {
        let mut all = rooms.rooms.write().unwrap_or_else(|e| e.into_inner());
        if let Some(members) = all.get_mut(room) {
            members.retain(|(member, _)| *member != id);
            if members.is_empty() {
                all.remove(room);
            }
        }
    }
    drop(tx);
    let _ = writer.await;
}
