//! Group broadcasts through each layer, measured in one run: the in-process layer, and the
//! Redis layer from one process to another over a real `redis-server` on loopback.
//!
//! `cargo bench -p tidings --features redis --bench layers`. Needs `redis-server` on `PATH`
//! (the Redis half is skipped, with a note, without it). Results and method are in
//! `docs/BENCHMARKS.md`.
//!
//! The two "processes" are two `RedisLayer`s in this one process: each has its own Redis
//! connections and ignores only its own publications, so a message takes the whole way a
//! message between processes takes (encode, PUBLISH, Redis, the other layer's subscription,
//! decode, the member's queue), without a second process's scheduling noise in the figure.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tidings::ConnectionId;
use tidings::codec::Frame;
use tidings::layer::{InProcess, Layer, Outbox, RedisConfig, RedisLayer};
use tidings::testing::RedisServer;
use tokio::runtime::Runtime;

/// Broadcasts per sample of the throughput benchmark.
const BURST: usize = 1000;

/// A chat notification as the chat example sends it.
fn frame() -> Frame {
    Frame::Text(
        r#"{"action":"chatNotification","payload":{"message":"hello, everyone in the room","sender":"ada"}}"#.into(),
    )
}

/// A sender's layer and a receiver's queue, for one member of group `room` on `receiver`.
struct Path<L: Layer> {
    sender: L,
    frames: tidings::layer::Inbox,
    _receiver: Option<L>,
}

fn in_process() -> Path<InProcess> {
    let layer = InProcess::default();
    let frames = member(&layer);
    Path { sender: layer, frames, _receiver: None }
}

fn redis(runtime: &Runtime, url: &str) -> Path<RedisLayer> {
    let _entered = runtime.enter();
    let config = RedisConfig::default().prefix("bench").publish_queue(4 * BURST);
    let sender = RedisLayer::start(url, config.clone()).expect("the sending layer starts");
    let receiver = RedisLayer::start(url, config).expect("the receiving layer starts");
    let frames = member(&receiver);
    runtime.block_on(async {
        for layer in [&sender, &receiver] {
            tokio::time::timeout(Duration::from_secs(10), layer.ready()).await.expect("redis is ready");
        }
    });
    Path { sender, frames, _receiver: Some(receiver) }
}

fn member(layer: &impl Layer) -> tidings::layer::Inbox {
    let id = ConnectionId::next();
    let (outbox, frames) = Outbox::bounded(2 * BURST);
    layer.attach(id, outbox);
    layer.join(id, "room");
    frames
}

impl<L: Layer> Path<L> {
    /// `count` broadcasts, each received before the next is sent: the time of each trip.
    async fn one_at_a_time(&mut self, count: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..count {
            let start = Instant::now();
            self.sender.broadcast("room", frame().into());
            self.receive().await;
            total += start.elapsed();
        }
        total
    }

    /// Bursts of [`BURST`] broadcasts, then all of them received.
    async fn bursts(&mut self, count: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..count {
            let start = Instant::now();
            for _ in 0..BURST {
                self.sender.broadcast("room", frame().into());
            }
            for _ in 0..BURST {
                self.receive().await;
            }
            total += start.elapsed();
        }
        total
    }

    async fn receive(&mut self) {
        let received = tokio::time::timeout(Duration::from_secs(10), self.frames.recv()).await;
        assert!(matches!(received, Ok(Some(_))), "a broadcast was lost");
    }
}

fn layers(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let server = match RedisServer::start() {
        Ok(server) => Some(server),
        Err(e) => {
            eprintln!("note: the Redis layer is not measured: cannot start redis-server: {e}");
            None
        }
    };
    let mut local = in_process();
    let mut remote = server.as_ref().map(|server| redis(&runtime, &server.url()));

    let mut latency = c.benchmark_group("broadcast latency");
    latency.bench_function(BenchmarkId::from_parameter("in-process"), |b| {
        b.iter_custom(|count| runtime.block_on(local.one_at_a_time(count)))
    });
    if let Some(remote) = remote.as_mut() {
        latency.bench_function(BenchmarkId::from_parameter("redis, across processes"), |b| {
            b.iter_custom(|count| runtime.block_on(remote.one_at_a_time(count)))
        });
    }
    latency.finish();

    let mut throughput = c.benchmark_group("broadcast throughput");
    throughput.throughput(Throughput::Elements(BURST as u64));
    throughput.bench_function(BenchmarkId::from_parameter("in-process"), |b| {
        b.iter_custom(|count| runtime.block_on(local.bursts(count)))
    });
    if let Some(remote) = remote.as_mut() {
        throughput.bench_function(BenchmarkId::from_parameter("redis, across processes"), |b| {
            b.iter_custom(|count| runtime.block_on(remote.bursts(count)))
        });
        assert_eq!(remote.sender.dropped(), 0, "no publication was dropped");
    }
    throughput.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(5));
    targets = layers
}
criterion_main!(benches);
