//! What the socket-level tests share: a seeded RNG, the process's open descriptors, alive
//! tasks and resident memory, a poll that waits for them to settle, a raw handshake, and a
//! plain HTTP GET.
#![allow(dead_code, reason = "each test file uses part of it")]

use std::time::Duration;

/// xorshift64*, seeded through splitmix64: deterministic, tiny, and good enough to pick cases.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        // splitmix64, so that neighbouring seeds give unrelated streams and 0 is no fixed point.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `low..=high`.
    pub(crate) fn range(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// True `percent` times in a hundred.
    pub(crate) fn percent(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn byte(&mut self) -> u8 {
        (self.next_u64() >> 56) as u8
    }

    pub(crate) fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.byte()).collect()
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A `u64` from the environment variable `name`, or `default`.
pub(crate) fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) => value.trim().parse().unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
        Err(_) => default,
    }
}

/// Descriptors open in this process (the listing's own descriptor included, the same each time).
pub(crate) fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd").count()
}

/// Tasks alive in the current tokio runtime (`RuntimeMetrics::num_alive_tasks`, stable since
/// tokio 1.39).
pub(crate) fn alive_tasks() -> usize {
    tokio::runtime::Handle::current().metrics().num_alive_tasks()
}

/// Resident memory of this process in bytes (`/proc/self/statm`, second field, in pages).
pub(crate) fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).expect("statm's resident field");
    pages * page_size()
}

fn page_size() -> u64 {
    // The kernel's page size is 4 KiB on every platform these tests run on; smaps says so when
    // it is readable.
    std::fs::read_to_string("/proc/self/smaps")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("KernelPageSize:").and_then(|v| v.trim().strip_suffix("kB")))
                .and_then(|kb| kb.trim().parse::<u64>().ok())
        })
        .map_or(4096, |kb| kb * 1024)
}

/// What the leak checks compare: descriptors, alive tasks and the layer's census.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gauges {
    pub(crate) fds: usize,
    pub(crate) tasks: usize,
    pub(crate) connections: usize,
    pub(crate) groups: usize,
}

impl Gauges {
    pub(crate) fn now(server: &tidings::testing::TestServer) -> Self {
        let census = server.census();
        Self { fds: open_fds(), tasks: alive_tasks(), connections: census.connections, groups: census.groups }
    }
}

impl std::fmt::Display for Gauges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} fds, {} tasks, {} connections, {} groups", self.fds, self.tasks, self.connections, self.groups)
    }
}

/// How long the leak checks wait for closed sockets to be released before they fail.
pub(crate) const SETTLE: Duration = Duration::from_secs(10);

/// Polls until the gauges equal `baseline`, for at most [`SETTLE`]; the gauges last seen and
/// how long it took, or a failure message with the numbers.
pub(crate) async fn settle(server: &tidings::testing::TestServer, baseline: Gauges) -> Result<Duration, String> {
    let started = tokio::time::Instant::now();
    loop {
        let now = Gauges::now(server);
        if now == baseline {
            return Ok(started.elapsed());
        }
        if started.elapsed() >= SETTLE {
            return Err(format!("after {SETTLE:?} the process holds {now}; it held {baseline} before"));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A fixed `Sec-WebSocket-Key` (RFC 6455's sample nonce): the server checks nothing about it
/// but its presence.
pub(crate) const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// A complete, valid upgrade request for `path`.
pub(crate) fn upgrade_request(host: &str, path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .into_bytes()
}

/// Connects to `addr`, retrying for a while when the loopback has run out of ephemeral ports
/// (many closed connections in `TIME_WAIT`).
pub(crate) async fn connect(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let mut tries = 0;
    loop {
        match tokio::net::TcpStream::connect(addr).await {
            Err(error) if error.kind() == std::io::ErrorKind::AddrNotAvailable && tries < 200 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            other => return other,
        }
    }
}

/// A plain `GET target` over HTTP/1.1 with `connection: close`: the response's head and body.
pub(crate) async fn http_get(addr: std::net::SocketAddr, target: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut http = tokio::net::TcpStream::connect(addr).await.expect("http");
    let request = format!("GET {target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    http.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    http.read_to_string(&mut response).await.expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head");
    (head.to_owned(), body.to_owned())
}
