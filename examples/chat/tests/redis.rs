//! The chat example as several processes on one Redis (`--layer redis://...`): the real
//! binary, twice, on free ports, with a `redis-server` of the test's own, and typed clients.
//!
//! Nothing here waits for a fixed time: a message that must cross is sent again until it
//! has (the layer subscribes in the background, and delivery is at most once), and what
//! must not cross is checked by the order one process's publications keep.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tidings::Client;
use tidings::testing::RedisServer;

mod contract {
    tidings::include_contract!();
}

use contract::{chat, types};

type Room = Client<chat::Spec>;

/// Up to this long for anything that has to happen.
const PATIENCE: Duration = Duration::from_secs(30);

/// A chat process on a free port, killed when dropped.
struct ChatProcess {
    child: Child,
    url: String,
    /// Kept open: the process prints more, and a closed pipe would fail its writes.
    _stdout: BufReader<ChildStdout>,
    /// What it logged, as it logs it.
    log: Arc<Mutex<String>>,
}

impl ChatProcess {
    fn start(redis: &RedisServer) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chat"))
            .args(["--addr", "127.0.0.1:0", "--tick-seconds", "3600", "--layer", &redis.url()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the chat binary starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("the binary prints its address");
        let url = first.split_whitespace().find(|w| w.starts_with("ws://")).expect("an address").to_owned();
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("stderr");
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut chunk) {
                sink.lock().expect("the log").push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        Self { child, url, _stdout: stdout, log }
    }

    async fn room(&self, room: &str) -> Room {
        Client::connect(&format!("{}/ws/chat/{room}?token=ada-token", self.url)).await.expect("the room opens")
    }

    /// The status and body of the server's `/healthz`.
    fn health(&self) -> (u16, String) {
        use std::io::Write as _;
        let addr = self.url.trim_start_matches("ws://");
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        write!(stream, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("request");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("response");
        let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
        let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
        (status, body)
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("the process's status").is_none()
    }

    /// How many lines of its log contain `text`.
    fn logged(&self, text: &str) -> usize {
        self.log.lock().expect("the log").lines().filter(|line| line.contains(text)).count()
    }

    /// Waits until `text` is in `count` lines of the log: the process writes it to a pipe
    /// that a thread reads, so it shows up a moment after it happened.
    async fn wait_for_log(&self, text: &str, count: usize) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while self.logged(text) < count {
            let log = self.log.lock().expect("the log").clone();
            assert!(tokio::time::Instant::now() < deadline, "`{text}` not logged {count} times:\n{log}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for ChatProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn say(text: &str) -> types::Chat {
    types::Chat {
        action: types::ChatAction::Chat,
        payload: types::ChatText { message: text.parse().expect("a valid message"), sender: None },
    }
}

/// The next thing said in `room`, or `None` if nothing is within `wait`.
async fn heard(room: &mut Room, wait: Duration) -> Option<String> {
    loop {
        match room.receive_timeout(wait).await {
            Ok(chat::Outgoing::ChatNotification(said)) => return Some(said.payload.message.to_string()),
            Ok(_) => continue,
            Err(tidings::client::ClientError::Timeout) => return None,
            Err(e) => panic!("the room failed: {e}"),
        }
    }
}

/// Says `<tag> <n>` in `from` until one of them is heard in `to`; returns that one.
async fn until_heard(from: &mut Room, to: &mut Room, tag: &str) -> String {
    for attempt in 0..(PATIENCE.as_millis() / 200) {
        from.send(say(&format!("{tag} {attempt}"))).await.expect("sent");
        while let Some(text) = heard(to, Duration::from_millis(200)).await {
            if text.starts_with(tag) {
                return text;
            }
        }
    }
    panic!("`{tag}` was never heard across processes within {PATIENCE:?}");
}

/// Reads `room` until `text`, checking every message before it.
async fn hear_until(room: &mut Room, text: &str, check: impl Fn(&str)) {
    loop {
        let said = heard(room, PATIENCE).await.unwrap_or_else(|| panic!("`{text}` never arrived"));
        check(&said);
        if said == text {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_reaches_the_room_on_every_process_and_no_other_room() {
    let Some(redis) = RedisServer::for_test() else { return };
    let (one, two) = (ChatProcess::start(&redis), ChatProcess::start(&redis));
    let (mut a1, mut b1) = (one.room("a").await, one.room("b").await);
    let (mut a2, mut b2) = (two.room("a").await, two.room("b").await);

    // Room b is joined up across the processes before anything is said in room a.
    until_heard(&mut b1, &mut b2, "b is open").await;
    let hello = until_heard(&mut a1, &mut a2, "hello").await;
    hear_until(&mut a1, &hello, |_| {}).await;

    // Process one publishes in order and delivers locally at once: had `hello` reached room b
    // on either process, it would come before this.
    b1.send(say("b closes")).await.expect("sent");
    let not_from_room_a = |said: &str| assert!(!said.starts_with("hello"), "room b heard room a: {said}");
    hear_until(&mut b2, "b closes", not_from_room_a).await;
    hear_until(&mut b1, "b closes", not_from_room_a).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_servers_recover_when_redis_restarts() {
    let Some(mut redis) = RedisServer::for_test() else { return };
    let (mut one, mut two) = (ChatProcess::start(&redis), ChatProcess::start(&redis));
    let (mut a1, mut a2) = (one.room("a").await, two.room("a").await);
    until_heard(&mut a1, &mut a2, "before").await;

    for process in [&one, &two] {
        let (status, body) = process.health();
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(r#""layer":"redis""#) && body.contains(r#""connected":true"#), "{body}");
    }
    redis.stop();
    for process in [&one, &two] {
        process.wait_for_log("redis link down", 1).await;
        // The health endpoint says so, for a load balancer or an operator.
        let (status, body) = process.health();
        assert_eq!(status, 503, "{body}");
        assert!(body.contains(r#""connected":false"#) && body.contains("detail"), "{body}");
    }
    // An outage of a second, several failed reconnections long, throughout which each server
    // goes on serving what it holds: new connections, rooms, request and reply.
    let mut locals = [one.room("local").await, two.room("local").await];
    let outage_ends = tokio::time::Instant::now() + Duration::from_secs(1);
    // Paced: the server closes a connection that sends over 200 frames a second.
    let mut pace = tokio::time::interval(Duration::from_millis(100));
    for round in 0.. {
        pace.tick().await;
        for local in &mut locals {
            let text = format!("still here {round}");
            local.send(say(&text)).await.expect("sent");
            assert_eq!(heard(local, PATIENCE).await, Some(text));
            let pong = local.request(types::Ping { action: types::PingAction::Ping }).await.expect("a reply");
            assert!(matches!(pong, chat::Outgoing::Pong(_)), "{pong:?}");
        }
        if tokio::time::Instant::now() >= outage_ends {
            break;
        }
    }

    redis.restart().expect("redis starts again on the same port");
    until_heard(&mut a1, &mut a2, "after the restart").await;
    until_heard(&mut a2, &mut a1, "and back").await;
    assert!(one.is_running() && two.is_running(), "the servers were not restarted");
    // Up at the start and up again, for each of the two connections (publishing, subscribing).
    for process in [&one, &two] {
        process.wait_for_log("redis link up", 4).await;
        assert_eq!(process.health().0, 200, "healthy again");
    }
}

/// The next room event's text in `room`, or `None` if none comes within `wait`.
async fn room_event(room: &mut Room, wait: Duration) -> Option<String> {
    loop {
        match room.receive_timeout(wait).await {
            Ok(chat::Outgoing::RoomEvent(event)) => return Some(event.payload.event.to_string()),
            Ok(_) => continue,
            Err(tidings::client::ClientError::Timeout) => return None,
            Err(e) => panic!("the room failed: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_service_publishes_events_that_every_process_delivers() {
    let has_redis_py = std::process::Command::new("python3").args(["-c", "import redis"]).status();
    if !has_redis_py.is_ok_and(|s| s.success()) {
        assert!(std::env::var_os("CI").is_none(), "CI is set but python3 cannot import redis");
        eprintln!("note: `pip install -r examples/chat/tests/requirements.txt` to run this test");
        return;
    }
    let Some(redis) = RedisServer::for_test() else { return };
    let (one, two) = (ChatProcess::start(&redis), ChatProcess::start(&redis));
    let mut ada = one.room("lobby").await;
    let mut bob = Client::<chat::Spec>::connect(&format!("{}/ws/chat/attic?token=bob-token", two.url))
        .await
        .expect("the room opens");

    // The processes subscribe in the background: the service publishes again until both have.
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/publish_event.py");
    let mut heard_by = [false, false];
    for attempt in 0..(PATIENCE.as_millis() / 200) {
        let text = format!("deploy {attempt}");
        let status = Command::new("python3").args([script, &redis.url(), &text]).status().expect("python3 runs");
        assert!(status.success(), "the publishing script failed");
        for (heard, room) in heard_by.iter_mut().zip([&mut ada, &mut bob]) {
            while let Some(event) = room_event(room, Duration::from_millis(200)).await {
                *heard |= event.starts_with("deploy ");
            }
        }
        if heard_by == [true, true] {
            break;
        }
    }
    assert_eq!(heard_by, [true, true], "the notice reached ada on one process and bob on the other");
    // The mention went to ada's connections only, worded by hers for the room she is in.
    let mention = Command::new("python3").args([script, &redis.url(), "last"]).status().expect("python3 runs");
    assert!(mention.success());
    assert_eq!(room_event(&mut ada, PATIENCE).await.as_deref(), Some("last"));
    assert_eq!(room_event(&mut ada, PATIENCE).await.as_deref(), Some("billing mentioned you here"));
    assert_eq!(room_event(&mut bob, PATIENCE).await.as_deref(), Some("last"));
    assert_eq!(room_event(&mut bob, Duration::from_millis(300)).await, None, "bob was not mentioned");
}
