//! Connection-level abuse on real sockets: peers that never finish a handshake are closed at
//! the handshake deadline, and connection limits refuse with 503 without locking anyone out
//! once connections close.

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
        Err(tidings::ClientError::Refused(status)) => assert_eq!(status, 503),
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
        Err(tidings::ClientError::Refused(status)) => assert_eq!(status, 503),
        other => panic!("expected a 503 refusal, got {other:?}"),
    }
    first.close().await;
    let _again = connect_when_room(&server).await;
    server.stop().await.expect("stops");
}
