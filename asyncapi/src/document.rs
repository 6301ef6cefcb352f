//! A loaded, resolved and validated document: the entry point of the crate.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::bundle::{Bundle, bundle};
use crate::diagnostic::{Diagnostic, Diagnostics, LoadError, Location};
use crate::loader::Workspace;
use crate::model::AsyncApi;
use crate::model::node::{Cx, Finding, FromNode};
use crate::pointer::JsonPointer;
use crate::{traits, validate};

/// An AsyncAPI document read from one or more files, with every `$ref` resolved, bundled
/// into one self-contained value, and checked.
///
/// ```
/// let text = r#"
/// asyncapi: 3.0.0
/// info: { title: Chat, version: 1.0.0 }
/// channels:
///   chat:
///     address: /ws/chat/{room_id}
///     parameters: { room_id: {} }
///     messages:
///       hello: { payload: { type: string } }
/// "#;
/// let doc = tidings_asyncapi::Document::from_text("chat.yaml", text).expect("valid document");
/// assert_eq!(doc.spec().info.title, "Chat");
/// assert!(doc.spec().channels.contains_key("chat"));
/// ```
#[derive(Debug, Clone)]
pub struct Document {
    workspace: Workspace,
    bundle: Bundle,
    spec: AsyncApi,
    warnings: Diagnostics,
    /// The document with its traits applied, as JSON and typed: made on first use, and only
    /// when the document has traits (without, it is the document itself).
    merged: std::sync::OnceLock<Option<(Value, AsyncApi)>>,
}

impl Document {
    /// Reads the document at `path` and every file it references.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, LoadError> {
        let mut diagnostics = Diagnostics::default();
        let workspace = Workspace::load(path.as_ref(), &mut diagnostics);
        Self::finish(workspace, diagnostics)
    }

    /// Reads a document from text; `path` names it in messages and places relative references.
    pub fn from_text(path: impl AsRef<Path>, text: impl Into<String>) -> Result<Self, LoadError> {
        let mut diagnostics = Diagnostics::default();
        let workspace = Workspace::load_text(path.as_ref(), text.into(), &mut diagnostics);
        Self::finish(workspace, diagnostics)
    }

    fn finish(workspace: Option<Workspace>, mut diagnostics: Diagnostics) -> Result<Self, LoadError> {
        let fail = |mut diagnostics: Diagnostics| {
            diagnostics.finish();
            Err(LoadError { diagnostics })
        };
        let Some(mut workspace) = workspace else { return fail(diagnostics) };
        // A document of another version would only produce noise further on.
        if let Some(finding) = validate::check_version(&workspace.root().value) {
            let root = workspace.root();
            let location = Location::of_value(root, finding.pointer.clone());
            diagnostics.push(Diagnostic { severity: finding.severity, problem: finding.problem, location });
            return fail(diagnostics);
        }
        // Reference errors do not stop here: the bundle leaves a dangling `$ref` as written,
        // and the typed and semantic checks below still report everything else.
        let bundle = bundle(&mut workspace);
        let bundled = &workspace.root().value;
        let mut cx = Cx::new();
        let spec = AsyncApi::from_node(bundled, &mut cx);
        let mut findings = cx.findings;
        // The semantic checks read raw values defensively, so they run on ill-typed
        // documents too, and the author sees every problem in one pass.
        findings.extend(validate::check(bundled));
        let mut doc_diagnostics = diagnostics;
        for finding in findings {
            doc_diagnostics.push(locate(&workspace, &bundle, finding));
        }
        match spec {
            Some(spec) if !doc_diagnostics.has_errors() => {
                doc_diagnostics.finish();
                Ok(Self { workspace, bundle, spec, warnings: doc_diagnostics, merged: std::sync::OnceLock::new() })
            }
            _ => fail(doc_diagnostics),
        }
    }

    /// The typed document, as written (traits not applied).
    pub fn spec(&self) -> &AsyncApi {
        &self.spec
    }

    /// The typed document with every message and operation trait merged into its object.
    pub fn with_traits_applied(&self) -> AsyncApi {
        self.merged().1.clone()
    }

    /// The bundled document with every message and operation trait merged into its object,
    /// as a JSON value: the same pointers lead to the same objects as in [`bundled`](Self::bundled).
    pub fn bundled_with_traits(&self) -> Value {
        self.merged().0.clone()
    }

    /// The resolved, typed view of the document, traits applied: what readers of channels,
    /// operations, messages and replies go through (see [`View`](crate::view::View)).
    pub fn view(&self) -> crate::view::View<'_> {
        let (raw, spec) = self.merged();
        crate::view::View::new(raw, spec)
    }

    fn merged(&self) -> (&Value, &AsyncApi) {
        let merged = self.merged.get_or_init(|| {
            let bundled = self.bundled();
            if !traits::any(bundled) {
                return None;
            }
            let merged = traits::apply(bundled);
            let mut cx = Cx::new();
            // Merging keeps every field well-typed: both sides were checked.
            let spec = AsyncApi::from_node(&merged, &mut cx).unwrap_or_else(|| self.spec.clone());
            Some((merged, spec))
        });
        match merged {
            Some((value, spec)) => (value, spec),
            None => (self.bundled(), &self.spec),
        }
    }

    /// The self-contained document as a JSON value: external references inlined under
    /// `components`, every `$ref` local.
    pub fn bundled(&self) -> &Value {
        &self.workspace.root().value
    }

    /// Warnings found while reading (unknown fields, unknown schema formats, ...).
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// Every file read, the root first: what a build script must watch.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.workspace.files().iter().map(|f| f.path.as_path())
    }

    /// The root file's path.
    pub fn path(&self) -> &Path {
        &self.workspace.root().path
    }

    /// Where a node of the bundled document was written: file, line, column, pointer.
    pub fn locate(&self, pointer: &JsonPointer) -> Location {
        let origin = self.bundle.origin_of(pointer);
        Location::of_value(self.workspace.file(origin.file), origin.pointer)
    }

    /// The value a local `$ref` of the bundled document designates, and where it is,
    /// following references along the pointer and at its end.
    pub fn resolve<'a>(&'a self, reference: &str) -> Option<(JsonPointer, &'a Value)> {
        crate::pointer::follow_reference(&self.workspace.root().value, reference)
    }

    /// The bundled document as pretty JSON.
    pub fn to_json(&self) -> String {
        crate::emit::to_json(&self.workspace.root().value)
    }

    /// The bundled document as YAML.
    pub fn to_yaml(&self) -> String {
        crate::emit::to_yaml(&self.workspace.root().value)
    }

    /// The text of a file that was read, for rendering diagnostics with snippets.
    pub fn source_text(&self, path: &Path) -> Option<&str> {
        self.workspace.files().iter().find(|f| f.path == path).map(|f| f.text.as_str())
    }
}

fn locate(workspace: &Workspace, bundle: &Bundle, finding: Finding) -> Diagnostic {
    let origin = bundle.origin_of(&finding.pointer);
    let file = workspace.file(origin.file);
    let location =
        if finding.at_key { Location::of_key(file, origin.pointer) } else { Location::of_value(file, origin.pointer) };
    Diagnostic { severity: finding.severity, problem: finding.problem, location }
}

/// Reads the text of every file a failed load named, for rendering its diagnostics.
pub fn source_texts(error: &LoadError) -> Vec<(PathBuf, String)> {
    let mut out: Vec<(PathBuf, String)> = Vec::new();
    for d in &error.diagnostics {
        let path = &d.location.file;
        if out.iter().all(|(p, _)| p != path)
            && let Ok(text) = std::fs::read_to_string(path)
        {
            out.push((path.clone(), text));
        }
    }
    out
}
