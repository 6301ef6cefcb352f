//! The load generator of the benchmark: the tidings server (`bench`, with validation on and
//! off) against the hand-written one (`baseline`), alternating over rounds, each server started
//! fresh from the directory of this executable.
//!
//! Run it with `cargo build --release -p bench && target/release/load [--rounds 5] [--duration 5]
//! [--skip-fanout-10k] [--json]`; `--floor N` measures the machine's fan-out floor, and
//! `--scale N [--processes K]` holds N idle connections in one room, in K server processes
//! (`scale.rs`). With `taskset` on the path, servers run on CPU 0 and this
//! client on CPU 1. Server CPU time is the sum over the server's threads of
//! `/proc/PID/task/*/schedstat` (nanoseconds; `/proc/PID/stat` counts 10 ms ticks, too coarse for
//! one broadcast).

use std::error::Error;
use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

mod scale;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// The servers compared, in the order of each round: name, binary, arguments.
const SERVERS: [(&str, &str, &[&str]); 3] =
    [("baseline", "baseline", &[]), ("tidings", "bench", &[]), ("tidings-novalidate", "bench", &["--no-validate"])];

struct Options {
    rounds: usize,
    duration: Duration,
    warmup: Duration,
    connections: usize,
    in_flight: usize,
    fanouts: Vec<usize>,
    broadcasts: usize,
    json: bool,
    pin: bool,
    /// Sizes for the fan-out floor: raw TCP writes, no WebSocket server.
    floor: Vec<usize>,
    /// Run as the floor's server for this many members (started by `--floor`).
    floor_server: Option<usize>,
    /// Where the floor's server listens.
    addr: String,
    /// Sizes for the scale measurement: idle connections in one room.
    scale: Vec<usize>,
    /// Server processes the scale measurement spreads its members over.
    processes: usize,
}

fn options() -> Result<Options> {
    let mut options = Options {
        rounds: 5,
        duration: Duration::from_secs(5),
        warmup: Duration::from_secs(1),
        connections: 64,
        in_flight: 8,
        fanouts: vec![10_000, 1_000],
        broadcasts: 10,
        json: false,
        pin: true,
        floor: Vec::new(),
        floor_server: None,
        addr: "127.0.0.1:0".into(),
        scale: Vec::new(),
        processes: 1,
    };
    let mut args = std::env::args().skip(1);
    let secs =
        |v: Option<String>| -> Result<Duration> { Ok(Duration::from_secs_f64(v.ok_or("needs seconds")?.parse()?)) };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => options.rounds = args.next().ok_or("--rounds needs N")?.parse()?,
            "--duration" => options.duration = secs(args.next())?,
            "--warmup" => options.warmup = secs(args.next())?,
            "--connections" => options.connections = args.next().ok_or("--connections needs N")?.parse()?,
            "--in-flight" => options.in_flight = args.next().ok_or("--in-flight needs N")?.parse()?,
            "--fanout" => {
                let list = args.next().ok_or("--fanout needs N[,N...] or none")?;
                options.fanouts = match list.as_str() {
                    "none" => Vec::new(),
                    list => list.split(',').map(str::parse).collect::<std::result::Result<_, _>>()?,
                };
            }
            "--broadcasts" => options.broadcasts = args.next().ok_or("--broadcasts needs N")?.parse()?,
            "--skip-fanout-10k" => options.fanouts.retain(|&n| n < 10_000),
            "--floor" => {
                let list = args.next().ok_or("--floor needs N[,N...]")?;
                options.floor = list.split(',').map(str::parse).collect::<std::result::Result<_, _>>()?;
            }
            "--scale" => {
                let list = args.next().ok_or("--scale needs N[,N...]")?;
                options.scale = list.split(',').map(str::parse).collect::<std::result::Result<_, _>>()?;
            }
            "--processes" => options.processes = args.next().ok_or("--processes needs K")?.parse()?,
            "--floor-server" => options.floor_server = Some(args.next().ok_or("--floor-server needs N")?.parse()?),
            "--addr" => options.addr = args.next().ok_or("--addr needs HOST:PORT")?,
            "--json" => options.json = true,
            "--no-pin" => options.pin = false,
            _ => {
                return Err(format!(
                    "unknown option {arg}; use --rounds N, --duration S, --warmup S, --connections N, --in-flight N, \
                     --fanout N[,N]|none, --broadcasts N, --skip-fanout-10k, --floor N[,N], --scale N[,N] [--processes K], --no-pin, \
                     --addr HOST:PORT (with --floor-server N),
                     --json"
                )
                .into());
            }
        }
    }
    Ok(options)
}

fn main() -> Result<()> {
    if std::env::args().nth(1).as_deref() == Some("--scale-worker") {
        return scale::worker(std::env::args().skip(2));
    }
    let mut options = options()?;
    if let Some(n) = options.floor_server {
        return floor_server(n, &options.addr);
    }
    options.pin &= Command::new("taskset").arg("-V").output().is_ok_and(|o| o.status.success());
    if options.pin {
        let pid = std::process::id().to_string();
        Command::new("taskset").args(["-a", "-cp", "1", &pid]).stdout(Stdio::null()).status()?;
    }
    // 10,000 connections need more descriptors than the usual 1,024 (the floor, 20,000 in this
    // process: both ends), and `--scale 100000` a hundred thousand in the server; the servers
    // and client processes inherit the limit. Raising the hard limit needs privileges
    // (CAP_SYS_RESOURCE): without them, the soft limit goes as high as the hard one allows.
    const WANTED: u64 = 1 << 20;
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    if limit.current.is_some_and(|current| current < WANTED) {
        let hard = limit.maximum.map_or(WANTED, |max| max.max(WANTED));
        let raised = rustix::process::Rlimit { current: Some(WANTED), maximum: Some(hard) };
        let allowed = limit.maximum.map_or(WANTED, |max| max.min(WANTED));
        let fallback = rustix::process::Rlimit { current: Some(allowed), maximum: limit.maximum };
        if rustix::process::setrlimit(rustix::process::Resource::Nofile, raised)
            .or_else(|_| rustix::process::setrlimit(rustix::process::Resource::Nofile, fallback))
            .is_err()
        {
            eprintln!("load: could not raise the open-file limit (now {:?})", limit.current);
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(run(options))
}

/// One measurement of one server in one round; `None` where it was not measured.
#[derive(Default, Clone)]
struct Sample {
    replies_per_sec: f64,
    p50_us: f64,
    p99_us: f64,
    cpu_us_per_reply: f64,
    /// Per fan-out size: milliseconds to the last member, server CPU µs per delivery.
    fanout: Vec<(usize, f64, f64)>,
    idle_kib_per_conn: Option<f64>,
}

async fn run(options: Options) -> Result<()> {
    if !options.floor.is_empty() {
        return floor(&options).await;
    }
    if !options.scale.is_empty() {
        let plan = scale::Plan {
            rounds: options.rounds,
            broadcasts: options.broadcasts,
            pin: options.pin,
            processes: options.processes,
        };
        return scale::scale(&options.scale, plan).await;
    }
    let dir: PathBuf = std::env::current_exe()?.parent().ok_or("no directory for this executable")?.into();
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); SERVERS.len()];
    for round in 0..options.rounds {
        for (i, (name, binary, args)) in SERVERS.iter().enumerate() {
            eprintln!("round {}/{}: {name}", round + 1, options.rounds);
            let server = Server::start(&dir.join(binary), args, options.pin)?;
            let sample = measure(&server, &options).await;
            server.stop();
            samples[i].push(sample?);
        }
    }
    report(&options, &samples);
    Ok(())
}

async fn measure(server: &Server, options: &Options) -> Result<Sample> {
    let mut sample = Sample::default();
    // The largest fan-out first, on the fresh server: its connections are also the idle ones.
    for &n in &options.fanouts {
        let (ms, cpu, idle) = fanout(server, n, options.broadcasts).await?;
        sample.fanout.push((n, ms, cpu));
        if sample.idle_kib_per_conn.is_none() {
            sample.idle_kib_per_conn = Some(idle);
        }
    }
    let (replies_per_sec, p50, p99, cpu) = echo(server, options).await?;
    sample.replies_per_sec = replies_per_sec;
    sample.p50_us = p50;
    sample.p99_us = p99;
    sample.cpu_us_per_reply = cpu;
    Ok(sample)
}

/// A command running `binary` on CPU `cpu` when `pin` is set (through `taskset`).
fn pinned(binary: &std::path::Path, cpu: &str, pin: bool) -> Command {
    if pin {
        let mut command = Command::new("taskset");
        command.args(["-c", cpu]).arg(binary);
        command
    } else {
        Command::new(binary)
    }
}

/// A server child process.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(binary: &std::path::Path, args: &[&str], pin: bool) -> Result<Self> {
        let mut child =
            pinned(binary, "0", pin).args(["--addr", "127.0.0.1:0"]).args(args).stdout(Stdio::piped()).spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let addr = line
            .split_whitespace()
            .find_map(|word| word.strip_prefix("ws://"))
            .ok_or_else(|| format!("{}: no ws:// address in {line:?}", binary.display()))?
            .to_string();
        Ok(Self { child, addr })
    }

    /// Nanoseconds of CPU the server's threads have used.
    fn cpu_ns(&self) -> u64 {
        let tasks = format!("/proc/{}/task", self.child.id());
        std::fs::read_dir(tasks)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
            .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
            .sum()
    }

    /// Resident memory, in KiB.
    fn rss_kib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let line = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).unwrap_or("0");
        line.split_whitespace().next().and_then(|kib| kib.parse().ok()).unwrap_or(0.0)
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Small buffers for the clients: 10,000 of them at tungstenite's 128 KiB would be 1.3 GB.
fn client_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(4096)
}

async fn connect(addr: &str, path: &str) -> Result<Ws> {
    let (ws, _) =
        tokio_tungstenite::connect_async_with_config(format!("ws://{addr}{path}"), Some(client_config()), true).await?;
    Ok(ws)
}

fn frame(action: &str, seq: u64) -> Message {
    Message::text(format!(r#"{{"action":"{action}","payload":{{"seq":{seq},"text":"hello, bench"}}}}"#))
}

/// The `seq` of a frame, read without a full decode (the client's CPU is the scarce one).
fn seq_of(text: &str) -> Option<u64> {
    let rest = &text[text.find(r#""seq":"#)? + 6..];
    rest[..rest.find(|c: char| !c.is_ascii_digit())?].parse().ok()
}

/// Request/reply: replies per second, p50 and p99 in µs, server CPU µs per reply.
async fn echo(server: &Server, options: &Options) -> Result<(f64, f64, f64, f64)> {
    let mut connections = Vec::new();
    for _ in 0..options.connections {
        connections.push(connect(&server.addr, "/ws/echo").await?);
    }
    // The warm-up starts once every connection is open.
    let measure_from = Instant::now() + options.warmup;
    let until = measure_from + options.duration;
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|ws| tokio::spawn(echo_connection(ws, options.in_flight, measure_from, until)))
        .collect();
    tokio::time::sleep_until(measure_from.into()).await;
    let cpu_before = server.cpu_ns();
    tokio::time::sleep_until(until.into()).await;
    let cpu = server.cpu_ns().saturating_sub(cpu_before);
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    latencies.sort_unstable();
    let replies = latencies.len().max(1) as f64;
    let quantile =
        |q: f64| latencies.get(((latencies.len() as f64 - 1.0) * q) as usize).map_or(0.0, |d| d.as_secs_f64() * 1e6);
    Ok((replies / options.duration.as_secs_f64(), quantile(0.5), quantile(0.99), cpu as f64 / 1e3 / replies))
}

/// Keeps `in_flight` echoes outstanding; returns the latencies of the replies inside the window.
async fn echo_connection(mut ws: Ws, in_flight: usize, from: Instant, until: Instant) -> Result<Vec<Duration>> {
    let mut sent = std::collections::HashMap::new();
    let mut next = 0u64;
    let mut latencies = Vec::new();
    for _ in 0..in_flight {
        sent.insert(next, Instant::now());
        ws.send(frame("echo", next)).await?;
        next += 1;
    }
    while let Some(message) = ws.next().await {
        let Message::Text(text) = message? else { continue };
        let now = Instant::now();
        let seq = seq_of(&text).ok_or("a reply without seq")?;
        let sent_at = sent.remove(&seq).ok_or("a reply to nothing sent")?;
        if now >= until {
            break;
        }
        if now >= from {
            latencies.push(now - sent_at);
        }
        sent.insert(next, Instant::now());
        ws.send(frame("echo", next)).await?;
        next += 1;
    }
    Ok(latencies)
}

/// Fan-out to `n` members of one room: median ms until the last has the `said`, server CPU µs
/// per delivery, and resident KiB per connection once all are open and idle.
async fn fanout(server: &Server, n: usize, broadcasts: usize) -> Result<(f64, f64, f64)> {
    let room = format!("/ws/room/fanout-{n}");
    let rss_before = server.rss_kib();
    let (arrivals_tx, mut arrivals) = mpsc::unbounded_channel::<(u64, Instant)>();
    let mut speaker = None;
    let connections = futures_util::stream::iter(0..n).map(|_| connect(&server.addr, &room)).buffer_unordered(64);
    let mut connections = std::pin::pin!(connections);
    let mut readers = Vec::new();
    while let Some(ws) = connections.next().await {
        let (sink, mut stream) = ws?.split();
        speaker.get_or_insert(sink);
        let arrivals = arrivals_tx.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(Message::Text(text))) = stream.next().await {
                if let Some(seq) = seq_of(&text) {
                    let _ = arrivals.send((seq, Instant::now()));
                }
            }
        }));
    }
    let mut speaker = speaker.ok_or("no connections")?;
    // Let the server finish its side of the last handshakes before reading its memory.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = (server.rss_kib() - rss_before) / n as f64;
    // Broadcast 0 is the warm-up, and proves every member has joined: repeated until all got it.
    let mut seq = 0;
    loop {
        speaker.send(frame("say", seq)).await?;
        if deliveries(&mut arrivals, seq, n, Duration::from_secs(5)).await.is_some() {
            break;
        }
        seq += 1;
        if seq > 5 {
            return Err(format!("fan-out {n}: not every member got a broadcast").into());
        }
    }
    let cpu_before = server.cpu_ns();
    let mut times = Vec::new();
    for _ in 0..broadcasts {
        seq += 1;
        let sent = Instant::now();
        speaker.send(frame("say", seq)).await?;
        let last = deliveries(&mut arrivals, seq, n, Duration::from_secs(10)).await.ok_or("fan-out timed out")?;
        times.push(last.duration_since(sent).as_secs_f64() * 1e3);
    }
    let cpu = server.cpu_ns().saturating_sub(cpu_before) as f64 / 1e3 / (broadcasts.max(1) * n) as f64;
    drop(speaker);
    for reader in readers {
        reader.abort();
    }
    Ok((median(&mut times), cpu, idle))
}

/// Waits for `n` arrivals of broadcast `seq`; the time of the last, or `None` after `timeout`.
async fn deliveries(
    arrivals: &mut mpsc::UnboundedReceiver<(u64, Instant)>,
    seq: u64,
    n: usize,
    timeout: Duration,
) -> Option<Instant> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut count = 0;
    let mut last = None;
    while count < n {
        let (got, at) = tokio::time::timeout_at(deadline, arrivals.recv()).await.ok()??;
        if got == seq {
            count += 1;
            last = Some(at);
        }
    }
    last
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        len if len % 2 == 1 => values[len / 2],
        len => (values[len / 2 - 1] + values[len / 2]) / 2.0,
    }
}

fn report(options: &Options, samples: &[Vec<Sample>]) {
    type Metric = (String, Box<dyn Fn(&Sample) -> Option<f64>>);
    let mut metrics: Vec<Metric> = vec![
        ("echo replies/s".into(), Box::new(|s: &Sample| Some(s.replies_per_sec))),
        ("echo p50 µs".into(), Box::new(|s: &Sample| Some(s.p50_us))),
        ("echo p99 µs".into(), Box::new(|s: &Sample| Some(s.p99_us))),
        ("echo server CPU µs/reply".into(), Box::new(|s: &Sample| Some(s.cpu_us_per_reply))),
    ];
    for (i, &n) in options.fanouts.iter().enumerate() {
        metrics.push((format!("fan-out {n} ms to last"), Box::new(move |s: &Sample| s.fanout.get(i).map(|f| f.1))));
        metrics.push((
            format!("fan-out {n} server CPU µs/delivery"),
            Box::new(move |s: &Sample| s.fanout.get(i).map(|f| f.2)),
        ));
    }
    if let Some(&n) = options.fanouts.first() {
        metrics.push((format!("idle KiB/connection at {n}"), Box::new(|s: &Sample| s.idle_kib_per_conn)));
    }
    let medians: Vec<Vec<f64>> = metrics
        .iter()
        .map(|(_, get)| {
            samples.iter().map(|runs| median(&mut runs.iter().filter_map(get).collect::<Vec<_>>())).collect()
        })
        .collect();
    if options.json {
        let rows: Vec<serde_json::Value> = metrics
            .iter()
            .zip(&medians)
            .map(|((name, _), values)| {
                let mut row = serde_json::json!({ "metric": name });
                for ((server, _, _), value) in SERVERS.iter().zip(values) {
                    row[*server] = serde_json::json!(value);
                }
                row
            })
            .collect();
        println!("{}", serde_json::json!({ "rounds": options.rounds, "pinned": options.pin, "medians": rows }));
        return;
    }
    println!(
        "medians over {} rounds (A B C alternating; {})",
        options.rounds,
        if options.pin { "servers on CPU 0, client on CPU 1" } else { "not pinned" }
    );
    println!(
        "{:<36} {:>12} {:>12} {:>8} {:>12} {:>8}",
        "metric", "baseline", "tidings", "ratio", "no-validate", "ratio"
    );
    for ((name, _), values) in metrics.iter().zip(&medians) {
        println!(
            "{:<36} {:>12.2} {:>12.2} {:>8.3} {:>12.2} {:>8.3}",
            name,
            values[0],
            values[1],
            values[1] / values[0],
            values[2],
            values[2] / values[0]
        );
    }
}

/// A 60-byte server-to-client WebSocket text frame, as both servers send it to a room member.
const SAID: &[u8] = br#"{"action":"said","payload":{"seq":1,"text":"hello, bench"}}"#;

/// The fan-out floor of this machine: the same delivery as a broadcast, without a WebSocket
/// server. A child process on CPU 0 (`--floor-server N`) writes one pre-encoded 60-byte frame
/// to each of `n` loopback TCP connections in a plain loop of blocking writes, whenever a byte
/// arrives on its control connection; here, on CPU 1, a task per connection reads it. No
/// framework, no queue, no task per member: what any server must at least spend here.
async fn floor(options: &Options) -> Result<()> {
    let exe = std::env::current_exe()?;
    for &n in &options.floor {
        let server = Server::start(&exe, &["--floor-server", &n.to_string()], options.pin)?;
        let mut control = TcpStream::connect(&server.addr).await?;
        let (arrivals_tx, mut arrivals) = mpsc::unbounded_channel::<Instant>();
        let mut readers = Vec::with_capacity(n);
        for _ in 0..n {
            let mut member = TcpStream::connect(&server.addr).await?;
            let arrivals = arrivals_tx.clone();
            readers.push(tokio::spawn(async move {
                use tokio::io::AsyncReadExt as _;
                let mut buffer = [0u8; 256];
                while member.read(&mut buffer).await.is_ok_and(|read| read > 0) {
                    let _ = arrivals.send(Instant::now());
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut times = Vec::new();
        let mut cpu = 0;
        for round in 0..=options.broadcasts {
            use tokio::io::AsyncWriteExt as _;
            let cpu_before = server.cpu_ns();
            let started = Instant::now();
            control.write_all(b"g").await?;
            let mut last = started;
            for _ in 0..n {
                let arrival = tokio::time::timeout(Duration::from_secs(10), arrivals.recv()).await?;
                last = arrival.ok_or("a reader stopped")?.max(last);
            }
            // Round 0 is the warm-up.
            if round > 0 {
                times.push(last.duration_since(started).as_secs_f64() * 1e3);
                cpu += server.cpu_ns().saturating_sub(cpu_before);
            }
        }
        server.stop();
        for reader in readers {
            reader.abort();
        }
        let per_write = cpu as f64 / 1e3 / (options.broadcasts.max(1) * n) as f64;
        println!(
            "floor {n}: {:.2} ms to the last reader (median of {}), server CPU {per_write:.2} µs per write",
            median(&mut times),
            options.broadcasts
        );
    }
    Ok(())
}

/// The floor's server: accepts a control connection, then `n` members; writes [`SAID`] to
/// every member for each byte the control connection sends.
fn floor_server(n: usize, addr: &str) -> Result<()> {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind(addr)?;
    // std listens with a backlog of 128, which several client processes connecting at once
    // overflow (each dropped SYN then waits a second). Linux takes a second `listen` as a new
    // backlog: 1,024, as tokio's listener (the baseline's) and tidings' default have.
    rustix::net::listen(&listener, 1024)?;
    println!("floor: listening on ws://{}", listener.local_addr()?);
    std::io::Write::flush(&mut std::io::stdout())?;
    let (mut control, _) = listener.accept()?;
    let mut frame = vec![0x81, SAID.len() as u8];
    frame.extend_from_slice(SAID);
    let mut members = Vec::with_capacity(n);
    for _ in 0..n {
        let (member, _) = listener.accept()?;
        member.set_nodelay(true)?;
        members.push(member);
    }
    let mut byte = [0u8; 1];
    while control.read(&mut byte)? == 1 {
        for member in &mut members {
            member.write_all(&frame)?;
        }
    }
    Ok(())
}
