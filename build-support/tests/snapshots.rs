//! The generated Rust of every fixture contract, both sides, is checked in under
//! `tests/snapshots` and compiled by the `tidings-generated` crate, so a change in generated
//! code shows up in review and must compile.
//!
//! `TIDINGS_UPDATE_SNAPSHOTS=1 cargo test -p tidings-build --test snapshots` rewrites them.
//! A fixture's first line may set build options: `# tidings-build: discriminator CHANNEL=PROPERTY`.

use std::path::{Path, PathBuf};

use tidings_build::{Builder, Side};

fn fixtures() -> Vec<(String, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        // `*.actual.yaml` is what a failed round-trip check wrote for a person to read.
        .filter(|p| !p.to_string_lossy().ends_with(".actual.yaml"))
        .filter_map(|p| {
            if p.is_dir() {
                Some((p.file_name()?.to_string_lossy().into_owned(), p.join("asyncapi.yaml")))
            } else {
                Some((p.file_stem()?.to_string_lossy().into_owned(), p))
            }
        })
        .collect();
    out.sort();
    out
}

fn builder(path: &Path, side: Side) -> Builder {
    let mut builder = Builder::new(path).side(side).formatted(true);
    let text = std::fs::read_to_string(path).expect("fixture");
    if let Some(options) = text.lines().next().and_then(|l| l.strip_prefix("# tidings-build: ")) {
        for option in options.split(',') {
            if let Some((channel, property)) =
                option.trim().strip_prefix("discriminator ").and_then(|o| o.split_once('='))
            {
                builder = builder.discriminator(channel, property);
            }
        }
    }
    builder
}

#[test]
fn generated_code_matches_the_snapshots() {
    let update = std::env::var_os("TIDINGS_UPDATE_SNAPSHOTS").is_some();
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let compiled = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/generated/src/lib.rs"))
        .expect("the compiling crate's lib.rs");
    let mut stale = Vec::new();
    let all = fixtures();
    assert!(all.len() >= 12, "only {} fixture contracts", all.len());
    for (name, path) in &all {
        for (side, suffix) in [(Side::Application, ""), (Side::Peer, ".peer")] {
            let generated = builder(path, side)
                .generate()
                .unwrap_or_else(|f| panic!("{name}{suffix} does not generate:\n{}", f.report));
            let file = format!("{name}{suffix}.rs");
            let snapshot = snapshots.join(&file);
            if update {
                std::fs::write(&snapshot, &generated.code).expect("snapshot written");
            } else if std::fs::read_to_string(&snapshot).ok().as_deref() != Some(generated.code.as_str()) {
                stale.push(file.clone());
            }
            assert!(compiled.contains(&format!("snapshots/{file}\"")), "{file} is not compiled by tests/generated");
        }
    }
    assert!(
        stale.is_empty(),
        "generated code differs from the snapshots {stale:?}; review and run \
         TIDINGS_UPDATE_SNAPSHOTS=1 cargo test -p tidings-build --test snapshots"
    );
}

#[test]
fn generation_is_deterministic() {
    for (name, path) in fixtures() {
        let first = builder(&path, Side::Application).generate().expect("generates").code;
        let second = builder(&path, Side::Application).generate().expect("generates").code;
        assert_eq!(first, second, "{name} generates differently on a second run");
    }
}
