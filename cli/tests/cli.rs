//! The `tidings` binary as a user runs it: exit codes, messages, outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../asyncapi/tests/fixtures")
}

fn tidings(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tidings")).args(args).output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn validate_accepts_a_valid_contract() {
    let file = fixtures().join("valid/multi-file/asyncapi.yaml");
    let out = tidings(&["validate", file.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("valid"));
}

#[test]
fn validate_reports_every_error_and_exits_1() {
    let file = fixtures().join("invalid/many-errors.yaml");
    let out = tidings(&["validate", file.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert_eq!(text.matches("error: ").count(), 4, "{text}");
    assert!(text.contains("many-errors.yaml:8:12"), "{text}");
    assert!(text.contains("= at: #/operations/go/action"), "{text}");
    assert!(text.contains("invalid, 4 error(s)"), "{text}");
}

#[test]
fn several_files_are_validated_together() {
    let good = fixtures().join("valid/multi-file/asyncapi.yaml");
    let bad = fixtures().join("invalid/asyncapi-2.yaml");
    let out = tidings(&["validate", good.to_str().expect("utf-8"), bad.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(
        text.contains("asyncapi.yaml: valid") && text.contains("AsyncAPI version `2.6.0` is not supported"),
        "{text}"
    );
    assert!(text.contains("help: convert the document to 3.0"), "{text}");
}

#[test]
fn unusable_arguments_exit_2() {
    assert_eq!(tidings(&["validate"]).status.code(), Some(2));
    assert_eq!(tidings(&["validate", "/no/such/file.yaml"]).status.code(), Some(2));
    assert_eq!(tidings(&["bundle", "x.yaml", "--format", "xml"]).status.code(), Some(2));
    assert_eq!(tidings(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn bundle_writes_one_self_contained_document() {
    let file = fixtures().join("valid/multi-file/asyncapi.yaml");
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    for (name, format) in [("bundle.json", None), ("bundle.out", Some("yaml"))] {
        let target = out_dir.join(name);
        let mut args = vec!["bundle", file.to_str().expect("utf-8"), "-o", target.to_str().expect("utf-8")];
        if let Some(format) = format {
            args.extend(["--format", format]);
        }
        let out = tidings(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = std::fs::read_to_string(&target).expect("bundle written");
        assert!(!text.contains(".yaml#"), "external references remain in {name}");
        let doc = tidings_asyncapi::Document::from_text(&target, text).expect("the bundle is valid on its own");
        assert_eq!(doc.files().count(), 1, "{name} refers to no other file");
    }
    // Without -o the bundle goes to standard output, as YAML.
    let out = tidings(&["bundle", file.to_str().expect("utf-8")]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("asyncapi: "));
}
