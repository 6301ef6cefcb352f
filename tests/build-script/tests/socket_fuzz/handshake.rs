//! Handshakes: each case drawn by its index, and the requests written before the upgrade,
//! valid or broken.

use std::time::Duration;

use crate::cases::{Case, Chunk, Ending, Expect, KINDS, Kind, one, split};
use crate::frames::frames;
use crate::json::word;
use crate::support::{self, Rng};

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
pub(crate) fn case(seed: u64, index: u64, host: &str) -> Case {
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
