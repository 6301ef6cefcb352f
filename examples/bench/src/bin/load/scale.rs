//! `load --scale N[,N...]`: N idle connections in one room of one server, the server's resident
//! memory per connection, and broadcasts to all N timed to the last member, for the
//! hand-written baseline, tidings, and the plain-write floor (`--floor`'s server) in turns.
//!
//! N connections take N descriptors in the server and N more in the clients, and a process may
//! hold no more than its hard `RLIMIT_NOFILE`. So the members belong to client processes (this
//! binary, `--scale-worker`), each holding at most [`PER_WORKER`], and each loopback source
//! address (127.0.0.2 and up) at most [`PER_SOURCE`]: a source address has about 28,000
//! ephemeral ports. The ports a measurement used stay in `TIME_WAIT` for a minute after it, so
//! each measurement takes source addresses no measurement of this run has used. A worker stamps the arrival of each broadcast at its last member with
//! `CLOCK_MONOTONIC`, the clock this process stamps the broadcast's sending with, so the time
//! to the last member is one clock's difference and no pipe's latency is in it.
//!
//! The server is bound by the same limit. With `--processes K`, the N members are spread over
//! K server processes of N/K each, all on CPU 0: tidings' processes share a `redis-server` of
//! this run's own (`bench --layer`), through which the speaker's `say`, sent to the first
//! process, reaches every member; the floor's K processes are set off one after another. The
//! hand-written baseline has no way across processes and is left out.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::{Result, Server, connect, frame, median, pinned, seq_of};

/// Members per client process (fewer when the descriptor limit says so).
const PER_WORKER: usize = 10_000;
/// Members per loopback source address.
const PER_SOURCE: usize = 10_000;
/// Descriptors a server needs besides its members (listener, standard streams, runtime).
const RESERVED: u64 = 64;
/// The room every member joins.
const ROOM: &str = "/ws/room/scale";

/// What is measured at one size: a server of the benchmark, or the floor.
#[derive(Clone, Copy)]
enum Target {
    /// A WebSocket server: its name in the report, its binary beside this one, and whether
    /// it broadcasts across processes (`--layer`).
    Server(&'static str, &'static str, bool),
    /// `--floor-server`: one pre-encoded frame written to each member in a plain loop.
    Floor,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Self::Server(name, ..) => name,
            Self::Floor => "floor",
        }
    }
}

const TARGETS: [Target; 3] =
    [Target::Server("baseline", "baseline", false), Target::Server("tidings", "bench", true), Target::Floor];

/// One round's figures for one target.
#[derive(Clone, Copy)]
struct Figures {
    open_secs: f64,
    kib_per_connection: f64,
    ms_to_last: f64,
    cpu_us_per_delivery: f64,
}

/// How a scale measurement is run.
#[derive(Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) rounds: usize,
    pub(crate) broadcasts: usize,
    pub(crate) pin: bool,
    /// Server processes the members are spread over.
    pub(crate) processes: usize,
}

/// Runs `rounds` rounds of every target at each size, and prints the medians with their range.
pub(crate) async fn scale(sizes: &[usize], plan: Plan) -> Result<()> {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile).current.unwrap_or(u64::MAX);
    let processes = plan.processes.max(1);
    // Across processes, a broadcast needs the Redis layer, which only tidings has.
    let targets: Vec<Target> =
        TARGETS.into_iter().filter(|t| processes == 1 || !matches!(t, Target::Server(_, _, false))).collect();
    for &n in sizes {
        let share = n.div_ceil(processes);
        if share as u64 + RESERVED > limit {
            let most = limit.saturating_sub(RESERVED);
            return Err(format!(
                "--scale {n}: a server holding {share} connections needs about {} descriptors, and a process here \
                 may open {limit} (the hard RLIMIT_NOFILE; raising it needs CAP_SYS_RESOURCE). The most this \
                 machine measures is --scale {}, or --scale {n} --processes {}.",
                share as u64 + RESERVED,
                most as usize * processes,
                n.div_ceil(most.max(1) as usize)
            )
            .into());
        }
        let mut figures: Vec<Vec<Figures>> = vec![Vec::new(); targets.len()];
        for round in 0..plan.rounds {
            for (i, &target) in targets.iter().enumerate() {
                eprintln!("scale {n}, round {}/{}: {}", round + 1, plan.rounds, target.name());
                figures[i].push(measure(target, n, plan).await?);
            }
        }
        report(n, plan, &targets, &figures);
    }
    Ok(())
}

/// Opens `n` members against fresh servers of `target`, reads their memory, and times
/// `broadcasts` broadcasts after a warm-up one.
async fn measure(target: Target, n: usize, plan: Plan) -> Result<Figures> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().ok_or("no directory for this executable")?;
    let processes = plan.processes.max(1);
    let shares: Vec<usize> = (0..processes).map(|i| n / processes + usize::from(i < n % processes)).collect();
    // The layer between tidings' processes; it lives as long as this measurement.
    let redis = match target {
        Target::Server(..) if processes > 1 => Some(tidings::testing::RedisServer::start()?),
        _ => None,
    };
    let mut servers = Vec::new();
    for &share in &shares {
        let started = match (target, &redis) {
            (Target::Server(_, binary, _), Some(redis)) => {
                Server::start(&dir.join(binary), &["--layer", &redis.url()], plan.pin)
            }
            (Target::Server(_, binary, _), None) => Server::start(&dir.join(binary), &[], plan.pin),
            (Target::Floor, _) => Server::start(&exe, &["--floor-server", &share.to_string()], plan.pin),
        };
        match started {
            Ok(server) => servers.push(server),
            Err(error) => {
                servers.into_iter().for_each(Server::stop);
                return Err(error);
            }
        }
    }
    let result = drive(&servers, &shares, target, plan).await;
    servers.into_iter().for_each(Server::stop);
    result
}

/// How a round's broadcast is set off: a `say` from a member, or a byte to the floor.
enum Trigger {
    Speaker(futures_util::stream::SplitSink<super::Ws, Message>),
    Floor(tokio::net::TcpStream),
}

impl Trigger {
    async fn fire(&mut self, seq: u64) -> Result<()> {
        match self {
            Self::Speaker(sink) => sink.send(frame("say", seq)).await?,
            Self::Floor(control) => tokio::io::AsyncWriteExt::write_all(control, b"g").await?,
        }
        Ok(())
    }
}

/// Members for each server (`shares[i]` for `servers[i]`), then the broadcasts.
async fn drive(servers: &[Server], shares: &[usize], target: Target, plan: Plan) -> Result<Figures> {
    let n: usize = shares.iter().sum();
    // Each floor server takes its control connection first; a WebSocket server's speaker,
    // on the first server, is a member of the room too, and what it receives is read and
    // dropped.
    let (mut triggers, deliveries_per_round) = match target {
        Target::Floor => {
            let mut triggers = Vec::new();
            for server in servers {
                triggers.push(Trigger::Floor(tokio::net::TcpStream::connect(&server.addr).await?));
            }
            (triggers, n)
        }
        Target::Server(..) => {
            let (sink, mut stream) = connect(&servers[0].addr, ROOM).await?.split();
            tokio::spawn(async move { while stream.next().await.is_some() {} });
            (vec![Trigger::Speaker(sink)], n + 1)
        }
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss = || servers.iter().map(Server::rss_kib).sum::<f64>();
    let cpu_ns = || servers.iter().map(Server::cpu_ns).sum::<u64>();
    let rss_before = rss();
    let opening = Instant::now();
    let mut workers = Workers::start(servers, shares, matches!(target, Target::Floor), plan.pin)?;
    workers.ready(Duration::from_secs(120)).await?;
    let open_secs = opening.elapsed().as_secs_f64();
    // The servers' side of the last handshakes settles before their memory is read.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let kib_per_connection = (rss() - rss_before) / n as f64;
    // Broadcast 0 is the warm-up and proves that every member has joined (across processes:
    // that every process has subscribed); it is repeated until all of them have it.
    let mut seq = 0;
    loop {
        fire(&mut triggers, seq).await?;
        if workers.arrived(seq, Duration::from_secs(10)).await.is_ok() {
            break;
        }
        seq += 1;
        if seq > 5 || matches!(target, Target::Floor) {
            return Err(format!("scale {n}: not every member got the warm-up broadcast").into());
        }
    }
    let cpu_before = cpu_ns();
    let mut times = Vec::with_capacity(plan.broadcasts);
    for _ in 0..plan.broadcasts {
        seq += 1;
        let sent = monotonic_ns();
        fire(&mut triggers, seq).await?;
        let last = workers.arrived(seq, Duration::from_secs(60)).await?;
        times.push(last.saturating_sub(sent) as f64 / 1e6);
    }
    let cpu = cpu_ns().saturating_sub(cpu_before) as f64;
    workers.stop();
    Ok(Figures {
        open_secs,
        kib_per_connection,
        ms_to_last: median(&mut times),
        cpu_us_per_delivery: cpu / 1e3 / (plan.broadcasts.max(1) * deliveries_per_round) as f64,
    })
}

/// Sets off broadcast `seq` at every trigger, one after another.
async fn fire(triggers: &mut [Trigger], seq: u64) -> Result<()> {
    for trigger in triggers {
        trigger.fire(seq).await?;
    }
    Ok(())
}

/// The client processes holding the members, and the lines they print.
struct Workers {
    children: Vec<Child>,
    lines: mpsc::UnboundedReceiver<String>,
}

impl Workers {
    /// Starts enough workers for `shares[i]` members of each `servers[i]`, each worker on
    /// its own source addresses.
    fn start(servers: &[Server], shares: &[usize], raw: bool, pin: bool) -> Result<Self> {
        let exe = std::env::current_exe()?;
        let (tx, lines) = mpsc::unbounded_channel();
        let mut children = Vec::new();
        for (server, &n) in servers.iter().zip(shares) {
            let addr = server.addr.as_str();
            let mut first = 0;
            while first < n {
                let count = per_worker().min(n - first);
                let mut command = pinned(&exe, "1", pin);
                let base = NEXT_SOURCE.fetch_add(count.div_ceil(PER_SOURCE), std::sync::atomic::Ordering::Relaxed);
                command.args(["--scale-worker", addr, &count.to_string(), &base.to_string()]);
                if raw {
                    command.arg("--raw");
                }
                let mut child = command.stdout(Stdio::piped()).spawn()?;
                let stdout = child.stdout.take().ok_or("no stdout")?;
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for line in BufReader::new(stdout).lines().map_while(std::io::Result::ok) {
                        let _ = tx.send(line);
                    }
                });
                children.push(child);
                first += count;
            }
        }
        Ok(Self { children, lines })
    }

    async fn line(&mut self, deadline: tokio::time::Instant) -> Result<String> {
        match tokio::time::timeout_at(deadline, self.lines.recv()).await {
            Ok(Some(line)) => Ok(line),
            Ok(None) => Err("a client process stopped".into()),
            Err(_) => Err("the client processes timed out".into()),
        }
    }

    /// Waits until every worker has all its members connected.
    async fn ready(&mut self, timeout: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut ready = 0;
        while ready < self.children.len() {
            let line = self.line(deadline).await?;
            if line.starts_with("ready") {
                ready += 1;
            } else if let Some(error) = line.strip_prefix("error ") {
                return Err(format!("a client process: {error}").into());
            }
        }
        Ok(())
    }

    /// Waits until every worker's members all have broadcast `seq`: the `CLOCK_MONOTONIC`
    /// nanoseconds of the last arrival.
    async fn arrived(&mut self, seq: u64, timeout: Duration) -> Result<u64> {
        let deadline = tokio::time::Instant::now() + timeout;
        let (mut done, mut last) = (0, 0);
        while done < self.children.len() {
            let line = self.line(deadline).await?;
            let mut words = line.split_whitespace();
            if words.next() == Some("got") && words.next().and_then(|s| s.parse().ok()) == Some(seq) {
                done += 1;
                last = last.max(words.next().and_then(|t| t.parse().ok()).ok_or("a `got` line without a time")?);
            }
        }
        Ok(last)
    }

    fn stop(self) {
        for mut child in self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Members per client process: [`PER_WORKER`], or what the descriptor limit allows.
fn per_worker() -> usize {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile).current.unwrap_or(u64::MAX);
    PER_WORKER.min(limit.saturating_sub(RESERVED).max(1) as usize)
}

/// `CLOCK_MONOTONIC` in nanoseconds: one clock for every process of the measurement.
fn monotonic_ns() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// The next source address no measurement has used, counted from 127.0.0.2.
static NEXT_SOURCE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The source address of a worker's `index`-th member, from the worker's `base` address on
/// ([`PER_SOURCE`] members each).
fn source(base: usize, index: usize) -> IpAddr {
    let host = (2 + base + index / PER_SOURCE) as u32;
    IpAddr::V4(Ipv4Addr::from(0x7f00_0000 | (host & 0x00ff_ffff)))
}

/// A client process (`--scale-worker ADDR COUNT SOURCE [--raw]`): connects `COUNT`
/// members to the room (plain TCP with `--raw`, for the floor) from the source addresses
/// numbered `SOURCE` and up, prints `ready`, then `got SEQ NANOS` each time all of them have
/// broadcast SEQ, until it is killed.
pub(crate) fn worker(mut args: impl Iterator<Item = String>) -> Result<()> {
    let addr: SocketAddr = args.next().ok_or("--scale-worker needs ADDR COUNT SOURCE")?.parse()?;
    let count: usize = args.next().ok_or("--scale-worker needs COUNT")?.parse()?;
    let base: usize = args.next().ok_or("--scale-worker needs SOURCE")?.parse()?;
    let raw = args.next().as_deref() == Some("--raw");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        if let Err(error) = members(addr, count, base, raw).await {
            say(&format!("error {error}"));
        }
    });
    Ok(())
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

async fn members(addr: SocketAddr, count: usize, base: usize, raw: bool) -> Result<()> {
    // Each reader sends the sequence number of what it received and when.
    let (arrivals_tx, mut arrivals) = mpsc::unbounded_channel::<(u64, u64)>();
    let opened = futures_util::stream::iter(0..count)
        .map(|index| async move {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(SocketAddr::new(source(base, index), 0))?;
            let stream = socket.connect(addr).await?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(stream)
        })
        .buffer_unordered(64);
    let mut opened = std::pin::pin!(opened);
    let mut handshakes = Vec::new();
    while let Some(stream) = opened.next().await {
        let stream = stream?;
        let arrivals = arrivals_tx.clone();
        if raw {
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt as _;
                let mut stream = stream;
                let mut buffer = [0u8; 256];
                while stream.read(&mut buffer).await.is_ok_and(|read| read > 0) {
                    let _ = arrivals.send((u64::MAX, monotonic_ns()));
                }
            });
        } else {
            handshakes.push(async move {
                let config = super::client_config();
                let (ws, _) =
                    tokio_tungstenite::client_async_with_config(format!("ws://{addr}{ROOM}"), stream, Some(config))
                        .await?;
                tokio::spawn(async move {
                    let (_, mut stream) = ws.split();
                    while let Some(Ok(Message::Text(text))) = stream.next().await {
                        if let Some(seq) = seq_of(&text) {
                            let _ = arrivals.send((seq, monotonic_ns()));
                        }
                    }
                });
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            });
            if handshakes.len() == 64 {
                futures_util::future::try_join_all(handshakes.drain(..)).await?;
            }
        }
    }
    futures_util::future::try_join_all(handshakes).await?;
    drop(arrivals_tx);
    say("ready");
    // The floor's frames carry no number: a member's k-th read is broadcast k-1.
    let mut reads = 0u64;
    let mut counts = std::collections::HashMap::<u64, (usize, u64)>::new();
    while let Some((seq, at)) = arrivals.recv().await {
        let seq = if raw {
            reads += 1;
            (reads - 1) / count as u64
        } else {
            seq
        };
        let entry = counts.entry(seq).or_default();
        entry.0 += 1;
        entry.1 = entry.1.max(at);
        if entry.0 == count {
            say(&format!("got {seq} {}", entry.1));
            counts.remove(&seq);
        }
    }
    Ok(())
}

fn report(n: usize, plan: Plan, targets: &[Target], figures: &[Vec<Figures>]) {
    let count = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    let processes = plan.processes.max(1);
    let share = n.div_ceil(processes);
    println!(
        "scale {n}: {} of {share} members{}, {} on {}; median [min..max] of {} rounds, {} broadcasts each",
        count(processes, "server process", "server processes"),
        if processes > 1 { " (tidings: one Redis layer between them)" } else { "" },
        count(processes * share.div_ceil(per_worker()), "client process", "client processes"),
        count(processes * share.div_ceil(PER_SOURCE), "source address", "source addresses"),
        plan.rounds,
        plan.broadcasts,
    );
    println!(
        "{:<10} {:>24} {:>26} {:>30} {:>28}",
        "server", "s to open all", "KiB/connection", "ms to the last member", "server CPU µs/delivery"
    );
    let spread = |values: Vec<f64>, digits: usize| {
        let (min, max) = values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let mut values = values;
        format!("{:.digits$} [{min:.digits$}..{max:.digits$}]", median(&mut values))
    };
    for (target, rows) in targets.iter().zip(figures) {
        let column = |get: fn(&Figures) -> f64, digits| spread(rows.iter().map(get).collect(), digits);
        println!(
            "{:<10} {:>24} {:>26} {:>30} {:>28}",
            target.name(),
            column(|f| f.open_secs, 2),
            column(|f| f.kib_per_connection, 2),
            column(|f| f.ms_to_last, 1),
            column(|f| f.cpu_us_per_delivery, 2)
        );
    }
}
