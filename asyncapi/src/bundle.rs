//! One self-contained document out of many files.
//!
//! Every node an external `$ref` names is copied once into `components/<kind>/<name>` of the
//! root document (the kind from where the reference stands, the name from the target, made
//! unique by a numeric suffix in document order), and every reference is rewritten to point
//! there. References inside copied nodes are rewritten the same way, relative to the file
//! they came from. The result depends only on the input files: the same files bundle to
//! the same document, byte for byte.

use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::{Map, Value};

use crate::loader::{FileId, NodeId, Workspace};
use crate::pointer::JsonPointer;
use crate::site::{Site, component_site, find_refs};

/// Where a subtree of the bundle came from.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    /// Its pointer in the bundle.
    pub(crate) at: JsonPointer,
    /// The node it was copied from.
    pub(crate) from: NodeId,
}

/// The map from a bundled document back to its sources. The bundled value itself replaces
/// the root file's value (see [`bundle`]).
#[derive(Debug, Clone)]
pub(crate) struct Bundle {
    /// Copied subtrees, in the order they were copied; the rest is the root file.
    pub(crate) origins: Vec<Origin>,
}

impl Bundle {
    /// The source node of a bundle pointer.
    pub(crate) fn origin_of(&self, pointer: &JsonPointer) -> NodeId {
        for origin in self.origins.iter().rev() {
            if let Some(rest) = pointer.strip_prefix(&origin.at) {
                let mut source = origin.from.pointer.clone();
                for token in rest {
                    source.push(token.clone());
                }
                return NodeId { file: origin.from.file, pointer: source };
            }
        }
        NodeId { file: FileId(0), pointer: pointer.clone() }
    }
}

/// Bundles a workspace whose references all resolve, in place: the root file's value
/// becomes the bundled document. Only `$ref` strings change and copied components are
/// appended, so every node the root file had keeps its place and its recorded position.
pub(crate) fn bundle(workspace: &mut Workspace) -> Bundle {
    let mut out = workspace.take_root_value();
    let mut names: HashMap<NodeId, JsonPointer> = HashMap::new();
    let mut taken: HashSet<JsonPointer> = HashSet::new();
    let mut origins = Vec::new();
    // Subtrees to rewrite: where in the bundle, which file they came from, their kind.
    let mut queue = VecDeque::from([(JsonPointer::root(), FileId(0), Site::Root)]);
    while let Some((at, file, site)) = queue.pop_front() {
        let Some(subtree) = at.get(&out) else { continue };
        let refs = find_refs(subtree, site);
        for found in refs {
            let Some(reference) = found.reference else { continue };
            let Ok(target) = workspace.target_of(file, &reference) else { continue };
            let new_ref = if target.file == FileId(0) {
                target.pointer.clone()
            } else if let Some(existing) = names.get(&target) {
                existing.clone()
            } else {
                // A dangling reference (already reported by the loader) stays as written.
                let Some(copy) = workspace.value(&target).cloned() else { continue };
                let location = allocate(&out, &mut taken, workspace, &target, found.site);
                insert(&mut out, &location, copy);
                names.insert(target.clone(), location.clone());
                origins.push(Origin { at: location.clone(), from: target.clone() });
                let kind = location.tokens().get(1).and_then(|k| component_site(k)).copied().unwrap_or(found.site);
                queue.push_back((location.clone(), target.file, kind));
                location
            };
            let mut holder = at.clone();
            for token in &found.path {
                holder.push(token.clone());
            }
            if let Some(Value::Object(map)) = holder.get_mut(&mut out) {
                map.insert("$ref".to_owned(), Value::String(new_ref.to_fragment()));
            }
        }
    }
    workspace.set_root_value(out);
    Bundle { origins }
}

/// Chooses `components/<kind>/<name>` for a copied node.
fn allocate(
    out: &Value,
    taken: &mut HashSet<JsonPointer>,
    workspace: &Workspace,
    target: &NodeId,
    site: Site,
) -> JsonPointer {
    let tokens = target.pointer.tokens();
    let (kind, base) = match tokens {
        [c, kind, name] if c == "components" && component_site(kind).is_some() => (kind.as_str(), name.clone()),
        _ => {
            let kind = site.component_key().unwrap_or("schemas");
            let base = tokens.last().cloned().unwrap_or_else(|| {
                let path = &workspace.file(target.file).path;
                path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "document".into())
            });
            (kind, base)
        }
    };
    let base = sanitize(&base);
    let mut n = 1;
    loop {
        let name = if n == 1 { base.clone() } else { format!("{base}_{n}") };
        let candidate = JsonPointer::from_tokens(["components", kind, name.as_str()]);
        if candidate.get(out).is_none() && taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

/// A component name as the spec allows: `^[a-zA-Z0-9.\-_]+$`.
fn sanitize(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    if cleaned.is_empty() { "component".to_owned() } else { cleaned }
}

/// Writes `value` at `components/<kind>/<name>`, creating the maps on the way.
fn insert(out: &mut Value, at: &JsonPointer, value: Value) {
    let mut node = out;
    let tokens = at.tokens();
    for (i, token) in tokens.iter().enumerate() {
        let Value::Object(map) = node else { return };
        if i + 1 == tokens.len() {
            map.insert(token.clone(), value);
            return;
        }
        node = map.entry(token.clone()).or_insert_with(|| Value::Object(Map::new()));
    }
}
