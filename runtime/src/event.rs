//! Server events: typed values published from anywhere (a handler, a background task,
//! another process) to a group, a principal's connections, one connection or everyone on a
//! channel, which each recipient connection's [`Events`] handler turns into zero or one
//! outgoing message for its own peer.
//!
//! In the publishing process an event travels as the value it was published as: no
//! serialization, one reference count per recipient. Only a cross-process layer encodes it,
//! once, as JSON, and each receiving process decodes it once, on its first recipient. The
//! recipients' handlers read it as their own [`Events::Event`] type: the same type as the
//! publisher's costs nothing more; another one (an enum of several kinds, a service in
//! another language) is read through its JSON.

use std::any::{Any, TypeId};
use std::future::Future;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::Context;
use crate::contract::ChannelSpec;
use crate::outbox::ConnectionId;

/// Turns server events into what each connection of a channel receives: implemented, next
/// to the channel's consumer trait, by the same type, and mounted with the generated
/// `<channel>::channel_with_events(implementation)`.
///
/// ```ignore
/// impl tidings::Events<chat::Spec, User, Session> for Chat {
///     type Event = ChatEvent;
///
///     async fn on_event(&self, cx: &mut chat::Context<User, Session>, event: &ChatEvent) -> Option<chat::Outgoing> {
///         match event {
///             // Filter: a user who muted the speaker does not see it.
///             ChatEvent::Said { by, .. } if cx.state().muted.contains(by) => None,
///             // Personalize: each connection renders it for its own user.
///             ChatEvent::Said { by, text } => Some(said(by, text, cx.principal()).into()),
///         }
///     }
/// }
/// ```
///
/// The handler runs in the recipient connection's writer, so what it returns keeps its
/// place among the connection's other outgoing frames; it takes the connection's state as a
/// message handler does (waiting for a handler of the same connection that holds it). An
/// event its type cannot read (published by another service with other fields) is dropped
/// for that connection and logged, as is a handler that panics.
pub trait Events<C: ChannelSpec, P = (), S = ()>: Send + Sync + 'static {
    /// The events this channel's connections receive. One type per channel: an enum when
    /// there are several kinds.
    type Event: DeserializeOwned + Send + Sync + 'static;

    /// What connection `cx` receives for `event`: `None` to skip it.
    fn on_event(
        &self,
        cx: &mut Context<C, P, S>,
        event: &Self::Event,
    ) -> impl Future<Output = Option<C::Outgoing>> + Send;
}

/// Who an event is for: a group, a principal's connections, one connection, or everyone on
/// the channel, optionally leaving one connection out (the one that caused it).
///
/// ```
/// use tidings::To;
/// let room = To::group("lobby");
/// let ada = To::principal("ada");
/// let everyone = To::channel();
/// # let me = tidings::ConnectionId::from_u64(1);
/// let others = To::group("lobby").except(me);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct To<'a> {
    pub(crate) target: Target<'a>,
    pub(crate) except: Option<ConnectionId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    Group(&'a str),
    Principal(&'a str),
    Channel,
    Connection(ConnectionId),
}

impl<'a> To<'a> {
    /// Every member of `group` of the channel, in every process.
    pub fn group(group: &'a str) -> Self {
        Self { target: Target::Group(group), except: None }
    }

    /// Every connection on the channel of the principal with `key`
    /// ([`Principal::key`](crate::Principal::key)): all tabs of one user, in every process.
    pub fn principal(key: &'a str) -> Self {
        Self { target: Target::Principal(key), except: None }
    }

    /// Every connection on the channel, in every process.
    pub fn channel() -> Self {
        Self { target: Target::Channel, except: None }
    }

    /// One connection, in whichever process holds it.
    pub fn connection(id: ConnectionId) -> Self {
        Self { target: Target::Connection(id), except: None }
    }

    /// Leaves connection `id` out (it must be a connection of this process: the one that
    /// caused the event, usually).
    #[must_use]
    pub fn except(mut self, id: ConnectionId) -> Self {
        self.except = Some(id);
        self
    }
}

/// A server event in flight, as layers carry it: the value it was published as, or the JSON
/// another process published. Cloning is a reference count.
#[derive(Clone)]
pub struct Event(Arc<Inner>);

struct Inner {
    /// The value as published in this process, with what encodes it.
    value: Option<Published>,
    /// The JSON, encoded on first need (published here) or as received (from elsewhere).
    json: OnceLock<Result<Arc<str>, String>>,
    /// The JSON read as the recipients' type, on the first recipient (received from elsewhere,
    /// or published as another type).
    decoded: OnceLock<(TypeId, Result<AnyValue, String>)>,
}

type AnyValue = Arc<dyn Any + Send + Sync>;

struct Published {
    value: Arc<dyn Any + Send + Sync>,
    encode: fn(&(dyn Any + Send + Sync)) -> serde_json::Result<String>,
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Event");
        match self.0.json.get() {
            Some(Ok(json)) => out.field("json", json),
            _ => out.field("local", &self.0.value.is_some()),
        };
        out.finish()
    }
}

impl Event {
    /// An event of `value`, published in this process.
    pub fn new<E: Serialize + Send + Sync + 'static>(value: E) -> Self {
        fn encode<E: Serialize + 'static>(value: &(dyn Any + Send + Sync)) -> serde_json::Result<String> {
            match value.downcast_ref::<E>() {
                Some(value) => crate::json::to_string(value),
                None => Err(serde::ser::Error::custom("an event's value changed type")),
            }
        }
        Self(Arc::new(Inner {
            value: Some(Published { value: Arc::new(value), encode: encode::<E> }),
            json: OnceLock::new(),
            decoded: OnceLock::new(),
        }))
    }

    /// An event as another process published it: its JSON.
    pub fn from_json(json: impl Into<Arc<str>>) -> Self {
        Self(Arc::new(Inner { value: None, json: OnceLock::from(Ok(json.into())), decoded: OnceLock::new() }))
    }

    /// The event as JSON, encoded once however often it is asked for: what a cross-process
    /// layer publishes. An error when the value does not serialize.
    pub fn to_json(&self) -> Result<Arc<str>, String> {
        self.0
            .json
            .get_or_init(|| match &self.0.value {
                Some(published) => (published.encode)(&*published.value).map(Arc::from).map_err(|e| e.to_string()),
                None => Err("the event has no value".to_owned()),
            })
            .clone()
    }

    /// The event as a `E`: the published value itself when it is one, else read from its JSON
    /// (once for all recipients of one type).
    pub(crate) fn read<E: DeserializeOwned + Send + Sync + 'static>(&self) -> Result<Arc<E>, String> {
        if let Some(published) = &self.0.value
            && let Ok(value) = Arc::clone(&published.value).downcast::<E>()
        {
            return Ok(value);
        }
        let decode = || -> Result<AnyValue, String> {
            let json = self.to_json()?;
            let value: E = serde_json::from_str(&json).map_err(|e| e.to_string())?;
            Ok(Arc::new(value))
        };
        let (type_id, decoded) = self.0.decoded.get_or_init(|| (TypeId::of::<E>(), decode()));
        if *type_id != TypeId::of::<E>() {
            // Recipients of two types (two channels' handlers) share the event: rare, and read again.
            return decode()?.downcast::<E>().map_err(|_| unreachable_type());
        }
        decoded.clone()?.downcast::<E>().map_err(|_| unreachable_type())
    }
}

fn unreachable_type() -> String {
    "an event decoded as one type read as another".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Said {
        by: String,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(untagged)]
    enum Other {
        Said { by: String },
    }

    #[test]
    fn a_local_event_is_read_as_published_without_encoding() {
        let event = Event::new(Said { by: "ada".into() });
        let read = event.read::<Said>().expect("the same type");
        assert_eq!(read.by, "ada");
        assert!(event.0.json.get().is_none(), "nothing was encoded");
        assert_eq!(&*event.to_json().expect("serializes"), r#"{"by":"ada"}"#);
    }

    #[test]
    fn another_type_reads_the_json() {
        let event = Event::new(Said { by: "ada".into() });
        assert_eq!(*event.read::<Other>().expect("reads"), Other::Said { by: "ada".into() });
        let remote = Event::from_json(r#"{"by":"bob"}"#);
        assert_eq!(remote.read::<Said>().expect("reads").by, "bob");
        assert_eq!(*remote.read::<Other>().expect("reads"), Other::Said { by: "bob".into() });
        let wrong = Event::from_json(r#"{"who":"bob"}"#);
        assert!(wrong.read::<Said>().expect_err("a missing field").contains("by"));
    }
}
