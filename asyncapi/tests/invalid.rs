//! Every fixture under `tests/fixtures/invalid` is rejected, and each error it expects is
//! reported at the expected file, line, column and JSON pointer.
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

#[test]
fn invalid_fixtures_report_expected_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let mut roots: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .map(|entry| entry.expect("entry").path())
        .map(|path| if path.is_dir() { path.join("asyncapi.yaml") } else { path })
        .collect();
    roots.sort();
    let mut failures = Vec::new();
    for root in &roots {
        let expected = expectations(root);
        assert!(!expected.is_empty(), "{} states no expectation", root.display());
        let diagnostics = match Document::load(root) {
            Ok(_) => {
                failures.push(format!("{}: accepted, but must be rejected", root.display()));
                continue;
            }
            Err(error) => error.diagnostics,
        };
        for e in &expected {
            if !diagnostics.iter().any(|d| matches(d, e)) {
                let got: Vec<String> = diagnostics.iter().map(|d| format!("    {d}")).collect();
                failures.push(format!(
                    "{}: expected {}:{}:{} #{} `{}`; got\n{}",
                    root.display(),
                    e.file.display(),
                    e.line,
                    e.column,
                    e.pointer,
                    e.text,
                    got.join("\n")
                ));
            }
        }
    }
    assert!(roots.len() >= 25, "only {} invalid fixtures", roots.len());
    assert!(failures.is_empty(), "{} fixture expectation(s) failed:\n{}", failures.len(), failures.join("\n"));
    println!("{} invalid fixtures rejected with the expected diagnostics", roots.len());
}
