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
    assert_eq!(text.matches("error: ").count(), 3, "{text}");
    // An address parameter is a warning when the channel declares none: the official parser
    // accepts that.
    assert_eq!(text.matches("warning: ").count(), 1, "{text}");
    assert!(text.contains("many-errors.yaml:8:12"), "{text}");
    assert!(text.contains("= at: #/operations/go/action"), "{text}");
    assert!(text.contains("invalid, 3 error(s)"), "{text}");
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

#[test]
fn generate_writes_what_build_rs_generates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../build-support/tests");
    let contract = root.join("fixtures/chat.yaml");
    for (side, snapshot) in [("application", "chat.rs"), ("peer", "chat.peer.rs")] {
        let out = tidings(&["generate", contract.to_str().expect("utf-8"), "--side", side]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let expected = std::fs::read_to_string(root.join("snapshots").join(snapshot)).expect("snapshot");
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "--side {side} differs from {snapshot}");
    }
}

#[test]
fn generate_warns_about_messages_only_their_schemas_tell_apart() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let contract = dir.join("no-discriminator.yaml");
    std::fs::write(
        &contract,
        "asyncapi: 3.0.0\ninfo: {title: T, version: 1.0.0}\nchannels:\n  c:\n    address: /c\n    messages:\n      a: {payload: {type: object, properties: {x: {type: string}}}}\n      b: {payload: {type: object, properties: {y: {type: string}}}}\noperations:\n  r:\n    action: receive\n    channel: {$ref: '#/channels/c'}\n",
    )
    .expect("contract written");
    // No property tells `a` from `b`: the document is valid, so it generates, with a warning
    // at `b` saying that a frame both schemas accept is `a`.
    let out = tidings(&["generate", contract.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("UNTAGGED.decode(text"));
    let text = stderr(&out);
    assert!(text.contains("warning: channel `c` receives `a` and `b` without a tag"), "{text}");
    assert!(text.contains("one both accept is `a`"), "{text}");
    assert!(text.contains("no-discriminator.yaml:8:10"), "{text}");
    // The strict reading refuses it, with the same warning and a count.
    let out = tidings(&["generate", contract.to_str().expect("utf-8"), "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let text = stderr(&out);
    assert!(text.contains("one both accept is `a`"), "{text}");
    assert!(text.contains("error: 1 warning(s), and warnings are denied"), "{text}");
    assert!(text.contains("= help:"), "{text}");
}

fn diff_case(name: &str) -> (String, String) {
    let dir = fixtures().join("diff").join(name);
    let path = |side: &str| dir.join(side).to_str().expect("utf-8 path").to_owned();
    (path("old.yaml"), path("new.yaml"))
}

#[test]
fn diff_exits_0_when_nothing_breaks() {
    let (old, new) = diff_case("identical");
    let out = tidings(&["diff", &old, &new]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no changes\n");

    let (old, new) = diff_case("property-added");
    let out = tidings(&["diff", &old, &new]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("2 change(s): 0 breaking, 2 non-breaking, 0 annotation\n"), "{text}");
    assert!(
        text.contains("non-breaking:\n  property-added #/channels/chat/messages/said/payload/properties/mood"),
        "{text}"
    );
}

#[test]
fn diff_exits_1_on_a_breaking_change_in_both_formats() {
    let (old, new) = diff_case("property-required-added");
    let out = tidings(&["diff", &old, &new]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("breaking:\n  property-required-added #/channels/chat/messages/say/payload/properties/room"),
        "{text}"
    );
    assert!(text.contains("(the application receives it)"), "{text}");

    let out = tidings(&["diff", &old, &new, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the JSON report parses");
    assert_eq!(report["breaking"], true);
    assert_eq!(report["counts"]["breaking"], 1);
    let changes = report["changes"].as_array().expect("a list of changes");
    assert_eq!(changes.len(), 2);
    let breaking = changes.iter().find(|c| c["class"] == "breaking").expect("one breaking change");
    assert_eq!(breaking["rule"], "property-required-added");
    assert_eq!(breaking["pointer"], "/channels/chat/messages/say/payload/properties/room");
}

#[test]
fn diff_exits_2_on_unreadable_or_invalid_input() {
    let (old, _) = diff_case("identical");
    let invalid = fixtures().join("invalid/bad-action.yaml");
    let out = tidings(&["diff", &old, invalid.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(text.contains("= at: #/operations/publishIt/action"), "{text}");
    assert!(text.contains("bad-action.yaml: invalid, 1 error(s)"), "{text}");
    assert!(out.stdout.is_empty(), "no report for an invalid input");

    assert_eq!(tidings(&["diff", &old, "/no/such/file.yaml"]).status.code(), Some(2));
    assert_eq!(tidings(&["diff", &old]).status.code(), Some(2));
    assert_eq!(tidings(&["diff", &old, &old, "--format", "xml"]).status.code(), Some(2));
}

/// A plain HTTP GET on `addr`: status line and body.
fn http_get(addr: &str, target: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(stream, "GET {target} HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head");
    (head.lines().next().unwrap_or_default().to_owned(), body.to_owned())
}

#[test]
fn docs_serves_a_contracts_page_and_document() {
    use std::io::BufRead;
    let file = fixtures().join("valid/multi-file/asyncapi.yaml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tidings"))
        .args(["docs", file.to_str().expect("utf-8 path"), "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("it prints its address");
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect("a URL").to_owned();
    let addr = url.trim_start_matches("http://").trim_end_matches("/asyncapi");
    let (status, body) = http_get(addr, "/asyncapi.json");
    let expected = tidings_asyncapi::Document::load(&file).expect("valid").bundled().clone();
    let served: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let (page_status, page) = http_get(addr, "/asyncapi");
    let (missing, _) = http_get(addr, "/elsewhere");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(served, expected, "the bundled contract is served");
    assert_eq!(page_status, "HTTP/1.1 200 OK");
    assert!(page.contains("AsyncApiStandalone.render"), "{page}");
    assert_eq!(missing, "HTTP/1.1 404 Not Found");
}

#[test]
fn docs_refuses_an_invalid_contract_with_its_diagnostics() {
    let file = fixtures().join("invalid/many-errors.yaml");
    let out = tidings(&["docs", file.to_str().expect("utf-8 path"), "--port", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("many-errors.yaml:8:12"), "{}", stderr(&out));
}
