//! The synthetic contract of the generation and reverse-generation benchmarks: 50 channels
//! with 10 operations each, as YAML.
//!
//! Shared by path: `generate.rs` here has it as `mod synthetic;`, and `examples/bench/build.rs`
//! as `#[path = "../../build-support/benches/synthetic.rs"] mod synthetic;`, so both measure the
//! same document.

use std::fmt::Write as _;

/// 50 channels, each with 10 receiving operations (one message each, 5 with a reply).
pub(crate) fn synthetic_contract() -> String {
    let mut out = String::from("asyncapi: 3.0.0\ninfo:\n  title: Synthetic\n  version: 1.0.0\nchannels:\n");
    for c in 0..50 {
        let _ = write!(
            out,
            "  channel{c}:\n    address: /ws/c{c}/{{id}}\n    parameters:\n      id: {{}}\n    messages:\n"
        );
        for m in 0..10 {
            let _ = write!(
                out,
                "      m{m}:\n        payload:\n          type: object\n          required: [action, value]\n          properties:\n            action: {{const: m{m}}}\n            value: {{type: string, maxLength: 64}}\n            count: {{type: integer, minimum: 0}}\n"
            );
        }
        out.push_str("      reply:\n        payload:\n          type: object\n          required: [action]\n          properties:\n            action: {const: reply}\n            ok: {type: boolean}\n");
    }
    out.push_str("operations:\n");
    for c in 0..50 {
        for m in 0..10 {
            let _ = write!(
                out,
                "  op{c}x{m}:\n    action: receive\n    channel:\n      $ref: '#/channels/channel{c}'\n    messages:\n      - $ref: '#/channels/channel{c}/messages/m{m}'\n"
            );
            if m % 2 == 0 {
                let _ = write!(
                    out,
                    "    reply:\n      channel:\n        $ref: '#/channels/channel{c}'\n      messages:\n        - $ref: '#/channels/channel{c}/messages/reply'\n"
                );
            }
        }
    }
    out
}
