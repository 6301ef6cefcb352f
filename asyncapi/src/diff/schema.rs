//! Comparing two schemas, keyword by keyword, as the set of values each allows: what now
//! allows fewer values narrows (breaking writers: the application receiving), what allows
//! more widens (breaking readers: the application sending).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::Pairing::{InOrder, Unique};
use super::normalize::{
    MAX_DEPTH, VALIDATION_KEYWORDS, canonical_text, discriminator, effective_types, json_eq, sort_keys, unwrap_target,
};
use super::rules::{Flow, R};
use super::{Differ, Identity, Node, match_items, show};
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

/// A member of an `allOf`/`anyOf`/`oneOf` list, with what identifies it.
struct Member<'a> {
    view: View<'a>,
    /// Where the member really is, when it is a reference.
    reference: Option<String>,
    /// The member in normal form, as text, computed when first needed.
    content: std::cell::OnceCell<String>,
    root: &'a Value,
}

impl Member<'_> {
    fn content(&self) -> &str {
        self.content.get_or_init(|| super::normalize::schema_text(self.root, self.view.node.value))
    }
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

/// Lower bounds: a greater value allows fewer values.
const LOWER_BOUNDS: &[&str] = &["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"];
/// Upper bounds: a smaller value allows fewer values.
const UPPER_BOUNDS: &[&str] = &["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"];

/// The properties tried, after an explicit `discriminator`, to tell the variants of a
/// `oneOf` apart (as the generator does).
const LIKELY_DISCRIMINATORS: &[&str] = &["action", "type", "event", "method", "kind", "op", "name"];

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

fn type_list(types: &Option<BTreeSet<&'static str>>) -> Option<Value> {
    types.as_ref().map(|t| t.iter().copied().map(Value::from).collect())
}

fn type_text(types: &Option<BTreeSet<&'static str>>) -> String {
    match types {
        None => "any".to_owned(),
        Some(t) => t.iter().copied().collect::<Vec<_>>().join(" or "),
    }
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
        match (variants_only(&o), variants_only(&n)) {
            (Some(ok), None) if variants(&n).is_none() => {
                let (ol, nl) = (member_list(self.old, &o, ok), vec![Member::whole(self.new, &n)]);
                let cx = MemberCx {
                    old_keyword: ok,
                    new_keyword: ok,
                    flow,
                    depth,
                    rules: (R::VariantAdded, R::VariantRemoved),
                };
                self.members(&ol, &nl, discriminator_of(&o, &n), cx);
                return;
            }
            (None, Some(nk)) if variants(&o).is_none() => {
                let (ol, nl) = (vec![Member::whole(self.old, &o)], member_list(self.new, &n, nk));
                let cx = MemberCx {
                    old_keyword: nk,
                    new_keyword: nk,
                    flow,
                    depth,
                    rules: (R::VariantAdded, R::VariantRemoved),
                };
                self.members(&ol, &nl, discriminator_of(&o, &n), cx);
                return;
            }
            _ => {}
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

    /// `type` (with what `enum` and nullable pairs say). Returns false when the types have
    /// nothing in common: the rest would be noise.
    fn types(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow) -> bool {
        if o.enumeration().is_some() && n.enumeration().is_some() {
            return true;
        }
        let (ot, nt) = (o.types(), n.types());
        if ot == nt {
            return true;
        }
        let at = spot(o, n, "type");
        let (narrower, wider) = match (&ot, &nt) {
            (None, Some(_)) => (true, false),
            (Some(_), None) => (false, true),
            (Some(a), Some(b)) => {
                (b.iter().all(|t| super::normalize::accepts(a, t)), a.iter().all(|t| super::normalize::accepts(b, t)))
            }
            (None, None) => (true, true),
        };
        let nullable = |t: &Option<BTreeSet<&str>>| t.as_ref().is_some_and(|t| t.contains("null"));
        let message = match (nullable(&ot), nullable(&nt)) {
            (false, true) if wider => format!("now nullable: {}", type_text(&nt)),
            (true, false) if narrower => format!("no longer nullable: {}", type_text(&nt)),
            _ => format!("type {} is now {}", type_text(&ot), type_text(&nt)),
        };
        let (old_list, new_list) = (type_list(&ot), type_list(&nt));
        let rule = match (narrower, wider) {
            (true, _) => R::TypeNarrowed,
            (_, true) => R::TypeWidened,
            _ => R::TypeChanged,
        };
        self.emit(rule, flow, &at, message).values(old_list.as_ref(), new_list.as_ref());
        match (&ot, &nt) {
            (Some(a), Some(b)) => {
                b.iter().any(|t| super::normalize::accepts(a, t)) || a.iter().any(|t| super::normalize::accepts(b, t))
            }
            _ => true,
        }
    }

    /// `enum` and `const`, as sets of allowed values.
    fn enumeration(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow) {
        let keyword = |v: &View<'a>| if v.get("const").is_some() { "const" } else { "enum" };
        let at = n.at(keyword(n)).or_else(|| o.at(keyword(o))).unwrap_or_else(|| n.node.path.clone());
        let (oe, ne) = (o.enumeration(), n.enumeration());
        let list = |v: &Option<Vec<Value>>| v.clone().map(Value::Array);
        match (&oe, &ne) {
            (None, None) => {}
            (None, Some(values)) => {
                let message = format!("values restricted to {}", Value::Array(values.clone()));
                self.emit(R::EnumAdded, flow, &at, message).values(None, list(&ne).as_ref());
            }
            (Some(_), None) => {
                self.emit(R::EnumRemoved, flow, &at, "any value allowed now".to_owned())
                    .values(list(&oe).as_ref(), None);
            }
            (Some(a), Some(b)) if a.len() == 1 && b.len() == 1 => {
                if !json_eq(&a[0], &b[0]) {
                    let message = format!("the value {} is now {}", show(&a[0]), show(&b[0]));
                    self.emit(R::ConstChanged, flow, &at, message).values(Some(&a[0]), Some(&b[0]));
                }
            }
            (Some(a), Some(b)) => {
                let added: Vec<Value> = b.iter().filter(|v| !a.iter().any(|w| json_eq(v, w))).cloned().collect();
                let removed: Vec<Value> = a.iter().filter(|v| !b.iter().any(|w| json_eq(v, w))).cloned().collect();
                if !added.is_empty() {
                    let message = format!("value(s) added: {}", list_text(&added));
                    self.emit(R::EnumValueAdded, flow, &at, message).values(None, Some(&Value::Array(added)));
                }
                if !removed.is_empty() {
                    let message = format!("value(s) removed: {}", list_text(&removed));
                    self.emit(R::EnumValueRemoved, flow, &at, message).values(Some(&Value::Array(removed)), None);
                }
            }
        }
    }

    /// Numeric bounds, lengths and counts, `multipleOf`, `uniqueItems`, `pattern`, `format`.
    fn bounds(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow) {
        for (keywords, lower) in [(LOWER_BOUNDS, true), (UPPER_BOUNDS, false)] {
            for &keyword in keywords {
                let (ov, nv) = (o.get(keyword), n.get(keyword));
                let tighter = match (ov.and_then(Value::as_f64), nv.and_then(Value::as_f64)) {
                    (None, None) if ov.is_none() && nv.is_none() => continue,
                    (None, Some(_)) if ov.is_none() => Some(true),
                    (Some(_), None) if nv.is_none() => Some(false),
                    (Some(a), Some(b)) if a == b => continue,
                    (Some(a), Some(b)) => Some((b > a) == lower),
                    _ if json_eq(ov.unwrap_or(&Value::Null), nv.unwrap_or(&Value::Null)) => continue,
                    _ => None,
                };
                self.constraint(o, n, keyword, tighter, flow);
            }
        }
        let (om, nm) = (o.get("multipleOf").and_then(Value::as_f64), n.get("multipleOf").and_then(Value::as_f64));
        let whole = |x: f64| x.is_finite() && (x - x.round()).abs() < 1e-9;
        let multiple = match (om, nm) {
            (None, None) => None,
            (a, b) if a == b => None,
            (None, Some(_)) => Some(Some(true)),
            (Some(_), None) => Some(Some(false)),
            (Some(a), Some(b)) if whole(b / a) => Some(Some(true)),
            (Some(a), Some(b)) if whole(a / b) => Some(Some(false)),
            _ => Some(None),
        };
        if let Some(tighter) = multiple {
            self.constraint(o, n, "multipleOf", tighter, flow);
        }
        let unique = |v: &View<'a>| v.get("uniqueItems") == Some(&Value::Bool(true));
        if unique(o) != unique(n) {
            self.constraint(o, n, "uniqueItems", Some(unique(n)), flow);
        }
        // A format validators do not know (`int32`, `uint64`, `double` from schemars) is an
        // annotation: treated as absent here, and compared with the annotations.
        let format = |v: &View<'a>| v.get("format").filter(|f| f.as_str().is_some_and(|f| FORMATS.contains(&f)));
        let tighter = match (format(o), format(n)) {
            (None, None) => None,
            (Some(a), Some(b)) if json_eq(a, b) => None,
            (None, Some(_)) => Some(Some(true)),
            (Some(_), None) => Some(Some(false)),
            _ => Some(None),
        };
        if let Some(tighter) = tighter {
            self.constraint(o, n, "format", tighter, flow);
        }
        for keyword in ["pattern"] {
            let tighter = match (o.get(keyword), n.get(keyword)) {
                (None, None) => continue,
                (Some(a), Some(b)) if json_eq(a, b) => continue,
                (None, Some(_)) => Some(true),
                (Some(_), None) => Some(false),
                _ => None,
            };
            self.constraint(o, n, keyword, tighter, flow);
        }
    }

    /// One constraint keyword changed: tighter (`Some(true)`), looser, or neither.
    fn constraint(&mut self, o: &View<'a>, n: &View<'a>, keyword: &str, tighter: Option<bool>, flow: Flow) {
        let (ov, nv) = (o.get(keyword), n.get(keyword));
        let text = |v: Option<&Value>| v.map_or("(none)".to_owned(), show);
        let message = format!("`{keyword}` {} is now {}", text(ov), text(nv));
        let rule = match tighter {
            Some(true) => R::ConstraintTightened,
            Some(false) => R::ConstraintLoosened,
            None => R::ConstraintChanged,
        };
        self.emit(rule, flow, &spot(o, n, keyword), message).values(ov, nv);
    }

    /// Properties, `required`, `additionalProperties`, `patternProperties`, `propertyNames`,
    /// `dependencies`.
    fn object(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow, depth: usize) {
        let (old_root, new_root) = (self.old, self.new);
        let (op, np) = (o.child(old_root, "properties"), n.child(new_root, "properties"));
        let names = |p: &Option<Node<'a>>| p.as_ref().map(Node::keys).unwrap_or_default();
        let (old_names, new_names) = (names(&op), names(&np));
        let (old_required, new_required) = (o.required(), n.required());
        let (old_closed, new_closed) = (o.is_closed(old_root), n.is_closed(new_root));
        for &name in &new_names {
            let Some(new_prop) = np.as_ref().and_then(|p| p.child(new_root, name)) else { continue };
            let required_now = new_required.contains(&name) && !old_required.contains(&name);
            match op.as_ref().and_then(|p| p.child(old_root, name)) {
                Some(old_prop) => {
                    let at = new_prop.path.clone();
                    let optional = !old_required.contains(&name) && !new_required.contains(&name);
                    self.schema_of(old_prop, new_prop, flow, depth + 1, optional);
                    if required_now {
                        self.emit(R::PropertyRequiredAdded, flow, &at, format!("`{name}` is now required"));
                    } else if old_required.contains(&name) && !new_required.contains(&name) {
                        self.emit(R::PropertyRequiredRemoved, flow, &at, format!("`{name}` is no longer required"));
                    }
                }
                None if required_now => {
                    let message = format!("required property `{name}` added");
                    self.emit(R::PropertyRequiredAdded, flow, &new_prop.path, message);
                }
                None if old_closed => {
                    let message = format!("property `{name}` added to an object that refused unknown properties");
                    self.emit(R::ClosedObjectPropertyAdded, flow, &new_prop.path, message);
                }
                None => {
                    self.emit(R::PropertyAdded, flow, &new_prop.path, format!("optional property `{name}` added"));
                }
            }
        }
        for &name in old_names.iter().filter(|name| !new_names.contains(name)) {
            let Some(old_prop) = op.as_ref().and_then(|p| p.child(old_root, name)) else { continue };
            let (rule, message) = if new_closed {
                (
                    R::ClosedObjectPropertyRemoved,
                    format!("property `{name}` removed; the object refuses unknown properties"),
                )
            } else {
                (R::PropertyRemoved, format!("property `{name}` removed"))
            };
            self.emit(rule, flow, &old_prop.path, message);
        }
        // Names required without a schema of their own.
        let defined = |name: &&str| old_names.contains(name) || new_names.contains(name);
        for &name in new_required.iter().filter(|n| !old_required.contains(n) && !defined(n)) {
            self.emit(R::PropertyRequiredAdded, flow, &spot(o, n, "required"), format!("`{name}` is now required"));
        }
        for &name in old_required.iter().filter(|n| !new_required.contains(n) && !defined(n)) {
            let message = format!("`{name}` is no longer required");
            self.emit(R::PropertyRequiredRemoved, flow, &spot(o, n, "required"), message);
        }
        match (old_closed, new_closed) {
            (false, true) => {
                let message = "additional properties are now refused".to_owned();
                self.emit(R::AdditionalPropertiesClosed, flow, &spot(o, n, "additionalProperties"), message);
            }
            (true, false) => {
                let message = "additional properties are now allowed".to_owned();
                self.emit(R::AdditionalPropertiesOpened, flow, &spot(o, n, "additionalProperties"), message);
            }
            _ if o.get("additionalProperties").is_some() || n.get("additionalProperties").is_some() => {
                let (a, b) = (o.sub(old_root, "additionalProperties"), n.sub(new_root, "additionalProperties"));
                self.schema(a, b, flow, depth + 1);
            }
            _ => {}
        }
        self.keyed_schemas(o, n, "patternProperties", flow, depth);
        if o.get("propertyNames").is_some() || n.get("propertyNames").is_some() {
            self.schema(o.sub(old_root, "propertyNames"), n.sub(new_root, "propertyNames"), flow, depth + 1);
        }
        self.same_or(o, n, "dependencies", flow);
    }

    /// A map of schemas whose every entry constrains (`patternProperties`): entries added
    /// tighten, removed loosen, kept ones compare.
    fn keyed_schemas(&mut self, o: &View<'a>, n: &View<'a>, keyword: &str, flow: Flow, depth: usize) {
        let (om, nm) = (o.child(self.old, keyword), n.child(self.new, keyword));
        let keys = |m: &Option<Node<'a>>| m.as_ref().map(Node::keys).unwrap_or_default();
        let (ok, nk) = (keys(&om), keys(&nm));
        for &key in &nk {
            let Some(new_entry) = nm.as_ref().and_then(|m| m.child(self.new, key)) else { continue };
            match om.as_ref().and_then(|m| m.child(self.old, key)) {
                Some(old_entry) => self.schema(old_entry, new_entry, flow, depth + 1),
                None => {
                    let message = format!("`{keyword}` entry `{key}` added");
                    self.emit(R::ConstraintTightened, flow, &new_entry.path, message);
                }
            }
        }
        for &key in ok.iter().filter(|k| !nk.contains(k)) {
            let Some(old_entry) = om.as_ref().and_then(|m| m.child(self.old, key)) else { continue };
            self.emit(R::ConstraintLoosened, flow, &old_entry.path, format!("`{keyword}` entry `{key}` removed"));
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

    /// `items` (one schema or a tuple), `additionalItems`, `contains`.
    fn array(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow, depth: usize) {
        let (old_root, new_root) = (self.old, self.new);
        let (oi, ni) = (o.child(old_root, "items"), n.child(new_root, "items"));
        let tuple = |node: &Option<Node<'a>>| node.as_ref().is_some_and(|n| n.value.is_array());
        match (tuple(&oi), tuple(&ni)) {
            (false, false) if oi.is_some() || ni.is_some() => {
                self.schema(o.sub(old_root, "items"), n.sub(new_root, "items"), flow, depth + 1);
            }
            (false, false) => {}
            (true, true) => {
                let (Some(oi), Some(ni)) = (oi, ni) else { return };
                let (ol, nl) = (oi.items(old_root), ni.items(new_root));
                for (a, b) in ol.iter().zip(&nl) {
                    self.schema(a.clone(), b.clone(), flow, depth + 1);
                }
                for extra in nl.iter().skip(ol.len()) {
                    let message = "the array's items gained a position with its own schema".to_owned();
                    self.emit(R::ConstraintTightened, flow, &extra.path, message);
                }
                for extra in ol.iter().skip(nl.len()) {
                    let message = "a position of the array's items lost its schema".to_owned();
                    self.emit(R::ConstraintLoosened, flow, &extra.path, message);
                }
                if o.get("additionalItems").is_some() || n.get("additionalItems").is_some() {
                    let (a, b) = (o.sub(old_root, "additionalItems"), n.sub(new_root, "additionalItems"));
                    self.schema(a, b, flow, depth + 1);
                }
            }
            _ => {
                let message = "`items` changed between one schema and a list of schemas".to_owned();
                self.emit(R::ConstraintChanged, flow, &spot(o, n, "items"), message);
            }
        }
        self.optional_schema(o, n, "contains", flow, flow, depth);
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

    /// `oneOf`/`anyOf` variants, `allOf` members, `not`, `if`/`then`/`else`.
    fn composition(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow, depth: usize) {
        match (variants(o), variants(n)) {
            (None, None) => {}
            (None, Some(keyword)) => {
                let message = format!("`{keyword}` added: values must match its schemas");
                self.emit(R::ConstraintTightened, flow, &spot(o, n, keyword), message);
            }
            (Some(keyword), None) => {
                let message = format!("`{keyword}` removed");
                self.emit(R::ConstraintLoosened, flow, &spot(o, n, keyword), message);
            }
            (Some(ok), Some(nk)) => {
                if ok != nk {
                    // `anyOf` allows what matches several variants, `oneOf` refuses it.
                    let rule = if nk == "anyOf" { R::ConstraintLoosened } else { R::ConstraintTightened };
                    self.emit(rule, flow, &spot(o, n, nk), format!("`{ok}` is now `{nk}`"));
                }
                let property = discriminator_of(o, n);
                let (ol, nl) = (member_list(self.old, o, ok), member_list(self.new, n, nk));
                let cx = MemberCx {
                    old_keyword: ok,
                    new_keyword: nk,
                    flow,
                    depth,
                    rules: (R::VariantAdded, R::VariantRemoved),
                };
                self.members(&ol, &nl, property, cx);
            }
        }
        match (o.get("allOf").is_some(), n.get("allOf").is_some()) {
            (true, true) => {
                let (ol, nl) = (member_list(self.old, o, "allOf"), member_list(self.new, n, "allOf"));
                let rules = (R::ConstraintTightened, R::ConstraintLoosened);
                let cx = MemberCx { old_keyword: "allOf", new_keyword: "allOf", flow, depth, rules };
                self.members(&ol, &nl, None, cx);
            }
            (false, false) => {}
            _ => self.optional_schema(o, n, "allOf", flow, flow, depth),
        }
        self.optional_schema(o, n, "not", flow, flow.negated(), depth);
        self.same_or(o, n, "if", flow);
        for keyword in ["then", "else"] {
            if o.get(keyword).is_some() || n.get(keyword).is_some() {
                self.schema(o.sub(self.old, keyword), n.sub(self.new, keyword), flow, depth + 1);
            }
        }
    }

    /// The members of two schema lists, matched by what they refer to, by discriminator
    /// value, by title, by content, by the names of their properties, by type, and a last
    /// pair left alone on each side.
    fn members(&mut self, ol: &[Member<'a>], nl: &[Member<'a>], property: Option<&str>, cx: MemberCx) {
        let by_reference: Identity<'_, Member<'_>> = &|m| m.reference.clone();
        let by_tag: Identity<'_, Member<'_>> = &|m| tag(&m.view, property);
        let by_title: Identity<'_, Member<'_>> = &|m| m.view.title().map(str::to_owned);
        let by_content: Identity<'_, Member<'_>> = &|m| Some(m.content().to_owned());
        let by_properties: Identity<'_, Member<'_>> = &|m| m.view.property_names();
        let by_type: Identity<'_, Member<'_>> = &|m| Some(type_text(&m.view.types()));
        let last_one: Identity<'_, Member<'_>> = &|_| Some(String::new());
        let matching = match_items(
            ol,
            nl,
            &[
                (InOrder, by_reference),
                (Unique, by_tag),
                (Unique, by_title),
                (InOrder, by_content),
                (Unique, by_properties),
                (Unique, by_type),
                (Unique, last_one),
            ],
        );
        let (added, removed) = cx.rules;
        for &i in &matching.removed {
            self.emit(removed, cx.flow, &ol[i].view.node.path, format!("`{}` member {i} removed", cx.old_keyword));
        }
        for &j in &matching.added {
            self.emit(added, cx.flow, &nl[j].view.node.path, format!("`{}` member {j} added", cx.new_keyword));
        }
        for &(i, j) in &matching.pairs {
            self.schema(ol[i].view.node.clone(), nl[j].view.node.clone(), cx.flow, cx.depth + 1);
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

/// How a list of members is compared.
struct MemberCx {
    old_keyword: &'static str,
    new_keyword: &'static str,
    flow: Flow,
    depth: usize,
    /// The rules for a member added and removed.
    rules: (R, R),
}

impl<'a> Member<'a> {
    /// A whole schema as the one member of a list.
    fn whole(root: &'a Value, view: &View<'a>) -> Self {
        Member { reference: None, content: std::cell::OnceCell::new(), root, view: view.clone() }
    }
}

/// The members under `keyword` (`allOf`, `anyOf`, `oneOf`).
fn member_list<'a>(root: &'a Value, view: &View<'a>, keyword: &str) -> Vec<Member<'a>> {
    let written = view.get(keyword).and_then(Value::as_array).cloned().unwrap_or_default();
    let nodes = view.child(root, keyword).map(|l| l.items(root)).unwrap_or_default();
    nodes
        .into_iter()
        .zip(written)
        .map(|(node, raw)| Member {
            reference: raw.get("$ref").map(|_| node.real.to_string()),
            content: std::cell::OnceCell::new(),
            root,
            view: View::of(root, node),
        })
        .collect()
}

/// The variant keyword a schema has: `oneOf`, else `anyOf`.
fn variants(view: &View<'_>) -> Option<&'static str> {
    ["oneOf", "anyOf"].into_iter().find(|k| view.get(k).is_some())
}

/// The variant keyword of a schema that is nothing but variants (and annotations).
fn variants_only(view: &View<'_>) -> Option<&'static str> {
    let keyword = variants(view)?;
    let constrains = |k: &&str| VALIDATION_KEYWORDS.contains(k) && *k != keyword && *k != "discriminator";
    (!view.keywords().iter().any(constrains)).then_some(keyword)
}

/// The discriminator either schema names.
fn discriminator_of<'v>(o: &View<'v>, n: &View<'v>) -> Option<&'v str> {
    [o.get("discriminator"), n.get("discriminator")].into_iter().flatten().find_map(discriminator)
}

/// The value that tells a variant apart: its `const` (or one-value `enum`) for the
/// discriminator property, else for the first likely one it has.
fn tag(view: &View<'_>, property: Option<&str>) -> Option<String> {
    let properties = view.get("properties")?.as_object()?;
    let single = |name: &str| -> Option<String> {
        let schema = properties.get(name)?;
        let value = schema.get("const").or_else(|| {
            schema.get("enum").and_then(Value::as_array).filter(|values| values.len() == 1).and_then(|v| v.first())
        })?;
        Some(format!("{name}={}", canonical_text(value)))
    };
    match property {
        Some(property) => single(property),
        None => LIKELY_DISCRIMINATORS.iter().find_map(|p| single(p)),
    }
}

fn list_text(values: &[Value]) -> String {
    values.iter().map(|v| show(&sort_keys(v))).collect::<Vec<_>>().join(", ")
}
