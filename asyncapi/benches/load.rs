//! Load, resolve and validate a 200 KB contract: `cargo bench -p tidings-asyncapi --bench load`.
//!
//! The document is synthetic but shaped like real contracts: channels with address
//! parameters, several messages each with described payload schemas, operations referring
//! to them, and shared schemas under `components`.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tidings_asyncapi::Document;

/// A YAML contract of `channels` channels, each with three messages and two operations.
fn synthetic_contract(channels: usize) -> String {
    let mut out = String::from("asyncapi: 3.0.0\ninfo:\n  title: Synthetic\n  version: 1.0.0\n");
    out.push_str("  description: A generated contract used to measure loading.\nchannels:\n");
    for c in 0..channels {
        let _ = write!(
            out,
            "  room{c}:\n    address: /ws/room{c}/{{room_id}}\n    description: Channel number {c}, where members of a room talk.\n    parameters:\n      room_id:\n        description: The room.\n    messages:\n"
        );
        for m in ["join", "say", "leave"] {
            let _ = write!(out, "      {m}:\n        $ref: '#/components/messages/{m}{c}'\n");
        }
    }
    out.push_str("operations:\n");
    for c in 0..channels {
        let _ = write!(
            out,
            "  receive{c}:\n    action: receive\n    channel:\n      $ref: '#/channels/room{c}'\n    messages:\n      - $ref: '#/channels/room{c}/messages/join'\n      - $ref: '#/channels/room{c}/messages/say'\n  send{c}:\n    action: send\n    channel:\n      $ref: '#/channels/room{c}'\n    messages:\n      - $ref: '#/channels/room{c}/messages/leave'\n"
        );
    }
    out.push_str("components:\n  messages:\n");
    for c in 0..channels {
        for m in ["join", "say", "leave"] {
            let _ = write!(
                out,
                "    {m}{c}:\n      name: {m}\n      summary: A {m} message of room {c}.\n      payload:\n        type: object\n        required: [action, user]\n        additionalProperties: false\n        properties:\n          action:\n            type: string\n            const: {m}\n          user:\n            $ref: '#/components/schemas/User'\n          text:\n            type: string\n            minLength: 1\n            maxLength: 2000\n            description: What was said, in plain text.\n          sentAt:\n            type: string\n            format: date-time\n          tags:\n            type: array\n            maxItems: 8\n            items:\n              type: string\n      examples:\n        - payload:\n            action: {m}\n            user: {{id: 7, name: ada}}\n"
            );
        }
    }
    out.push_str(
        "  schemas:\n    User:\n      type: object\n      required: [id]\n      properties:\n        id:\n          type: integer\n          minimum: 1\n        name:\n          type: string\n",
    );
    out
}

fn bench_load(c: &mut Criterion) {
    let mut channels = 1;
    while synthetic_contract(channels).len() < 200 * 1024 {
        channels += 1;
    }
    let text = synthetic_contract(channels);
    let size_kib = text.len() / 1024;
    // Fail loudly rather than measure a document that does not load.
    Document::from_text("synthetic.yaml", text.clone()).expect("the synthetic contract is valid");
    c.bench_function(&format!("load+resolve+validate {size_kib} KiB ({channels} channels)"), |b| {
        b.iter(|| Document::from_text("synthetic.yaml", black_box(text.clone())).map(|d| d.spec().channels.len()))
    });
}

criterion_group!(benches, bench_load);
criterion_main!(benches);
