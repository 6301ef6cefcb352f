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
//! - `frames/code_first_validate`, `frames/code_first_no_validate`: the same, on the `echo`
//!   channel declared code first (`bench::code_first`): the macro's dispatch against the
//!   generated one, on one wire.
//! - `frames/baseline`: what the baseline does per echo frame, `serde_json::from_str` into its
//!   serde enum and `serde_json::to_string` of the reply.
//!
//! Both produce the same reply text for the same input (checked once, outside the timing). The
//! summary line gives criterion's medians per frame and the ratios tidings / baseline.

use std::hint::black_box;
use std::time::SystemTime;

use criterion::Criterion;
use futures_util::FutureExt as _;
use tidings::codec::Frame;

mod medians;

use bench::wire::Frame as BaselineFrame;
use bench::{Bench, ECHO, code_first, contract, echo, echo_session};

/// The group's name, which is also its folder under `target/criterion`.
const GROUP: &str = "frames";

/// The text of a reply frame; the other place that knows the shape of `Frame::Text`.
fn reply_text(frame: &Frame) -> &str {
    match frame {
        Frame::Text(text) => text,
        Frame::Binary(_) => panic!("the echo reply is a text frame"),
    }
}

/// The baseline's work per echo frame: read it, write the reply.
fn baseline(text: &str) -> String {
    match serde_json::from_str::<BaselineFrame>(text).expect("the echo frame reads") {
        BaselineFrame::Echo(body) => serde_json::to_string(&BaselineFrame::EchoReply(body)).expect("the reply writes"),
        other => panic!("not an echo: {other:?}"),
    }
}

fn bench_frames(c: &mut Criterion) {
    let validating = echo_session(contract::echo::channel(Bench), true);
    let trusting = echo_session(contract::echo::channel(Bench), false);
    let code_first_validating = echo_session(code_first::EchoChannel.into(), true);
    let code_first_trusting = echo_session(code_first::EchoChannel.into(), false);
    let expected = baseline(ECHO);
    for (session, name) in [
        (&validating, "generated, with validation"),
        (&trusting, "generated, without validation"),
        (&code_first_validating, "code first, with validation"),
        (&code_first_trusting, "code first, without validation"),
    ] {
        let reply = echo(session.as_ref(), ECHO);
        assert_eq!(reply_text(&reply), expected, "tidings' reply ({name}) is the baseline's");
    }
    // Validation is on where it says so: an echo whose text is too long is refused.
    let long = format!(r#"{{"action":"echo","payload":{{"seq":1,"text":"{}"}}}}"#, "x".repeat(65_537));
    for session in [&validating, &code_first_validating] {
        let refused = session.frame(Frame::text(long.as_str())).now_or_never().expect("completes");
        let failed = refused.expect_err("a too long text is refused");
        assert!(format!("{failed:?}").contains("/payload/text"), "refused for its text: {failed:?}");
    }

    let mut group = c.benchmark_group(GROUP);
    group.bench_function("tidings_validate", |b| b.iter(|| echo(validating.as_ref(), black_box(ECHO))));
    group.bench_function("tidings_no_validate", |b| b.iter(|| echo(trusting.as_ref(), black_box(ECHO))));
    group.bench_function("code_first_validate", |b| b.iter(|| echo(code_first_validating.as_ref(), black_box(ECHO))));
    group.bench_function("code_first_no_validate", |b| b.iter(|| echo(code_first_trusting.as_ref(), black_box(ECHO))));
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
    let (first_on, first_off) = (median("code_first_validate"), median("code_first_no_validate"));
    println!(
        "summary (medians per frame): tidings validating {} ({} of the baseline), tidings not validating {} ({}), \
         baseline {}",
        medians::show(on),
        medians::ratio(on, base),
        medians::show(off),
        medians::ratio(off, base),
        medians::show(base),
    );
    println!(
        "summary (code first against generated dispatch): validating {} ({} of generated), not validating {} ({})",
        medians::show(first_on),
        medians::ratio(first_on, on),
        medians::show(first_off),
        medians::ratio(first_off, off),
    );
}
