//! The pure generator: a loaded document and settings in, Rust tokens out. No environment,
//! no files, no printing; `crate::Builder` is the build-script front end.
//!
//! [`generate`] walks the document in order: `channels.rs` decides what each channel carries
//! in each direction and how its messages are told apart, `types.rs` makes the payload types
//! through typify, `messages.rs` writes the message enums and their codecs, `traits.rs` the
//! parameters, consumer traits and adapters, `descriptors.rs` the descriptors, and `emit.rs`
//! assembles them, in document order.

mod channels;
mod compact;
mod constructors;
mod descriptors;
mod dispatch;
mod emit;
mod held;
mod messages;
pub(crate) mod names;
mod plain;
mod redirect;
mod source;
mod traits;
mod types;

use std::collections::HashMap;

use tidings_asyncapi::{Document, JsonPointer, Location, Severity};

pub use channels::Side;

/// Settings a build script may give; every one has a default that needs no configuration.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Settings {
    /// Which side of the contract to generate.
    pub side: Side,
    /// Discriminator property per channel key, overriding what the contract says or implies.
    pub discriminators: HashMap<String, String>,
    /// Rust types to use instead of generating one, by component schema name
    /// (`User` to `crate::model::User`).
    pub replacements: HashMap<String, String>,
    /// Extra derives for every generated type, such as `Eq` or `Hash`.
    pub derives: Vec<String>,
    /// Format the output with prettyplease, for people to read (`tidings generate`). build.rs
    /// output is not formatted by default: rustc does not need it, and formatting takes
    /// longer than everything else together (each item is on a line of its own).
    pub formatted: bool,
    /// Every struct through typify, none written by `plain.rs`: the equivalence test of
    /// `plain.rs` generates each contract both ways.
    pub(crate) typify_only: bool,
}

/// What can stop generation, or deserve a warning, beyond the document's own diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildProblem {
    /// Two messages of one direction that no tag tells apart and whose shapes are alike.
    #[error(
        "channel `{channel}` {direction} `{first}` and `{second}` without a tag to tell them apart, and both are \
         the same JSON type with the same required properties: a frame is told apart by their schemas, and one \
         both accept is `{first}`"
    )]
    IndistinctShapes {
        /// The channel key.
        channel: String,
        /// `receives` or `sends`.
        direction: &'static str,
        /// The message that wins a frame both accept: the first in the contract.
        first: String,
        /// The message it shadows.
        second: String,
    },
    /// A discriminator set in build.rs that a message lacks.
    #[error("channel `{channel}`: message `{message}` has no `const` or one-value `enum` for property `{property}`")]
    DiscriminatorMissing {
        /// The channel key.
        channel: String,
        /// The property.
        property: String,
        /// The message key.
        message: String,
    },
    /// Binary frames carry no discriminator: the first byte message of a direction takes them all.
    #[error(
        "channel `{channel}` {direction} several byte messages ({messages}); binary frames cannot tell them apart, \
         so every binary frame is `{first}`"
    )]
    SeveralBinaryMessages {
        /// The channel key.
        channel: String,
        /// `receives` or `sends`.
        direction: &'static str,
        /// The message keys.
        messages: String,
        /// The message that takes every binary frame.
        first: String,
    },
    /// One message received by several operations: the first handles it.
    #[error(
        "channel `{channel}`: message `{message}` is received by operations `{owner}` and `{other}`; `{owner}`, \
         the first, handles it{}",
        if *left_empty { format!(", and `{other}` receives nothing else, so it has no handler method") } else { String::new() }
    )]
    AmbiguousOperation {
        /// The channel key.
        channel: String,
        /// The message key.
        message: String,
        /// The operation whose handler receives it.
        owner: String,
        /// The later operation that lists it too.
        other: String,
        /// Whether the later operation is left without messages (and so without a method).
        left_empty: bool,
    },
    /// typify could not make a type of a schema, which is typed as a JSON value instead.
    #[error(
        "cannot generate a Rust type for this schema ({detail}); it is typed as a JSON value, which runtime \
         validation checks against the schema"
    )]
    SchemaNotTypeable {
        /// What typify said.
        detail: String,
    },
    /// A validation-only keyword typify cannot express; runtime validation still enforces it.
    #[error("`{keyword}` is not expressed in the Rust type; runtime validation enforces it")]
    KeywordNotTyped {
        /// The keyword.
        keyword: &'static str,
    },
    /// A `default` of another type than its schema allows.
    #[error("this `default` does not have the schema's type; the Rust type has no default")]
    DefaultNotTyped,
    /// An `enum` typify cannot make a Rust enum of (mixed types, or values that collide as names).
    #[error("this `enum` becomes a plain value in Rust; runtime validation enforces the allowed values")]
    EnumNotTyped,
    /// A bug in tidings-build: please report it with the contract.
    #[error("internal error in tidings-build: {detail}")]
    Internal {
        /// What went wrong.
        detail: String,
    },
    /// A payload schema in a format other than JSON Schema.
    #[error("payload schema format `{format}` is not JSON Schema; the payload is typed as a JSON value")]
    NotJsonSchema {
        /// The `schemaFormat`.
        format: String,
    },
}

impl BuildProblem {
    /// What to do about it.
    pub fn help(&self) -> Option<&'static str> {
        Some(match self {
            BuildProblem::IndistinctShapes { .. } => {
                "give each message a property such as `type: {const: <name>}`, or name one with \
                 `tidings_build::Builder::discriminator(channel, property)`"
            }
            BuildProblem::AmbiguousOperation { .. } => "list the message in one receiving operation only",
            BuildProblem::SeveralBinaryMessages { .. } => "send one byte message per direction, or make them JSON",
            _ => return None,
        })
    }
}

/// A build problem at a node of the bundled document.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub(crate) severity: Severity,
    pub(crate) problem: BuildProblem,
    pub(crate) pointer: JsonPointer,
}

impl Finding {
    pub(crate) fn error(problem: BuildProblem, pointer: JsonPointer) -> Self {
        Self { severity: Severity::Error, problem, pointer }
    }

    pub(crate) fn warning(problem: BuildProblem, pointer: JsonPointer) -> Self {
        Self { severity: Severity::Warning, problem, pointer }
    }
}

/// A located build problem.
#[derive(Debug, Clone)]
pub struct BuildDiagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong.
    pub problem: BuildProblem,
    /// Where in the contract.
    pub location: Location,
}

impl BuildDiagnostic {
    /// Renders like a compiler message, with the source line when `text` is given.
    pub fn render(&self, text: Option<&str>) -> String {
        tidings_asyncapi::diagnostic::render(
            self.severity,
            &self.problem.to_string(),
            &self.location,
            self.problem.help(),
            text,
        )
    }
}

/// The generated module and what was found on the way.
#[derive(Debug)]
pub struct Generated {
    /// The module's items as formatted Rust source.
    pub code: String,
    /// Warnings.
    pub warnings: Vec<BuildDiagnostic>,
    /// How many schemas are typed as JSON values because no Rust type could be made of them.
    pub json_fallbacks: usize,
    /// How many structs `plain.rs` wrote (for its equivalence test).
    #[cfg(test)]
    pub(crate) plain_structs: usize,
}

/// Generation failed: the errors (and warnings) found.
#[derive(Debug, thiserror::Error)]
#[error("{} error(s) generating code from the contract", self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count())]
pub struct GenerateError {
    /// Every diagnostic.
    pub diagnostics: Vec<BuildDiagnostic>,
}

/// The stack the generator runs on: typify recurses once per level of schema nesting.
const STACK_SIZE: usize = 256 << 20;

/// Generates the Rust module for a loaded, valid document, as formatted source.
///
/// Runs on a thread of its own with a large stack (typify recurses deeply), and typify
/// itself under `catch_unwind`: a schema it cannot handle becomes a diagnostic, never a panic.
pub fn generate(doc: &Document, settings: &Settings) -> Result<Generated, GenerateError> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("tidings-build".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, || generate_here(doc, settings));
        match worker.map(|w| w.join()) {
            Ok(Ok(result)) => result,
            _ => Err(GenerateError { diagnostics: vec![internal_error(doc, "the generator thread failed")] }),
        }
    })
}

fn internal_error(doc: &Document, detail: &str) -> BuildDiagnostic {
    BuildDiagnostic {
        severity: Severity::Error,
        problem: BuildProblem::Internal { detail: detail.to_owned() },
        location: doc.locate(&JsonPointer::root()),
    }
}

fn generate_here(doc: &Document, settings: &Settings) -> Result<Generated, GenerateError> {
    let mut findings = Vec::new();
    let mut schemas = types::SchemaSet::default();
    let plans = channels::plan(doc, settings, &mut schemas, &mut findings);
    let types = if findings.iter().any(|f| f.severity == Severity::Error) {
        None
    } else {
        schemas.generate(settings, &mut findings)
    };
    let mut located: Vec<BuildDiagnostic> = findings
        .into_iter()
        .map(|f| BuildDiagnostic { severity: f.severity, location: doc.locate(&f.pointer), problem: f.problem })
        .collect();
    match types {
        Some(types) if located.iter().all(|d| d.severity != Severity::Error) => {
            let json_fallbacks = types.json_fallbacks;
            #[cfg(test)]
            let plain_structs = types.plain_structs;
            match emit::render(emit::module(doc, settings, &plans, types, &schemas), settings.formatted) {
                Ok(code) => Ok(Generated {
                    code,
                    warnings: located,
                    json_fallbacks,
                    #[cfg(test)]
                    plain_structs,
                }),
                Err(e) => {
                    located.push(internal_error(doc, &format!("generated code does not parse: {e}")));
                    Err(GenerateError { diagnostics: located })
                }
            }
        }
        _ => Err(GenerateError { diagnostics: located }),
    }
}
