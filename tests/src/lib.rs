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
