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

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::{Gauges, Rng};
use tidings::testing::TestServer;
use tidings::{App, ServerConfig};
use tidings_build_script::{Chat, contract};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
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

/// What a case sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    // Before the upgrade.
    BadRequestLine,
    MissingKey,
    WrongVersion,
    MissingUpgrade,
    GarbageHeader,
    TooManyHeaders,
    HugeHeader,
    TruncatedSilent,
    BytesBefore,
    BytesInstead,
    JunkAfterRequest,
    NotFound,
    ForeignOrigin,
    Documentation,
    Dribble,
    HangUp,
    // After a valid upgrade.
    Valid,
    Fragmented,
    Interleaved,
    OrphanContinuation,
    BadOpcode,
    InvalidUtf8,
    InvalidUtf8Fragments,
    BigControl,
    FragmentedControl,
    Unmasked,
    ReservedBits,
    BadCloseCode,
    CloseOneByte,
    Length64Msb,
    LengthLies,
    TooBig,
    Flood,
    ControlFlood,
    AfterClose,
    Chatter,
    RandomFrames,
    Contract,
}

/// Kinds with their weights: contract and frame cases are the most varied, so the most drawn.
const KINDS: &[(Kind, usize)] = &[
    (Kind::BadRequestLine, 3),
    (Kind::MissingKey, 2),
    (Kind::WrongVersion, 2),
    (Kind::MissingUpgrade, 2),
    (Kind::GarbageHeader, 3),
    (Kind::TooManyHeaders, 1),
    (Kind::HugeHeader, 1),
    (Kind::TruncatedSilent, 3),
    (Kind::BytesBefore, 2),
    (Kind::BytesInstead, 3),
    (Kind::JunkAfterRequest, 2),
    (Kind::NotFound, 2),
    (Kind::ForeignOrigin, 1),
    (Kind::Documentation, 2),
    (Kind::Dribble, 2),
    (Kind::HangUp, 2),
    (Kind::Valid, 3),
    (Kind::Fragmented, 5),
    (Kind::Interleaved, 3),
    (Kind::OrphanContinuation, 2),
    (Kind::BadOpcode, 3),
    (Kind::InvalidUtf8, 3),
    (Kind::InvalidUtf8Fragments, 3),
    (Kind::BigControl, 2),
    (Kind::FragmentedControl, 2),
    (Kind::Unmasked, 2),
    (Kind::ReservedBits, 2),
    (Kind::BadCloseCode, 3),
    (Kind::CloseOneByte, 1),
    (Kind::Length64Msb, 2),
    (Kind::LengthLies, 3),
    (Kind::TooBig, 1),
    (Kind::Flood, 1),
    (Kind::ControlFlood, 1),
    (Kind::AfterClose, 1),
    (Kind::Chatter, 2),
    (Kind::RandomFrames, 4),
    (Kind::Contract, 8),
];

/// What the server must do with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Never upgrade, and close the socket.
    Refused,
    /// Answer with this HTTP status, then close.
    Status(u16),
    /// Close the connection (after the upgrade, or instead of it).
    Closes,
    /// Answer with a pong or an error frame, and answer a ping after it: the connection lives.
    Reply,
    /// Nothing in particular: the client reads for this long, then ends the case its way.
    Anything(Duration),
}

/// How the client ends a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// Drops the socket: FIN (or RST, when the server's data is unread).
    Drop,
    /// RST: `SO_LINGER` 0, then drop.
    Reset,
    /// Shuts down its writing half; the server must then close within [`BOUND`].
    HalfClose,
}

/// One write of a case, and how long the client waits after it.
#[derive(Debug, Clone)]
struct Chunk {
    bytes: Vec<u8>,
    pause: Duration,
}

#[derive(Debug, Clone)]
struct Case {
    index: u64,
    kind: Kind,
    /// The path of the valid upgrade written before `chunks`, when there is one.
    upgrade: Option<String>,
    chunks: Vec<Chunk>,
    expect: Expect,
    ending: Ending,
}

impl Case {
    /// The case's bytes, for a failure report.
    fn describe(&self) -> String {
        let mut out =
            format!("case {} ({:?}), expect {:?}, ending {:?}", self.index, self.kind, self.expect, self.ending);
        if let Some(path) = &self.upgrade {
            let _ = write!(out, "\n  after a valid upgrade of {path}:");
        }
        for chunk in &self.chunks {
            let shown = &chunk.bytes[..chunk.bytes.len().min(512)];
            let _ = write!(out, "\n  write {} bytes, then wait {:?}: {}", chunk.bytes.len(), chunk.pause, hex(shown));
            if shown.len() < chunk.bytes.len() {
                out.push_str(" ...");
            }
        }
        out
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

fn one(bytes: Vec<u8>) -> Vec<Chunk> {
    vec![Chunk { bytes, pause: Duration::ZERO }]
}

/// `bytes` cut into 1 to 8 writes a millisecond or two apart, half the time: the server must
/// reassemble frames across reads.
fn split(rng: &mut Rng, bytes: Vec<u8>) -> Vec<Chunk> {
    if bytes.len() < 2 || rng.percent(50) {
        return one(bytes);
    }
    let pieces = rng.range(2, 8).min(bytes.len());
    let mut cuts: Vec<usize> = (0..pieces - 1).map(|_| rng.range(1, bytes.len() - 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut chunks = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().chain([bytes.len()]) {
        let pause = Duration::from_millis(rng.below(3) as u64);
        chunks.push(Chunk { bytes: bytes[start..cut].to_vec(), pause });
        start = cut;
    }
    chunks
}

// Frames, as a client writes them.

const FIN: u8 = 0x80;
const CONTINUATION: u8 = 0x0;
const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

/// A frame with `first` as its first byte (FIN, RSV and opcode), masked with `mask` when
/// given, its length in the shortest form.
fn frame(first: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    let masked = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        len @ 0..=125 => out.push(masked | len as u8),
        len @ 126..=0xFFFF => {
            out.push(masked | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(masked | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    match mask {
        Some(mask) => {
            out.extend_from_slice(&mask);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

fn mask(rng: &mut Rng) -> [u8; 4] {
    [rng.byte(), rng.byte(), rng.byte(), rng.byte()]
}

/// A masked frame, as a client must send it.
fn masked(rng: &mut Rng, first: u8, payload: &[u8]) -> Vec<u8> {
    let key = mask(rng);
    frame(first, Some(key), payload)
}

const PING_JSON: &[u8] = br#"{"action":"ping"}"#;

/// `message` as a fragmented text message: 2 to 6 fragments cut anywhere (UTF-8 sequences
/// included; empty fragments too), and at `cut` too when given, with pings and pongs between
/// them now and then, which a fragmented message may contain.
fn fragments(rng: &mut Rng, message: &[u8], cut: Option<usize>) -> Vec<u8> {
    let pieces = rng.range(2, 6);
    let mut cuts: Vec<usize> = (0..pieces - 1).map(|_| rng.below(message.len() + 1)).collect();
    cuts.extend(cut);
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    let ends: Vec<usize> = cuts.into_iter().chain([message.len()]).collect();
    for (i, &end) in ends.iter().enumerate() {
        let opcode = if i == 0 { TEXT } else { CONTINUATION };
        let fin = if i + 1 == ends.len() { FIN } else { 0 };
        out.extend(masked(rng, fin | opcode, &message[start..end]));
        start = end;
        if fin == 0 && rng.percent(30) {
            let control = if rng.percent(50) { PING } else { PONG };
            let len = rng.below(126);
            let payload = rng.bytes(len);
            out.extend(masked(rng, FIN | control, &payload));
        }
    }
    out
}

// JSON that breaks the contract.

/// A text (or, now and then, binary) message the chat channel must answer with an error frame.
/// None is a valid `chat` (which would broadcast); `fail` and `panic` are valid but refused
/// by the handler, or make it panic.
fn contract_breaking(rng: &mut Rng) -> (Vec<u8>, bool) {
    let deep = |rng: &mut Rng| {
        // Within the 64 KiB message limit.
        let depth = rng.range(100, 9_000);
        let (open, close) = if rng.percent(50) { ("[", "]") } else { ("{\"a\":", "}") };
        format!("{}1{}", open.repeat(depth), close.repeat(depth))
    };
    let text: String = match rng.below(16) {
        0 => {
            let actions = ["shout", "Ping", "PING", "pong", "error", "chatNotification", "roomEvent", "register", ""];
            let action = if rng.percent(70) { (*rng.pick(&actions)).to_owned() } else { word(rng) };
            format!(r#"{{"action":"{action}"}}"#)
        }
        1 => {
            let values = ["7", "null", "true", "[]", "{}", "1.5", "[\"ping\"]", "-0", "1e999"];
            format!(r#"{{"action":{}}}"#, rng.pick(&values))
        }
        2 => (*rng.pick(&["{}", r#"{"payload":{"message":"x"}}"#, r#"{"Action":"ping"}"#, r#"{"action ":"ping"}"#]))
            .to_owned(),
        3 => {
            let payloads = [
                "7",
                "\"x\"",
                "[]",
                "null",
                "{}",
                r#"{"message":7}"#,
                r#"{"message":""}"#,
                r#"{"message":"x","extra":1}"#,
                r#"{"message":null}"#,
                r#"{"message":["x"]}"#,
                r#"{"message":"x","sender":7}"#,
            ];
            format!(r#"{{"action":"chat","payload":{}}}"#, rng.pick(&payloads))
        }
        4 => r#"{"action":"chat"}"#.to_owned(),
        5 => {
            // Valid, but refused by the handler, or making it panic (rarely: each panic prints).
            let message = if rng.percent(10) { "panic" } else { "fail" };
            format!(r#"{{"action":"chat","payload":{{"message":"{message}"}}}}"#)
        }
        6 => (*rng.pick(&["7", "\"ping\"", "[]", "null", "true", r#"[{"action":"ping"}]"#, "\"\"", " "])).to_owned(),
        7 => {
            // Near misses of the discriminator's fast path.
            let near = [
                r#"{"action":"ping""#,
                r#"{"action":"ping"#,
                r#"{"action":"pi\"ng"}"#,
                r#"{"action":"pi\u0000ng"}"#,
                r#"{"action":"ping"}x"#,
                r#"{"action":"ping"}{"action":"ping"}"#,
                r#"{"action":"chat","action":"ping","payload":7}"#,
                r#"{"action":"chat"   ,"payload":{"message":"x","message":""}}"#,
                r#"{"action" : "chat" , "payload" : {"message" : 1}}"#,
                "{\"action\":\"pi\tng\"}",
                "{\"action\":\"ping\u{1}\"}",
                r#"{"\u0061ction":"chat","payload":0}"#,
                r#"{"action":"\ud800"}"#,
                r#"{"action":"chat","payload":{"message":"\ud800"}}"#,
                r#"{"action":"chat","payload":{"message":"x","sender":"y"},"payload":1}"#,
                "{",
                "}",
                "",
            ];
            (*rng.pick(&near)).to_owned()
        }
        8 => format!(r#"{{"action":"chat","payload":{}}}"#, deep(rng)),
        9 => format!(r#"{{"action":"chat","payload":{{"message":"x"}},"extra":{}}}"#, deep(rng)),
        10 => deep(rng),
        11 => format!(r#"{{"action":"chat","payload":{{"message":"{}"}}}}"#, "é".repeat(rng.range(2001, 20_000))),
        12 => {
            let number = rng.pick(&["1e400", "-", "01", "1.", "NaN", "Infinity", "0x10", "99999999999999999999999"]);
            format!(r#"{{"action":"chat","payload":{{"message":"x","sender":{number}}}}}"#)
        }
        13 => {
            // Printable text that is not JSON, with some non-ASCII.
            let len = rng.range(1, 300);
            (0..len)
                .map(|_| match rng.below(10) {
                    0 => 'ß',
                    1 => '😀',
                    _ => char::from(rng.range(0x20, 0x7E) as u8),
                })
                .filter(|c| *c != '{' && *c != '[' && *c != '"')
                .chain(['!'])
                .collect()
        }
        14 => format!(r#"{{"action":"chat","payload":{{"message":"{}"}}}}"#, "x".repeat(rng.range(2001, 60_000))),
        _ => return (PING_JSON.to_vec(), true),
    };
    let binary = rng.percent(5);
    (text.into_bytes(), binary)
}

fn word(rng: &mut Rng) -> String {
    let len = rng.range(1, 12);
    (0..len).map(|_| char::from(b'a' + rng.below(26) as u8)).collect()
}

// Handshakes.

struct Request<'a> {
    host: &'a str,
    path: String,
}

impl Request<'_> {
    /// The header lines of a valid upgrade, without the request line.
    fn headers(&self) -> Vec<String> {
        vec![
            format!("Host: {}", self.host),
            "Upgrade: websocket".to_owned(),
            "Connection: Upgrade".to_owned(),
            format!("Sec-WebSocket-Key: {}", support::KEY),
            "Sec-WebSocket-Version: 13".to_owned(),
        ]
    }

    fn line(&self) -> String {
        format!("GET {} HTTP/1.1", self.path)
    }

    fn build(line: &str, headers: &[String]) -> Vec<u8> {
        let mut out = format!("{line}\r\n");
        for header in headers {
            out.push_str(header);
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        out.into_bytes()
    }

    fn valid(&self) -> Vec<u8> {
        Self::build(&self.line(), &self.headers())
    }

    /// The valid request with the header named `name` removed.
    fn without(&self, name: &str) -> Vec<u8> {
        let headers: Vec<String> = self.headers().into_iter().filter(|h| !h.starts_with(name)).collect();
        Self::build(&self.line(), &headers)
    }

    /// The valid request with the header named `name` set to `value`.
    fn with(&self, name: &str, value: &str) -> Vec<u8> {
        let mut headers: Vec<String> = self.headers().into_iter().filter(|h| !h.starts_with(name)).collect();
        headers.push(format!("{name}: {value}"));
        Self::build(&self.line(), &headers)
    }
}

/// Bytes that are neither CR nor LF nor a space, so that they cannot pass as an empty line
/// before the request, nor end a request line.
fn junk(rng: &mut Rng, len: usize) -> Vec<u8> {
    (0..len)
        .map(|_| {
            loop {
                let b = rng.byte();
                if !matches!(b, b'\r' | b'\n' | b' ') {
                    break b;
                }
            }
        })
        .collect()
}

/// Case `index` of the run seeded with `seed`.
fn case(seed: u64, index: u64, host: &str) -> Case {
    let mut rng = Rng::new(seed ^ index.wrapping_mul(0xD134_2543_DE82_EF95));
    let total: usize = KINDS.iter().map(|(_, w)| w).sum();
    let mut draw = rng.below(total);
    let kind = KINDS
        .iter()
        .find(|(_, w)| {
            let hit = draw < *w;
            draw = draw.saturating_sub(*w);
            hit
        })
        .map_or(Kind::Valid, |(k, _)| *k);
    // Chatter broadcasts in rooms of its own, so that no other case reads its notifications.
    let room =
        if kind == Kind::Chatter { format!("chatter-{}", rng.below(4)) } else { format!("fuzz-{}", rng.below(8)) };
    let path = format!("/ws/chat/{room}");
    let request = Request { host, path: path.clone() };
    let ending = match rng.below(10) {
        0..=3 => Ending::Drop,
        4..=6 => Ending::Reset,
        _ => Ending::HalfClose,
    };
    let linger = |rng: &mut Rng| Expect::Anything(Duration::from_millis(rng.below(60) as u64));
    let mut upgrade = None;
    let (chunks, expect) = match kind {
        Kind::BadRequestLine => {
            let lines = [
                format!("GETT {path} HTTP/1.1"),
                format!("POST {path} HTTP/1.1"),
                format!("get {path} HTTP/1.1"),
                format!("GET {path} HTTP/1.0"),
                format!("GET {path} HTTP/2.0"),
                format!("GET {path} HTTP/1.1 extra"),
                format!("GET {path}"),
                format!("GET  {path} HTTP/1.1"),
                format!("GET\t{path}\tHTTP/1.1"),
                format!("GET {path} HTTX/1.1"),
                "GET  HTTP/1.1".to_owned(),
                "GET".to_owned(),
                format!("{} {path} HTTP/1.1", word(&mut rng).to_uppercase()),
                "GET /ws/chat/a\x01b HTTP/1.1".to_owned(),
                "GET /ws/chat/a\x7fb HTTP/1.1".to_owned(),
            ];
            let line = rng.pick(&lines).clone();
            (split(&mut rng, Request::build(&line, &request.headers())), Expect::Refused)
        }
        Kind::MissingKey => (split(&mut rng, request.without("Sec-WebSocket-Key")), Expect::Refused),
        Kind::WrongVersion => {
            let bytes = if rng.percent(20) {
                request.without("Sec-WebSocket-Version")
            } else {
                let versions = ["12", "8", "14", "", "1.3", "13, 8", "thirteen", "013", "-13", "+13", "1 3"];
                let version = *rng.pick(&versions);
                request.with("Sec-WebSocket-Version", version)
            };
            (split(&mut rng, bytes), Expect::Refused)
        }
        Kind::MissingUpgrade => {
            let bytes = match rng.below(5) {
                0 => request.without("Upgrade"),
                1 => request.without("Connection"),
                2 => request.with("Upgrade", "h2c"),
                3 => request.with("Connection", "keep-alive"),
                _ => request.with("Upgrade", "websocketx"),
            };
            (split(&mut rng, bytes), Expect::Refused)
        }
        Kind::GarbageHeader => {
            let garbage = [
                "NoColonHere".to_owned(),
                "Bad Name: x".to_owned(),
                "(paren): x".to_owned(),
                ": empty name".to_owned(),
                " leading-space: x".to_owned(),
                "\tfolded continuation".to_owned(),
                "X-\u{1}: y".to_owned(),
                "X-Ctl: a\u{0}b".to_owned(),
                "Na\"me: x".to_owned(),
                format!("X-{}", String::from_utf8_lossy(&junk(&mut rng, 20)).replace(':', "")),
            ];
            let mut headers = request.headers();
            let at = rng.below(headers.len() + 1);
            headers.insert(at, rng.pick(&garbage).clone());
            (split(&mut rng, Request::build(&request.line(), &headers)), Expect::Refused)
        }
        Kind::TooManyHeaders => {
            let mut headers = request.headers();
            headers.extend((0..rng.range(125, 300)).map(|i| format!("X-Many-{i}: {i}")));
            (one(Request::build(&request.line(), &headers)), Expect::Refused)
        }
        Kind::HugeHeader => {
            let mut headers = request.headers();
            headers.push(format!("X-Huge: {}", "h".repeat(rng.range(65 * 1024, 256 * 1024))));
            (one(Request::build(&request.line(), &headers)), Expect::Refused)
        }
        Kind::TruncatedSilent => {
            let valid = request.valid();
            // Up to the last byte before the final LF: never a complete request.
            let cut = rng.below(valid.len() - 1);
            let chunks = if cut == 0 { Vec::new() } else { one(valid[..cut].to_vec()) };
            (chunks, Expect::Refused)
        }
        Kind::BytesBefore => {
            let len = rng.range(1, 64);
            let mut bytes = junk(&mut rng, len);
            bytes.extend(request.valid());
            (split(&mut rng, bytes), Expect::Refused)
        }
        Kind::BytesInstead => {
            let len = rng.range(1, 4096);
            let bytes = if rng.percent(20) {
                // A TLS ClientHello's start, as from a client that got the scheme wrong.
                let mut hello = vec![0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03];
                hello.extend(rng.bytes(len));
                hello
            } else {
                junk(&mut rng, len)
            };
            (split(&mut rng, bytes), Expect::Refused)
        }
        Kind::JunkAfterRequest => {
            // Frames in the same write as the request: the handshake sees bytes after it. The
            // first junk byte has RSV bits set, so that were it read as a frame it would fail too.
            let mut bytes = request.valid();
            bytes.push(0x70 | rng.byte());
            let len = rng.range(0, 200);
            bytes.extend(rng.bytes(len));
            (one(bytes), Expect::Closes)
        }
        Kind::NotFound => {
            let other = ["/", "/ws", "/ws/chat", "/ws/chat/a/b", "/ws/chat/%FF", "/ws/chat/%zz", "/ws/chat/%"]
                .map(str::to_owned);
            let path = if rng.percent(50) {
                rng.pick(&other).clone()
            } else {
                format!("/{}/{}", word(&mut rng), word(&mut rng))
            };
            let request = Request { host, path };
            (split(&mut rng, request.valid()), Expect::Status(404))
        }
        Kind::ForeignOrigin => {
            let origins = ["http://evil.example", "null", "https://127.0.0.2", "http://127.0.0.1.evil.example"];
            let origin = *rng.pick(&origins);
            let bytes = request.with("Origin", origin);
            (split(&mut rng, bytes), Expect::Status(403))
        }
        Kind::Documentation => {
            let targets = ["/asyncapi.json", "/asyncapi.yaml", "/asyncapi", "/healthz", "/asyncapi?format=yaml"];
            let target = rng.pick(&targets);
            let head = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes();
            if rng.percent(30) {
                // The head never ends: the handshake deadline closes it, unanswered.
                let cut = rng.range(target.len() + 15, head.len() - 2);
                (one(head[..cut].to_vec()), Expect::Refused)
            } else {
                (split(&mut rng, head), Expect::Status(200))
            }
        }
        Kind::Dribble => {
            // A valid request a few bytes at a time: tungstenite may take it as an attack.
            let valid = request.valid();
            let chunks = valid
                .chunks(rng.range(1, 16))
                .map(|c| Chunk { bytes: c.to_vec(), pause: Duration::from_millis(rng.below(3) as u64) })
                .collect();
            (chunks, linger(&mut rng))
        }
        Kind::HangUp => {
            let valid = request.valid();
            let cut = rng.below(valid.len());
            let chunks = if cut == 0 { Vec::new() } else { one(valid[..cut].to_vec()) };
            (chunks, Expect::Anything(Duration::ZERO))
        }
        _ => {
            upgrade = Some(path.clone());
            frames(&mut rng, kind)
        }
    };
    Case { index, kind, upgrade, chunks, expect, ending }
}

/// The bytes of a case after the upgrade, and what the server must do with them.
fn frames(rng: &mut Rng, kind: Kind) -> (Vec<Chunk>, Expect) {
    let linger = |rng: &mut Rng| Expect::Anything(Duration::from_millis(rng.below(60) as u64));
    let small = |rng: &mut Rng| {
        let len = rng.below(126);
        rng.bytes(len)
    };
    let (bytes, expect) = match kind {
        Kind::Valid => {
            let mut bytes = Vec::new();
            if rng.percent(50) {
                let payload = small(rng);
                bytes.extend(masked(rng, FIN | PING, &payload));
            }
            bytes.extend(masked(rng, FIN | TEXT, PING_JSON));
            (bytes, Expect::Reply)
        }
        Kind::Fragmented => {
            let (message, _) = if rng.percent(40) {
                (br#"{"action":"ping","note":"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"}"#.to_vec(), false)
            } else {
                contract_breaking(rng)
            };
            // Valid UTF-8 cut inside a character is valid: half the time, inside the emoji.
            let emoji = message.windows(4).position(|w| w == "😀".as_bytes());
            let cut = emoji.filter(|_| rng.percent(50)).map(|at| at + rng.range(1, 3));
            (fragments(rng, &message, cut), Expect::Reply)
        }
        Kind::Interleaved => {
            let first = if rng.percent(50) { TEXT } else { BINARY };
            let cut = rng.below(PING_JSON.len());
            let mut bytes = masked(rng, first, &PING_JSON[..cut]);
            if rng.percent(50) {
                let payload = small(rng);
                bytes.extend(masked(rng, CONTINUATION, &payload));
            }
            let second = if rng.percent(50) { TEXT } else { BINARY };
            let fin = if rng.percent(70) { FIN } else { 0 };
            bytes.extend(masked(rng, fin | second, PING_JSON));
            (bytes, Expect::Closes)
        }
        Kind::OrphanContinuation => {
            let mut bytes = Vec::new();
            if rng.percent(30) {
                // A complete message first: the continuation follows a finished message.
                bytes.extend(masked(rng, FIN | TEXT, PING_JSON));
            }
            let fin = if rng.percent(50) { FIN } else { 0 };
            let payload = small(rng);
            bytes.extend(masked(rng, fin | CONTINUATION, &payload));
            (bytes, Expect::Closes)
        }
        Kind::BadOpcode => {
            let opcode = *rng.pick(&[3u8, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF]);
            let fin = if rng.percent(70) { FIN } else { 0 };
            let mut bytes = Vec::new();
            if rng.percent(20) {
                bytes.extend(masked(rng, TEXT, b"{\"act"));
            }
            let payload = small(rng);
            bytes.extend(masked(rng, fin | opcode, &payload));
            (bytes, Expect::Closes)
        }
        Kind::InvalidUtf8 => {
            let mut payload = b"{\"action\":\"".to_vec();
            payload.extend(invalid_utf8(rng));
            payload.extend(b"\"}");
            (masked(rng, FIN | TEXT, &payload), Expect::Closes)
        }
        Kind::InvalidUtf8Fragments => {
            let mut payload = b"{\"action\":\"ping\",\"x\":\"".to_vec();
            let invalid = invalid_utf8(rng);
            // Half the time, a fragment ends inside the invalid sequence.
            let cut = (invalid.len() > 1 && rng.percent(50)).then(|| payload.len() + rng.range(1, invalid.len() - 1));
            payload.extend(invalid);
            if rng.percent(70) {
                payload.extend(b"\"}");
            }
            (fragments(rng, &payload, cut), Expect::Closes)
        }
        Kind::BigControl => {
            let opcode = *rng.pick(&[PING, PONG, CLOSE]);
            let len = rng.range(126, 2048);
            let mut payload = rng.bytes(len);
            if opcode == CLOSE {
                payload[..2].copy_from_slice(&1000u16.to_be_bytes());
            }
            (masked(rng, FIN | opcode, &payload), Expect::Closes)
        }
        Kind::FragmentedControl => {
            let opcode = *rng.pick(&[PING, PONG, CLOSE]);
            let len = rng.below(10);
            let payload = rng.bytes(len);
            let mut bytes = masked(rng, opcode, &payload);
            if rng.percent(50) {
                let payload = small(rng);
                bytes.extend(masked(rng, FIN | CONTINUATION, &payload));
            }
            (bytes, Expect::Closes)
        }
        Kind::Unmasked => {
            let bytes = match rng.below(4) {
                0 => frame(FIN | PING, None, &small(&mut *rng)),
                1 => frame(FIN | CLOSE, None, &1000u16.to_be_bytes()),
                2 => frame(TEXT, None, b"{\"action\""),
                _ => frame(FIN | TEXT, None, PING_JSON),
            };
            (bytes, Expect::Closes)
        }
        Kind::ReservedBits => {
            let rsv = (rng.range(1, 7) as u8) << 4;
            let opcode = *rng.pick(&[TEXT, BINARY, PING, PONG, CLOSE]);
            let payload: &[u8] = if opcode == CLOSE { &[0x03, 0xE8] } else { PING_JSON };
            (masked(rng, FIN | rsv | opcode, payload), Expect::Closes)
        }
        Kind::BadCloseCode => {
            let codes: &[u16] =
                &[0, 1, 999, 1004, 1005, 1006, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 9999, 65535, 1000, 1001, 4999];
            let code = *rng.pick(codes);
            let mut payload = code.to_be_bytes().to_vec();
            match rng.below(3) {
                0 => payload.extend(word(rng).as_bytes()),
                1 => payload.extend(invalid_utf8(rng)),
                _ => {}
            }
            (masked(rng, FIN | CLOSE, &payload), Expect::Closes)
        }
        Kind::CloseOneByte => {
            let byte = rng.byte();
            (masked(rng, FIN | CLOSE, &[byte]), Expect::Closes)
        }
        Kind::Length64Msb => {
            let first = *rng.pick(&[FIN | TEXT, FIN | BINARY, TEXT, CONTINUATION, FIN | PING]);
            let masking = if rng.percent(80) { 0x80 } else { 0 };
            let mut bytes = vec![first, masking | 127];
            bytes.extend((rng.next_u64() | 1 << 63).to_be_bytes());
            if masking != 0 {
                bytes.extend(mask(rng));
            }
            let len = rng.below(64);
            bytes.extend(rng.bytes(len));
            (bytes, Expect::Closes)
        }
        Kind::LengthLies => {
            if rng.percent(30) {
                // More than the largest message: refused at the header, before any payload.
                let claimed = rng.range(64 * 1024 + 1, 100 << 20) as u64;
                let mut bytes = vec![FIN | TEXT, 0x80 | 127];
                bytes.extend(claimed.to_be_bytes());
                bytes.extend(mask(rng));
                let len = rng.below(100);
                bytes.extend(rng.bytes(len));
                (bytes, Expect::Closes)
            } else {
                // Within the limit, but the payload never comes: the client goes silent, then
                // ends the case its way.
                let claimed = rng.range(2, 64 * 1024);
                let mut bytes = masked(rng, FIN | TEXT, &vec![b' '; claimed]);
                let header = bytes.len() - claimed;
                bytes.truncate(header + rng.below(claimed));
                (bytes, Expect::Anything(Duration::from_millis(rng.range(0, 300) as u64)))
            }
        }
        Kind::TooBig => {
            // Fragments each within the frame limit, adding up past the message limit.
            let mut bytes = masked(rng, TEXT, &vec![b' '; 40 * 1024]);
            bytes.extend(masked(rng, CONTINUATION, &vec![b' '; 20 * 1024]));
            let last = rng.range(5 * 1024, 40 * 1024);
            bytes.extend(masked(rng, FIN | CONTINUATION, &vec![b' '; last]));
            (bytes, Expect::Closes)
        }
        Kind::Flood => {
            // Past the 200 frames a second the server allows.
            let mut bytes = Vec::new();
            for _ in 0..rng.range(230, 320) {
                bytes.extend(masked(rng, FIN | TEXT, PING_JSON));
            }
            (bytes, Expect::Closes)
        }
        Kind::ControlFlood => {
            // Pings are answered by the transport and not rate-limited: hundreds, then a
            // message, which must still be answered. Small payloads, so that the pongs fit in
            // the socket buffers while the client is still writing.
            let mut bytes = Vec::new();
            for _ in 0..rng.range(100, 600) {
                let len = rng.below(17);
                let payload = rng.bytes(len);
                let opcode = if rng.percent(80) { PING } else { PONG };
                bytes.extend(masked(rng, FIN | opcode, &payload));
            }
            bytes.extend(masked(rng, FIN | TEXT, PING_JSON));
            (bytes, Expect::Reply)
        }
        Kind::AfterClose => {
            let mut bytes = masked(rng, FIN | CLOSE, &1000u16.to_be_bytes());
            for _ in 0..rng.range(1, 5) {
                bytes.extend(masked(rng, FIN | TEXT, PING_JSON));
            }
            (bytes, Expect::Closes)
        }
        Kind::Chatter => {
            // Valid chat messages, broadcast to the room (the sender included), read slowly
            // or not at all: the outbound queues fill, and overflow closes with 1013.
            let mut bytes = Vec::new();
            for _ in 0..rng.range(1, 150) {
                let message = "m".repeat(rng.range(1, 2000));
                let text = format!(r#"{{"action":"chat","payload":{{"message":"{message}"}}}}"#);
                bytes.extend(masked(rng, FIN | TEXT, text.as_bytes()));
            }
            (bytes, linger(rng))
        }
        Kind::RandomFrames => {
            let len = rng.range(1, 2048);
            (rng.bytes(len), linger(rng))
        }
        Kind::Contract => {
            let (payload, binary) = contract_breaking(rng);
            (masked(rng, FIN | if binary { BINARY } else { TEXT }, &payload), Expect::Reply)
        }
        _ => unreachable!("a handshake kind: {kind:?}"),
    };
    (split(rng, bytes), expect)
}

fn invalid_utf8(rng: &mut Rng) -> Vec<u8> {
    let sequences: &[&[u8]] = &[
        &[0xFF],
        &[0xFE],
        &[0x80],
        &[0xC0, 0x80],
        &[0xC1, 0xBF],
        &[0xE0, 0x80, 0x80],
        &[0xED, 0xA0, 0x80],
        &[0xF4, 0x90, 0x80, 0x80],
        &[0xF8, 0x88, 0x80, 0x80, 0x80],
        &[0xE2, 0x82],
        &[0xE2, 0x82, 0x28],
        &[0xF0, 0x9F, 0x98],
    ];
    rng.pick(sequences).to_vec()
}

// The client side of a case.

/// A server frame (unmasked, as servers send them).
#[derive(Debug)]
struct ServerFrame {
    opcode: u8,
    payload: Vec<u8>,
}

/// Takes one whole frame off the front of `buffer`, if there is one.
fn take_frame(buffer: &mut Vec<u8>) -> Result<Option<ServerFrame>, String> {
    if buffer.len() < 2 {
        return Ok(None);
    }
    let opcode = buffer[0] & 0x0F;
    let masked = buffer[1] & 0x80 != 0;
    let (len, mut at) = match buffer[1] & 0x7F {
        126 if buffer.len() >= 4 => (u16::from_be_bytes([buffer[2], buffer[3]]) as usize, 4),
        127 if buffer.len() >= 10 => {
            let len = u64::from_be_bytes(buffer[2..10].try_into().map_err(|_| "length")?);
            (usize::try_from(len).map_err(|_| format!("the server sent a frame of {len} bytes"))?, 10)
        }
        126 | 127 => return Ok(None),
        len => (len as usize, 2),
    };
    if masked {
        return Err(format!("the server sent a masked frame: {}", hex(&buffer[..buffer.len().min(16)])));
    }
    if buffer.len() < at + len {
        return Ok(None);
    }
    let payload = buffer[at..at + len].to_vec();
    at += len;
    buffer.drain(..at);
    Ok(Some(ServerFrame { opcode, payload }))
}

/// How a read ended.
enum Read {
    Data,
    Closed,
    TimedOut,
}

/// A fuzz socket and what the server sent on it.
struct Peer {
    stream: TcpStream,
    received: Vec<u8>,
}

impl Peer {
    async fn read(&mut self, deadline: Instant) -> Read {
        let mut chunk = [0u8; 16 * 1024];
        match tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await {
            Err(_) => Read::TimedOut,
            Ok(Ok(0) | Err(_)) => Read::Closed,
            Ok(Ok(n)) => {
                self.received.extend_from_slice(&chunk[..n]);
                Read::Data
            }
        }
    }

    /// Reads until the server closes the socket, within `within`.
    async fn until_closed(&mut self, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        loop {
            match self.read(deadline).await {
                Read::Data => {
                    // Keep only the start, enough to tell what the server answered.
                    if self.received.len() > 64 * 1024 {
                        self.received.truncate(64 * 1024);
                    }
                }
                Read::Closed => return Ok(()),
                Read::TimedOut => return Err(format!("the server kept the connection open for {within:?}")),
            }
        }
    }

    /// Reads the server's answer to the upgrade.
    async fn upgraded(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + BOUND;
        loop {
            if let Some(end) = self.received.windows(4).position(|w| w == b"\r\n\r\n") {
                let head: Vec<u8> = self.received.drain(..end + 4).collect();
                return if head.starts_with(b"HTTP/1.1 101 ") {
                    Ok(())
                } else {
                    Err(format!("a valid upgrade was answered {:?}", String::from_utf8_lossy(&head)))
                };
            }
            match self.read(deadline).await {
                Read::Data => {}
                Read::Closed => return Err("the server closed a valid upgrade".to_owned()),
                Read::TimedOut => return Err(format!("no answer to a valid upgrade in {BOUND:?}")),
            }
        }
    }

    /// The next text frame the server sends (pings and pongs skipped), within [`BOUND`].
    async fn text(&mut self) -> Result<String, String> {
        let deadline = Instant::now() + BOUND;
        loop {
            while let Some(frame) = take_frame(&mut self.received)? {
                match frame.opcode {
                    TEXT => {
                        let text = String::from_utf8(frame.payload).map_err(|_| "a text frame not UTF-8")?;
                        // Another connection's chat in the room is no answer to this one.
                        if !text.starts_with(r#"{"action":"chatNotification""#) {
                            return Ok(text);
                        }
                    }
                    CLOSE => return Err(format!("the server closed with {}", close_code(&frame.payload))),
                    PING | PONG => {}
                    other => return Err(format!("the server sent opcode {other:#x}")),
                }
            }
            match self.read(deadline).await {
                Read::Data => {}
                Read::Closed => return Err("the server closed the connection".to_owned()),
                Read::TimedOut => return Err(format!("no answer in {BOUND:?}")),
            }
        }
    }

    /// The close code the server sent, if it sent a close frame.
    fn close_code(&mut self) -> Option<String> {
        while let Ok(Some(frame)) = take_frame(&mut self.received) {
            if frame.opcode == CLOSE {
                return Some(close_code(&frame.payload));
            }
        }
        None
    }
}

fn close_code(payload: &[u8]) -> String {
    match payload {
        [a, b, ..] => u16::from_be_bytes([*a, *b]).to_string(),
        _ => "no code".to_owned(),
    }
}

/// What happened in a case, for the summary.
type Outcome = String;

async fn run(addr: SocketAddr, case: &Case, rng: &mut Rng) -> Result<Outcome, String> {
    let stream = support::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    let mut peer = Peer { stream, received: Vec::new() };
    if let Some(path) = &case.upgrade {
        let request = support::upgrade_request(&addr.to_string(), path);
        peer.stream.write_all(&request).await.map_err(|e| format!("writing the upgrade: {e}"))?;
        peer.upgraded().await?;
    }
    let mut write_failed = None;
    for chunk in &case.chunks {
        if let Err(error) = peer.stream.write_all(&chunk.bytes).await {
            write_failed = Some(error);
            break;
        }
        if !chunk.pause.is_zero() {
            tokio::time::sleep(chunk.pause).await;
        }
    }
    let outcome = match case.expect {
        Expect::Refused | Expect::Status(_) => {
            peer.until_closed(HANDSHAKE_TIMEOUT + BOUND).await?;
            let answer = peer.received.split(|b| *b == b'\r').next().unwrap_or_default();
            let answer = String::from_utf8_lossy(answer).into_owned();
            if let Expect::Status(status) = case.expect {
                if !answer.starts_with(&format!("HTTP/1.1 {status} ")) {
                    return Err(format!("expected HTTP {status}, got {answer:?}"));
                }
            } else if answer.starts_with("HTTP/1.1 101") {
                return Err("the server upgraded a bad handshake".to_owned());
            }
            if answer.is_empty() { "closed, no answer".to_owned() } else { answer }
        }
        Expect::Closes => {
            peer.until_closed(BOUND).await?;
            if case.upgrade.is_none() && peer.received.starts_with(b"HTTP/1.1 101") {
                // The junk came after the upgrade's read: the frame reader refused it instead.
                let end = peer.received.windows(4).position(|w| w == b"\r\n\r\n").map_or(0, |e| e + 4);
                peer.received.drain(..end);
            }
            match peer.close_code() {
                Some(code) => format!("closed with {code}"),
                None => "closed, no close frame".to_owned(),
            }
        }
        Expect::Reply => {
            if let Some(error) = write_failed {
                return Err(format!("writing: {error}"));
            }
            let answer = peer.text().await?;
            let value: serde_json::Value =
                serde_json::from_str(&answer).map_err(|_| format!("an answer that is not JSON: {answer:?}"))?;
            let outcome = match value["action"].as_str() {
                Some("pong") => "pong".to_owned(),
                Some("error") if value["error"]["code"].is_string() => format!("error {}", value["error"]["code"]),
                _ => return Err(format!("an answer that is neither a pong nor an error frame: {answer}")),
            };
            let ping = masked(rng, FIN | TEXT, PING_JSON);
            peer.stream.write_all(&ping).await.map_err(|e| format!("the ping after the answer: {e}"))?;
            let pong = peer.text().await.map_err(|e| format!("the ping after the answer: {e}"))?;
            if !pong.contains("\"pong\"") {
                return Err(format!("the ping after the answer got {pong}"));
            }
            outcome
        }
        Expect::Anything(linger) => {
            let deadline = Instant::now() + linger;
            let mut read = Read::Data;
            while let Read::Data = read {
                read = peer.read(deadline).await;
                peer.received.truncate(64 * 1024);
            }
            let upgraded = case.upgrade.is_some() || peer.received.starts_with(b"HTTP/1.1 101 ");
            match read {
                Read::Closed if upgraded => match peer.close_code() {
                    Some(code) => format!("closed by the server with {code}"),
                    None => "closed by the server".to_owned(),
                },
                Read::Closed => "refused".to_owned(),
                _ if upgraded => "client ended, upgraded".to_owned(),
                _ => "client ended".to_owned(),
            }
        }
    };
    match case.ending {
        Ending::Drop => drop(peer),
        Ending::Reset => {
            let _ = peer.stream.set_zero_linger();
            drop(peer);
        }
        Ending::HalfClose => {
            let _ = peer.stream.shutdown().await;
            peer.until_closed(HANDSHAKE_TIMEOUT + BOUND)
                .await
                .map_err(|e| format!("after the client shut down its half: {e}"))?;
        }
    }
    Ok(outcome)
}

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
