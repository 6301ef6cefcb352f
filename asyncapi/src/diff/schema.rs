//! Comparing two schemas, keyword by keyword, as the set of values each allows: what now
//! allows fewer values narrows (breaking writers: the application receiving), what allows
//! more widens (breaking readers: the application sending).
//!
//! This file reads a schema (layers, wrappers, nullable pairs) and compares two of them as a
//! whole; the keywords are compared by concern: types, values and bounds in `schema/values.rs`,
//! objects and arrays in `schema/structure.rs`, variants and members in `schema/composition.rs`.

mod composition;
pub(super) mod keywords;
mod structure;
mod values;

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::normalize::{MAX_DEPTH, VALIDATION_KEYWORDS, discriminator, effective_types, json_eq, unwrap_target};
use super::rules::{Flow, R};
use super::{Differ, Node};
use crate::pointer::JsonPointer;

/// One object of keywords a schema is made of.
#[derive(Debug, Clone)]
struct Layer<'a> {
    node: Node<'a>,
    map: &'a Map<String, Value>,
    /// The keyword this layer stands in for (the `anyOf` of a nullable pair), ignored here.
    skip: Option<&'static str>,
}

/// A schema as the diff reads it: its own keywords, then those of the schema it wraps (a
/// one-member `allOf`/`anyOf`/`oneOf`, or the non-null member of a nullable pair).
#[derive(Debug, Clone)]
struct View<'a> {
    node: Node<'a>,
    layers: Vec<Layer<'a>>,
    /// The `false` schema: nothing is allowed.
    never: bool,
    /// `null` is allowed through a nullable pair.
    null_added: bool,
    /// `null` is left out of the types and values (an optional property, under
    /// [`Options::optional_null_is_absent`](super::Options::optional_null_is_absent)).
    without_null: bool,
}

/// Keywords that are neither constraints nor annotations: where subschemas are kept.
const CONTAINERS: &[&str] = &["definitions", "$defs"];

/// The formats draft-07 defines (and `uuid` and `duration` from 2019-09, which validators
/// check too): the ones that constrain values.
const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "uuid",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

impl<'a> View<'a> {
    fn of(root: &'a Value, node: Node<'a>) -> Self {
        let node = node.resolved(root);
        let mut view =
            View { node: node.clone(), layers: Vec::new(), never: false, null_added: false, without_null: false };
        view.add(root, node, 0);
        view
    }

    fn add(&mut self, root: &'a Value, node: Node<'a>, depth: usize) {
        match node.value {
            Value::Bool(false) => self.never = true,
            Value::Object(map) => match unwrap_target(root, map).filter(|_| depth < MAX_DEPTH) {
                Some((keyword, index, null_added)) => {
                    self.null_added |= null_added;
                    let inner = node.child(root, keyword).and_then(|list| list.child(root, &index.to_string()));
                    self.layers.push(Layer { node, map, skip: Some(keyword) });
                    if let Some(inner) = inner {
                        self.add(root, inner, depth + 1);
                    }
                }
                None => self.layers.push(Layer { node, map, skip: None }),
            },
            _ => {}
        }
    }

    /// The layer that has `keyword`, the first one winning.
    fn layer(&self, keyword: &str) -> Option<&Layer<'a>> {
        self.layers.iter().find(|l| l.skip != Some(keyword) && l.map.contains_key(keyword))
    }

    fn get(&self, keyword: &str) -> Option<&'a Value> {
        self.layer(keyword).and_then(|l| l.map.get(keyword))
    }

    /// Where `keyword` is written.
    fn at(&self, keyword: &str) -> Option<JsonPointer> {
        self.layer(keyword).map(|l| l.node.path.join(keyword))
    }

    /// The subschema (or map, or list) under `keyword`, resolved.
    fn child(&self, root: &'a Value, keyword: &str) -> Option<Node<'a>> {
        self.layer(keyword).and_then(|l| l.node.child(root, keyword))
    }

    /// The subschema under `keyword`, or what its absence means: anything.
    fn sub(&self, root: &'a Value, keyword: &str) -> Node<'a> {
        self.child(root, keyword).unwrap_or_else(|| Node::anything(self.node.path.join(keyword)))
    }

    /// Every keyword of every layer, once, in order.
    fn keywords(&self) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = Vec::new();
        for layer in &self.layers {
            for key in layer.map.keys() {
                if layer.skip != Some(key.as_str()) && !out.contains(&key.as_str()) {
                    out.push(key);
                }
            }
        }
        out
    }

    /// The allowed values, from `enum` or `const` (with `null` through a nullable pair).
    fn enumeration(&self) -> Option<Vec<Value>> {
        let mut values = match (self.get("const"), self.get("enum").and_then(Value::as_array)) {
            (Some(constant), _) => vec![constant.clone()],
            (None, Some(values)) => values.clone(),
            (None, None) => return None,
        };
        if self.null_added && !values.iter().any(Value::is_null) {
            values.push(Value::Null);
        }
        if self.without_null && values.iter().any(|v| !v.is_null()) {
            values.retain(|v| !v.is_null());
        }
        Some(values)
    }

    fn types(&self) -> Option<BTreeSet<&'static str>> {
        if self.never {
            return Some(BTreeSet::new());
        }
        let mut types = effective_types(self.get("type"), self.enumeration().as_deref(), self.null_added);
        if let Some(types) = types.as_mut().filter(|t| self.without_null && t.len() > 1) {
            types.remove("null");
        }
        types
    }

    /// Whether a value of JSON type `name` can satisfy the schema's `type` and `enum`.
    fn allows(&self, name: &str) -> bool {
        self.types().is_none_or(|types| types.contains(name))
    }

    fn required(&self) -> Vec<&'a str> {
        self.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect()
    }

    fn is_closed(&self, root: &'a Value) -> bool {
        self.child(root, "additionalProperties").is_some_and(|n| n.value == &Value::Bool(false))
    }

    fn title(&self) -> Option<&'a str> {
        self.get("title").and_then(Value::as_str)
    }

    /// The names of the properties the schema declares, in order: what tells the variants of
    /// an externally tagged enum (`{"Hello": {..}}`, `{"Event": {..}}`) apart.
    fn property_names(&self) -> Option<String> {
        let names = self.get("properties")?.as_object()?;
        Some(names.keys().cloned().collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>().join("\u{0}"))
    }
}

/// Where to report a change of `keyword`: in the new schema, else in the old one.
fn spot(o: &View<'_>, n: &View<'_>, keyword: &str) -> JsonPointer {
    n.at(keyword).or_else(|| o.at(keyword)).unwrap_or_else(|| n.node.path.join(keyword))
}

impl<'a> Differ<'a> {
    /// Two schemas, travelling as `flow` says.
    pub(crate) fn schema(&mut self, old: Node<'a>, new: Node<'a>, flow: Flow, depth: usize) {
        self.schema_of(old, new, flow, depth, false);
    }

    /// Two schemas; `optional` when they are those of a property both make optional.
    fn schema_of(&mut self, old: Node<'a>, new: Node<'a>, flow: Flow, depth: usize, optional: bool) {
        let (mut o, mut n) = (View::of(self.old, old), View::of(self.new, new));
        let without_null = optional && self.options.optional_null_is_absent;
        (o.without_null, n.without_null) = (without_null, without_null);
        if !self.first_visit(&o.node.real, &n.node.real, flow, without_null) {
            return;
        }
        if depth >= MAX_DEPTH {
            if !json_eq(o.node.value, n.node.value) {
                let message = "the schema changed (nested too deeply to compare further)".to_owned();
                self.emit(R::ConstraintChanged, flow, &n.node.path, message);
            }
            return;
        }
        match (o.never, n.never) {
            (true, true) => return,
            (false, true) => {
                self.emit(R::ConstraintTightened, flow, &n.node.path, "the schema now allows no value".to_owned());
                return;
            }
            (true, false) => {
                self.emit(R::ConstraintLoosened, flow, &n.node.path, "the schema now allows values".to_owned());
                return;
            }
            (false, false) => {}
        }
        // A list of variants against one schema: the schema is a list of one.
        if self.variants_against_one(&o, &n, flow, depth) {
            return;
        }
        if !self.types(&o, &n, flow) {
            return;
        }
        self.enumeration(&o, &n, flow);
        self.bounds(&o, &n, flow);
        // Object keywords under `type: string` (how some tools describe an XML payload)
        // constrain nothing: they apply to objects only, and no value is one.
        if o.allows("object") && n.allows("object") {
            self.object(&o, &n, flow, depth);
        }
        if o.allows("array") && n.allows("array") {
            self.array(&o, &n, flow, depth);
        }
        self.composition(&o, &n, flow, depth);
        let (od, nd) = (o.get("discriminator").and_then(discriminator), n.get("discriminator").and_then(discriminator));
        if od != nd {
            let message = format!(
                "discriminator {} is now {}",
                od.map_or("(none)".to_owned(), |d| format!("`{d}`")),
                nd.map_or("(none)".to_owned(), |d| format!("`{d}`"))
            );
            self.emit(R::DiscriminatorChanged, flow, &spot(&o, &n, "discriminator"), message)
                .values(od.map(Value::from).as_ref(), nd.map(Value::from).as_ref());
        }
        self.definitions(&o, &n, flow, depth);
        self.schema_annotations(&o, &n);
    }

    /// `$defs` and `definitions` both schemas keep: compared by name, so that changes are
    /// found even where the references to them are relative to the schema (`#/$defs/X` as
    /// schemars writes them) and do not resolve in the document. A definition added or
    /// removed constrains nothing by itself. Definitions reached through references were
    /// compared already and are not reported again.
    fn definitions(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow, depth: usize) {
        for keyword in CONTAINERS {
            let (Some(od), Some(nd)) = (o.child(self.old, keyword), n.child(self.new, keyword)) else { continue };
            for name in nd.keys() {
                if let (Some(a), Some(b)) = (od.child(self.old, name), nd.child(self.new, name)) {
                    self.schema(a, b, flow, depth + 1);
                }
            }
        }
    }

    /// A keyword compared as written (after normalization): any difference changes the
    /// constraint.
    fn same_or(&mut self, o: &View<'a>, n: &View<'a>, keyword: &str, flow: Flow) {
        let (ov, nv) = (o.child(self.old, keyword), n.child(self.new, keyword));
        let normal = |root: &'a Value, node: &Option<Node<'a>>| {
            node.as_ref().map(|node| super::normalize::schema_text(root, node.value))
        };
        if normal(self.old, &ov) != normal(self.new, &nv) {
            let message = format!("`{keyword}` changed");
            self.emit(R::ConstraintChanged, flow, &spot(o, n, keyword), message);
        }
    }

    /// A keyword whose presence constrains (`contains`, `not`, `allOf` members): added
    /// tightens, removed loosens, kept compares with `inner` flow.
    fn optional_schema(&mut self, o: &View<'a>, n: &View<'a>, keyword: &str, flow: Flow, inner: Flow, depth: usize) {
        match (o.child(self.old, keyword), n.child(self.new, keyword)) {
            (None, None) => {}
            (Some(a), Some(b)) => self.schema(a, b, inner, depth + 1),
            (None, Some(b)) => {
                self.emit(R::ConstraintTightened, flow, &b.path, format!("`{keyword}` added"));
            }
            (Some(a), None) => {
                self.emit(R::ConstraintLoosened, flow, &a.path, format!("`{keyword}` removed"));
            }
        }
    }

    /// Keywords that annotate: titles, descriptions, examples, defaults, deprecation,
    /// extensions, and keywords validation ignores.
    fn schema_annotations(&mut self, o: &View<'a>, n: &View<'a>) {
        let mut keywords = n.keywords();
        keywords.extend(o.keywords().into_iter().filter(|k| n.get(k).is_none()));
        for keyword in keywords {
            let known_format =
                |v: &View<'a>| v.get("format").and_then(Value::as_str).is_some_and(|f| FORMATS.contains(&f));
            let format_annotates = keyword == "format" && !known_format(o) && !known_format(n);
            if (VALIDATION_KEYWORDS.contains(&keyword) && !format_annotates) || CONTAINERS.contains(&keyword) {
                continue;
            }
            let rule = match keyword {
                "title" => R::TitleChanged,
                "description" => R::DescriptionChanged,
                "examples" | "example" => R::ExamplesChanged,
                "default" => R::DefaultChanged,
                "deprecated" => R::DeprecatedChanged,
                "externalDocs" => R::ExternalDocsChanged,
                // Still here: a reference that leads nowhere, compared as written.
                "$ref" => R::ConstraintChanged,
                k if k.starts_with("x-") => R::ExtensionChanged,
                _ => R::KeywordChanged,
            };
            let (ov, nv) = (o.get(keyword), n.get(keyword));
            let same = match (ov, nv) {
                (Some(a), Some(b)) => json_eq(a, b),
                (a, b) => a.is_none() && b.is_none(),
            };
            if !same {
                let what = match (ov, nv) {
                    (None, _) => "added",
                    (_, None) => "removed",
                    _ => "changed",
                };
                self.emit(rule, Flow::BOTH, &spot(o, n, keyword), format!("`{keyword}` {what}")).values(ov, nv);
            }
        }
    }
}
