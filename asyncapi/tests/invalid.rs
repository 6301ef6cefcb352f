//! Every fixture under `tests/fixtures/invalid` is rejected, and each error it expects is
//! reported at the expected file, line, column and JSON pointer. Every fixture under
//! `tests/fixtures/questionable` (what the official parser accepts and the specification
//! discourages) is accepted, with each warning it expects reported the same way.
//!
//! A fixture is a `NAME.yaml`, or a folder `NAME/` whose root is `asyncapi.yaml`. Its first
//! lines say what must be reported, one diagnostic each:
//!
//! ```text
//! # expect: [FILE:]LINE:COL #POINTER TEXT
//! ```
//!
//! where `FILE` (relative to the fixture's folder) defaults to the root file, `#POINTER` is
//! the node's JSON pointer in that file (`#` alone for the document) and `TEXT` must occur in
//! the message.

use std::path::{Path, PathBuf};

use tidings_asyncapi::{Diagnostic, Document};

struct Expectation {
    file: PathBuf,
    line: u32,
    column: u32,
    pointer: String,
    text: String,
}

fn expectations(root: &Path) -> Vec<Expectation> {
    let text = std::fs::read_to_string(root).expect("fixture is readable");
    let folder = root.parent().expect("fixture has a folder");
    text.lines()
        .map_while(|line| line.strip_prefix("# expect: "))
        .map(|spec| {
            let (location, rest) = spec.split_once(' ').expect("expectation has a location");
            let (pointer, text) = rest.split_once(' ').expect("expectation has a pointer and text");
            let parts: Vec<&str> = location.rsplitn(3, ':').collect();
            let (file, line, column) = match parts.as_slice() {
                [column, line, file] => (folder.join(file), line, column),
                [column, line] => (root.to_owned(), line, column),
                _ => panic!("bad location `{location}` in {}", root.display()),
            };
            Expectation {
                file,
                line: line.parse().expect("line number"),
                column: column.parse().expect("column number"),
                pointer: pointer.strip_prefix('#').expect("pointer starts with #").to_owned(),
                text: text.to_owned(),
            }
        })
        .collect()
}

fn matches(d: &Diagnostic, e: &Expectation) -> bool {
    d.location.file == e.file
        && d.location.pos.line == e.line
        && d.location.pos.column == e.column
        && d.location.pointer.to_string() == e.pointer
        && d.problem.to_string().contains(&e.text)
}

fn fixture_roots(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(folder);
    let mut roots: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .map(|entry| entry.expect("entry").path())
        .map(|path| if path.is_dir() { path.join("asyncapi.yaml") } else { path })
        .collect();
    roots.sort();
    roots
}

/// Each expectation of `root` that no diagnostic meets, described.
fn unmet(root: &Path, diagnostics: &[&Diagnostic]) -> Vec<String> {
    let expected = expectations(root);
    assert!(!expected.is_empty(), "{} states no expectation", root.display());
    expected
        .iter()
        .filter(|e| !diagnostics.iter().any(|d| matches(d, e)))
        .map(|e| {
            let got: Vec<String> = diagnostics.iter().map(|d| format!("    {d}")).collect();
            format!(
                "{}: expected {}:{}:{} #{} `{}`; got\n{}",
                root.display(),
                e.file.display(),
                e.line,
                e.column,
                e.pointer,
                e.text,
                got.join("\n")
            )
        })
        .collect()
}

#[test]
fn invalid_fixtures_report_expected_errors() {
    let roots = fixture_roots("invalid");
    let mut failures = Vec::new();
    for root in &roots {
        match Document::load(root) {
            Ok(_) => failures.push(format!("{}: accepted, but must be rejected", root.display())),
            Err(error) => failures.extend(unmet(root, &error.diagnostics.iter().collect::<Vec<_>>())),
        }
    }
    assert!(roots.len() >= 21, "only {} invalid fixtures", roots.len());
    assert!(failures.is_empty(), "{} fixture expectation(s) failed:\n{}", failures.len(), failures.join("\n"));
    println!("{} invalid fixtures rejected with the expected diagnostics", roots.len());
}

#[test]
fn questionable_fixtures_load_with_expected_warnings() {
    let roots = fixture_roots("questionable");
    let mut failures = Vec::new();
    for root in &roots {
        match Document::load(root) {
            Ok(doc) => {
                let warnings: Vec<&Diagnostic> = doc.warnings().iter().collect();
                failures.extend(unmet(root, &warnings));
            }
            Err(error) => failures.push(format!("{}: rejected, but must load:\n{}", root.display(), error.diagnostics)),
        }
    }
    assert!(roots.len() >= 5, "only {} questionable fixtures", roots.len());
    assert!(failures.is_empty(), "{} fixture expectation(s) failed:\n{}", failures.len(), failures.join("\n"));
    println!("{} questionable fixtures loaded with the expected warnings", roots.len());
}

#[test]
fn a_reference_that_leads_nowhere_is_reported_once_without_follow_on_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid/operation-message-typo.yaml");
    let error = Document::load(&root).expect_err("a dangling message reference");
    let diagnostics: Vec<String> = error.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(diagnostics.len(), 1, "one error, not a follow-on one about the channel:\n{}", diagnostics.join("\n"));
}
