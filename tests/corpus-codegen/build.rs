//! Generates Rust for both sides of every document of the shared AsyncAPI corpus that the
//! loader accepts (the spec's own examples and the third-party documents of `real-world`),
//! into one module the crate compiles. Nothing is configured per document: what a user gets
//! from a one-line build.rs is what is compiled here.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tidings_build::{Builder, Side};

/// A module name from a path: lowercase ASCII words joined by single underscores, without
/// the word `asyncapi` where it only names the format.
fn module_name(path: &str) -> String {
    let words: Vec<String> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case("asyncapi"))
        .map(str::to_ascii_lowercase)
        .collect();
    words.join("_")
}

/// The module of a spec example: its path under `spec-examples`, extension dropped.
fn example_module(examples: &Path, doc: &Path) -> String {
    module_name(&doc.strip_prefix(examples).unwrap_or(doc).with_extension("").to_string_lossy())
}

/// The module of a third-party document: its repository (the first folder) and file stem.
fn third_party_module(dir: &Path, doc: &Path) -> String {
    let relative = doc.strip_prefix(dir).unwrap_or(doc);
    let repository = relative.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned());
    let stem = doc.file_stem().map(|s| s.to_string_lossy().into_owned());
    format!("rw_{}", module_name(&format!("{} {}", repository.unwrap_or_default(), stem.unwrap_or_default())))
}

fn main() {
    println!("cargo:rerun-if-env-changed=CI");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let shared = manifest.join("../../../shared");
    let corpus = shared.join("asyncapi-corpus");
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
        let documents =
            tidings_tests::corpus_documents(&shared).into_iter().map(|d| (example_module(&examples, &d), d)).chain(
                tidings_tests::real_world_documents(&shared)
                    .into_iter()
                    .map(|d| (third_party_module(&third_party, &d), d)),
            );
        let mut taken = std::collections::HashSet::new();
        for (name, doc_path) in documents {
            // Two documents of one repository may share a file name: number the later ones.
            let name = (1..)
                .map(|n| if n == 1 { name.clone() } else { format!("{name}_{n}") })
                .find(|n| taken.insert(n.clone()))
                .unwrap_or(name);
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
