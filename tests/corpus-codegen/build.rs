//! Generates Rust for both sides of every document of the shared AsyncAPI corpus that the
//! loader accepts (the spec's own examples and the third-party documents of `real-world`),
//! into one module the crate compiles. Nothing is configured per document: what a user gets
//! from a one-line build.rs is what is compiled here.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tidings_build::{Builder, Side};

/// The spec's examples: each single-file example and the root of each social-media service.
fn spec_examples(examples: &Path) -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = std::fs::read_dir(examples)
        .expect("spec-examples is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .filter(|p| !p.to_string_lossy().ends_with(".actual.yaml"))
        .collect();
    for service in std::fs::read_dir(examples.join("social-media")).expect("social-media is readable").flatten() {
        let root = service.path().join("asyncapi.yaml");
        if root.is_file() {
            docs.push(root);
        }
    }
    docs.sort();
    docs
}

/// The third-party documents: every root `SOURCES.tsv` lists (support files say `n/a`).
fn real_world(dir: &Path) -> Vec<PathBuf> {
    let sources = std::fs::read_to_string(dir.join("SOURCES.tsv")).expect("SOURCES.tsv is readable");
    sources
        .lines()
        .skip(1)
        .filter_map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            (columns.len() > 8 && columns[8] != "n/a").then(|| dir.join(columns[3]))
        })
        .collect()
}

/// A module name from a path under `base`: lowercase ASCII and underscores, `asyncapi` dropped.
fn module_name(base: &Path, doc: &Path) -> String {
    let relative = doc.strip_prefix(base).unwrap_or(doc).with_extension("");
    let name: String = relative
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect();
    let mut name = name.replace("_asyncapi", "").replace("asyncapi_", "");
    while name.contains("__") {
        name = name.replace("__", "_");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) { format!("d_{name}") } else { name }
}

fn main() {
    println!("cargo:rerun-if-env-changed=CI");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let corpus = manifest.join("../../../shared/asyncapi-corpus");
    let mut out = String::new();
    let mut generated: Vec<String> = Vec::new();
    let mut rejected: Vec<String> = Vec::new();
    // Per document and side: the module, its warnings and its schemas typed as JSON values.
    let mut report: Vec<String> = Vec::new();
    // The application side of each document with the document's path: the fixed-point test
    // describes each module and compares it with its document.
    let mut applications: Vec<String> = Vec::new();
    if corpus.is_dir() {
        println!("cargo:rerun-if-changed={}", corpus.display());
        let examples = corpus.join("spec-examples");
        let third_party = corpus.join("real-world");
        let documents = spec_examples(&examples)
            .into_iter()
            .map(|d| (module_name(&examples, &d), d))
            .chain(real_world(&third_party).into_iter().map(|d| (format!("rw_{}", module_name(&third_party, &d)), d)));
        for (name, doc_path) in documents {
            if tidings_asyncapi::Document::load(&doc_path).is_err() {
                rejected.push(name);
                continue;
            }
            for (side, suffix) in [(Side::Application, "application"), (Side::Peer, "peer")] {
                let output = Builder::new(&doc_path).side(side).generate().unwrap_or_else(|failure| {
                    panic!("{} ({suffix}) does not generate:\n{}", doc_path.display(), failure.report)
                });
                let module = format!("{name}_{suffix}");
                let _ = writeln!(
                    out,
                    "/// `{}`, {suffix} side.\npub mod {module} {{\n{}\n}}\n",
                    doc_path.display(),
                    output.code
                );
                report.push(format!("({module:?}, {}, {})", output.warnings.len(), output.json_fallbacks));
                if side == Side::Application {
                    applications
                        .push(format!("({:?}, &{module}::INFO, {module}::CHANNELS)", doc_path.display().to_string()));
                }
                generated.push(module);
            }
        }
    } else {
        assert!(std::env::var_os("CI").is_none(), "CI is set but the corpus {} is missing", corpus.display());
        println!("cargo:warning=the shared corpus is missing; no corpus code is generated");
    }
    let list = |items: &[String]| items.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>().join(", ");
    let _ = writeln!(
        out,
        "/// The generated modules, one per accepted document and side.\npub const GENERATED: &[&str] = &[{}];",
        list(&generated)
    );
    let _ = writeln!(
        out,
        "/// Each generated module with its count of warnings and of schemas typed as JSON values.\n\
         pub const REPORT: &[(&str, usize, usize)] = &[{}];",
        report.join(", ")
    );
    let _ = writeln!(
        out,
        "/// Documents the loader rejects (and so generate nothing).\npub const REJECTED: &[&str] = &[{}];",
        list(&rejected)
    );
    let _ = writeln!(
        out,
        "/// Each document's path with its application side's info and channels.\n\
         pub static APPLICATIONS: &[(&str, &::tidings::descriptor::InfoDescriptor, &[&::tidings::descriptor::ChannelDescriptor])] = &[{}];",
        applications.join(", ")
    );
    let target = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("corpus.rs");
    std::fs::write(target, out).expect("corpus.rs written");
}
