//! Rust types for the contract's schemas, through typify.
//!
//! typify has limits the contract must not hit (see `docs/ARCHITECTURE.md`): it follows only
//! `#/definitions/<name>` references, keys them by the last segment, ignores `const`, names
//! inline types after their titles (so two titles collide), and panics or overflows its stack
//! on some schemas. So, before typify, every schema the channels reach is hoisted into one
//! definitions map under a unique name chosen here, every `$ref` is rewritten to it, and each
//! schema is normalized to what typify handles well; typify then runs on a thread with a large
//! stack under `catch_unwind`. Nothing normalized away is lost: the descriptor keeps each
//! payload's schema exactly as the contract wrote it, and runtime validation enforces it.

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use tidings_asyncapi::pointer::member;

use indexmap::IndexMap;
use proc_macro2::TokenStream;
use serde_json::Value;
use tidings_asyncapi::{Document, JsonPointer, RefTarget};

use super::compact::{Compact, integer_by_one_rule};
use super::names::{Case, already_cased, ident_text};
use super::plain::{Plain, referenced_indirectly};
use super::{BuildProblem, Finding};

/// The schemas to generate, keyed by definition name.
#[derive(Debug, Default)]
pub(crate) struct SchemaSet {
    /// Normalized for typify.
    defs: IndexMap<String, Value>,
    /// As the contract wrote them, with references rewritten to `#/definitions/<name>`.
    originals: IndexMap<String, Value>,
    /// The definitions each definition refers to directly.
    deps: IndexMap<String, Vec<String>>,
    /// Where each definition came from in the bundled document.
    origins: IndexMap<String, JsonPointer>,
    by_pointer: HashMap<JsonPointer, String>,
    /// The next number to try after each base name, for [`unique_def_name`](Self::unique_def_name).
    next_suffix: HashMap<String, usize>,
    /// Definitions written as one runtime macro call instead of by typify.
    compact: IndexMap<String, Compact>,
    /// The definitions that are message payloads, each with the top-level property that
    /// holds its correlation id, when it has one: they get constructors.
    payloads: IndexMap<String, Option<String>>,
}

/// The generated types and how to name each definition's type.
pub(crate) struct Types {
    /// The items of the `types` module, as Rust source.
    pub(crate) code: String,
    /// How many definitions are JSON values because typify could not type them.
    pub(crate) json_fallbacks: usize,
    /// How many structs `plain.rs` wrote.
    #[cfg(test)]
    pub(crate) plain_structs: usize,
    /// Each payload's definition name to its type's path from inside a channel module, as
    /// tokens and as text.
    pub(crate) paths: HashMap<String, (TokenStream, String)>,
}

impl SchemaSet {
    /// Adds the schema at `pointer` (a payload, headers, or a component) and everything it
    /// references; returns its definition name. `name` is the preferred name for an inline schema.
    pub(crate) fn add(
        &mut self,
        doc: &Document,
        pointer: &JsonPointer,
        name: &str,
        findings: &mut Vec<Finding>,
    ) -> String {
        let resolved = resolve_pointer(doc, pointer);
        if let Some(existing) = self.by_pointer.get(&resolved) {
            return existing.clone();
        }
        let preferred = match resolved.tokens() {
            [c, s, key] if c == "components" && s == "schemas" => key.clone(),
            _ => name.to_owned(),
        };
        let def = self.unique_def_name(&preferred);
        self.by_pointer.insert(resolved.clone(), def.clone());
        let mut schema = resolved.get(doc.bundled()).cloned().unwrap_or(Value::Bool(true));
        // A multi-format schema object: its JSON Schema, when it has one.
        if let Some(inner) = schema.get("schemaFormat").and(schema.get("schema")).cloned() {
            schema = inner;
        }
        self.defs.insert(def.clone(), Value::Null);
        self.origins.insert(def.clone(), resolved.clone());
        let mut deps = Vec::new();
        self.rewrite_refs(doc, &mut schema, &mut deps, findings);
        self.originals.insert(def.clone(), schema.clone());
        self.deps.insert(def.clone(), deps);
        // A named bounded string is the same shared type as a field's.
        if let Some(bounded @ Compact::Bounded { .. }) = Compact::of(&schema) {
            self.compact.insert(def.clone(), bounded);
            self.defs.insert(def.clone(), serde_json::json!({"type": "string"}));
            return def;
        }
        self.compact_properties(&def, &resolved, &mut schema);
        normalize(&mut schema, &resolved, findings);
        self.defs.insert(def.clone(), schema);
        def
    }

    /// Marks definition `def` as a message's payload whose correlation id, if any, is at
    /// `correlation` (a JSON pointer into the payload). A definition that is the payload of
    /// several messages keeps a correlation property only when they all agree on it.
    pub(crate) fn mark_payload(&mut self, def: &str, correlation: Option<&str>) {
        let property = correlation.and_then(|pointer| match JsonPointer::parse(pointer).ok()?.tokens() {
            [only] => Some(only.clone()),
            _ => None,
        });
        self.payloads
            .entry(def.to_owned())
            .and_modify(|existing| {
                if *existing != property {
                    *existing = None;
                }
            })
            .or_insert(property);
    }

    /// Moves the properties that have a [`Compact`] form into definitions of their own,
    /// named as typify would name them (`ChatAction` for `action` of `Chat`).
    fn compact_properties(&mut self, def: &str, at: &JsonPointer, schema: &mut Value) {
        let Some(Value::Object(properties)) = schema.get_mut("properties") else { return };
        for (property, sub) in properties.iter_mut() {
            let Some(compact) = Compact::of(sub) else { continue };
            let name = self.unique_def_name(&format!("{def} {property}"));
            self.defs.insert(name.clone(), serde_json::json!({"type": "string"}));
            self.origins.insert(name.clone(), at.join("properties").join(property));
            self.compact.insert(name.clone(), compact);
            let mut reference = serde_json::Map::new();
            reference.insert("$ref".into(), Value::String(format!("#/definitions/{name}")));
            if let Some(description) = sub.get("description").or_else(|| sub.get("title")) {
                reference.insert("description".into(), description.clone());
            }
            *sub = Value::Object(reference);
        }
    }

    /// Rewrites every `$ref` in a schema to a definition, adding the target as one.
    fn rewrite_refs(
        &mut self,
        doc: &Document,
        schema: &mut Value,
        deps: &mut Vec<String>,
        findings: &mut Vec<Finding>,
    ) {
        let Value::Object(map) = schema else { return };
        if let Some(reference) = member(map, "$ref").and_then(Value::as_str).map(str::to_owned) {
            let target = RefTarget::split(&reference).pointer().unwrap_or_default();
            let name = target.last().unwrap_or("Schema").to_owned();
            let def = self.add(doc, &target, &name, findings);
            map.insert("$ref".into(), Value::String(format!("#/definitions/{def}")));
            if !deps.contains(&def) {
                deps.push(def);
            }
        }
        for_each_subschema(map, &mut |sub| self.rewrite_refs(doc, sub, deps, findings));
    }

    /// The schema of definition `def` as the contract wrote it, self-contained: every
    /// definition it reaches is under its `definitions`.
    pub(crate) fn self_contained(&self, def: &str) -> Value {
        let mut reached: Vec<String> = Vec::new();
        let mut stack = vec![def.to_owned()];
        while let Some(next) = stack.pop() {
            for dep in self.deps.get(&next).into_iter().flatten() {
                if !reached.contains(dep) {
                    reached.push(dep.clone());
                    stack.push(dep.clone());
                }
            }
        }
        let mut root = self.originals.get(def).cloned().unwrap_or(Value::Bool(true));
        if reached.is_empty() {
            return root;
        }
        let definitions: serde_json::Map<String, Value> =
            reached.iter().map(|d| (d.clone(), self.originals.get(d).cloned().unwrap_or(Value::Bool(true)))).collect();
        match &mut root {
            Value::Object(map) => {
                map.insert("definitions".into(), Value::Object(definitions));
                root
            }
            // A boolean schema that references nothing: nothing to add.
            _ => root,
        }
    }

    /// A definition name typify will keep as is: PascalCase, unique.
    fn unique_def_name(&mut self, preferred: &str) -> String {
        let base = ident_text(preferred, Case::Type).trim_start_matches("r#").to_owned();
        // Numbering goes on where the last name from this base stopped: many schemas of one
        // name (`Request` in each of fifty channels) cost one try each, not one per sibling.
        let next = self.next_suffix.entry(base.clone()).or_insert(2);
        let mut candidate = base.clone();
        while self.defs.contains_key(&candidate) {
            candidate = format!("{base}{next}");
            *next += 1;
        }
        candidate
    }

    /// Runs typify over every definition.
    /// The Rust types of every definition. A schema typify cannot read or turn into Rust
    /// becomes a newtype over a JSON value (with a warning naming it): the rest of the
    /// contract keeps its precise types, and runtime validation still checks that schema.
    pub(crate) fn generate(&self, settings: &super::Settings, findings: &mut Vec<Finding>) -> Option<Types> {
        let mut defs = Vec::with_capacity(self.defs.len());
        let mut fallbacks = 0;
        // typify merges compositions into one type: a composition that reaches its own
        // definition again recurses without end, and a stack overflow cannot be caught.
        let cyclic = self.composition_cycles();
        let replaced = replaced_names(settings);
        let plain = if settings.typify_only { IndexMap::new() } else { self.plain_structs(&replaced) };
        // typify sees its own definitions, and those written here that it must name.
        let written_here =
            |name: &str| plain.contains_key(name) || (self.compact.contains_key(name) && !replaced.contains(name));
        let mut named = HashSet::new();
        for (name, schema) in &self.defs {
            if !written_here(name) {
                references(schema, &mut named);
            }
        }
        for (name, value) in &self.defs {
            let schema = if written_here(name) {
                if !named.contains(name.as_str()) {
                    continue;
                }
                // typify replaces it by name and never reads it.
                Ok(schemars08::schema::Schema::Bool(true))
            } else if cyclic.contains(name) {
                let detail = "its `allOf`/`oneOf`/`anyOf` refers back to itself".to_owned();
                Err(detail)
            } else {
                <schemars08::schema::Schema as serde::Deserialize>::deserialize(value).map_err(|e| e.to_string())
            };
            let schema = schema.unwrap_or_else(|detail| {
                fallbacks += 1;
                self.fall_back(name, detail, findings)
            });
            defs.push((name.clone(), schema));
        }
        // Each failure names one definition; a contract has finitely many.
        for _ in 0..=defs.len() {
            let detail = match run_typify(defs.clone(), settings, self, &plain, &replaced) {
                Ok(mut types) => {
                    types.json_fallbacks = fallbacks;
                    return Some(types);
                }
                Err(detail) => detail,
            };
            // The shortest prefix that fails ends with the definition to blame.
            let (mut good, mut bad) = (0, defs.len());
            while bad - good > 1 {
                let middle = good + (bad - good) / 2;
                if run_typify(defs[..middle].to_vec(), settings, self, &plain, &replaced).is_ok() {
                    good = middle;
                } else {
                    bad = middle;
                }
            }
            let culprit = bad - 1;
            if matches!(&defs[culprit].1, schemars08::schema::Schema::Bool(true)) {
                // Already a JSON value, and still failing: not the schema's doing.
                findings.push(Finding::error(BuildProblem::Internal { detail }, JsonPointer::root()));
                return None;
            }
            fallbacks += 1;
            defs[culprit].1 = self.fall_back(&defs[culprit].0, detail, findings);
        }
        findings.push(Finding::error(
            BuildProblem::Internal { detail: "typify kept failing on JSON values".into() },
            JsonPointer::root(),
        ));
        None
    }

    /// The definitions written as plain structs (`plain.rs`) rather than by typify: plain in
    /// form, named as typify would name them, not replaced by the user, not part of a cycle
    /// of references (typify boxes those), and referred to only as a field's, an item's or a
    /// map value's type, which typify names without reading the definition.
    fn plain_structs(&self, replaced: &HashSet<String>) -> IndexMap<String, Plain> {
        use heck::ToUpperCamelCase;
        let mut indirect = HashSet::new();
        for schema in self.defs.values() {
            referenced_indirectly(schema, &mut indirect);
        }
        let mut plain = IndexMap::new();
        for (name, schema) in &self.defs {
            let eligible = !self.compact.contains_key(name)
                && !replaced.contains(name)
                && !indirect.contains(name)
                && name.starts_with(|c: char| c.is_ascii_uppercase())
                && (already_cased(name, Case::Type) || name.to_upper_camel_case() == *name)
                && !self.reaches_itself(name);
            if let Some(found) = eligible.then(|| Plain::of(schema)).flatten()
                && found.references().all(|target| self.defs.contains_key(target))
            {
                plain.insert(name.clone(), found);
            }
        }
        plain
    }

    /// Whether definition `start` refers back to itself, through any chain of references.
    fn reaches_itself(&self, start: &str) -> bool {
        let mut seen = HashSet::new();
        let mut stack: Vec<&str> = self.deps.get(start).into_iter().flatten().map(String::as_str).collect();
        while let Some(next) = stack.pop() {
            if next == start {
                return true;
            }
            if seen.insert(next) {
                stack.extend(self.deps.get(next).into_iter().flatten().map(String::as_str));
            }
        }
        false
    }

    /// The definitions that reach themselves through composition alone (a `$ref` at the top
    /// or in a member of `allOf`, `oneOf` or `anyOf`): recursion through a property or an
    /// item is a boxed field, which typify handles; through composition it is not.
    fn composition_cycles(&self) -> HashSet<String> {
        fn edges(schema: &Value, out: &mut Vec<String>) {
            let Value::Object(map) = schema else { return };
            if let Some(name) =
                member(map, "$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/"))
            {
                out.push(name.to_owned());
            }
            for keyword in ["allOf", "oneOf", "anyOf"] {
                member(map, keyword).and_then(Value::as_array).into_iter().flatten().for_each(|m| edges(m, out));
            }
        }
        let graph: HashMap<&str, Vec<String>> = self
            .defs
            .iter()
            .map(|(name, schema)| {
                let mut out = Vec::new();
                edges(schema, &mut out);
                (name.as_str(), out)
            })
            .collect();
        let mut cyclic = HashSet::new();
        for start in graph.keys() {
            let mut seen = HashSet::new();
            let mut stack: Vec<&str> = graph[start].iter().map(String::as_str).collect();
            while let Some(next) = stack.pop() {
                if next == *start {
                    cyclic.insert((*start).to_owned());
                    break;
                }
                if seen.insert(next) {
                    stack.extend(graph.get(next).into_iter().flatten().map(String::as_str));
                }
            }
        }
        cyclic
    }

    /// Warns that definition `name` is typed as a JSON value, and gives its schema for that.
    fn fall_back(&self, name: &str, detail: String, findings: &mut Vec<Finding>) -> schemars08::schema::Schema {
        let at = self.origins.get(name).cloned().unwrap_or_default();
        findings.push(Finding::warning(BuildProblem::SchemaNotTypeable { detail }, at));
        schemars08::schema::Schema::Bool(true)
    }
}

/// The definition names the user replaced by types of their own.
fn replaced_names(settings: &super::Settings) -> HashSet<String> {
    settings.replacements.keys().map(|name| replaced_name(name)).collect()
}

/// The definition name a user's replacement of `name` stands for.
fn replaced_name(name: &str) -> String {
    ident_text(name, Case::Type).trim_start_matches("r#").to_owned()
}

/// Adds the definitions a (rewritten) schema refers to anywhere within it to `out`.
fn references<'a>(schema: &'a Value, out: &mut HashSet<&'a str>) {
    match schema {
        Value::Object(map) => {
            if let Some(name) =
                member(map, "$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/"))
            {
                out.insert(name);
            }
            map.values().for_each(|child| references(child, out));
        }
        Value::Array(items) => items.iter().for_each(|child| references(child, out)),
        _ => {}
    }
}

/// Rewrites a schema (references already rewritten) into what typify handles, recursively.
fn normalize(schema: &mut Value, at: &JsonPointer, findings: &mut Vec<Finding>) {
    let Value::Object(map) = schema else { return };
    if map.contains_key("$ref") {
        // Draft 07 ignores the siblings of `$ref`; only a description is worth keeping.
        let description = member(map, "description").or_else(|| member(map, "title")).cloned();
        map.retain(|k, _| k == "$ref");
        if let Some(description) = description {
            map.insert("description".into(), description);
        }
        return;
    }
    // A string `const` becomes a one-value `enum`, which typify turns into a one-variant
    // enum: the discriminator is then checked when reading and always right when writing.
    if let Some(Value::String(c)) = member(map, "const").cloned()
        && !map.contains_key("enum")
    {
        map.remove("const");
        map.insert("enum".into(), Value::Array(vec![Value::String(c)]));
        map.entry("type").or_insert(Value::String("string".into()));
    }
    if let Some(title) = map.remove("title") {
        map.entry("description").or_insert(title);
    }
    if member(map, "nullable") == Some(&Value::Bool(true)) {
        map.remove("nullable");
        if let Some(Value::String(t)) = member(map, "type").cloned() {
            map.insert("type".into(), serde_json::json!([t, "null"]));
        }
    }
    integer_by_one_rule(map);
    for keyword in ["if", "then", "else", "not"] {
        if map.remove(keyword).is_some() {
            findings.push(Finding::warning(BuildProblem::KeywordNotTyped { keyword }, at.join(keyword)));
        }
    }
    map.retain(|k, v| {
        !(k.starts_with("x-")
            || matches!(k.as_str(), "discriminator" | "externalDocs" | "deprecated" | "$id" | "$schema" | "$comment")
            || (matches!(k.as_str(), "allOf" | "anyOf" | "oneOf") && v.as_array().is_some_and(Vec::is_empty)))
    });
    if let Some(default) = member(map, "default")
        && !default_fits(default, member(map, "type"))
    {
        map.remove("default");
        findings.push(Finding::warning(BuildProblem::DefaultNotTyped, at.join("default")));
    }
    if let Some(values) = member(map, "enum").and_then(Value::as_array)
        && !enum_is_typeable(values)
    {
        let all_strings = values.iter().all(Value::is_string);
        map.remove("enum");
        if all_strings {
            map.entry("type").or_insert(Value::String("string".into()));
        }
        findings.push(Finding::warning(BuildProblem::EnumNotTyped, at.join("enum")));
    }
    for_each_subschema(map, &mut |sub| normalize(sub, at, findings));
}

/// Calls `f` on every direct subschema of a schema object (not on data such as `enum`,
/// `const`, `default` or `examples`).
fn for_each_subschema(map: &mut serde_json::Map<String, Value>, f: &mut dyn FnMut(&mut Value)) {
    for (key, child) in map.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" | "definitions" | "$defs" | "dependentSchemas" => {
                if let Value::Object(children) = child {
                    children.values_mut().for_each(&mut *f);
                }
            }
            "items" | "allOf" | "anyOf" | "oneOf" | "prefixItems" => match child {
                Value::Array(items) => items.iter_mut().for_each(&mut *f),
                other => f(other),
            },
            "additionalProperties" | "additionalItems" | "contains" | "propertyNames" => f(child),
            _ => {}
        }
    }
}

/// Whether a `default` has a JSON type its schema's `type` allows.
fn default_fits(default: &Value, types: Option<&Value>) -> bool {
    let fits = |t: &str| match t {
        "null" => default.is_null(),
        "boolean" => default.is_boolean(),
        "integer" => default.is_i64() || default.is_u64(),
        "number" => default.is_number(),
        "string" => default.is_string(),
        "array" => default.is_array(),
        "object" => default.is_object(),
        _ => true,
    };
    match types {
        Some(Value::String(t)) => fits(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(fits),
        _ => true,
    }
}

/// Whether typify can make an enum of these values: all strings, none null, no two alike
/// once turned into variant names.
fn enum_is_typeable(values: &[Value]) -> bool {
    let mut seen = HashSet::new();
    values.iter().all(|v| v.as_str().is_some_and(|s| seen.insert(ident_text(s, Case::Type))))
}

/// Where the schema at `pointer` really is, after references along and at the end of it.
fn resolve_pointer(doc: &Document, pointer: &JsonPointer) -> JsonPointer {
    tidings_asyncapi::pointer::follow(doc.bundled(), pointer).map_or_else(|| pointer.clone(), |(at, _)| at)
}

/// Runs typify under `catch_unwind` (on the generator's large-stack thread).
fn run_typify(
    defs: Vec<(String, schemars08::schema::Schema)>,
    settings: &super::Settings,
    set: &SchemaSet,
    plain: &IndexMap<String, Plain>,
    replaced: &HashSet<String>,
) -> Result<Types, String> {
    let (compact, payloads) = (&set.compact, &set.payloads);
    let names: Vec<String> = defs.iter().map(|(n, _)| n.clone()).collect();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut typify_settings = typify::TypeSpaceSettings::default();
        typify_settings.with_struct_builder(false).with_derive("PartialEq".into());
        for derive in &settings.derives {
            typify_settings.with_derive(derive.clone());
        }
        let given: HashSet<&str> = names.iter().map(String::as_str).collect();
        for name in compact.keys().filter(|name| given.contains(name.as_str())) {
            let impls = [typify::TypeSpaceImpl::FromStr, typify::TypeSpaceImpl::Display];
            typify_settings.with_replacement(name, name, impls.into_iter());
        }
        for name in plain.keys().filter(|name| given.contains(name.as_str())) {
            typify_settings.with_replacement(name, name, std::iter::empty());
        }
        // The user's replacements last: typify keeps the last one given for a name, and a
        // named schema the user replaced is theirs even where it would be compact.
        for (name, path) in &settings.replacements {
            typify_settings.with_replacement(replaced_name(name), path.clone(), std::iter::empty());
        }
        let mut space = typify::TypeSpace::new(&typify_settings);
        space.add_ref_types(defs).map_err(|e| e.to_string())?;
        // What is written here is its own type, unless the user replaced it.
        let mut map: HashMap<String, String> = compact
            .keys()
            .filter(|name| !replaced.contains(name.as_str()))
            .chain(plain.keys())
            .map(|name| (name.clone(), name.clone()))
            .collect();
        for name in &names {
            if map.contains_key(name) {
                continue;
            }
            let reference = schemars08::schema::Schema::Object(schemars08::schema::SchemaObject {
                reference: Some(format!("#/definitions/{name}")),
                ..Default::default()
            });
            let id = space.add_type(&reference).map_err(|e| e.to_string())?;
            let ty = space.get_type(&id).map_err(|e| e.to_string())?;
            map.insert(name.clone(), ty.ident().to_string().replace(' ', ""));
        }
        // Each payload's path from inside a channel module, made once rather than per use.
        let paths = payloads.keys().filter_map(|def| Some((def.clone(), payload_path(map.get(def)?)))).collect();
        let payload_types = payloads
            .iter()
            .filter_map(|(def, correlation)| Some((map.get(def)?.clone(), correlation.clone())))
            .collect();
        // typify orders properties by name; constructors take them in the contract's order.
        let orders = set
            .originals
            .iter()
            .filter_map(|(def, schema)| {
                let properties = schema.get("properties")?.as_object()?;
                Some((map.get(def)?.clone(), properties.keys().cloned().collect()))
            })
            .collect();
        let stream = space.to_stream();
        let mut code = super::redirect::redirect(stream).to_string();
        code.push('\n');
        let mut shapes = super::constructors::typify_shapes(&space).unwrap_or_default();
        // A named type's path, as typify would write it in a field.
        let path_of = |def: &str| map.get(def).map_or_else(|| def.to_owned(), |path| redirect_path(path));
        let mut derives: Vec<String> = vec!["PartialEq".to_owned()];
        derives.extend(settings.derives.iter().cloned());
        for (name, found) in plain {
            code.push_str(&found.text(name, &derives, &path_of));
            shapes.push(found.shape(name, &path_of));
        }
        code.push_str(&super::constructors::constructors(&shapes, &payload_types, &orders, compact));
        // A compact definition the user replaced is theirs: only its references are written.
        for (name, c) in compact.iter().filter(|(name, _)| !replaced.contains(name.as_str())) {
            code.push_str(&c.text(name));
        }
        Ok::<_, String>(Types {
            code,
            paths,
            json_fallbacks: 0,
            #[cfg(test)]
            plain_structs: plain.len(),
        })
    }));
    match result {
        Ok(outcome) => outcome,
        Err(panic) => Err(panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "typify panicked".to_owned())),
    }
}

/// A type's text as `map` of `run_typify` has it (`Chat`, `::serde_json::Value`, a
/// replacement's path), pointed at the runtime's re-exports.
fn redirect_path(path: &str) -> String {
    if !path.contains("::") {
        return path.to_owned();
    }
    // As the token printer spaces it, which is what `redirect_text` reads.
    let spaced = path.parse::<TokenStream>().map_or_else(|_| path.to_owned(), |tokens| tokens.to_string());
    super::redirect::redirect_text(&spaced)
}

/// The path of a type typify named `name` (`Chat`, `::std::vec::Vec<u8>`, a replacement's
/// path) from inside a channel module, as tokens and as text.
fn payload_path(name: &str) -> (TokenStream, String) {
    let text = if name.starts_with("::") { name.to_owned() } else { format!("super::types::{name}") };
    // A name of the types module is an identifier: no need to lex it.
    let is_ident = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let tokens = if is_ident {
        let ident = proc_macro2::Ident::new(name, proc_macro2::Span::call_site());
        quote::quote!(super::types::#ident)
    } else {
        text.parse().unwrap_or_else(|_| quote::quote!(::tidings::__private::serde_json::Value))
    };
    (tokens, text)
}
