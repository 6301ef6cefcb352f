//! Generate typed Rust from an AsyncAPI 3.0 contract, in `build.rs`.
//!
//! ```no_run
//! // build.rs: `fn main() { ... }` around this line
//! tidings_build::compile("asyncapi.yaml");
//! ```
//!
//! ```ignore
//! // src/main.rs
//! mod contract {
//!     tidings::include_contract!();
//! }
//! ```
//!
//! The generated module has a `types` module with a Rust type per payload schema and, per
//! channel, a module with the `Incoming` and `Outgoing` message enums, the address `Params`,
//! a consumer trait with one async method per operation the application receives, a
//! `channel(implementation)` constructor, and the channel's `DESCRIPTOR`.
//!
//! A contract that does not load, or from which no code can be generated, stops the build
//! with a report like a compiler's: file, line, column, JSON pointer and what to do.

mod camelize;
pub mod generator;

use std::path::{Path, PathBuf};

pub use generator::{BuildDiagnostic, BuildProblem, GenerateError, Generated, Settings, Side, generate};
use tidings_asyncapi::Document;

/// Generates `$OUT_DIR/contract.rs` from the contract at `path` with default settings, for
/// `tidings::include_contract!()`. On failure it prints every diagnostic and exits with 1.
pub fn compile(path: impl AsRef<Path>) {
    Builder::new(path).compile();
}

/// Settings for generation, with the defaults of [`compile`].
#[derive(Debug, Clone)]
pub struct Builder {
    path: PathBuf,
    settings: Settings,
    name: String,
    camelize: bool,
    deny_warnings: bool,
}

/// A generated module as text, with the files it was generated from.
#[derive(Debug, Clone)]
pub struct Output {
    /// The Rust source (formatted when [`Builder::formatted`] asked for it).
    pub code: String,
    /// Every file read: the contract and each file its references reached.
    pub files: Vec<PathBuf>,
    /// Warnings, rendered.
    pub warnings: Vec<String>,
    /// How many schemas are typed as JSON values because no Rust type could be made of them
    /// (each has a warning).
    pub json_fallbacks: usize,
}

/// Generation failed; `report` holds every diagnostic, rendered like a compiler's.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{report}")]
pub struct Failure {
    /// The rendered diagnostics.
    pub report: String,
    /// The files read before the failure.
    pub files: Vec<PathBuf>,
}

impl Builder {
    /// Settings for the contract at `path`.
    pub fn new(path: impl AsRef<Path>) -> Self {
        Self {
            path: path.as_ref().to_owned(),
            settings: Settings::default(),
            name: "contract".to_owned(),
            camelize: false,
            deny_warnings: false,
        }
    }

    /// Which side to generate: the application the contract describes (the default) or its peer.
    pub fn side(mut self, side: Side) -> Self {
        self.settings.side = side;
        self
    }

    /// Tells the messages of channel `channel` apart by `property`, whatever the contract implies.
    pub fn discriminator(mut self, channel: impl Into<String>, property: impl Into<String>) -> Self {
        self.settings.discriminators.insert(channel.into(), property.into());
        self
    }

    /// Uses the Rust type at `path` (such as `crate::model::User`) for component schema `schema`.
    pub fn replace(mut self, schema: impl Into<String>, path: impl Into<String>) -> Self {
        self.settings.replacements.insert(schema.into(), path.into());
        self
    }

    /// Adds a derive (such as `Eq` or `Hash`) to every generated type.
    pub fn derive(mut self, derive: impl Into<String>) -> Self {
        self.settings.derives.push(derive.into());
        self
    }

    /// Formats the output with prettyplease (default off: build.rs output is for rustc, and
    /// formatting takes longer than generating; `tidings generate` formats).
    pub fn formatted(mut self, on: bool) -> Self {
        self.settings.formatted = on;
        self
    }

    /// Puts every property name of the contract's schemas in camelCase, on the wire: the
    /// types read and write `requestId` where the contract says `request_id`, validation
    /// and correlation ids follow, a discriminator is renamed with its property, and the
    /// application's document says `requestId` because the types do. `const` and `enum`
    /// values, addresses and parameters stay. (Keys of channels, operations and messages
    /// are the document's concern: `DocumentConfig::camelize`.)
    pub fn camelize(mut self, on: bool) -> Self {
        self.camelize = on;
        self
    }

    /// Fails generation on any warning, the document's or the generator's (default off): for
    /// teams that hold their contract to the strict reading of the specification. A contract
    /// the official parser accepts otherwise always generates, and says what is questionable.
    pub fn deny_warnings(mut self, on: bool) -> Self {
        self.deny_warnings = on;
        self
    }

    /// Writes `$OUT_DIR/<name>.rs` instead of `contract.rs`, for `include_contract!("<name>")`.
    pub fn output_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Generates the module's source without touching the environment.
    pub fn generate(&self) -> Result<Output, Failure> {
        let doc = match Document::load(&self.path) {
            Ok(doc) => doc,
            Err(error) => {
                let texts = tidings_asyncapi::source_texts(&error);
                let report = error
                    .diagnostics
                    .iter()
                    .map(|d| d.render(texts.iter().find(|(p, _)| *p == d.location.file).map(|(_, t)| t.as_str())))
                    .collect::<String>();
                let files = texts.into_iter().map(|(p, _)| p).collect();
                return Err(Failure { report, files });
            }
        };
        let files: Vec<PathBuf> = doc.files().map(Path::to_owned).collect();
        let doc = if self.camelize {
            let renamed = tidings_asyncapi::emit::to_json(&camelize::camelize(doc.bundled()));
            match Document::from_text(&self.path, renamed) {
                Ok(renamed) => renamed,
                Err(error) => {
                    let report = format!("the camelized contract does not load:\n{error}");
                    return Err(Failure { report, files });
                }
            }
        } else {
            doc
        };
        let render = |d: &BuildDiagnostic| d.render(doc.source_text(&d.location.file));
        let mut warnings: Vec<String> =
            doc.warnings().iter().map(|d| d.render(doc.source_text(&d.location.file))).collect();
        match generate(&doc, &self.settings) {
            Ok(generated) => {
                warnings.extend(generated.warnings.iter().map(render));
                if self.deny_warnings && !warnings.is_empty() {
                    let report = format!(
                        "{}error: {} warning(s), and warnings are denied (`Builder::deny_warnings`)\n",
                        warnings.concat(),
                        warnings.len()
                    );
                    return Err(Failure { report, files });
                }
                let code = with_header(&doc, &generated.code, self.settings.side);
                Ok(Output { code, files, warnings, json_fallbacks: generated.json_fallbacks })
            }
            Err(error) => {
                let report = error.diagnostics.iter().map(render).collect::<String>();
                Err(Failure { report, files })
            }
        }
    }

    /// Generates into `$OUT_DIR` for a build script: tells cargo which files to watch,
    /// passes warnings on, and on failure prints the report and exits with 1.
    pub fn compile(self) {
        let started = std::time::Instant::now();
        let result = self.generate();
        if let Some(hint) = slow_generation_hint(&self.path, started.elapsed()) {
            println!("cargo:warning={hint}");
        }
        let files = match &result {
            Ok(output) => &output.files,
            Err(failure) => &failure.files,
        };
        println!("cargo:rerun-if-changed={}", self.path.display());
        for file in files {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        match result {
            Ok(output) => {
                for warning in &output.warnings {
                    for line in warning.lines().take(2) {
                        println!("cargo:warning={line}");
                    }
                }
                let Some(out_dir) = std::env::var_os("OUT_DIR") else {
                    eprintln!("error: OUT_DIR is not set; tidings_build::compile runs from a build script");
                    std::process::exit(1);
                };
                let target = Path::new(&out_dir).join(format!("{}.rs", self.name));
                // Writing only on change keeps the file's time, so nothing downstream rebuilds.
                if std::fs::read_to_string(&target).ok().as_deref() != Some(output.code.as_str())
                    && let Err(e) = std::fs::write(&target, &output.code)
                {
                    eprintln!("error: cannot write {}: {e}", target.display());
                    std::process::exit(1);
                }
            }
            Err(failure) => {
                eprintln!("{}", failure.report);
                eprintln!("error: tidings-build could not generate code from {}", self.path.display());
                std::process::exit(1);
            }
        }
    }
}

/// Past this, a build script's generation is worth a user's attention.
const SLOW_GENERATION: std::time::Duration = std::time::Duration::from_millis(300);

/// A warning for a generation that took long, saying the usual reason: cargo compiles build
/// scripts and their dependencies unoptimized unless the profile says otherwise, which makes
/// generating a contract of hundreds of messages about 5x slower (`docs/BENCHMARKS.md`).
fn slow_generation_hint(path: &Path, took: std::time::Duration) -> Option<String> {
    (took > SLOW_GENERATION).then(|| {
        format!(
            "tidings-build: generating {} took {:.2} s; build scripts run unoptimized unless \
             `[profile.dev.build-override] opt-level = 3` (and the same for release) says otherwise, \
             which makes generation about 5x faster",
            path.display(),
            took.as_secs_f64()
        )
    })
}

fn with_header(doc: &Document, code: &str, side: Side) -> String {
    let side = match side {
        Side::Application => "application",
        Side::Peer => "peer",
    };
    let source =
        doc.path().file_name().map_or_else(|| doc.path().display().to_string(), |n| n.to_string_lossy().into_owned());
    format!("// Generated by tidings-build from `{source}` ({side} side). Do not edit: change the contract.\n\n{code}")
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use super::slow_generation_hint;

    #[test]
    fn a_slow_generation_says_how_to_speed_it_up() {
        assert_eq!(slow_generation_hint(Path::new("asyncapi.yaml"), Duration::from_millis(120)), None);
        let hint = slow_generation_hint(Path::new("asyncapi.yaml"), Duration::from_millis(630)).expect("a hint");
        assert!(hint.starts_with("tidings-build: generating asyncapi.yaml took 0.63 s"), "{hint}");
        assert!(hint.contains("[profile.dev.build-override] opt-level = 3"), "{hint}");
    }
}
