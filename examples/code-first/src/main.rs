//! The tidings code-first example: the channels of `src/lib.rs`, served.
//!
//! `cargo run -p code-first` serves ws://127.0.0.1:8080, the document at
//! http://127.0.0.1:8080/asyncapi (also `/asyncapi.json`, `/asyncapi.yaml`). Options:
//! `--addr HOST:PORT`, `--api-key KEY` (the operators' key, `let-me-in` by default),
//! `--tick-seconds N` (how often chat connections get a tick notification, 30 by default),
//! `--try-it on|off` (the docs page's panel that sends examples from the browser), and
//! `--print-spec json|yaml`, which prints the document and exits. Then, with any WebSocket
//! client:
//!
//! - `ws://127.0.0.1:8080/ws/chat/lobby`: `{"action": "chat", "payload": {"message": "hi"}}`
//!   reaches everyone in `lobby` as a `chatNotification`; `{"action": "ping"}` gets a pong.
//! - `ws://127.0.0.1:8080/ws/register`: `{"action": "register", "firstName": "Ada",
//!   "lastName": "Lovelace"}` is answered with `registered` and the user's `userId`.
//! - `ws://127.0.0.1:8080/ws/admin?api_key=let-me-in`: `{"action": "announce", "text":
//!   "..."}` reaches every chat connection as a `notification`; without the key, 401.

use std::time::Duration;

use tidings::DocsConfig;

struct Options {
    addr: String,
    api_key: String,
    tick: Duration,
    try_it: bool,
    print_spec: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        addr: "127.0.0.1:8080".into(),
        api_key: "let-me-in".into(),
        tick: Duration::from_secs(30),
        try_it: false,
        print_spec: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--addr" => options.addr = value,
            "--api-key" => options.api_key = value,
            "--tick-seconds" => {
                options.tick = Duration::from_secs(value.parse().map_err(|_| "--tick-seconds takes seconds")?);
            }
            "--try-it" if value == "on" || value == "off" => options.try_it = value == "on",
            "--print-spec" if value == "json" || value == "yaml" => options.print_spec = Some(value),
            _ => {
                return Err(format!(
                    "unknown option {arg} {value}; use --addr HOST:PORT, --api-key KEY, --tick-seconds N, \
                     --try-it on|off, --print-spec json|yaml"
                ));
            }
        }
    }
    Ok(options)
}

/// A line on standard output; a reader that went away is no reason to stop serving.
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
            eprintln!("code-first: {message}");
            std::process::exit(2);
        }
    };
    let app = code_first::app(&options.api_key, &options.addr).docs(DocsConfig::default().try_it(options.try_it));
    if let Some(format) = options.print_spec {
        let document = app.document();
        let text = if format == "yaml" {
            tidings::document::to_yaml(&document)
        } else {
            tidings::document::to_json(&document)
        };
        print!("{text}");
        return Ok(());
    }
    let server = app.bind(&options.addr).await?;
    let addr = server.local_addr()?;
    code_first::tick(server.app(), options.tick);
    say(&format!("code-first: listening on ws://{addr} (/ws/chat/{{room_id}}, /ws/register, /ws/admin?api_key=KEY)"));
    say(&format!("code-first: the document: http://{addr}/asyncapi (also /asyncapi.json, /asyncapi.yaml)"));
    let shutdown = server.shutdown_handle();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            say("code-first: shutting down");
            shutdown.shutdown();
        }
    });
    server.serve().await
}
