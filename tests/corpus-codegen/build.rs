//! Generates Rust for both sides of every document of the shared AsyncAPI corpus that the
//! loader accepts, into one module the crate compiles. Channels whose messages no property
//! tells apart are generated the way a user would have to ask for them: untagged.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tidings_build::{BuildProblem, Builder, Settings, Side};

fn documents(examples: &Path) -> Vec<PathBuf> {
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

fn module_name(examples: &Path, doc: &Path) -> String {
    let relative = doc.strip_prefix(examples).unwrap_or(doc).with_extension("");
    let name: String = relative
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect();
    name.replace("_asyncapi", "")
}

fn main() {
    println!("cargo:rerun-if-env-changed=CI");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let examples = manifest.join("../../../shared/asyncapi-corpus/spec-examples");
    let mut out = String::new();
    let mut generated: Vec<String> = Vec::new();
    let mut untagged_channels: Vec<String> = Vec::new();
    let mut rejected: Vec<String> = Vec::new();
    // The application side of each document with the document's path: the fixed-point test
    // describes each module and compares it with its document.
    let mut applications: Vec<String> = Vec::new();
    if examples.is_dir() {
        println!("cargo:rerun-if-changed={}", examples.display());
        for doc_path in documents(&examples) {
            let name = module_name(&examples, &doc_path);
            let Ok(doc) = tidings_asyncapi::Document::load(&doc_path) else {
                rejected.push(name);
                continue;
            };
            for (side, suffix) in [(Side::Application, "application"), (Side::Peer, "peer")] {
                // The channels that need `untagged`, found as a user would: from the build error.
                let mut settings = Settings::default();
                settings.side = side;
                let untagged: HashSet<String> = match tidings_build::generate(&doc, &settings) {
                    Ok(_) => HashSet::new(),
                    Err(e) => e
                        .diagnostics
                        .iter()
                        .filter_map(|d| match &d.problem {
                            BuildProblem::NoDiscriminator { channel, .. } => Some(channel.clone()),
                            _ => None,
                        })
                        .collect(),
                };
                let mut builder = Builder::new(&doc_path).side(side);
                let mut sorted: Vec<&String> = untagged.iter().collect();
                sorted.sort();
                for channel in sorted {
                    builder = builder.untagged(channel.clone());
                    untagged_channels.push(format!("{name}/{channel} ({suffix})"));
                }
                let output = builder.generate().unwrap_or_else(|failure| {
                    panic!("{} ({suffix}) does not generate:\n{}", doc_path.display(), failure.report)
                });
                let module = format!("{name}_{suffix}");
                let _ = writeln!(
                    out,
                    "/// `{}`, {suffix} side.\npub mod {module} {{\n{}\n}}\n",
                    doc_path.display(),
                    output.code
                );
                if side == Side::Application {
                    applications
                        .push(format!("({:?}, &{module}::INFO, {module}::CHANNELS)", doc_path.display().to_string()));
                }
                generated.push(module);
            }
        }
    } else {
        assert!(std::env::var_os("CI").is_none(), "CI is set but the corpus {} is missing", examples.display());
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
        "/// Channels generated untagged, as `document/channel (side)`.\npub const UNTAGGED: &[&str] = &[{}];",
        list(&untagged_channels)
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
