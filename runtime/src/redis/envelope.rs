//! A frame as published to Redis: a small header (version, kind, publishing layer, target
//! connection) and the frame's bytes as they go on the wire.

use crate::codec::Frame;
use crate::outbox::ConnectionId;

/// A frame as published: version, kind, origin layer, target connection, then the frame's
/// bytes as they go on the wire (the frame is encoded once, for everyone).
pub(super) struct Envelope<'a> {
    pub(super) origin: u64,
    pub(super) target: Option<ConnectionId>,
    pub(super) binary: bool,
    pub(super) body: &'a [u8],
}

impl<'a> Envelope<'a> {
    pub(super) const VERSION: u8 = 1;
    pub(super) const HEADER: usize = 18;

    pub(super) fn encode(origin: u64, target: Option<ConnectionId>, frame: &Frame) -> Vec<u8> {
        let (binary, body) = match frame {
            Frame::Text(text) => (false, text.as_bytes()),
            Frame::Binary(bytes) => (true, bytes.as_slice()),
        };
        let mut out = Vec::with_capacity(Self::HEADER + body.len());
        out.push(Self::VERSION);
        out.push(if binary { b'b' } else { b't' });
        out.extend_from_slice(&origin.to_be_bytes());
        out.extend_from_slice(&target.map_or(0, ConnectionId::get).to_be_bytes());
        out.extend_from_slice(body);
        out
    }

    pub(super) fn decode(bytes: &'a [u8]) -> Option<Self> {
        let (header, body) = bytes.split_at_checked(Self::HEADER)?;
        let binary = match (header[0], header[1]) {
            (Self::VERSION, b't') => false,
            (Self::VERSION, b'b') => true,
            _ => return None,
        };
        let origin = u64::from_be_bytes(header[2..10].try_into().ok()?);
        let target = u64::from_be_bytes(header[10..18].try_into().ok()?);
        Some(Self { origin, target: (target != 0).then_some(ConnectionId(target)), binary, body })
    }

    pub(super) fn frame(&self) -> Option<Frame> {
        if self.binary {
            Some(Frame::Binary(self.body.to_vec()))
        } else {
            String::from_utf8(self.body.to_vec()).ok().map(Frame::Text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_carry_frames_unchanged() {
        let id = ConnectionId::next();
        let text = Envelope::encode(7, None, &Frame::Text("{\"a\":1}".into()));
        let read = Envelope::decode(&text).expect("an envelope");
        assert_eq!((read.origin, read.target), (7, None));
        assert_eq!(read.frame(), Some(Frame::Text("{\"a\":1}".into())));

        let binary = Envelope::encode(9, Some(id), &Frame::Binary(vec![0, 255, 1]));
        let read = Envelope::decode(&binary).expect("an envelope");
        assert_eq!((read.origin, read.target), (9, Some(id)));
        assert_eq!(read.frame(), Some(Frame::Binary(vec![0, 255, 1])));
    }

    #[test]
    fn foreign_messages_are_not_envelopes() {
        assert!(Envelope::decode(b"hello").is_none());
        assert!(Envelope::decode(&[2; 20]).is_none());
        let mut bad_text = Envelope::encode(1, None, &Frame::Text(String::new()));
        bad_text.push(0xff);
        assert_eq!(Envelope::decode(&bad_text).and_then(|e| e.frame()), None);
    }
}
