//! The contract becomes Rust: `src/main.rs` includes it with `tidings::include_contract!()`.
//!
//! A second module, `synthetic.rs`, is generated from the synthetic contract of 50 channels with
//! 10 operations each (the one `cargo bench -p tidings-build --bench generate` measures). Only
//! `benches/reverse.rs` includes it, so the binaries and tests do not compile its ~55k lines.

use std::path::{Path, PathBuf};

#[path = "../../build-support/benches/synthetic.rs"]
mod synthetic;

fn main() {
    tidings_build::compile("asyncapi.yaml");
    tidings_build::Builder::new(synthetic_yaml()).output_name("synthetic").compile();
}

/// Writes the synthetic contract into `OUT_DIR` and returns its path.
///
/// The generator asks cargo to rerun the build script when the contract changes, and cargo
/// takes a file modified during the script's run for a change. So the file is written only when
/// its text changed, and then dated back to the build script's own executable, which is what it
/// comes from: otherwise every fresh build would run the script, and rebuild the crate, twice.
fn synthetic_yaml() -> PathBuf {
    let out_dir = std::env::var_os("OUT_DIR").expect("OUT_DIR is set for a build script");
    let path = Path::new(&out_dir).join("synthetic.yaml");
    let text = synthetic::synthetic_contract();
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(&path, text).expect("the synthetic contract is written into OUT_DIR");
        let script = std::env::current_exe().and_then(std::fs::metadata).and_then(|m| m.modified());
        if let Ok(time) = script {
            // Failing leaves one extra run of the script, nothing worse.
            let _ = std::fs::File::options().write(true).open(&path).and_then(|f| f.set_modified(time));
        }
    }
    path
}
