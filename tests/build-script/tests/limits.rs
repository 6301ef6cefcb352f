//! Connection-level abuse on real sockets: peers that never finish a handshake are closed at
//! the handshake deadline, a request head over 64 KiB at once, connection limits refuse with
//! 503 without locking anyone out once connections close, and a server out of file
//! descriptors waits instead of spinning and serves again once sockets close.

use std::time::Duration;

use tidings::testing::TestServer;
use tidings::{App, ServerConfig};
use tidings_build_script::{Chat, contract};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longer than any deadline the tests set: a test that waits this long has failed.
const WAIT: Duration = Duration::from_secs(10);

async fn start(config: ServerConfig) -> TestServer {
    TestServer::start(|app: App| app.config(config).mount(contract::chat::channel(Chat::default())))
        .await
        .expect("start")
}

/// Reads until the server closes the socket; what it sent before closing.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let closed = tokio::time::timeout(WAIT, stream.read_to_end(&mut received)).await;
    assert!(closed.is_ok(), "the server kept the socket open past {WAIT:?}");
    received
}

#[tokio::test]
async fn a_silent_socket_and_a_stalled_handshake_are_closed_at_the_deadline() {
    let deadline = Duration::from_millis(300);
    let server = start(ServerConfig::default().handshake_timeout(deadline)).await;

    let started = tokio::time::Instant::now();
    let mut silent = TcpStream::connect(server.addr()).await.expect("connect");
    let mut stalled = TcpStream::connect(server.addr()).await.expect("connect");
    stalled.write_all(b"GET /ws/chat/lobby HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.expect("half a request");
    assert!(until_closed(&mut silent).await.is_empty());
    assert!(until_closed(&mut stalled).await.is_empty());
    assert!(started.elapsed() >= deadline, "closed before the deadline: {:?}", started.elapsed());

    // A peer that completes its handshake in time is served as always.
    let mut client = server.client::<contract::chat::Spec>("/ws/chat/lobby").await.expect("a handshake in time");
    let pong = client.request(contract::types::Ping { action: contract::types::PingAction::Ping }).await;
    assert!(pong.is_ok(), "{pong:?}");
    server.stop().await.expect("stops");
}

/// Opens a client of the chat channel, retrying while the server has not yet seen an earlier
/// connection close.
async fn connect_when_room(server: &TestServer) -> tidings::Client<contract::chat::Spec> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match server.client::<contract::chat::Spec>("/ws/chat/lobby").await {
            Ok(client) => return client,
            Err(error) if tokio::time::Instant::now() < deadline => {
                let _ = error;
                tokio::task::yield_now().await;
            }
            Err(error) => panic!("no room after {WAIT:?}: {error:?}"),
        }
    }
}

#[tokio::test]
async fn past_the_connection_limit_a_socket_gets_503_until_one_closes() {
    let server = start(ServerConfig::default().max_connections(2)).await;
    let first = server.client::<contract::chat::Spec>("/ws/chat/lobby").await.expect("first");
    let _second = server.client::<contract::chat::Spec>("/ws/chat/lobby").await.expect("second");

    let mut third = TcpStream::connect(server.addr()).await.expect("the socket is accepted, then refused");
    let answer = until_closed(&mut third).await;
    assert!(answer.starts_with(b"HTTP/1.1 503 Service Unavailable\r\n"), "{}", String::from_utf8_lossy(&answer));
    match server.client::<contract::chat::Spec>("/ws/chat/lobby").await {
        Err(tidings::client::ClientError::Refused(status)) => assert_eq!(status, 503),
        other => panic!("expected a 503 refusal, got {other:?}"),
    }

    first.close().await;
    let mut again = connect_when_room(&server).await;
    let pong = again.request(contract::types::Ping { action: contract::types::PingAction::Ping }).await;
    assert!(pong.is_ok(), "{pong:?}");
    server.stop().await.expect("stops");
}

#[tokio::test]
async fn past_the_limit_per_address_a_socket_gets_503() {
    let server = start(ServerConfig::default().max_connections_per_address(1)).await;
    let first = server.client::<contract::chat::Spec>("/ws/chat/lobby").await.expect("first");
    match server.client::<contract::chat::Spec>("/ws/chat/lobby").await {
        Err(tidings::client::ClientError::Refused(status)) => assert_eq!(status, 503),
        other => panic!("expected a 503 refusal, got {other:?}"),
    }
    first.close().await;
    let _again = connect_when_room(&server).await;
    server.stop().await.expect("stops");
}

#[tokio::test]
async fn a_request_head_over_64_kib_is_closed_before_the_deadline() {
    // tungstenite reads at most 64 KiB of handshake; a longer head fails the handshake at
    // once, without waiting for the deadline and without buffering more.
    let server = start(ServerConfig::default().handshake_timeout(WAIT * 2)).await;
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    let started = tokio::time::Instant::now();
    stream.write_all(b"GET /ws/chat/lobby HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ").await.expect("head");
    let padding = vec![b'a'; 80 * 1024];
    // The server may close while this is still being written.
    let _ = stream.write_all(&padding).await;
    let answer = until_closed(&mut stream).await;
    assert!(answer.is_empty() || answer.starts_with(b"HTTP/1.1 4"), "{}", String::from_utf8_lossy(&answer));
    assert!(started.elapsed() < WAIT, "closed only at {:?}", started.elapsed());
    let mut client = server.client::<contract::chat::Spec>("/ws/chat/lobby").await.expect("others are served");
    let pong = client.request(contract::types::Ping { action: contract::types::PingAction::Ping }).await;
    assert!(pong.is_ok(), "{pong:?}");
    server.stop().await.expect("stops");
}

/// The CPU time (user and system) process `pid` has used.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the server's stat");
    // After the command name in parentheses: state, then 10 fields, then utime and stime.
    let fields: Vec<&str> = stat.rsplit_once(')').expect("stat").1.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    // Linux reports these in USER_HZ, 100 a second on every platform it runs on.
    Duration::from_millis(ticks * 10)
}

#[tokio::test]
async fn out_of_descriptors_the_server_waits_instead_of_spinning_and_serves_again() {
    use std::process::{Command, Stdio};
    use tokio::io::AsyncBufReadExt;

    // The server, in a process of its own limited to 64 descriptors; silent sockets hold
    // theirs for the whole test.
    let mut child = tokio::process::Command::from({
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(r#"ulimit -n 64 && exec "$0" --handshake-timeout-ms 60000"#)
            .arg(env!("CARGO_BIN_EXE_chat-server"))
            .stdout(Stdio::piped());
        command
    })
    .kill_on_drop(true)
    .spawn()
    .expect("the server starts");
    let pid = child.id().expect("running");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = tokio::time::timeout(WAIT, lines.next_line()).await.expect("in time").expect("read").expect("a line");
    let addr = first.strip_prefix("listening on ").expect("the address").to_owned();

    let mut silent = Vec::new();
    for _ in 0..100 {
        silent.push(TcpStream::connect(&addr).await.expect("the kernel queues what the server cannot accept"));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let open = std::fs::read_dir(format!("/proc/{pid}/fd")).expect("the server's descriptors").count();
    assert!(open >= 62, "the server should be out of descriptors, it has {open} of 64 open");
    let before = cpu_time(pid);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let used = cpu_time(pid) - before;
    assert!(used < Duration::from_millis(200), "the server used {used:?} of CPU in 2 s while out of descriptors");

    // Once the sockets close, the server accepts (and drops) the queued ones and serves again.
    drop(silent);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let url = format!("ws://{addr}/ws/chat/lobby");
        match tidings::Client::<contract::chat::Spec>::connect(&url).await {
            Ok(mut client) => {
                let pong = client.request(contract::types::Ping { action: contract::types::PingAction::Ping }).await;
                assert!(pong.is_ok(), "{pong:?}");
                break;
            }
            Err(error) => {
                assert!(tokio::time::Instant::now() < deadline, "not served again: {error:?}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    child.kill().await.expect("stopped");
}

#[tokio::test]
async fn past_a_channels_own_limit_its_handshakes_get_503_and_other_channels_are_open() {
    let server = TestServer::start(|app: App| {
        app.mount(contract::chat::channel(Chat::default()).max_connections(1))
            .mount(contract::registration::channel(Chat::default()))
    })
    .await
    .expect("start");
    let first = server.client::<contract::chat::Spec>("/ws/chat/lobby").await.expect("first");
    match server.client::<contract::chat::Spec>("/ws/chat/other-room").await {
        Err(tidings::client::ClientError::Refused(status)) => assert_eq!(status, 503),
        other => panic!("expected a 503 refusal, got {other:?}"),
    }
    let _registration =
        server.client::<contract::registration::Spec>("/ws/register").await.expect("another channel has room");
    first.close().await;
    let mut again = connect_when_room(&server).await;
    let pong = again.request(contract::types::Ping { action: contract::types::PingAction::Ping }).await;
    assert!(pong.is_ok(), "{pong:?}");
    server.stop().await.expect("stops");
}

#[tokio::test]
async fn a_peer_that_never_pauses_still_hears_the_shutdown() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    // Frames are read before the connection looks at its shutdown wait: this peer's frames
    // never stop coming, and the shutdown must reach it all the same.
    let server = start(ServerConfig::default().max_frames_per_second(1_000_000)).await;
    let (socket, _) = tokio_tungstenite::connect_async(server.url("/ws/chat/lobby")).await.expect("connect");
    let (mut sink, mut stream) = socket.split();
    let flood = tokio::spawn(async move {
        let ping = Message::text(r#"{"action":"ping"}"#);
        loop {
            for _ in 0..64 {
                if sink.feed(ping.clone()).await.is_err() {
                    return;
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
    });
    let close = tokio::spawn(async move {
        let mut pongs = 0u64;
        while let Some(Ok(message)) = stream.next().await {
            match message {
                Message::Close(frame) => return (pongs, frame.map(|f| u16::from(f.code))),
                _ => pongs += 1,
            }
        }
        (pongs, None)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    tokio::time::timeout(WAIT, server.stop()).await.expect("stopped in time").expect("stopped");
    let (pongs, code) = tokio::time::timeout(WAIT, close).await.expect("closed in time").expect("joined");
    flood.abort();
    assert!(pongs > 0, "the peer was answered while it flooded");
    assert_eq!(code, Some(1001), "going away, after {pongs} pongs");
}
