//! What a case is: its kind (and the weights kinds are drawn by), the writes it makes, what
//! the server must do with it, and how the client ends it.

use std::fmt::Write as _;
use std::time::Duration;

use crate::support::Rng;

/// What a case sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
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
pub(crate) const KINDS: &[(Kind, usize)] = &[
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
pub(crate) enum Expect {
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
pub(crate) enum Ending {
    /// Drops the socket: FIN (or RST, when the server's data is unread).
    Drop,
    /// RST: `SO_LINGER` 0, then drop.
    Reset,
    /// Shuts down its writing half; the server must then close within [`BOUND`](crate::BOUND).
    HalfClose,
}

/// One write of a case, and how long the client waits after it.
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    pub(crate) bytes: Vec<u8>,
    pub(crate) pause: Duration,
}

#[derive(Debug, Clone)]
pub(crate) struct Case {
    pub(crate) index: u64,
    pub(crate) kind: Kind,
    /// The path of the valid upgrade written before `chunks`, when there is one.
    pub(crate) upgrade: Option<String>,
    pub(crate) chunks: Vec<Chunk>,
    pub(crate) expect: Expect,
    pub(crate) ending: Ending,
}

impl Case {
    /// The case's bytes, for a failure report.
    pub(crate) fn describe(&self) -> String {
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

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

pub(crate) fn one(bytes: Vec<u8>) -> Vec<Chunk> {
    vec![Chunk { bytes, pause: Duration::ZERO }]
}

/// `bytes` cut into 1 to 8 writes a millisecond or two apart, half the time: the server must
/// reassemble frames across reads.
pub(crate) fn split(rng: &mut Rng, bytes: Vec<u8>) -> Vec<Chunk> {
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
