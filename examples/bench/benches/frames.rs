//! The cost of handling one frame on the bench contract's `echo` channel: tidings with schema
//! validation on and off, against the hand-written serde of `src/bin/baseline.rs`, in one run.
//!
//! ```sh
//! cargo bench -p bench --bench frames
//! ```
//!
//! - `frames/tidings_validate`, `frames/tidings_no_validate`: the frame made from the text as
//!   the runtime gets it, `Session::frame` of an open `echo` session driven to completion (it
//!   completes without waiting), the reply frame dropped. No socket, no queue, no task.
//! - `frames/baseline`: what the baseline does per echo frame, `serde_json::from_str` into its
//!   serde enum and `serde_json::to_string` of the reply.
//!
//! Both produce the same reply text for the same input (checked once, outside the timing). The
//! summary line gives criterion's medians per frame and the ratios tidings / baseline.

use std::hint::black_box;
use std::time::SystemTime;

use criterion::Criterion;
use futures_util::FutureExt as _;
use tidings::ConnectionId;
use tidings::channel::Session;
use tidings::codec::Frame;
use tidings::layer::{Groups, InProcess, Outbox};

mod medians;

use bench::wire::Frame as BaselineFrame;
use bench::{Bench, contract};

/// The group's name, which is also its folder under `target/criterion`.
const GROUP: &str = "frames";

/// An echo frame as the load generator sends it.
const ECHO: &str = r#"{"action":"echo","payload":{"seq":42,"text":"hello, bench"}}"#;

/// The frame handed to the session, made from the text as the socket delivers it (the
/// socket hands over its own buffer; here the text is copied in, once per frame, as the
/// socket's read would have).
fn text_frame(text: &str) -> Frame {
    Frame::text(text)
}

/// The text of a reply frame; the other place that knows the shape of `Frame::Text`.
fn reply_text(frame: &Frame) -> &str {
    match frame {
        Frame::Text(text) => text,
        Frame::Binary(_) => panic!("the echo reply is a text frame"),
    }
}

/// An open session on the `echo` channel, with or without schema validation.
fn session(validate: bool) -> Box<dyn Session> {
    let (outbox, _) = Outbox::bounded(256);
    contract::echo::channel(Bench)
        .open(ConnectionId::next(), vec![], outbox, Groups::new(InProcess::default()), validate)
        .expect("the echo channel has no address parameters")
}

/// One frame through the session, to its reply.
fn handle(session: &dyn Session, text: &str) -> Frame {
    session
        .frame(text_frame(text))
        .now_or_never()
        .expect("the echo handler completes without waiting")
        .expect("the echo frame is handled")
        .expect("an echo has a reply")
}

/// The baseline's work per echo frame: read it, write the reply.
fn baseline(text: &str) -> String {
    match serde_json::from_str::<BaselineFrame>(text).expect("the echo frame reads") {
        BaselineFrame::Echo(body) => serde_json::to_string(&BaselineFrame::EchoReply(body)).expect("the reply writes"),
        other => panic!("not an echo: {other:?}"),
    }
}

fn bench_frames(c: &mut Criterion) {
    let validating = session(true);
    let trusting = session(false);
    let expected = baseline(ECHO);
    for (session, name) in [(&validating, "with validation"), (&trusting, "without validation")] {
        let reply = handle(session.as_ref(), ECHO);
        assert_eq!(reply_text(&reply), expected, "tidings' reply {name} is the baseline's");
    }

    let mut group = c.benchmark_group(GROUP);
    group.bench_function("tidings_validate", |b| b.iter(|| handle(validating.as_ref(), black_box(ECHO))));
    group.bench_function("tidings_no_validate", |b| b.iter(|| handle(trusting.as_ref(), black_box(ECHO))));
    group.bench_function("baseline", |b| b.iter(|| baseline(black_box(ECHO))));
    group.finish();
}

fn main() {
    let started = SystemTime::now();
    let mut criterion = Criterion::default().configure_from_args();
    bench_frames(&mut criterion);
    criterion.final_summary();

    let median = |function| medians::median(started, GROUP, function);
    let (on, off, base) = (median("tidings_validate"), median("tidings_no_validate"), median("baseline"));
    println!(
        "summary (medians per frame): tidings validating {} ({} of the baseline), tidings not validating {} ({}), \
         baseline {}",
        medians::show(on),
        medians::ratio(on, base),
        medians::show(off),
        medians::ratio(off, base),
        medians::show(base),
    );
}
