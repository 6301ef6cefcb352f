//! Reading a document and every file its `$ref`s reach, and resolving references.
//!
//! All reference handling lives here: splitting `$ref` into file and pointer, reading the
//! file relative to the referring one, following pointers through chains of references,
//! and telling a recursive schema (fine) from a cycle made only of references (an error).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics, Location, Problem, RefFailure};
use crate::pointer::{JsonPointer, RefTarget, step};
use crate::site::{Site, find_refs};
use crate::source::SourceFile;

/// Index of a file in a [`Workspace`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub(crate) usize);

/// A node of some file of the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct NodeId {
    pub(crate) file: FileId,
    pub(crate) pointer: JsonPointer,
}

/// The root document and every file it reaches through `$ref`, in the order first reached.
#[derive(Debug, Clone)]
pub struct Workspace {
    files: Vec<SourceFile>,
    /// Canonical path (where the file system has one) to file.
    by_path: HashMap<PathBuf, FileId>,
}

/// Why a reference could not be followed, before it is turned into a diagnostic.
#[derive(Debug, Clone)]
pub(crate) enum ResolveError {
    Remote,
    Failure(RefFailure),
    Cycle(Vec<String>),
}

impl Workspace {
    /// The root document (the first file). Once a [`Document`](crate::Document) is built,
    /// its value is the bundled document.
    pub fn root(&self) -> &SourceFile {
        &self.files[0]
    }

    /// The root's id.
    pub fn root_id(&self) -> FileId {
        FileId(0)
    }

    /// Moves the root's value out, for bundling in place.
    pub(crate) fn take_root_value(&mut self) -> Value {
        std::mem::take(&mut self.files[0].value)
    }

    /// Puts the (bundled) root value back.
    pub(crate) fn set_root_value(&mut self, value: Value) {
        self.files[0].value = value;
    }

    /// A file by id.
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    /// Every file read, the root first.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// Reads the document at `path` and every file its references reach. Problems found on
    /// the way (syntax, unreadable or remote files, dangling references, cycles) are added to
    /// `diagnostics`; `None` means the root itself could not be read.
    pub fn load(path: &Path, diagnostics: &mut Diagnostics) -> Option<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                diagnostics.push(Diagnostic::error(
                    Problem::Unreadable { path: path.to_owned(), reason: e.to_string() },
                    Location::start_of(path),
                ));
                return None;
            }
        };
        Self::load_text(path, text, diagnostics)
    }

    /// Reads a document from `text`, as if read from `path` (which places relative references).
    pub fn load_text(path: &Path, text: String, diagnostics: &mut Diagnostics) -> Option<Self> {
        let root = match SourceFile::parse(path, text) {
            Ok(file) => file,
            Err(e) => {
                diagnostics.push(syntax_diagnostic(path, e));
                return None;
            }
        };
        let mut workspace = Workspace { files: vec![root], by_path: HashMap::new() };
        workspace.by_path.insert(canonical(path), FileId(0));
        workspace.read_references(diagnostics);
        Some(workspace)
    }

    /// Reads every file reached by a reference (breadth first, so ids follow document
    /// order), then checks that every reference resolves.
    fn read_references(&mut self, diagnostics: &mut Diagnostics) {
        let mut next = 0;
        let mut sites = Vec::new();
        while next < self.files.len() {
            let id = FileId(next);
            next += 1;
            for found in find_refs(&self.files[id.0].value, Site::Root) {
                let holder = JsonPointer::from_tokens(found.path);
                let Some(reference) = found.reference else {
                    let at = Location::of_value(&self.files[id.0], holder.join("$ref"));
                    diagnostics.push(Diagnostic::error(
                        Problem::DanglingReference {
                            reference: "<not a string>".into(),
                            failure: RefFailure::NotAString,
                        },
                        at,
                    ));
                    continue;
                };
                let target = RefTarget::split(&reference);
                if !target.is_remote() && !target.document.is_empty() {
                    let path = self.files[id.0].path.parent().unwrap_or(Path::new("")).join(target.document);
                    if let Err(failure) = self.read_file(&normalize(&path), diagnostics) {
                        let at = Location::of_value(&self.files[id.0], holder.join("$ref"));
                        diagnostics.push(Diagnostic::error(Problem::DanglingReference { reference, failure }, at));
                        continue;
                    }
                }
                sites.push((id, holder, reference));
            }
        }
        for (id, holder, reference) in sites {
            if let Err(e) = self.resolve_ref(id, &reference, &mut Vec::new()) {
                let at = Location::of_value(&self.files[id.0], holder.join("$ref"));
                diagnostics.push(ref_diagnostic(reference, e, at));
            }
        }
    }

    fn read_file(&mut self, path: &Path, diagnostics: &mut Diagnostics) -> Result<FileId, RefFailure> {
        let key = canonical(path);
        if let Some(id) = self.by_path.get(&key) {
            return Ok(*id);
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| RefFailure::FileUnreadable { path: path.to_owned(), reason: e.to_string() })?;
        let file = SourceFile::parse(path, text).map_err(|e| {
            diagnostics.push(syntax_diagnostic(path, e));
            RefFailure::FileInvalid { path: path.to_owned() }
        })?;
        let id = FileId(self.files.len());
        self.files.push(file);
        self.by_path.insert(key, id);
        Ok(id)
    }

    /// The file and pointer a `$ref` written in `from` names, without following anything.
    pub(crate) fn target_of(&self, from: FileId, reference: &str) -> Result<NodeId, ResolveError> {
        let target = RefTarget::split(reference);
        if target.is_remote() {
            return Err(ResolveError::Remote);
        }
        let pointer = target.pointer().map_err(|e| ResolveError::Failure(e.into()))?;
        let file = if target.document.is_empty() {
            from
        } else {
            let path = self.files[from.0].path.parent().unwrap_or(Path::new("")).join(target.document);
            let path = normalize(&path);
            *self
                .by_path
                .get(&canonical(&path))
                .ok_or_else(|| ResolveError::Failure(RefFailure::FileUnreadable { path, reason: "not read".into() }))?
        };
        Ok(NodeId { file, pointer })
    }

    /// Follows a `$ref` written in `from` to the node it finally designates: through
    /// references met along the pointer and through chains of references.
    pub(crate) fn resolve_ref(
        &self,
        from: FileId,
        reference: &str,
        seen: &mut Vec<(NodeId, String)>,
    ) -> Result<NodeId, ResolveError> {
        let target = self.target_of(from, reference)?;
        if seen.iter().any(|(node, _)| *node == target) {
            let mut chain: Vec<String> = seen.iter().map(|(_, r)| r.clone()).collect();
            chain.push(reference.to_owned());
            return Err(ResolveError::Cycle(chain));
        }
        seen.push((target.clone(), reference.to_owned()));
        self.resolve_node(&target, seen)
    }

    /// The node at `target` after following references on the way and at the end.
    pub(crate) fn resolve_node(
        &self,
        target: &NodeId,
        seen: &mut Vec<(NodeId, String)>,
    ) -> Result<NodeId, ResolveError> {
        let mut file = target.file;
        let mut at = JsonPointer::root();
        let mut node = &self.files[file.0].value;
        for token in target.pointer.tokens() {
            (file, at, node) = self.follow(file, at, node, seen)?;
            node = step(node, token).ok_or_else(|| {
                ResolveError::Failure(RefFailure::NoSuchNode {
                    path: self.files[file.0].path.clone(),
                    pointer: at.join(token.clone()),
                    suggestion: closest_key(node, token).map(|key| at.join(key.to_owned())),
                })
            })?;
            at.push(token.clone());
        }
        let (file, pointer, _) = self.follow(file, at, node, seen)?;
        Ok(NodeId { file, pointer })
    }

    /// If `node` is a Reference Object, the node it resolves to; else `node` itself.
    fn follow<'a>(
        &'a self,
        file: FileId,
        at: JsonPointer,
        node: &'a Value,
        seen: &mut Vec<(NodeId, String)>,
    ) -> Result<(FileId, JsonPointer, &'a Value), ResolveError> {
        match crate::pointer::reference_of(node) {
            Some(reference) => {
                let resolved = self.resolve_ref(file, reference, seen)?;
                let value = self.value(&resolved).ok_or_else(|| {
                    ResolveError::Failure(RefFailure::NoSuchNode {
                        path: self.files[resolved.file.0].path.clone(),
                        pointer: resolved.pointer.clone(),
                        suggestion: None,
                    })
                })?;
                Ok((resolved.file, resolved.pointer, value))
            }
            None => Ok((file, at, node)),
        }
    }

    /// The value of a node.
    pub(crate) fn value(&self, node: &NodeId) -> Option<&Value> {
        node.pointer.get(&self.files[node.file.0].value)
    }
}

pub(crate) fn ref_diagnostic(reference: String, error: ResolveError, at: Location) -> Diagnostic {
    let problem = match error {
        ResolveError::Remote => Problem::RemoteReference { reference },
        ResolveError::Failure(failure) => Problem::DanglingReference { reference, failure },
        ResolveError::Cycle(chain) => Problem::ReferenceCycle { chain: chain.join(" -> ") },
    };
    Diagnostic::error(problem, at)
}

fn syntax_diagnostic(path: &Path, e: crate::source::SyntaxError) -> Diagnostic {
    Diagnostic::error(
        Problem::Syntax { message: e.message },
        Location { file: path.to_owned(), pos: e.pos, pointer: JsonPointer::root() },
    )
}

/// The path with `.` and `..` folded lexically, so that messages show `common/x.yaml`
/// rather than `a/../common/x.yaml`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The identity of a file: its canonical path where it exists, else its normalized path.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
}

/// The key of object `node` spelled most like `missing`, when it is close enough to be a
/// typo of it: at most a third of its characters differ, or its case alone.
fn closest_key<'a>(node: &'a Value, missing: &str) -> Option<&'a str> {
    let keys = node.as_object()?.keys();
    let limit = (missing.chars().count() / 3).max(1);
    keys.map(|key| {
        let distance = if key.eq_ignore_ascii_case(missing) { 0 } else { strsim::levenshtein(key, missing) };
        (distance, key.as_str())
    })
    .filter(|(distance, _)| *distance <= limit)
    .min_by_key(|(distance, _)| *distance)
    .map(|(_, key)| key)
}
