//! Mutation fuzzing of the contract loader.
//!
//! Inputs are valid contracts (our fixtures, and the shared corpus when present) changed by
//! mutations that reach the loader's corners: bytes and lines flipped, dropped, repeated
//! and swapped; indentation shifted; scalars replaced by values of other YAML types; `$ref`s
//! pointed at other places, other files, escapes, remote URLs and themselves; anchors and
//! aliases introduced. Each input is loaded; a valid one is also serialized to JSON and YAML
//! and read back, which must give the same document, and the semantic diff compares it with
//! itself and its JSON copy (no change allowed) and with the seed it came from. Any panic or
//! broken round trip is a failure, saved for reproduction.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use tidings_asyncapi::Document;
use tidings_asyncapi::diff::diff;

/// A small, fast, seedable generator (xorshift64*), so that runs are reproducible.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (zero is replaced, as xorshift cannot leave it).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SCALARS: &[&str] = &[
    "~",
    "null",
    "true",
    "FALSE",
    "on",
    "yes",
    "0",
    "-1",
    "012",
    "0x1F",
    "0o17",
    "1e400",
    ".inf",
    "-.NaN",
    "1.0.0",
    "''",
    "\"\\u00e9\"",
    "[]",
    "{}",
    "[1, [2, [3]]]",
    "{a: {b: {c: 1}}}",
    "!!str 5",
    "!!int x",
    "&a 1",
    "*a",
    "*nope",
    "'#/components'",
    "|\n  block\n  text",
    ">-\n  folded",
    "\"unterminated",
    "{unclosed: 1",
    "- item",
    "? complex",
    "%TAG ! tag:x",
    "@",
    "`",
    "\t",
    "'\\u0000'",
    "9223372036854775808",
    "-9223372036854775809",
];

const REFS: &[&str] = &[
    "'#'",
    "'#/'",
    "'#/components'",
    "'#/components/schemas'",
    "'#/channels/x/messages/y'",
    "'#/components/messages/~2'",
    "'#/a%20b'",
    "'#/a%zz'",
    "'other.yaml#/x'",
    "'./missing.json'",
    "'../../../../etc/passwd#/x'",
    "'http://example.com/x.yaml#/a'",
    "'//host/x'",
    "'C:/x.yaml'",
    "''",
    "'#/info'",
    "'#/operations'",
    "12",
    "[]",
];

const KEYS: &[&str] = &[
    "$ref",
    "channels",
    "operations",
    "messages",
    "payload",
    "address",
    "action",
    "channel",
    "reply",
    "traits",
    "schemaFormat",
    "schema",
    "security",
    "servers",
    "parameters",
    "components",
    "<<",
    "x-ext",
    "type",
    "items",
    "properties",
    "allOf",
    "required",
    "examples",
    "bindings",
    "ws",
    "correlationId",
    "headers",
];

/// Changes `input` by one to four mutations.
pub fn mutate(input: &str, rng: &mut Rng) -> String {
    let mut text = input.to_owned();
    for _ in 0..=rng.below(4) {
        text = mutate_once(&text, rng);
    }
    text
}

fn mutate_once(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let i = rng.below(lines.len());
    match rng.below(13) {
        0 => {
            lines.remove(i);
        }
        1 => {
            let copy = lines[i].clone();
            lines.insert(rng.below(lines.len() + 1), copy);
        }
        2 => {
            let j = rng.below(lines.len());
            lines.swap(i, j);
        }
        3 => {
            let shift = rng.below(5);
            if rng.below(2) == 0 {
                lines[i] = format!("{}{}", " ".repeat(shift), lines[i]);
            } else {
                let trimmed = lines[i].trim_start().to_owned();
                let indent = lines[i].len() - trimmed.len();
                lines[i] = format!("{}{}", " ".repeat(indent.saturating_sub(shift)), trimmed);
            }
        }
        4 | 5 => {
            let scalar: &str = SCALARS[rng.below(SCALARS.len())];
            replace_value(&mut lines[i], scalar);
        }
        6 | 7 => replace_value(&mut lines[i], &format!("{{$ref: {}}}", rng.pick(REFS))),
        8 => {
            let key: &str = KEYS[rng.below(KEYS.len())];
            replace_key(&mut lines[i], key);
        }
        9 => {
            let indent = lines[i].len() - lines[i].trim_start().len();
            let line = format!("{}{}: {}", " ".repeat(indent), rng.pick(KEYS), rng.pick(SCALARS));
            lines.insert(i, line);
        }
        10 => {
            // Bytes, not lines: cut or corrupt anywhere, even inside a UTF-8 sequence's neighbours.
            let mut bytes = text.as_bytes().to_vec();
            if !bytes.is_empty() {
                let at = rng.below(bytes.len());
                match rng.below(3) {
                    0 => bytes.truncate(at),
                    1 => bytes[at] = *rng.pick(b"{}[]:,-?&*!|>'\"%@`#\t\n "),
                    _ => {
                        bytes.remove(at);
                    }
                }
            }
            return String::from_utf8_lossy(&bytes).into_owned();
        }
        11 => {
            // Anchor a line's value and alias it elsewhere.
            replace_value(&mut lines[i], "&anchor {a: [1, 2, {b: *anchor}]}");
        }
        _ => {
            let j = rng.below(lines.len());
            let (a, b) = (i.min(j), i.max(j));
            let block: Vec<String> = lines[a..=b].to_vec();
            lines.splice(b + 1..b + 1, block);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

fn replace_value(line: &mut String, value: &str) {
    if let Some(colon) = line.find(": ") {
        line.truncate(colon + 2);
        line.push_str(value);
    } else {
        let indent = line.len() - line.trim_start().len();
        *line = format!("{}- {value}", " ".repeat(indent));
    }
}

fn replace_key(line: &mut String, key: &str) {
    let indent = line.len() - line.trim_start().len();
    match line.find(':') {
        Some(colon) if colon > indent => *line = format!("{}{key}{}", " ".repeat(indent), &line[colon..]),
        _ => *line = format!("{}{key}:", " ".repeat(indent)),
    }
}

thread_local! {
    /// The seed documents, loaded once each (`None` for a seed that is itself invalid).
    static SEEDS: std::cell::RefCell<std::collections::HashMap<std::path::PathBuf, Option<Document>>> =
        std::cell::RefCell::default();
}

/// Diffs a mutated document with the seed it came from, both ways; only a panic fails.
fn check_diff_against_seed(path: &Path, doc: &Document) {
    SEEDS.with(|seeds| {
        let mut seeds = seeds.borrow_mut();
        let seed = seeds.entry(path.to_owned()).or_insert_with(|| Document::load(path).ok());
        if let Some(seed) = seed {
            let _ = diff(seed, doc).render_human();
            let _ = diff(doc, seed).to_json();
        }
    });
}

/// What one input did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Loaded, and serialization round-tripped.
    Valid,
    /// Rejected with diagnostics.
    Invalid,
}

/// Loads one input as if it were the file at `path` (so that relative references resolve
/// next to it). `Err` describes a failure: a panic, a broken round trip, or a rejection
/// without any error diagnostic.
pub fn check(path: &Path, text: &str) -> Result<Outcome, String> {
    let result = catch_unwind(AssertUnwindSafe(|| run(path, text)));
    match result {
        Ok(outcome) => outcome,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic".to_owned());
            Err(format!("panic: {message}"))
        }
    }
}

fn run(path: &Path, text: &str) -> Result<Outcome, String> {
    match Document::from_text(path, text) {
        Ok(doc) => {
            let bundled = doc.bundled();
            for (format, out) in [("json", doc.to_json()), ("yaml", doc.to_yaml())] {
                let again = Document::from_text(path, out.clone())
                    .map_err(|e| format!("{format} output does not read back:\n{}\n---\n{out}", e.diagnostics))?;
                if again.bundled() != bundled {
                    return Err(format!("{format} round trip changed the document:\n{out}"));
                }
                let report = diff(&doc, &again);
                if !report.is_empty() {
                    return Err(format!(
                        "the diff finds changes in the {format} round trip:\n{}",
                        report.render_human()
                    ));
                }
            }
            check_diff_against_seed(path, &doc);
            Ok(Outcome::Valid)
        }
        Err(error) if error.diagnostics.has_errors() => {
            // Rendering touches every location; it must not panic either.
            for d in &error.diagnostics {
                let _ = d.render(Some(text));
            }
            Ok(Outcome::Invalid)
        }
        Err(_) => Err("rejected without any error diagnostic".to_owned()),
    }
}
