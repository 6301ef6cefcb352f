//! The bench contract served by tidings: the server half of the runtime-against-hand-written
//! benchmark (`src/bin/baseline.rs` is the other half, `src/bin/load/main.rs` measures both).
//!
//! Run it with `cargo run --release -p bench --bin bench -- --addr 127.0.0.1:8090
//! [--no-validate] [--layer redis://HOST:PORT] [--buffers BYTES]`. `ws://ADDR/ws/echo` answers every `echo` with
//! an `echo_reply` carrying the same payload; every `say` on `ws://ADDR/ws/room/{room_id}`
//! reaches the room as `said`, in every process on the same Redis with `--layer`.

use bench::{Bench, contract};
use tidings::layer::{RedisConfig, RedisLayer};
use tidings::{App, ServerConfig};

/// Buffers of tungstenite per connection unless `--buffers` says otherwise, the same as the
/// baselines' (wsload's and `src/bin/baseline.rs`): small frames, many idle connections (the
/// 128 KiB default is zero-filled before every read).
const BUFFER_SIZE: usize = 8 * 1024;

/// A line on standard output; a reader that went away is no reason to stop serving.
fn say(line: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

/// What the command line asks for.
struct Options {
    addr: String,
    config: ServerConfig,
    /// A Redis server whose Pub/Sub carries the rooms' broadcasts between processes.
    layer: Option<String>,
}

fn options(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut addr = "127.0.0.1:8090".to_string();
    let mut layer = None;
    // A load client sends far more than the default 200 frames per second per connection.
    let mut config = ServerConfig::default().max_frames_per_second(1_000_000);
    config.read_buffer_size = BUFFER_SIZE;
    config.write_buffer_size = BUFFER_SIZE;
    let mut args = args;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().ok_or("--addr needs HOST:PORT")?,
            "--no-validate" => config = config.validate(false),
            "--layer" => layer = Some(args.next().ok_or("--layer needs redis://HOST:PORT")?),
            "--buffers" => {
                let bytes = args.next().and_then(|b| b.parse().ok()).ok_or("--buffers needs a size in bytes")?;
                config.read_buffer_size = bytes;
                config.write_buffer_size = bytes;
            }
            _ => {
                return Err(format!(
                    "unknown option {arg}; use --addr HOST:PORT, --no-validate, --layer URL, --buffers BYTES"
                ));
            }
        }
    }
    Ok(Options { addr, config, layer })
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let Options { addr, config, layer } = options(std::env::args().skip(1)).unwrap_or_else(|message| {
        eprintln!("bench: {message}");
        std::process::exit(2);
    });
    let mut app = App::new();
    if let Some(url) = &layer {
        match RedisLayer::start(url, RedisConfig::default()) {
            Ok(layer) => app = app.layer(layer),
            Err(error) => {
                eprintln!("bench: --layer: {error}");
                std::process::exit(2);
            }
        }
    }
    let server = app
        .config(config)
        .mount(contract::echo::channel(Bench))
        .mount(contract::room::channel(Bench))
        .bind(&addr)
        .await?;
    say(&format!("bench: tidings listening on ws://{} (/ws/echo, /ws/room/{{room_id}})", server.local_addr()?));
    server.serve().await
}
