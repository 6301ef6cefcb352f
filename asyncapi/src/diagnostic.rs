//! What is wrong with a document, and where: every diagnostic names a file, a line and
//! column, and the JSON Pointer of the node, and renders like a compiler message.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::pointer::JsonPointer;
use crate::source::{Pos, SourceFile};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The document is not valid; nothing is generated from it.
    Error,
    /// The document is usable, but something in it is likely a mistake.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// Where a diagnostic points.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file, as the user or the referring `$ref` named it.
    pub file: PathBuf,
    /// Line and column in that file.
    pub pos: Pos,
    /// The JSON Pointer of the node inside that file.
    pub pointer: JsonPointer,
}

impl Location {
    /// The location of the value at `pointer` in `file`.
    pub fn of_value(file: &SourceFile, pointer: JsonPointer) -> Self {
        Self { file: file.path.clone(), pos: file.pos(&pointer), pointer }
    }

    /// The location of the key of the entry at `pointer` in `file`.
    pub fn of_key(file: &SourceFile, pointer: JsonPointer) -> Self {
        Self { file: file.path.clone(), pos: file.key_pos(&pointer), pointer }
    }

    /// A location at the start of a file that could not be parsed into nodes.
    pub fn start_of(path: &Path) -> Self {
        Self { file: path.to_owned(), pos: Pos { line: 1, column: 1 }, pointer: JsonPointer::root() }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} (#{})", self.file.display(), self.pos, self.pointer)
    }
}

/// Why a `$ref` does not lead anywhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefFailure {
    /// The file part names a file that cannot be read.
    #[error("file `{path}` cannot be read: {reason}")]
    FileUnreadable {
        /// The file, joined to the referring file's folder.
        path: PathBuf,
        /// What the operating system said.
        reason: String,
    },
    /// The file was read but is not valid YAML or JSON.
    #[error("file `{path}` is not valid YAML or JSON")]
    FileInvalid {
        /// The file.
        path: PathBuf,
    },
    /// The pointer names no node of the target document.
    #[error("`#{pointer}` does not exist in `{path}`{}", did_you_mean(suggestion.as_ref()))]
    NoSuchNode {
        /// The target file.
        path: PathBuf,
        /// The pointer that was followed.
        pointer: JsonPointer,
        /// The existing node whose last step is spelled most like the missing one, when one
        /// is close: a likely typo.
        suggestion: Option<JsonPointer>,
    },
    /// The fragment is not a JSON Pointer.
    #[error("{0}")]
    BadPointer(#[from] crate::pointer::PointerError),
    /// A `$ref` value that is not a string.
    #[error("`$ref` must be a string")]
    NotAString,
}

fn did_you_mean(suggestion: Option<&JsonPointer>) -> String {
    suggestion.map(|p| format!("; did you mean `#{p}`?")).unwrap_or_default()
}

/// Everything that can be wrong in a document.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// A file could not be read at all.
    #[error("cannot read `{path}`: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        reason: String,
    },
    /// Not well-formed YAML or JSON (this includes duplicate keys).
    #[error("{message}")]
    Syntax {
        /// The parser's message.
        message: String,
    },
    /// The `asyncapi` field names a version tidings does not read.
    #[error("AsyncAPI version `{found}` is not supported: tidings reads 3.0.x and 3.1.x documents")]
    UnsupportedVersion {
        /// The version written in the document.
        found: String,
    },
    /// A node has the wrong JSON type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What the specification allows here.
        expected: &'static str,
        /// What the document has.
        found: &'static str,
    },
    /// A required field is absent.
    #[error("missing required field `{field}` in {object}")]
    MissingField {
        /// The field's name.
        field: &'static str,
        /// The object that lacks it, in the spec's words.
        object: &'static str,
    },
    /// A key the specification does not define and that is not an `x-` extension.
    #[error("unknown field `{key}` in {object}; extensions must start with `x-`")]
    UnknownField {
        /// The key.
        key: String,
        /// The object, in the spec's words.
        object: &'static str,
    },
    /// A value outside the allowed set.
    #[error("`{found}` is not allowed here; expected {allowed}")]
    NotAllowed {
        /// The value written.
        found: String,
        /// The values allowed, for the message.
        allowed: &'static str,
    },
    /// A string that must match a pattern does not.
    #[error("`{found}` is not {what}")]
    Malformed {
        /// The value written.
        found: String,
        /// What it should be.
        what: &'static str,
    },
    /// A key the specification's key pattern does not allow, which the official parser accepts.
    #[error("`{key}` is not a key the specification allows (letters, digits, `.`, `-` and `_` only)")]
    UnusualKey {
        /// The key.
        key: String,
    },
    /// A keyword of a later JSON Schema draft, which draft-07 (AsyncAPI's default schema
    /// format) does not know: validators ignore it.
    #[error("`{keyword}` is a keyword of JSON Schema 2019-09 and later; under draft-07, AsyncAPI's default schema format, it is ignored{}", if *malformed { ", and its value is not valid for the later draft either" } else { "" })]
    LaterDraftKeyword {
        /// The keyword.
        keyword: String,
        /// Whether its value is not what the later draft allows either.
        malformed: bool,
    },
    /// A name in `required` that `properties` does not define.
    #[error("`required` names `{name}`, which `properties` does not define{}{}", if *closed { "; with `additionalProperties: false` no message can have it, so none is valid" } else { "" }, suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    RequiredNotDefined {
        /// The name in `required`.
        name: String,
        /// Whether `additionalProperties: false` forbids every property outside `properties`.
        closed: bool,
        /// A property of `properties` spelled like it, when one is close.
        suggestion: Option<String>,
    },
    /// A reference to something on the network.
    #[error("remote references are not fetched: `{reference}`")]
    RemoteReference {
        /// The `$ref` value.
        reference: String,
    },
    /// A reference that does not resolve.
    #[error("`$ref: {reference}` does not resolve: {failure}")]
    DanglingReference {
        /// The `$ref` value.
        reference: String,
        /// Why.
        failure: RefFailure,
    },
    /// References that only point at one another.
    #[error("`$ref` cycle with no value in it: {chain}")]
    ReferenceCycle {
        /// The references in order, `a -> b -> a`.
        chain: String,
    },
    /// A reference that resolves, but to the wrong kind of object.
    #[error("`$ref: {reference}` must point at {expected}")]
    WrongReferenceTarget {
        /// The `$ref` value.
        reference: String,
        /// What it must point at.
        expected: &'static str,
    },
    /// An operation (or reply) lists a message its channel does not carry.
    #[error("message `{reference}` is not one of the messages of channel `{channel}`")]
    MessageNotInChannel {
        /// The message reference.
        reference: String,
        /// The channel's pointer.
        channel: String,
    },
    /// A `{name}` in a channel address with no parameter of that name.
    #[error("address `{address}` uses parameter `{name}`, which the channel's `parameters` do not declare")]
    UndeclaredParameter {
        /// The parameter.
        name: String,
        /// The address.
        address: String,
    },
    /// A channel parameter that its address never uses.
    #[error("parameter `{name}` does not appear in address `{address}`")]
    UnusedParameter {
        /// The parameter.
        name: String,
        /// The address, or `null`.
        address: String,
    },
    /// A `{name}` in a server's host or pathname with no variable of that name.
    #[error("`{text}` uses server variable `{name}`, which `variables` does not declare")]
    UndeclaredServerVariable {
        /// The variable.
        name: String,
        /// The host or pathname.
        text: String,
    },
    /// A security scheme lacks what its type requires.
    #[error("security scheme of type `{scheme_type}` requires `{field}`")]
    SecuritySchemeIncomplete {
        /// The scheme's type.
        scheme_type: String,
        /// The missing field.
        field: &'static str,
    },
    /// A schema keyword with a value JSON Schema does not allow.
    #[error("invalid schema: {reason}")]
    InvalidSchema {
        /// What is wrong.
        reason: String,
    },
    /// A `schemaFormat` tidings does not know; the schema is kept but not checked.
    #[error("unknown schemaFormat `{format}`; the schema is kept as written and not checked")]
    UnknownSchemaFormat {
        /// The format.
        format: String,
    },
}

impl Problem {
    /// A hint for the user, where there is a useful one.
    pub fn help(&self) -> Option<&'static str> {
        Some(match self {
            Problem::UnsupportedVersion { found } if found.starts_with('2') => {
                "convert the document to 3.0 first, for instance with `asyncapi convert` from the AsyncAPI CLI"
            }
            Problem::UnsupportedVersion { .. } => "write `asyncapi: 3.0.0`",
            Problem::RemoteReference { .. } => {
                "download the referenced file next to the document and refer to it by a relative path"
            }
            Problem::ReferenceCycle { .. } => "one of these references must point at a real definition",
            Problem::UndeclaredParameter { .. } => "add the parameter under the channel's `parameters`",
            Problem::UnusualKey { .. } => {
                "tools that make names or URLs of keys may not handle it; tidings makes a Rust name of it"
            }
            Problem::LaterDraftKeyword { .. } => {
                "say it in draft-07 terms (`items` as an array for `prefixItems`, `additionalProperties` for \
                 `unevaluatedProperties`, `dependencies` for `dependentSchemas`), or leave it out"
            }
            Problem::UnusedParameter { .. } => "remove the parameter, or use it in the address as `{name}`",
            Problem::MessageNotInChannel { reference, .. } if reference.starts_with("#/channels/") => {
                "it is another channel's message: list it under this channel's `messages` too, or give the \
                 operation the channel that carries it"
            }
            Problem::MessageNotInChannel { .. } => {
                "refer to the message through its channel, as `#/channels/<channel>/messages/<message>`"
            }
            Problem::UnknownField { .. } => "check the spelling against the AsyncAPI 3.0 specification",
            Problem::RequiredNotDefined { .. } => {
                "define the property under `properties`, or correct the name in `required`"
            }
            _ => return None,
        })
    }
}

/// One finding: what, how bad, where.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong.
    pub problem: Problem,
    /// Where.
    pub location: Location,
}

impl Diagnostic {
    /// An error at `location`.
    pub fn error(problem: Problem, location: Location) -> Self {
        Self { severity: Severity::Error, problem, location }
    }

    /// A warning at `location`.
    pub fn warning(problem: Problem, location: Location) -> Self {
        Self { severity: Severity::Warning, problem, location }
    }

    /// Whether this diagnostic makes the document invalid.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic like a compiler does, with the source line when `text` is given.
    pub fn render(&self, text: Option<&str>) -> String {
        render(self.severity, &self.problem.to_string(), &self.location, self.problem.help(), text)
    }
}

/// Renders a message like a compiler: the message, the location, the source line with a
/// caret under the column (when `text`, the file's text, is given), the pointer and a hint.
pub fn render(severity: Severity, message: &str, loc: &Location, help: Option<&str>, text: Option<&str>) -> String {
    use fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{severity}: {message}");
    let line_no = loc.pos.line.to_string();
    let pad = " ".repeat(line_no.len());
    let _ = writeln!(out, "{pad}--> {}:{}", loc.file.display(), loc.pos);
    let source_line = text.and_then(|t| t.lines().nth((loc.pos.line as usize).saturating_sub(1)));
    if let Some(source_line) = source_line {
        let caret_at: String = source_line
            .chars()
            .take((loc.pos.column as usize).saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{line_no} | {source_line}");
        let _ = writeln!(out, "{pad} | {caret_at}^");
    }
    let _ = writeln!(out, "{pad} = at: #{}", loc.pointer);
    if let Some(help) = help {
        let _ = writeln!(out, "{pad} = help: {help}");
    }
    out
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.location, self.severity, self.problem)
    }
}

/// All diagnostics of a document, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Adds one.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Whether any of them is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| !d.is_error())
    }

    /// All of them.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorts by file and position and drops exact repeats (one bad node reached twice).
    pub(crate) fn finish(&mut self) {
        self.items.sort_by(|a, b| {
            (&a.location.file, a.location.pos, a.severity).cmp(&(&b.location.file, b.location.pos, b.severity))
        });
        self.items.dedup();
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<T: IntoIterator<Item = Diagnostic>>(&mut self, iter: T) {
        self.items.extend(iter);
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Failure to produce a document: the errors (and any warnings) found on the way.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{} error(s) in the AsyncAPI document", self.diagnostics.errors().count())]
pub struct LoadError {
    /// Every diagnostic, errors and warnings.
    pub diagnostics: Diagnostics,
}
