//! Frames are checked against the contract's own schema when validation is on: constraints
//! the Rust types cannot carry (here `maximum` on an `i64`) are enforced, with a pointer.

use serde_json::json;
use std::task::Poll;

use tidings::channel::{FrameError, Session};
use tidings::codec::Frame;
use tidings::layer::{Groups, Inbox, Outbox};
use tidings::{ConnectionId, HandlerError};
use tidings_generated::formats::{records, types};

struct Store;

impl records::Records for Store {
    async fn store(&self, _: &mut records::Context, _: types::Record) -> Result<(), HandlerError> {
        Ok(())
    }
}

fn record(count: i64) -> Frame {
    let value = json!({"id": "67e55044-10b1-426f-9247-bb680e5fe0c8", "created": "2026-11-23T20:00:00Z",
                       "tree": {"label": "t"}, "present": null, "count": count});
    Frame::text(value.to_string())
}

#[tokio::test]
async fn constraints_beyond_the_types_are_validated_when_on() {
    let channel = records::channel(Store);
    let (outbox, _queue) = Outbox::bounded(4);
    let validated =
        channel.open(ConnectionId::next(), vec!["user".into()], outbox.clone(), Groups::default(), true).expect("open");
    assert!(matches!(validated.frame(record(5)).await, Ok(None)), "within the bounds");
    match validated.frame(record(9)).await.map_err(|failed| failed.error) {
        Err(FrameError::Decode(e)) => {
            assert_eq!(e.code(), "invalid_message");
            assert_eq!(e.pointer().as_deref(), Some("/count"));
            assert_eq!(e.to_string(), "invalid `record` message at `/count`: must be at most 5");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    // Off: the frame's types are fine, so it is accepted.
    let unvalidated =
        channel.open(ConnectionId::next(), vec!["user".into()], outbox, Groups::default(), false).expect("open");
    assert!(matches!(unvalidated.frame(record(9)).await, Ok(None)));
}

#[tokio::test]
async fn a_required_property_that_admits_null_must_be_there_even_unvalidated() {
    let channel = records::channel(Store);
    let (outbox, _queue) = Outbox::bounded(4);
    let unvalidated =
        channel.open(ConnectionId::next(), vec!["user".into()], outbox, Groups::default(), false).expect("open");
    let without = json!({"id": "67e55044-10b1-426f-9247-bb680e5fe0c8", "created": "2026-11-23T20:00:00Z",
                         "tree": {"label": "t"}});
    match unvalidated.frame(Frame::text(without.to_string())).await.map_err(|failed| failed.error) {
        Err(FrameError::Decode(e)) => assert!(e.to_string().contains("present"), "{e}"),
        other => panic!("`present` is required, got {other:?}"),
    }
    assert!(matches!(unvalidated.frame(record(1)).await, Ok(None)), "`null` is one of its values");
}

#[tokio::test]
async fn address_parameters_outside_the_contracts_enum_are_refused() {
    let channel = records::channel(Store);
    let (outbox, _queue) = Outbox::bounded(4);
    let refused = channel.open(ConnectionId::next(), vec!["robot".into()], outbox, Groups::default(), true);
    assert!(refused.is_err(), "`kind` is user or group in the contract");
}

/// Starts `frame` in the session's slot and takes its outcome, which a handler that never
/// waits has at the first poll; the slot then has nothing more to give.
fn started(session: &mut dyn Session, frame: Frame) -> Result<Option<Frame>, String> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    session.start(frame);
    let Poll::Ready(Some(outcome)) = session.poll_started(&mut cx) else {
        panic!("the started frame's outcome, at once")
    };
    assert!(matches!(session.poll_started(&mut cx), Poll::Ready(None)), "an outcome is given once");
    outcome.map_err(|failed| failed.error.to_string())
}

#[tokio::test]
async fn the_session_slot_handles_one_frame_after_another_as_frame_does() {
    let channel = records::channel(Store);
    let (outbox, _queue) = Outbox::bounded(4);
    let mut session =
        channel.open(ConnectionId::next(), vec!["user".into()], outbox, Groups::default(), true).expect("open");
    assert!(matches!(started(&mut *session, record(5)), Ok(None)));
    let refused = started(&mut *session, record(9));
    assert_eq!(refused, Err("invalid `record` message at `/count`: must be at most 5".to_owned()));
    assert!(matches!(started(&mut *session, record(4)), Ok(None)), "the slot is used again after a failure");
    session.rest();
    assert!(matches!(started(&mut *session, record(3)), Ok(None)), "and allocated again after a rest");
}

/// Counts the records of its connection in the connection's state, and tells at the end.
struct Counting(std::sync::mpsc::Sender<u32>);

#[derive(Default)]
struct Counted(u32);

impl records::Records<(), Counted> for Counting {
    async fn store(&self, cx: &mut records::Context<(), Counted>, record: types::Record) -> Result<(), HandlerError> {
        cx.state_mut().0 += 1;
        assert!(record.count != Some(0), "a record of nothing panics, holding the state");
        Ok(())
    }

    async fn on_disconnect(&self, cx: &mut records::Context<(), Counted>) {
        let _ = self.0.send(cx.state().0);
    }
}

/// A validating session of `Counting`, what its disconnect hook tells, and its queue.
fn counting() -> (Box<dyn Session>, std::sync::mpsc::Receiver<u32>, Inbox) {
    let (told, counts) = std::sync::mpsc::channel();
    let (outbox, queue) = Outbox::bounded(4);
    let session = records::channel(Counting(told))
        .open(ConnectionId::next(), vec!["user".into()], outbox, Groups::default(), true)
        .expect("open");
    (session, counts, queue)
}

/// The slot's frames are lent the session's context and give it back: the state one frame
/// changed is the next one's, through a refused frame and a rest, and no frame keeps it from
/// the disconnect hook.
#[tokio::test]
async fn the_state_goes_from_one_slot_frame_to_the_next_and_is_free_at_the_end() {
    let (mut session, counts, _queue) = counting();
    assert!(matches!(started(&mut *session, record(1)), Ok(None)));
    assert!(started(&mut *session, record(9)).is_err(), "refused before its handler");
    assert!(matches!(started(&mut *session, record(2)), Ok(None)));
    session.rest();
    assert!(matches!(started(&mut *session, record(3)), Ok(None)));
    let end = async {
        // A frame handled beside the slot has the same state.
        assert!(matches!(session.frame(record(4)).await, Ok(None)));
        session.disconnected().await;
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), end).await.expect("no slot frame keeps the state");
    assert_eq!(counts.try_recv().ok(), Some(4), "four records stored in one state");
}

/// A handler that panics in the slot while it holds the state leaves it to the next frame
/// and to the disconnect hook: the panic's unwinding drops what the frame held.
#[tokio::test]
async fn a_panic_in_the_slot_leaves_the_state_free() {
    let (mut session, counts, _queue) = counting();
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    session.start(record(0));
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| session.poll_started(&mut cx)));
    assert!(panicked.is_err(), "the handler panicked");
    let end = async {
        assert!(matches!(session.frame(record(1)).await, Ok(None)), "a frame beside the slot gets the state");
        session.disconnected().await;
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), end).await.expect("the panicked frame keeps no state");
    assert_eq!(counts.try_recv().ok(), Some(2), "the panicked frame's count and the next one's");
}
