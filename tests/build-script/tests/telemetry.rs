//! What an operator sees: with a `metrics` recorder and a `tracing` subscriber installed (this
//! file is its own process, so both are global here), real connections, refusals and error
//! frames show as the documented metrics, and as events inside each connection's span.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use tidings::testing::TestServer;
use tidings::{App, ServerConfig};
use tidings_build_script::{Chat, contract};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The metrics seen so far: the recorder's snapshots reset what they read, so they add up here.
struct Tally {
    snapshotter: Snapshotter,
    values: HashMap<String, f64>,
}

impl Tally {
    /// `name` or `name{label=value}` (one label at most, as the runtime's metrics have).
    fn get(&mut self, key: &str) -> f64 {
        for (composite, _, _, value) in self.snapshotter.snapshot().into_vec() {
            let key = composite.key();
            let label = key.labels().next().map(|l| format!("{{{}={}}}", l.key(), l.value())).unwrap_or_default();
            let value = match value {
                DebugValue::Counter(n) => n as f64,
                DebugValue::Gauge(g) => g.into_inner(),
                DebugValue::Histogram(_) => continue,
            };
            *self.values.entry(format!("{}{label}", key.name())).or_default() += value;
        }
        self.values.get(key).copied().unwrap_or_default()
    }

    /// Waits for `key` to reach `want`: the server counts a close after the client saw it.
    async fn eventually(&mut self, key: &str, want: f64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.get(key) != want {
            assert!(tokio::time::Instant::now() < deadline, "{key} is {}, not {want}", self.get(key));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// What the subscriber wrote.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

#[tokio::test]
async fn connections_refusals_and_error_frames_are_counted_and_traced() {
    let recorder = DebuggingRecorder::new();
    let mut tally = Tally { snapshotter: recorder.snapshotter(), values: HashMap::new() };
    recorder.install().expect("the only recorder of this process");
    let captured = Captured::default();
    let writer = captured.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt().with_max_level(tracing::Level::DEBUG).with_writer(move || writer.clone()).finish(),
    )
    .expect("the only subscriber of this process");

    let config = ServerConfig::default().handshake_timeout(Duration::from_millis(200));
    let server = TestServer::start(|app: App| app.config(config).mount(contract::chat::channel(Chat::default())))
        .await
        .expect("start");

    // A connection, a frame the contract does not know and a good one.
    let mut client = server.client::<contract::chat::Spec>("/ws/chat/lobby").await.expect("connect");
    tally.eventually("tidings_connections_open", 1.0).await;
    let (mut raw, _) =
        tokio_tungstenite::connect_async(server.url("/ws/chat/lobby")).await.expect("a second connection");
    futures_util::SinkExt::send(&mut raw, tokio_tungstenite::tungstenite::Message::text(r#"{"action": "shout"}"#))
        .await
        .expect("sent");
    let error = futures_util::StreamExt::next(&mut raw).await.expect("a frame").expect("an error frame");
    assert!(error.to_text().expect("text").contains("unknown_message"), "{error:?}");
    let pong = client.request(contract::types::Ping { action: contract::types::PingAction::Ping }).await;
    assert!(pong.is_ok(), "{pong:?}");
    tally.eventually("tidings_error_frames_total{code=unknown_message}", 1.0).await;
    assert!(tally.get("tidings_frames_received_total") >= 2.0);
    assert!(tally.get("tidings_frames_sent_total") >= 2.0);

    // Refusals, by reason: no channel at the path, a silent socket, not a handshake at all.
    match server.client::<contract::chat::Spec>("/nowhere").await {
        Err(tidings::client::ClientError::Refused(404)) => {}
        other => panic!("expected 404, got {other:?}"),
    }
    let mut silent = TcpStream::connect(server.addr()).await.expect("connect");
    let mut garbage = TcpStream::connect(server.addr()).await.expect("connect");
    garbage.write_all(b"GET /ws/chat/lobby HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("no upgrade headers");
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut sink)).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), garbage.read_to_end(&mut sink)).await;
    tally.eventually("tidings_handshakes_refused_total{reason=no_route}", 1.0).await;
    tally.eventually("tidings_handshakes_refused_total{reason=deadline}", 1.0).await;
    tally.eventually("tidings_handshakes_refused_total{reason=malformed}", 1.0).await;

    // Closes, by who closed.
    client.close().await;
    drop(raw);
    tally.eventually("tidings_connections_open", 0.0).await;
    tally.eventually("tidings_connections_closed_total{by=peer}", 2.0).await;
    server.stop().await.expect("stops");

    // The events name their connection: the span carries its id, channel and peer address.
    let log = captured.text();
    let in_span = log
        .lines()
        .find(|line| line.contains("error frame sent"))
        .unwrap_or_else(|| panic!("no error frame event in:\n{log}"));
    assert!(in_span.contains("tidings.connection{"), "{in_span}");
    assert!(in_span.contains("channel=\"chat\""), "{in_span}");
    assert!(in_span.contains("remote=127.0.0.1:"), "{in_span}");
    assert!(in_span.contains("code=\"unknown_message\""), "{in_span}");
    for reason in ["no_route", "deadline", "malformed"] {
        assert!(
            log.lines().any(|l| l.contains("handshake refused") && l.contains(&format!("reason=\"{reason}\""))),
            "no `{reason}` refusal in:\n{log}"
        );
    }
}
