//! Both servers speak the same contract: one echo and one room broadcast give the same frames
//! from tidings and from the baseline, and the load generator runs a tiny configuration to its
//! table. Nothing here is timed.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A server child on a free port, killed when dropped.
struct Server(Child, String);

impl Server {
    fn start(binary: &str) -> Self {
        let mut child = Command::new(binary)
            .args(["--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout")).read_line(&mut line).expect("a first line");
        let addr =
            line.split_whitespace().find_map(|w| w.strip_prefix("ws://")).expect("ws:// in the line").to_string();
        Self(child, addr)
    }

    async fn connect(&self, path: &str) -> Ws {
        tokio_tungstenite::connect_async(format!("ws://{}{path}", self.1)).await.expect("connects").0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn next_text(ws: &mut Ws) -> String {
    loop {
        match ws.next().await.expect("a frame").expect("no error") {
            Message::Text(text) => return text.to_string(),
            Message::Close(close) => panic!("closed: {close:?}"),
            _ => {}
        }
    }
}

/// The frames one server sends for one echo and one broadcast to two members.
async fn conversation(binary: &str) -> Vec<String> {
    let server = Server::start(binary);
    let mut frames = Vec::new();
    let mut echo = server.connect("/ws/echo").await;
    echo.send(Message::text(r#"{"action":"echo","payload":{"seq":7,"text":"héllo"}}"#)).await.expect("sent");
    frames.push(next_text(&mut echo).await);
    // Each member hears its own `say` first: then it has surely joined the room.
    let mut first = server.connect("/ws/room/r1").await;
    first.send(Message::text(r#"{"action":"say","payload":{"seq":1,"text":"one"}}"#)).await.expect("sent");
    frames.push(next_text(&mut first).await);
    let mut second = server.connect("/ws/room/r1").await;
    second.send(Message::text(r#"{"action":"say","payload":{"seq":2,"text":"two"}}"#)).await.expect("sent");
    frames.push(next_text(&mut second).await);
    frames.push(next_text(&mut first).await);
    frames
}

#[tokio::test]
async fn both_servers_send_the_same_frames() {
    let tidings = conversation(env!("CARGO_BIN_EXE_bench")).await;
    let baseline = conversation(env!("CARGO_BIN_EXE_baseline")).await;
    assert_eq!(tidings[0], r#"{"action":"echo_reply","payload":{"seq":7,"text":"héllo"}}"#);
    assert_eq!(tidings[3], r#"{"action":"said","payload":{"seq":2,"text":"two"}}"#);
    assert_eq!(tidings, baseline);
}

#[test]
fn the_load_generator_prints_its_table() {
    let stdout = load(
        "--rounds 1 --duration 0.3 --warmup 0.1 --connections 10 --in-flight 2 --fanout 50 --broadcasts 2 --no-pin",
    );
    for row in ["echo replies/s", "echo server CPU µs/reply", "fan-out 50 ms to last", "idle KiB/connection at 50"] {
        assert!(stdout.contains(row), "no {row:?} in:\n{stdout}");
    }
}

#[test]
fn the_fan_out_floor_reaches_every_member() {
    let stdout = load("--floor 50 --broadcasts 3 --no-pin");
    assert!(stdout.contains("floor 50: ") && stdout.contains("µs per write"), "no floor line in:\n{stdout}");
}

#[test]
fn the_scale_measurement_reaches_every_member_from_client_processes() {
    let stdout = load("--scale 100 --rounds 1 --broadcasts 2 --no-pin");
    assert!(
        stdout.contains("scale 100: 1 server process of 100 members, 1 client process on 1 source address"),
        "no heading in:\n{stdout}"
    );
    assert_rows(&stdout, &["baseline", "tidings", "floor"]);
}

#[test]
fn the_scale_measurement_spreads_members_over_server_processes_joined_by_redis() {
    // The measurement starts its own redis-server; this one only finds out whether it can.
    let Some(probe) = tidings::testing::RedisServer::for_test() else { return };
    drop(probe);
    let stdout = load("--scale 101 --processes 2 --rounds 1 --broadcasts 2 --no-pin");
    assert!(
        stdout.contains("scale 101: 2 server processes of 51 members (tidings: one Redis layer between them)"),
        "no heading in:\n{stdout}"
    );
    // Every member got every broadcast, through the layer for those of the second process;
    // the hand-written server has no way across processes.
    assert_rows(&stdout, &["tidings", "floor"]);
    assert!(!stdout.lines().any(|line| line.starts_with("baseline")), "a baseline row in:\n{stdout}");
}

/// Runs the load generator with `args` (split at spaces) and returns what it printed, after it
/// succeeded.
fn load(args: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_load"))
        .args(args.split_whitespace())
        .output()
        .expect("the load generator runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Each of `servers` has a row of four figures, with a time and a CPU cost per broadcast.
fn assert_rows(stdout: &str, servers: &[&str]) {
    for server in servers {
        let row = stdout.lines().find(|line| line.starts_with(server)).unwrap_or_else(|| panic!("no {server} row"));
        let figures: Vec<f64> =
            row.split_whitespace().skip(1).step_by(2).map(|f| f.parse().expect("a figure")).collect();
        assert_eq!(figures.len(), 4, "{row}");
        assert!(figures[2] > 0.0 && figures[3] > 0.0, "a broadcast with no time or CPU: {row}");
    }
}
