//! The bench contract served by tidings: the server half of the runtime-against-hand-written
//! benchmark (`src/bin/baseline.rs` is the other half, `src/bin/load/main.rs` measures both).
//!
//! Run it with `cargo run --release -p bench --bin bench -- --addr 127.0.0.1:8090
//! [--no-validate]`. `ws://ADDR/ws/echo` answers every `echo` with an `echo_reply` carrying the
//! same payload; every `say` on `ws://ADDR/ws/room/{room_id}` reaches the room as `said`.

use bench::{Bench, contract};
use tidings::{App, ServerConfig};

/// Buffers of tungstenite per connection, the same in the baseline: small frames, many idle
/// connections (the 128 KiB default is zero-filled before every read).
const BUFFER_SIZE: usize = 8 * 1024;

/// A line on standard output; a reader that went away is no reason to stop serving.
fn say(line: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

fn config(args: impl Iterator<Item = String>) -> Result<(String, ServerConfig), String> {
    let mut addr = "127.0.0.1:8090".to_string();
    // A load client sends far more than the default 200 frames per second per connection.
    let mut config = ServerConfig::default().max_frames_per_second(1_000_000);
    config.read_buffer_size = BUFFER_SIZE;
    config.write_buffer_size = BUFFER_SIZE;
    let mut args = args;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().ok_or("--addr needs HOST:PORT")?,
            "--no-validate" => config = config.validate(false),
            _ => return Err(format!("unknown option {arg}; use --addr HOST:PORT, --no-validate")),
        }
    }
    Ok((addr, config))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let (addr, config) = match config(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("bench: {message}");
            std::process::exit(2);
        }
    };
    let server = App::new()
        .config(config)
        .mount(contract::echo::channel(Bench))
        .mount(contract::room::channel(Bench))
        .bind(&addr)
        .await?;
    say(&format!("bench: tidings listening on ws://{} (/ws/echo, /ws/room/{{room_id}})", server.local_addr()?));
    server.serve().await
}
