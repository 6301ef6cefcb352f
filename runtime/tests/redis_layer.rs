//! The Redis layer against a real `redis-server` of each test's own: broadcasts and directed
//! sends between layers (and between processes), subscriptions cleaned up on leave, close and
//! process death, and an outage in the middle of a run.
//!
//! Two layers in one process behave as two processes would, but share the process's node;
//! `directed_sends_reach_another_process` runs a second process for a real one.
#![cfg(feature = "redis")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use tidings::ConnectionId;
use tidings::codec::Frame;
use tidings::layer::{Delivery, Layer, Outbox, RedisConfig, RedisLayer, RedisLayerError};
use tidings::testing::RedisServer;
use tokio::time::timeout;

const PATIENCE: Duration = Duration::from_secs(20);

fn text(s: &str) -> Frame {
    Frame::text(s)
}

/// A connection attached to `layer`: its id and what it receives.
fn connect(layer: &RedisLayer) -> (ConnectionId, tidings::layer::Inbox) {
    let id = ConnectionId::next();
    let (outbox, frames) = Outbox::bounded(64);
    layer.attach(id, outbox);
    (id, frames)
}

fn layer(redis: &RedisServer, prefix: &str) -> RedisLayer {
    RedisLayer::start(&redis.url(), config(prefix)).expect("the layer starts")
}

fn config(prefix: &str) -> RedisConfig {
    RedisConfig::default().prefix(prefix).reconnect(Duration::from_millis(50), Duration::from_millis(500))
}

async fn ready(layers: &[&RedisLayer]) {
    for layer in layers {
        timeout(PATIENCE, layer.ready()).await.expect("the layer is ready within 20 s");
    }
}

async fn next(frames: &mut tidings::layer::Inbox) -> Frame {
    match next_delivery(frames).await {
        Delivery::Frame(frame) => frame,
        Delivery::Event(event) => panic!("expected a frame, got {event:?}"),
    }
}

async fn next_delivery(frames: &mut tidings::layer::Inbox) -> Delivery {
    timeout(PATIENCE, frames.recv()).await.expect("a delivery within 20 s").expect("the queue is open")
}

/// Redis's own count of subscribers to `channel`.
async fn subscribers(redis: &RedisServer, channel: &str) -> i64 {
    let client = redis::Client::open(redis.url()).expect("a client");
    let mut connection = client.get_multiplexed_async_connection().await.expect("a connection");
    let (_, count): (String, i64) =
        redis::cmd("PUBSUB").arg("NUMSUB").arg(channel).query_async(&mut connection).await.expect("PUBSUB NUMSUB");
    count
}

/// Waits, up to 20 s, for `condition` to hold: for state that changes in Redis or in a
/// layer's background task, which nothing here can be notified by.
async fn eventually<F: std::future::Future<Output = bool>>(what: &str, mut condition: impl FnMut() -> F) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !condition().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}: not within 20 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_reaches_every_member_once_and_no_other_group() {
    let Some(redis) = RedisServer::for_test() else { return };
    let (a, b) = (layer(&redis, "once"), layer(&redis, "once"));
    let (a1, mut a1_frames) = connect(&a);
    let (b1, mut b1_frames) = connect(&b);
    let (b2, mut b2_frames) = connect(&b);
    a.join(a1, "room");
    b.join(b1, "room");
    b.join(b2, "other");
    ready(&[&a, &b]).await;

    assert_eq!(a.broadcast("room", text("hello").into()), 1, "queued for the one member in the publishing process");
    assert_eq!(next(&mut a1_frames).await, text("hello"));
    assert_eq!(next(&mut b1_frames).await, text("hello"));

    // Redis sends a's own publication back to it before b's reply, which b sent after
    // receiving it: had a delivered that echo, a1 would see `hello` twice before `reply`.
    b.broadcast("room", text("reply").into());
    assert_eq!(next(&mut a1_frames).await, text("reply"), "a delivered its own publication twice");
    assert_eq!(next(&mut b1_frames).await, text("reply"));

    // One publisher's messages arrive in order: had `hello` leaked into `other`, b2 would get
    // it before this.
    a.broadcast("other", text("for other").into());
    assert_eq!(next(&mut b2_frames).await, text("for other"));
    assert_eq!(a.dropped(), 0);
    assert_eq!(b.members("room"), vec![b1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_frames_cross_unchanged() {
    let Some(redis) = RedisServer::for_test() else { return };
    let (a, b) = (layer(&redis, "binary"), layer(&redis, "binary"));
    let (b1, mut b1_frames) = connect(&b);
    b.join(b1, "bytes");
    ready(&[&a, &b]).await;
    let bytes: Vec<u8> = (0..=255).collect();
    assert_eq!(a.broadcast("bytes", Frame::binary(bytes.clone()).into()), 0);
    assert_eq!(next(&mut b1_frames).await, Frame::binary(bytes));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_cross_as_json_from_a_layer_or_any_redis_client() {
    let Some(redis) = RedisServer::for_test() else { return };
    let (a, b) = (layer(&redis, "events"), layer(&redis, "events"));
    let (b1, mut b1_frames) = connect(&b);
    b.join(b1, "room");
    ready(&[&a, &b]).await;
    let json = |delivery: Delivery| match delivery {
        Delivery::Event(event) => event.to_json().expect("json").to_string(),
        Delivery::Frame(frame) => panic!("expected an event, got {frame:?}"),
    };

    let event = tidings::event::Event::new(serde_json::json!({"kind": "mention", "by": "ada"}));
    assert_eq!(a.broadcast("room", event.into()), 0);
    assert_eq!(json(next_delivery(&mut b1_frames).await), r#"{"kind":"mention","by":"ada"}"#);

    // What a service in another language publishes: the documented header, then the JSON.
    let client = redis::Client::open(redis.url()).expect("a client");
    let mut connection = client.get_multiplexed_async_connection().await.expect("a connection");
    let mut payload = vec![1, b'e'];
    payload.extend_from_slice(&0u64.to_be_bytes()); // origin: not a layer
    payload.extend_from_slice(&0u64.to_be_bytes()); // target: every member of the group
    payload.extend_from_slice(br#"{"kind":"notice","text":"from python"}"#);
    let receivers: i64 =
        redis::cmd("PUBLISH").arg("events:g:room").arg(payload).query_async(&mut connection).await.expect("PUBLISH");
    assert_eq!(receivers, 1, "b's subscription");
    assert_eq!(json(next_delivery(&mut b1_frames).await), r#"{"kind":"notice","text":"from python"}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directed_sends_reach_connections_of_another_layer() {
    let Some(redis) = RedisServer::for_test() else { return };
    let (a, b) = (layer(&redis, "direct"), layer(&redis, "direct"));
    let (a1, mut a1_frames) = connect(&a);
    let (b1, mut b1_frames) = connect(&b);
    ready(&[&a, &b]).await;

    assert!(a.send_to(a1, text("to a1").into()), "local: queued directly");
    assert!(a.send_to(b1, text("to b1").into()), "elsewhere: handed to the link");
    assert_eq!(next(&mut a1_frames).await, text("to a1"));
    assert_eq!(next(&mut b1_frames).await, text("to b1"));
    b.detach(b1);
    a.send_to(b1, text("too late").into());
    assert!(a.send_to(a1, text("after").into()));
    assert_eq!(next(&mut a1_frames).await, text("after"));
    assert!(b1_frames.recv().await.is_none(), "a closed connection's queue gets nothing more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_and_closing_unsubscribe_the_process() {
    let Some(redis) = RedisServer::for_test() else { return };
    let a = layer(&redis, "cleanup");
    let (a1, _a1_frames) = connect(&a);
    let (a2, _a2_frames) = connect(&a);
    a.join(a1, "room");
    a.join(a2, "room");
    ready(&[&a]).await;
    assert_eq!(subscribers(&redis, "cleanup:g:room").await, 1, "one subscription per process, not per member");

    a.leave(a1, "room");
    ready(&[&a]).await;
    assert_eq!(subscribers(&redis, "cleanup:g:room").await, 1, "a2 is still a member");
    a.detach(a2);
    ready(&[&a]).await;
    assert_eq!(subscribers(&redis, "cleanup:g:room").await, 0, "the last member closed");
    assert!(a.members("room").is_empty());

    a.join(a1, "room");
    ready(&[&a]).await;
    assert_eq!(subscribers(&redis, "cleanup:g:room").await, 1, "joined again");
    drop(a);
    eventually("a dropped layer's subscriptions end", || async { subscribers(&redis, "cleanup:g:room").await == 0 })
        .await;
}

/// Run by `directed_sends_reach_another_process`, as a process of its own: holds one
/// connection in group `room`, prints its id, and prints what it receives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the other process of directed_sends_reach_another_process, which runs it"]
async fn peer_process() {
    let url = std::env::var("TIDINGS_PEER_REDIS").expect("run by directed_sends_reach_another_process");
    let layer = RedisLayer::start(&url, config("peer")).expect("the layer starts");
    let (id, mut frames) = connect(&layer);
    layer.join(id, "room");
    ready(&[&layer]).await;
    println!("id={}", id.get());
    for _ in 0..2 {
        match next(&mut frames).await {
            Frame::Text(text) => println!("got={text}"),
            Frame::Binary(_) => println!("got=binary"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directed_sends_reach_another_process_and_its_death_leaves_nothing() {
    let Some(redis) = RedisServer::for_test() else { return };
    let mut peer = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", "peer_process", "--ignored", "--nocapture", "--test-threads=1"])
        .env("TIDINGS_PEER_REDIS", redis.url())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the peer process starts");
    let mut lines = BufReader::new(peer.stdout.take().expect("stdout")).lines();
    let mut next_line = |prefix: &str| loop {
        let line = lines.next().expect("the peer prints its lines").expect("utf-8 output");
        // libtest may have written `test peer_process ... ` on the same line.
        if let Some((_, value)) = line.split_once(prefix) {
            return value.to_owned();
        }
    };
    let peer_id = ConnectionId::from_u64(next_line("id=").parse().expect("an id"));

    let a = layer(&redis, "peer");
    ready(&[&a]).await;
    assert_ne!(peer_id.node(), ConnectionId::next().node(), "another process, another node");
    assert!(a.send_to(peer_id, text("directed").into()));
    assert_eq!(next_line("got="), "directed");
    assert_eq!(a.broadcast("room", text("broadcast").into()), 0);
    assert_eq!(next_line("got="), "broadcast");

    let status = peer.wait().expect("the peer exits");
    assert!(status.success(), "the peer process failed: {status}");
    let node_channel = format!("peer:n:{:08x}", peer_id.node());
    eventually("a dead process's subscriptions end", || async {
        subscribers(&redis, &node_channel).await == 0 && subscribers(&redis, "peer:g:room").await == 0
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_keeps_local_delivery_and_both_layers_recover() {
    let Some(mut redis) = RedisServer::for_test() else { return };
    let (a, b) = (layer(&redis, "outage"), layer(&redis, "outage"));
    let (a1, mut a1_frames) = connect(&a);
    let (b1, mut b1_frames) = connect(&b);
    a.join(a1, "room");
    b.join(b1, "room");
    ready(&[&a, &b]).await;
    assert!(a.health().connected);

    redis.stop();
    let both_down = |layer: &RedisLayer| {
        let detail = layer.health().detail.unwrap_or_default();
        detail.contains("publishing:") && detail.contains("subscribing:")
    };
    eventually("both links of both layers go down", || async { both_down(&a) && both_down(&b) }).await;
    let health = a.health();
    assert!(!health.connected);
    assert_eq!(health.layer, "redis");
    assert!(health.detail.as_deref().is_some_and(|d| d.contains("reconnecting")), "{health:?}");

    // Local traffic goes on, and nothing blocks.
    assert_eq!(a.broadcast("room", text("during").into()), 1);
    assert_eq!(next(&mut a1_frames).await, text("during"));
    assert!(a.send_to(a1, text("direct during").into()));
    assert_eq!(next(&mut a1_frames).await, text("direct during"));
    assert!(a.dropped() >= 1, "the broadcast did not reach other processes, and is counted");

    // A member who joins during the outage is subscribed once Redis is back.
    let (b2, mut b2_frames) = connect(&b);
    b.join(b2, "late");

    redis.restart().expect("redis starts again on its port");
    ready(&[&a, &b]).await;
    assert!(a.health().connected && b.health().connected);
    assert_eq!(a.broadcast("room", text("after").into()), 1);
    assert_eq!(next(&mut a1_frames).await, text("after"));
    assert_eq!(next(&mut b1_frames).await, text("after"), "at most once: `during` is lost, `after` arrives");
    a.broadcast("late", text("late").into());
    assert_eq!(next(&mut b2_frames).await, text("late"));
}

#[tokio::test]
async fn without_redis_the_layer_serves_locally_and_says_why() {
    // Nothing listens on a port just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let a = RedisLayer::start(&format!("redis://127.0.0.1:{port}"), config("absent")).expect("starts anyway");
    let (a1, mut a1_frames) = connect(&a);
    a.join(a1, "room");
    assert_eq!(a.broadcast("room", text("local").into()), 1);
    assert_eq!(next(&mut a1_frames).await, text("local"));
    let health = a.health();
    assert!(!health.connected);
    assert!(health.detail.as_deref().is_some_and(|d| d.contains(&format!("127.0.0.1:{port}"))), "{health:?}");
    assert_eq!(a.dropped(), 1);
}

#[test]
fn starting_needs_a_runtime_and_a_redis_url() {
    let outside = RedisLayer::start("redis://127.0.0.1:6379", RedisConfig::default());
    assert!(matches!(outside, Err(RedisLayerError::NoRuntime)), "{outside:?}");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let _inside = runtime.enter();
    let bad = RedisLayer::start("http://127.0.0.1:6379", RedisConfig::default());
    assert!(matches!(bad, Err(RedisLayerError::Url { .. })), "{bad:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_never_answers_wedges_nothing() {
    // Accepts connections and never answers, like a peer behind a dead link.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming() {
            held.push(stream);
        }
    });
    let config = config("silent").timeout(Duration::from_millis(200));
    let a = RedisLayer::start(&format!("redis://127.0.0.1:{port}"), config).expect("starts");
    let (a1, mut a1_frames) = connect(&a);
    a.join(a1, "room");
    let started = std::time::Instant::now();
    for n in 0..1000 {
        a.broadcast("room", text(&format!("{n}")).into());
    }
    assert!(started.elapsed() < Duration::from_secs(1), "broadcasting waited on Redis: {:?}", started.elapsed());
    assert_eq!(next(&mut a1_frames).await, text("0"));
    eventually("both connections time out, and say so", || async {
        let detail = a.health().detail.unwrap_or_default();
        !detail.contains("not connected yet") && detail.contains("publishing:") && detail.contains("subscribing:")
    })
    .await;
    assert!(!a.health().connected);
    assert_eq!(a.dropped(), 1000);
}
