//! A seeded fuzzer at the socket level: the chat server on 127.0.0.1 gets, over raw TCP with
//! every byte written by hand, malformed handshakes, frames that break RFC 6455 (fragments out
//! of order, bad opcodes, invalid UTF-8, oversized or fragmented control frames, unmasked
//! frames, RSV bits, bad close codes, lying lengths, random bytes) and JSON that breaks the
//! contract. It proves that the server refuses or closes what it must, answers contract errors
//! with an error frame on a connection that lives on, never stops serving a well-behaved client
//! meanwhile (every one of its pings is answered within [`PING_BOUND`]), and, once every fuzz
//! socket is closed, holds no more descriptors, tasks, connections or groups than before.
//!
//! `TIDINGS_FUZZ_CASES` sets the number of cases (default [`DEFAULT_CASES`]),
//! `TIDINGS_FUZZ_SEED` the seed (default [`DEFAULT_SEED`]) and `TIDINGS_FUZZ_ONLY` runs one
//! case of the seed by its index, printing its bytes. Each case draws from its own generator
//! seeded by the seed and its index, so a failing case replays alone.

#[path = "../support/mod.rs"]
mod support;

mod cases;
mod frames;
mod handshake;
mod json;
mod peer;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cases::Kind;
use handshake::case;
use peer::run;
use support::{Gauges, Rng};
use tidings::testing::TestServer;
use tidings::{App, ServerConfig};
use tidings_build_script::{Chat, contract};
use tokio::time::Instant;

const DEFAULT_CASES: u64 = 2000;
/// "tidings" in ASCII.
const DEFAULT_SEED: u64 = 0x0074_6964_696E_6773;
/// Fuzz sockets open at once.
const CONCURRENCY: usize = 16;
/// The server's handshake deadline: stalled handshakes end this soon.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_millis(300);
/// How long the server may take to close what it must close, or to answer what it must answer.
const BOUND: Duration = Duration::from_secs(5);
/// How long the good client may wait for any one pong.
const PING_BOUND: Duration = Duration::from_secs(3);
/// Failures after which the run stops early.
const MAX_FAILURES: usize = 10;

async fn start() -> TestServer {
    let config = ServerConfig::default().handshake_timeout(HANDSHAKE_TIMEOUT);
    TestServer::start(|app: App| app.config(config).mount(contract::chat::channel(Chat::default())))
        .await
        .expect("start")
}

/// Pings on a typed client until `stop`, failing as soon as a pong takes longer than
/// [`PING_BOUND`]; the number of pings and the slowest pong.
async fn keep_pinging(
    client: &mut tidings::Client<contract::chat::Spec>,
    stop: &AtomicBool,
) -> Result<(u64, Duration), String> {
    let (mut pings, mut slowest) = (0, Duration::ZERO);
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let ping = contract::types::Ping { action: contract::types::PingAction::Ping };
        match tokio::time::timeout(PING_BOUND, client.request(ping)).await {
            Ok(Ok(contract::chat::Outgoing::Pong(_))) => {}
            Ok(other) => return Err(format!("ping {pings} of the good client got {other:?}")),
            Err(_) => return Err(format!("ping {pings} of the good client had no pong in {PING_BOUND:?}")),
        }
        pings += 1;
        slowest = slowest.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok((pings, slowest))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_survives_and_releases_everything_a_socket_fuzzer_sends() {
    let seed = support::env_u64("TIDINGS_FUZZ_SEED", DEFAULT_SEED);
    let cases = support::env_u64("TIDINGS_FUZZ_CASES", DEFAULT_CASES);
    let only = std::env::var("TIDINGS_FUZZ_ONLY").ok().map(|i| i.trim().parse::<u64>().expect("a case index"));
    let server = start().await;
    let addr = server.addr();
    let host = addr.to_string();

    let mut good = server.client::<contract::chat::Spec>("/ws/chat/good").await.expect("the good client connects");
    let ping = contract::types::Ping { action: contract::types::PingAction::Ping };
    good.request(ping).await.expect("a first pong");
    let baseline = Gauges::now(&server);
    match only {
        Some(index) => println!("socket fuzz: seed {seed}, case {index} only (TIDINGS_FUZZ_ONLY); before: {baseline}"),
        None => println!(
            "socket fuzz: seed {seed} (TIDINGS_FUZZ_SEED), {cases} cases (TIDINGS_FUZZ_CASES); before: {baseline}"
        ),
    }

    let indices: Vec<u64> = match only {
        Some(index) => {
            println!("{}", case(seed, index, &host).describe());
            vec![index]
        }
        None => (0..cases).collect(),
    };
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let indices = Arc::new(indices);
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let outcomes = Arc::new(Mutex::new(BTreeMap::<(Kind, String), u64>::new()));
    let stop = AtomicBool::new(false);
    let fuzz = async {
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..CONCURRENCY {
            let (next, indices, failures, outcomes, host) =
                (Arc::clone(&next), Arc::clone(&indices), Arc::clone(&failures), Arc::clone(&outcomes), host.clone());
            workers.spawn(async move {
                loop {
                    let position = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(&index) = indices.get(position) else { break };
                    if failures.lock().expect("failures").len() >= MAX_FAILURES {
                        break;
                    }
                    let case = case(seed, index, &host);
                    let mut rng = Rng::new(seed ^ index ^ 0x5EED);
                    match run(addr, &case, &mut rng).await {
                        Ok(outcome) => {
                            *outcomes.lock().expect("outcomes").entry((case.kind, outcome)).or_default() += 1
                        }
                        Err(why) => failures.lock().expect("failures").push(format!(
                            "{why}\n{}\n  replay: TIDINGS_FUZZ_SEED={seed} TIDINGS_FUZZ_ONLY={index}",
                            case.describe()
                        )),
                    }
                }
            });
        }
        while let Some(joined) = workers.join_next().await {
            joined.expect("a fuzz worker panicked");
        }
        stop.store(true, Ordering::Relaxed);
    };
    let ((), pinged) = tokio::join!(fuzz, keep_pinging(&mut good, &stop));
    let elapsed = started.elapsed();

    // What each kind of case got.
    let outcomes = outcomes.lock().expect("outcomes").clone();
    let mut per_kind = BTreeMap::<Kind, Vec<String>>::new();
    for ((kind, outcome), count) in &outcomes {
        per_kind.entry(*kind).or_default().push(format!("{count} {outcome}"));
    }
    for (kind, outcomes) in &per_kind {
        println!("  {kind:?}: {}", outcomes.join(", "));
    }
    let failures = failures.lock().expect("failures").clone();
    assert!(failures.is_empty(), "{} failing cases (seed {seed}):\n\n{}", failures.len(), failures.join("\n\n"));
    let (pings, slowest) = pinged.unwrap_or_else(|why| panic!("{why} (seed {seed})"));
    println!(
        "socket fuzz: {} cases in {:.1} s; the good client's {pings} pings all answered, the slowest in {slowest:?}",
        indices.len(),
        elapsed.as_secs_f64()
    );

    // Nothing is left of the fuzz sockets once the server has seen them close.
    match support::settle(&server, baseline).await {
        Ok(took) => println!("socket fuzz: after: {baseline}, settled in {took:?}"),
        Err(why) => panic!("socket fuzz leaked (seed {seed}): {why}"),
    }

    // The server still accepts, and stops cleanly: its task never ended.
    let mut late = server.client::<contract::chat::Spec>("/ws/chat/late").await.expect("the server still accepts");
    let ping = contract::types::Ping { action: contract::types::PingAction::Ping };
    assert!(matches!(late.request(ping).await, Ok(contract::chat::Outgoing::Pong(_))));
    late.close().await;
    good.close().await;
    server.stop().await.expect("the server stops cleanly");
}
