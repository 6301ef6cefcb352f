//! Frames, as a client writes them: RFC 6455 framing by hand, and the bytes each kind of
//! case writes after the upgrade.

use std::time::Duration;

use crate::cases::{Chunk, Expect, Kind, split};
use crate::json::{contract_breaking, word};
use crate::support::Rng;

pub(crate) const FIN: u8 = 0x80;
const CONTINUATION: u8 = 0x0;
pub(crate) const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
pub(crate) const CLOSE: u8 = 0x8;
pub(crate) const PING: u8 = 0x9;
pub(crate) const PONG: u8 = 0xA;

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
pub(crate) fn masked(rng: &mut Rng, first: u8, payload: &[u8]) -> Vec<u8> {
    let key = mask(rng);
    frame(first, Some(key), payload)
}

pub(crate) const PING_JSON: &[u8] = br#"{"action":"ping"}"#;

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

/// The bytes of a case after the upgrade, and what the server must do with them.
pub(crate) fn frames(rng: &mut Rng, kind: Kind) -> (Vec<Chunk>, Expect) {
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
