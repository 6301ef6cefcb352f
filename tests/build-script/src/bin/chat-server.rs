//! The chat contract served on `--addr HOST:PORT` (default `127.0.0.1:0`), for tests that
//! need the server in a process of its own (with fewer file descriptors, say). Prints
//! `listening on ADDR` once it listens. `--handshake-timeout-ms N` sets the handshake
//! deadline.

use std::time::Duration;

use tidings::{App, ServerConfig};
use tidings_build_script::{Chat, contract};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let mut addr = "127.0.0.1:0".to_owned();
    let mut config = ServerConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| usage(&format!("{arg} needs a value")))?;
        match arg.as_str() {
            "--addr" => addr = value,
            "--handshake-timeout-ms" => {
                let ms = value.parse().map_err(|_| usage("--handshake-timeout-ms takes milliseconds"))?;
                config = config.handshake_timeout(Duration::from_millis(ms));
            }
            other => return Err(usage(&format!("unknown argument {other}"))),
        }
    }
    let server = App::new().config(config).mount(contract::chat::channel(Chat::default())).bind(&addr).await?;
    println!("listening on {}", server.local_addr()?);
    server.serve().await
}

fn usage(problem: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("{problem}\nusage: chat-server [--addr HOST:PORT] [--handshake-timeout-ms N]"),
    )
}
