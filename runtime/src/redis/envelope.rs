//! What a layer publishes to Redis: a small header (version, kind, publishing layer, target
//! connection) and the body: a frame's bytes as they go on the wire, or a server event's
//! JSON. The format is documented in `docs/REDIS.md`, for services in other languages.

use crate::codec::Frame;
use crate::event::Event;
use crate::outbox::{ConnectionId, Delivery};

/// A publication: version, kind, origin layer, target connection, then the body (encoded
/// once, for everyone).
pub(super) struct Envelope<'a> {
    pub(super) origin: u64,
    pub(super) target: Option<ConnectionId>,
    pub(super) kind: Kind,
    pub(super) body: &'a [u8],
}

/// What an envelope's body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A text frame (`t`).
    Text,
    /// A binary frame (`b`).
    Binary,
    /// A server event's JSON (`e`).
    Event,
}

impl<'a> Envelope<'a> {
    pub(super) const VERSION: u8 = 1;
    pub(super) const HEADER: usize = 18;

    /// The envelope of `delivery`; an error for an event whose value does not serialize.
    pub(super) fn encode(origin: u64, target: Option<ConnectionId>, delivery: &Delivery) -> Result<Vec<u8>, String> {
        let json;
        let (kind, body) = match delivery {
            Delivery::Frame(Frame::Text(text)) => (b't', text.as_bytes()),
            Delivery::Frame(Frame::Binary(bytes)) => (b'b', &bytes[..]),
            Delivery::Event(event) => {
                json = event.to_json()?;
                (b'e', json.as_bytes())
            }
        };
        let mut out = Vec::with_capacity(Self::HEADER + body.len());
        out.push(Self::VERSION);
        out.push(kind);
        out.extend_from_slice(&origin.to_be_bytes());
        out.extend_from_slice(&target.map_or(0, ConnectionId::get).to_be_bytes());
        out.extend_from_slice(body);
        Ok(out)
    }

    pub(super) fn decode(bytes: &'a [u8]) -> Option<Self> {
        let (header, body) = bytes.split_at_checked(Self::HEADER)?;
        let kind = match (header[0], header[1]) {
            (Self::VERSION, b't') => Kind::Text,
            (Self::VERSION, b'b') => Kind::Binary,
            (Self::VERSION, b'e') => Kind::Event,
            _ => return None,
        };
        let origin = u64::from_be_bytes(header[2..10].try_into().ok()?);
        let target = u64::from_be_bytes(header[10..18].try_into().ok()?);
        Some(Self { origin, target: (target != 0).then_some(ConnectionId(target)), kind, body })
    }

    /// What the envelope delivers; `None` when a text frame or an event is not UTF-8.
    pub(super) fn delivery(&self) -> Option<Delivery> {
        let text = || std::str::from_utf8(self.body).ok();
        Some(match self.kind {
            Kind::Binary => Delivery::Frame(Frame::binary(self.body.to_vec())),
            Kind::Text => Delivery::Frame(Frame::text(text()?)),
            Kind::Event => Delivery::Event(Event::from_json(text()?)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(envelope: &Envelope<'_>) -> Option<Frame> {
        match envelope.delivery()? {
            Delivery::Frame(frame) => Some(frame),
            Delivery::Event(_) => None,
        }
    }

    #[test]
    fn envelopes_carry_frames_unchanged() {
        let id = ConnectionId::next();
        let text = Envelope::encode(7, None, &Frame::text("{\"a\":1}").into()).expect("encodes");
        let read = Envelope::decode(&text).expect("an envelope");
        assert_eq!((read.origin, read.target), (7, None));
        assert_eq!(frame(&read), Some(Frame::text("{\"a\":1}")));

        let binary = Envelope::encode(9, Some(id), &Frame::binary(vec![0, 255, 1]).into()).expect("encodes");
        let read = Envelope::decode(&binary).expect("an envelope");
        assert_eq!((read.origin, read.target), (9, Some(id)));
        assert_eq!(frame(&read), Some(Frame::binary(vec![0, 255, 1])));
    }

    #[test]
    fn events_travel_as_their_json_after_the_header() {
        let event = Event::new(serde_json::json!({"kind": "mention", "by": "ada"}));
        let bytes = Envelope::encode(7, None, &event.into()).expect("encodes");
        assert_eq!(&bytes[..2], b"\x01e");
        assert_eq!(&bytes[18..], br#"{"kind":"mention","by":"ada"}"#);
        let read = Envelope::decode(&bytes).expect("an envelope");
        let Some(Delivery::Event(event)) = read.delivery() else { panic!("an event") };
        assert_eq!(&*event.to_json().expect("json"), r#"{"kind":"mention","by":"ada"}"#);
    }

    #[test]
    fn foreign_messages_are_not_envelopes() {
        assert!(Envelope::decode(b"hello").is_none());
        assert!(Envelope::decode(&[2; 20]).is_none());
        let mut bad_text = Envelope::encode(1, None, &Frame::text(String::new()).into()).expect("encodes");
        bad_text.push(0xff);
        assert!(Envelope::decode(&bad_text).and_then(|e| e.delivery()).is_none());
    }
}
