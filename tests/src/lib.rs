//! Shared helpers for the cross-crate tests: where the shared corpus is, and the official
//! AsyncAPI parser run through Node.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_owned()
}

/// The read-only `shared/` folder beside the repository, when it exists. Under CI (`CI` set)
/// its absence fails the test instead of skipping it.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = workspace_root().join("../shared");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(std::env::var_os("CI").is_none(), "CI is set but {} is missing", dir.display());
    eprintln!("note: {} is missing; corpus checks skipped outside CI", dir.display());
    None
}

/// Every AsyncAPI document of the shared corpus: the single-file examples and the root
/// document of each social-media service, sorted.
pub fn corpus_documents(shared: &Path) -> Vec<PathBuf> {
    let examples = shared.join("asyncapi-corpus/spec-examples");
    let mut docs: Vec<PathBuf> = std::fs::read_dir(&examples)
        .expect("spec-examples is readable")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .filter(|p| !p.to_string_lossy().ends_with(".actual.yaml"))
        .collect();
    for service in std::fs::read_dir(examples.join("social-media")).expect("social-media is readable") {
        let root = service.expect("entry").path().join("asyncapi.yaml");
        if root.is_file() {
            docs.push(root);
        }
    }
    docs.sort();
    docs
}

/// What the official parser said about one file.
#[derive(Debug, serde::Deserialize)]
pub struct ParserVerdict {
    /// The file.
    pub file: String,
    /// Whether the parser produced a document with no error.
    pub valid: bool,
    /// The errors, as the parser reported them.
    pub errors: Vec<serde_json::Value>,
}

/// Runs `@asyncapi/parser` (installed in `tests/node` by the test set-up) over `files`.
pub fn official_parser(files: &[PathBuf]) -> Vec<ParserVerdict> {
    let node_dir = workspace_root().join("tests/node");
    assert!(
        node_dir.join("node_modules/@asyncapi/parser").is_dir(),
        "@asyncapi/parser is not installed: run `npm ci --prefix tests/node` (scripts/test does)"
    );
    let output = Command::new("node")
        .arg(node_dir.join("parse.mjs"))
        .args(files)
        .output()
        .expect("node runs (Node 20 or later is required)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let verdicts: Vec<ParserVerdict> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("bad parser output `{line}`: {e}")))
        .collect();
    assert_eq!(
        verdicts.len(),
        files.len(),
        "the parser answered for {} of {} files; stderr:\n{}",
        verdicts.len(),
        files.len(),
        String::from_utf8_lossy(&output.stderr)
    );
    verdicts
}

/// Every root document of the third-party corpus (`real-world/SOURCES.tsv` lists each file;
/// the files other documents refer to say `n/a` in its parser column), in its order.
pub fn real_world_documents(shared: &Path) -> Vec<PathBuf> {
    let dir = shared.join("asyncapi-corpus/real-world");
    let sources = std::fs::read_to_string(dir.join("SOURCES.tsv")).expect("real-world/SOURCES.tsv is readable");
    sources
        .lines()
        .skip(1)
        .filter_map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            (columns.len() > 8 && columns[8] != "n/a").then(|| dir.join(columns[3]))
        })
        .collect()
}

/// Drives an example binary with a Python client on the `websockets` library (a client that
/// is not ours): starts `binary` with `--addr 127.0.0.1:0` and `args`, reads the `ws://`
/// address it prints first, runs `python3 script URL script_args...`, stops the server, and
/// returns what the script printed. Fails when the script fails. `None` when python3 cannot
/// import `websockets`, outside CI; under CI (`CI` set) that fails instead.
pub fn run_python_client(binary: &str, args: &[&str], script: &Path, script_args: &[&str]) -> Option<String> {
    use std::io::{BufRead as _, BufReader};
    use std::process::Stdio;

    let has_websockets = Command::new("python3").args(["-c", "import websockets"]).status().is_ok_and(|s| s.success());
    if !has_websockets {
        assert!(std::env::var_os("CI").is_none(), "CI is set but python3 cannot import websockets");
        eprintln!("note: `pip install -r examples/chat/tests/requirements.txt` to run this test");
        return None;
    }
    let mut server = Command::new(binary)
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{binary} starts: {e}"));
    let stdout = server.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).expect("the binary prints its address");
    let url = first.split_whitespace().find(|w| w.starts_with("ws://")).expect("an address").to_owned();
    let output = Command::new("python3").arg(script).arg(&url).args(script_args).output().expect("python3 runs");
    let _ = server.kill();
    let _ = server.wait();
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the Python client failed:\n{printed}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(printed)
}
