//! Reverse generation: what a running application does to produce its own AsyncAPI document,
//! on the synthetic contract of 50 channels with 10 operations each (the one
//! `cargo bench -p tidings-build --bench generate` generates code from).
//!
//! ```sh
//! cargo bench -p bench --bench reverse
//! ```
//!
//! - `reverse/document`: `document::describe(&DocumentConfig::from_info(&INFO), CHANNELS)`:
//!   every descriptor in `CHANNELS` (what `App::mount` records), as `App::document()` builds it.
//!   Each iteration also frees the document, as a server does once it has rendered it.
//! - `reverse/to_json`, `reverse/to_yaml`: serializing that document for `/asyncapi.json` and
//!   `/asyncapi.yaml`.
//! - `reverse/served`: all a server does for its documentation at start-up: the document, then
//!   both texts.
//! - `reverse/schemars`: the part of `document` that is schemars' own, the schemas of the
//!   payloads' Rust types (the floor for describing real types through schemars).
//! - `reverse/static_json`, the baseline: a document written by hand and served as it is costs
//!   reading its JSON text once at start-up, `serde_json::from_str::<Value>` of the same
//!   document.
//!
//! The summary lines give criterion's medians, the fastest sample of each (the closest reading
//! of the code's cost on a noisy machine), and the ratio of `document` to the baseline; a full
//! run then times the two in turns, 300 rounds of one `document()` and one baseline parse, and
//! gives both medians: load from elsewhere falls on both alike.
//! Target: `document` under 5 ms.
//!
//! With `TIDINGS_REVERSE_ROUNDS=N` it only builds (and frees) the document `N` times and
//! exits: under callgrind, two such runs give the instructions per document, a count that
//! does not move with the machine's load.

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use criterion::Criterion;
use serde_json::Value;
use tidings::DocumentConfig;
use tidings::document::{ERROR_FRAME_EXTENSION, to_json, to_yaml};

mod medians;

/// The module `build.rs` generated from the synthetic contract (~55k lines): only this target
/// includes it, so the bench crate's binaries and tests do not compile it.
mod synthetic {
    tidings::include_contract!("synthetic");
}

/// The group's name, which is also its folder under `target/criterion`.
const GROUP: &str = "reverse";

/// The document as the running application builds it.
fn document() -> Value {
    tidings::document::describe(&DocumentConfig::from_info(&synthetic::INFO), synthetic::CHANNELS.iter().copied())
}

/// The part of `document` that is schemars' own: the schema of every payload's Rust type, in
/// one generator set up as the document's, before anything of the contract is laid over it.
fn schemars_only() -> usize {
    let mut generator = tidings::__private::schemars::generate::SchemaSettings::draft07()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.inline_subschemas = false;
        })
        .into_generator();
    synthetic::CHANNELS
        .iter()
        .flat_map(|channel| channel.messages)
        .filter_map(|message| message.payload_schema)
        .map(|schema_of| Value::from(schema_of(&mut generator)))
        .count()
}

/// Fails unless the document has every channel and operation of the contract. The runtime
/// adds one operation per channel for its error frame, marked by `ERROR_FRAME_EXTENSION`, and
/// one error message that every channel refers to; every message is one in `components`.
fn check(document: &Value) {
    let channels = document["channels"].as_object().expect("the document has channels");
    let operations = document["operations"].as_object().expect("the document has operations");
    let error_frames = operations.values().filter(|o| o.get(ERROR_FRAME_EXTENSION).is_some()).count();
    assert_eq!(channels.len(), 50, "channels in the document");
    assert_eq!(operations.len() - error_frames, 500, "the contract's operations in the document");
    assert_eq!(error_frames, 50, "one error-frame operation per channel");
    // Every channel refers to the one error message: all share the discriminator `action`.
    let error = serde_json::json!({"$ref": "#/components/messages/error"});
    assert!(channels.values().all(|c| c["messages"]["error"] == error), "each channel refers to the error message");
    let messages = document["components"]["messages"].as_object().expect("messages in components");
    assert_eq!(messages.len(), 551, "the contract's 550 messages and the error message");
    assert!(messages.values().all(|m| m["payload"]["$ref"].is_string()), "every payload is a named type");
}

fn bench_reverse(c: &mut Criterion) {
    let doc = document();
    check(&doc);
    let json = to_json(&doc);
    let yaml = to_yaml(&doc);
    assert_eq!(serde_json::from_str::<Value>(&json).expect("the JSON reads back"), doc, "JSON round trip");
    println!(
        "synthetic document: {} channels, {} operations (50 of them error frames), {} KiB of JSON, {} KiB of YAML",
        doc["channels"].as_object().map_or(0, serde_json::Map::len),
        doc["operations"].as_object().map_or(0, serde_json::Map::len),
        json.len() / 1024,
        yaml.len() / 1024,
    );

    let mut group = c.benchmark_group(GROUP);
    group.sample_size(40);
    group.bench_function("document", |b| b.iter(document));
    group.bench_function("to_json", |b| b.iter(|| to_json(black_box(&doc))));
    group.bench_function("to_yaml", |b| b.iter(|| to_yaml(black_box(&doc))));
    group.bench_function("schemars", |b| b.iter(schemars_only));
    group.bench_function("served", |b| {
        b.iter(|| {
            let document = document();
            (to_json(&document), to_yaml(&document))
        })
    });
    group.bench_function("static_json", |b| {
        b.iter(|| serde_json::from_str::<Value>(black_box(&json)).expect("the document's JSON reads"))
    });
    group.finish();
}

/// `document()` and the baseline timed in turns, one of each per round, so that a burst of
/// load from elsewhere falls on both alike: (document, baseline), the medians over `rounds`.
fn interleaved(rounds: usize) -> (Duration, Duration) {
    let json = to_json(&document());
    let time = |f: &dyn Fn()| {
        let started = Instant::now();
        f();
        started.elapsed()
    };
    let (mut ours, mut baseline): (Vec<Duration>, Vec<Duration>) = (0..rounds)
        .map(|_| {
            let a = time(&|| drop(black_box(document())));
            let b = time(&|| drop(black_box(serde_json::from_str::<Value>(&json).expect("the JSON reads"))));
            (a, b)
        })
        .unzip();
    ours.sort();
    baseline.sort();
    (ours[rounds / 2], baseline[rounds / 2])
}

fn main() {
    if let Some(rounds) = std::env::var("TIDINGS_REVERSE_ROUNDS").ok().and_then(|n| n.parse::<usize>().ok()) {
        for _ in 0..rounds {
            drop(black_box(document()));
        }
        return;
    }
    let started = SystemTime::now();
    let mut criterion = Criterion::default().configure_from_args();
    bench_reverse(&mut criterion);
    criterion.final_summary();

    let median = |function| medians::median(started, GROUP, function);
    let (document, static_json, schemars) = (median("document"), median("static_json"), median("schemars"));
    println!(
        "summary (medians): document {} (schemars' part {}), to_json {}, to_yaml {}, served {}; static JSON \
         document {}; document / static = {}",
        medians::show(document),
        medians::show(schemars),
        medians::show(median("to_json")),
        medians::show(median("to_yaml")),
        medians::show(median("served")),
        medians::show(static_json),
        medians::ratio(document, static_json),
    );
    // Only in a full run (`--bench` without a filter): 300 rounds take a few seconds.
    if std::env::args().any(|a| a == "--bench") && std::env::args().filter(|a| !a.starts_with('-')).count() == 1 {
        let (ours, baseline) = interleaved(300);
        println!(
            "interleaved, 300 rounds: document {}, static JSON document {}; document / static = {}",
            medians::show(Some(ours)),
            medians::show(Some(baseline)),
            medians::ratio(Some(ours), Some(baseline)),
        );
    }
    let best = |function| medians::best(started, GROUP, function);
    let (document, static_json) = (best("document"), best("static_json"));
    println!(
        "fastest samples: document {}, static JSON document {}; document / static = {}",
        medians::show(document),
        medians::show(static_json),
        medians::ratio(document, static_json),
    );
}
