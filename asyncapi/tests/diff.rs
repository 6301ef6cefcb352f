//! The semantic diff against fixture pairs, and its normalizations against rewritten copies
//! of every document we have.
//!
//! A fixture is a folder under `tests/fixtures/diff/` with `old.yaml`, `new.yaml` and
//! `expect.txt`: the changes the diff must report, exactly, one per line as
//! `CLASS RULE #POINTER` (the form of `Report::render_lines`), in the report's order. Lines
//! starting with `//` explain the case and are kept. `TIDINGS_UPDATE_DIFF=1` rewrites every
//! `expect.txt` from what the diff reports (review the result before committing it).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use tidings_asyncapi::Document;
use tidings_asyncapi::diff::{Options, RULES, diff, diff_values, diff_values_with, normalize};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture_dirs() -> Vec<PathBuf> {
    let root = manifest_dir().join("tests/fixtures/diff");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/fixtures/diff exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn load(path: &Path) -> Document {
    Document::load(path).unwrap_or_else(|e| panic!("{} is not a valid document:\n{}", path.display(), e.diagnostics))
}

/// The explanation lines of an `expect.txt`, and the expected change lines.
fn read_expectation(path: &Path) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let (notes, lines): (Vec<&str>, Vec<&str>) =
        text.lines().filter(|l| !l.trim().is_empty()).partition(|l| l.starts_with("//"));
    (notes.into_iter().map(str::to_owned).collect(), lines.into_iter().map(|l| l.trim().to_owned()).collect())
}

#[test]
fn fixture_pairs_report_exactly_the_expected_changes() {
    let update = std::env::var_os("TIDINGS_UPDATE_DIFF").is_some();
    let dirs = fixture_dirs();
    let mut failures = Vec::new();
    let mut covered: BTreeSet<String> = BTreeSet::new();
    for dir in &dirs {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_owned();
        let (old, new) = (load(&dir.join("old.yaml")), load(&dir.join("new.yaml")));
        let report = diff(&old, &new);
        let got: Vec<String> = report.render_lines().lines().map(str::to_owned).collect();
        let expect_path = dir.join("expect.txt");
        let (notes, expected) = read_expectation(&expect_path);
        if update {
            let mut text = notes.join("\n");
            if !text.is_empty() {
                text.push('\n');
            }
            for line in &got {
                text.push_str(line);
                text.push('\n');
            }
            std::fs::write(&expect_path, text).expect("expect.txt written");
        } else if got != expected {
            let missing: Vec<&String> = expected.iter().filter(|l| !got.contains(l)).collect();
            let unexpected: Vec<&String> = got.iter().filter(|l| !expected.contains(l)).collect();
            failures.push(format!(
                "{name}:\n  expected:\n    {}\n  got:\n    {}\n  missing: {missing:?}\n  unexpected: {unexpected:?}\n  report:\n{}",
                expected.join("\n    "),
                got.join("\n    "),
                report.render_human().lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n"),
            ));
        }
        covered.extend(report.changes.iter().map(|c| c.rule.to_owned()));
        // A non-empty report means the normal forms differ: normalization never hides a change.
        let (old_normal, new_normal) = (normalize(old.bundled()), normalize(new.bundled()));
        match (report.is_empty(), first_difference(&old_normal, &new_normal, String::new())) {
            (false, None) => failures.push(format!("{name}: the diff reports changes, yet the normal forms are equal")),
            (true, Some(at)) => failures.push(format!("{name}: no change, yet the normal forms differ at {at}")),
            _ => {}
        }
        // Backwards, the same pair must not panic; a removal one way is an addition the other.
        let back = diff(&new, &old);
        assert_eq!(back.is_empty(), report.is_empty(), "{name}: a change one way is a change the other way");
    }
    assert!(failures.is_empty(), "{} fixture(s) differ:\n\n{}", failures.len(), failures.join("\n\n"));
    assert!(dirs.len() >= 40, "only {} diff fixtures", dirs.len());
    let uncovered: Vec<&str> = RULES.iter().map(|r| r.id).filter(|id| !covered.contains(*id)).collect();
    assert!(uncovered.is_empty(), "rules no fixture exercises: {uncovered:?}");
    println!("{} diff fixtures, {} rules covered", dirs.len(), covered.len());
}

/// The first place two values differ, as a JSON pointer.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(v), Some(w)) => first_difference(v, w, format!("{at}/{k}")),
                _ => Some(format!("{at}/{k}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (v, w))| first_difference(v, w, format!("{at}/{i}")))
        }
        _ => (a != b).then_some(at),
    }
}

#[test]
fn docs_list_every_rule() {
    let text = std::fs::read_to_string(manifest_dir().join("../docs/DIFF.md")).expect("docs/DIFF.md");
    let missing: Vec<&str> = RULES.iter().map(|r| r.id).filter(|id| !text.contains(&format!("`{id}`"))).collect();
    assert!(missing.is_empty(), "docs/DIFF.md does not list {missing:?}");
    for rule in RULES {
        let row = text.lines().find(|l| l.starts_with(&format!("| `{}` |", rule.id))).expect("a table row per rule");
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(
            (cells[2], cells[3]),
            (rule.received.as_str(), rule.sent.as_str()),
            "docs/DIFF.md gives `{}` other classes than the table",
            rule.id
        );
    }
}

// ---------------------------------------------------------------------------------------
// Normalization: every document against rewritten copies of itself.

/// The shared corpus beside the repository; under CI (`CI` set) its absence fails.
fn shared_dir() -> Option<PathBuf> {
    let dir = manifest_dir().join("../../shared");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(std::env::var_os("CI").is_none(), "CI is set but {} is missing", dir.display());
    eprintln!("note: {} is missing; corpus checks skipped outside CI", dir.display());
    None
}

/// Every valid document we have: the diff fixtures' documents (when `with_diff_fixtures`),
/// the valid fixtures and the loadable corpus.
fn all_documents(with_diff_fixtures: bool) -> Vec<(String, Document)> {
    let mut docs = Vec::new();
    for dir in fixture_dirs().into_iter().filter(|_| with_diff_fixtures) {
        for side in ["old.yaml", "new.yaml"] {
            let path = dir.join(side);
            docs.push((path.display().to_string(), load(&path)));
        }
    }
    let valid = manifest_dir().join("tests/fixtures/valid");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&valid)
        .expect("valid fixtures")
        .map(|e| e.expect("entry").path())
        .map(|p| if p.is_dir() { p.join("asyncapi.yaml") } else { p })
        .collect();
    if let Some(shared) = shared_dir() {
        let examples = shared.join("asyncapi-corpus/spec-examples");
        for entry in std::fs::read_dir(&examples).expect("spec-examples") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                paths.push(path);
            }
        }
        for service in std::fs::read_dir(examples.join("social-media")).expect("social-media") {
            paths.push(service.expect("entry").path().join("asyncapi.yaml"));
        }
    }
    paths.sort();
    for path in paths {
        // The corpus has one document with remote references, which are not fetched.
        if let Ok(doc) = Document::load(&path) {
            docs.push((path.display().to_string(), doc));
        }
    }
    docs
}

/// A copy with every object's keys in reverse order.
fn reversed(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let entries: Vec<(String, Value)> = map.iter().rev().map(|(k, v)| (k.clone(), reversed(v))).collect();
            Value::Object(entries.into_iter().collect::<Map<String, Value>>())
        }
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

/// A copy with every reference into `components` replaced by a copy of what it designates
/// (references that would recurse stay), and whether one did: a recursion unrolled once
/// more, which the diff finds equal and `normalize` does not (see docs/DIFF.md).
fn inlined(root: &Value) -> (Value, bool) {
    fn walk(root: &Value, value: &Value, stack: &mut Vec<String>, recursive: &mut bool) -> Value {
        if let Some(reference) = value.get("$ref").and_then(Value::as_str)
            && reference.starts_with("#/components/")
            && let Some((_, target)) = tidings_asyncapi::pointer::follow_reference(root, reference)
        {
            if stack.iter().any(|s| s == reference) {
                *recursive = true;
            } else {
                stack.push(reference.to_owned());
                let copy = walk(root, target, stack, recursive);
                stack.pop();
                return copy;
            }
        }
        match value {
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), walk(root, v, stack, recursive))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| walk(root, v, stack, recursive)).collect()),
            other => other.clone(),
        }
    }
    let mut recursive = false;
    let copy = walk(root, root, &mut Vec::new(), &mut recursive);
    (copy, recursive)
}

#[test]
fn every_document_equals_its_emissions_and_rewritten_copies() {
    let docs = all_documents(true);
    assert!(docs.len() >= 80, "only {} documents", docs.len());
    for (name, doc) in &docs {
        assert!(diff(doc, doc).is_empty(), "{name}: differs from itself:\n{}", diff(doc, doc).render_human());
        let bundled = doc.bundled();
        let (inlined, unrolled) = inlined(bundled);
        let copies = [
            ("its JSON emission", Document::from_text("copy.json", doc.to_json()).map(|d| d.bundled().clone()), true),
            ("its YAML emission", Document::from_text("copy.yaml", doc.to_yaml()).map(|d| d.bundled().clone()), true),
            ("a reordered copy", Ok(reversed(bundled)), true),
            ("a copy with references inlined", Ok(inlined), !unrolled),
        ];
        for (what, copy, same_normal_form) in copies {
            let copy = copy.unwrap_or_else(|e| panic!("{name}: {what} does not load:\n{}", e.diagnostics));
            let report = diff_values(bundled, &copy);
            assert!(report.is_empty(), "{name} differs from {what}:\n{}", report.render_human());
            assert!(diff_values(&copy, bundled).is_empty(), "{name}: {what} differs from it");
            if same_normal_form {
                let difference = first_difference(&normalize(bundled), &normalize(&copy), String::new());
                assert!(difference.is_none(), "{name}: {what} normalizes differently at {difference:?}");
            }
        }
    }
}

#[test]
fn any_two_documents_diff_without_panicking_and_symmetrically_empty() {
    // The diff fixtures are variations of one document; the others differ from each other.
    let docs = all_documents(false);
    let mut pairs = 0;
    for (i, (a_name, a)) in docs.iter().enumerate() {
        for (b_name, b) in &docs[i..] {
            let report = diff(a, b);
            let back = diff(b, a);
            assert_eq!(report.is_empty(), back.is_empty(), "{a_name} vs {b_name}: empty one way only");
            let _ = (report.render_human(), report.to_json());
            pairs += 1;
        }
    }
    // Values that are not documents at all are compared too, and never panic.
    let odd = [
        Value::Null,
        serde_json::json!([1, 2]),
        serde_json::json!({"channels": 3, "operations": {"o": {"channel": {"$ref": "#/nowhere"}, "messages": 7}}}),
        serde_json::json!({"channels": {"c": {"messages": {"m": {"payload": {"$ref": "#/channels/c/messages/m/payload"}}}}}}),
        serde_json::json!({"channels": {"c": {"messages": {"m": {"payload": {"items": [{"$ref": "#"}], "allOf": [{"$ref": "#/channels"}]}}}}}}),
    ];
    let mut deep = serde_json::json!({"type": "string"});
    for _ in 0..140 {
        deep = serde_json::json!({"type": "object", "properties": {"a": deep, "b": {"$ref": "#/channels/c/bindings"}}});
    }
    let odd = odd.into_iter().chain([
        serde_json::json!({"channels": {"c": {"bindings": {"ws": {"$ref": "#/channels/c"}},
            "messages": {"m": {"payload": deep.clone(), "headers": {"$ref": "#/channels/c/messages/m/payload"}}}}}}),
        serde_json::json!({"channels": {"c": {"bindings": {"ws": {"query": {"$ref": "#/channels/c/bindings"}}},
            "messages": {"m": {"payload": {"allOf": [deep]}}}}}}),
    ]);
    let odd: Vec<Value> = odd.collect();
    for a in &odd {
        let _ = normalize(a);
        for b in &odd {
            let _ = diff_values(a, b).render_human();
        }
    }
    println!("{pairs} document pairs diffed");
}

#[test]
fn raw_values_with_references_that_do_not_resolve_are_still_compared() {
    let document = |mood: Value, reference: &str| {
        serde_json::json!({
            "asyncapi": "3.0.0",
            "channels": {"c": {"messages": {"m": {"payload": {
                "type": "object",
                "properties": {"mood": {"$ref": "#/$defs/Mood"}, "other": {"$ref": reference}},
                "$defs": {"Mood": mood}
            }}}}},
            "operations": {"o": {"action": "send", "channel": {"$ref": "#/channels/c"}}}
        })
    };
    let old = document(serde_json::json!({"enum": ["happy", "sad"]}), "#/nowhere/a");
    let new = document(serde_json::json!({"enum": ["happy"]}), "#/nowhere/b");
    let lines = diff_values(&old, &new).render_lines();
    assert_eq!(
        lines,
        "non-breaking enum-value-removed #/channels/c/messages/m/payload/$defs/Mood/enum\n\
         breaking constraint-changed #/channels/c/messages/m/payload/properties/other/$ref\n",
        "schemars-style `#/$defs` references resolve nowhere in the document; the definitions are compared by name"
    );
}

#[test]
fn optional_null_is_absent_ignores_the_nullability_of_optional_properties_only() {
    let document = |optional: Value, required: Value| {
        serde_json::json!({"channels": {"c": {"messages": {"m": {"payload": {
            "type": "object",
            "required": ["r"],
            "properties": {"o": optional, "r": required}
        }}}}}})
    };
    let old =
        document(serde_json::json!({"type": "string", "enum": ["a", "b"]}), serde_json::json!({"type": "string"}));
    let new = document(
        serde_json::json!({"anyOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "null"}]}),
        serde_json::json!({"type": ["string", "null"]}),
    );
    let options = Options::default().optional_null_is_absent(true);
    assert_eq!(
        diff_values_with(&old, &new, &options).render_lines(),
        "breaking type-widened #/channels/c/messages/m/payload/properties/r/type\n",
        "a required property that becomes nullable still changes"
    );
    assert_eq!(
        diff_values(&old, &new).render_lines(),
        "breaking enum-value-added #/channels/c/messages/m/payload/properties/o/anyOf/0/enum\n\
         breaking type-widened #/channels/c/messages/m/payload/properties/r/type\n"
    );
}
