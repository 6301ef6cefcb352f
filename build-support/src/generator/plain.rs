//! Structs written here rather than by typify: objects whose properties are all plain
//! (strings, booleans, numbers, integers, arrays of those, or references to named types),
//! written exactly as typify writes them.
//!
//! Most message payloads of most contracts are such objects, and at cargo's default
//! `opt-level = 0` for build scripts typify spends about a third of a generation on them
//! (`docs/BENCHMARKS.md`). Their Rust is fixed by a handful of typify's rules, which this
//! module follows to the letter: the same derives in the same order, the same field names
//! (typify's snake case), fields sorted by name, one `#[serde(...)]` per field with `rename`
//! first, `Option` for an optional field and `default` for an optional array. A unit test
//! generates every fixture and corpus document with and without this module and requires the
//! same items. Whatever falls outside these forms goes to typify as before.
//!
//! typify still sees every plain definition, as a replacement by a type of the same name
//! (as with compact types), so the types it writes refer to them as they would to its own.

use std::collections::{BTreeSet, HashSet};
use tidings_asyncapi::pointer::member;

use serde_json::{Map, Value};

use super::constructors::{FieldShape, Shape, StructShape, typify_field_name};
use super::source::Source;

/// A struct of plain fields, from a definition's normalized schema.
#[derive(Debug, Clone)]
pub(crate) struct Plain {
    description: Option<String>,
    deny_unknown_fields: bool,
    /// Sorted by Rust name, as typify sorts them.
    fields: Vec<Field>,
}

#[derive(Debug, Clone)]
struct Field {
    property: String,
    name: String,
    required: bool,
    description: Option<String>,
    ty: Type,
}

/// A field's type before references are named.
#[derive(Debug, Clone)]
enum Type {
    /// Another definition, by name.
    Named(String),
    /// A type of the standard library, as typify writes it.
    Std(&'static str),
    Vec(Box<Type>),
}

impl Plain {
    /// The plain struct a normalized definition schema is, when it is one.
    pub(crate) fn of(schema: &Value) -> Option<Self> {
        let map = schema.as_object()?;
        let struct_keys = |k: &str| {
            matches!(k, "type" | "properties" | "required" | "additionalProperties" | "description" | "examples")
        };
        if member(map, "type")? != "object" || !map.keys().all(|k| struct_keys(k)) || !annotations_fit(map) {
            return None;
        }
        let properties = member(map, "properties")?.as_object().filter(|p| !p.is_empty())?;
        let required: Vec<&str> = match member(map, "required") {
            None => Vec::new(),
            Some(Value::Array(names)) => names.iter().map(Value::as_str).collect::<Option<_>>()?,
            Some(_) => return None,
        };
        if !required.iter().all(|name| properties.contains_key(*name)) {
            return None;
        }
        let deny_unknown_fields = match member(map, "additionalProperties") {
            None | Some(Value::Bool(true)) => false,
            Some(Value::Bool(false)) => true,
            Some(_) => return None,
        };
        let mut fields = Vec::with_capacity(properties.len());
        let mut names = HashSet::with_capacity(properties.len());
        for (property, schema) in properties {
            // typify's own names for `+1` and `-1`, and what is not ASCII, are its to make.
            if !property.is_ascii() || property == "+1" || property == "-1" {
                return None;
            }
            let name = typify_field_name(property);
            if !names.insert(name.clone()) {
                return None;
            }
            let property_map = schema.as_object()?;
            let description = match member(property_map, "description") {
                None => None,
                Some(Value::String(text)) => Some(text.clone()),
                Some(_) => return None,
            };
            let required = required.contains(&property.as_str());
            fields.push(Field { property: property.clone(), name, required, description, ty: Type::of(schema)? });
        }
        fields.sort_by(|a, b| a.name.cmp(&b.name));
        let description = member(map, "description").and_then(Value::as_str).map(str::to_owned);
        Some(Self { description, deny_unknown_fields, fields })
    }

    /// The definitions its fields name.
    pub(crate) fn references(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().filter_map(|field| field.ty.named())
    }

    /// The struct's item, as text. `derives` are typify's derives and the user's, `path_of`
    /// gives the Rust type of a named definition (already pointed at the runtime's
    /// re-exports).
    pub(crate) fn text(&self, name: &str, derives: &[String], path_of: &dyn Fn(&str) -> String) -> String {
        let mut out = Source::with_capacity(512 + 160 * self.fields.len());
        if let Some(description) = self.description.as_deref().filter(|d| !is_placeholder(d)) {
            out.raw("#[doc = ").str(description).raw("]\n");
        }
        let mut all: BTreeSet<&str> = ["::serde::Deserialize", "::serde::Serialize", "Clone", "Debug"].into();
        if self.fields.iter().all(|f| !f.required) {
            all.insert("Default");
        }
        all.extend(derives.iter().map(String::as_str));
        out.raw("#[derive(");
        for derive in all {
            match derive.strip_prefix("::serde::") {
                Some(rest) => out.raw("::tidings::__private::serde::").raw(rest),
                None => out.raw(derive),
            };
            out.raw(", ");
        }
        out.raw("::tidings::__private::schemars::JsonSchema)]\n");
        out.raw("#[serde(crate = \"::tidings::__private::serde\")]\n");
        out.raw("#[schemars(crate = \"::tidings::__private::schemars\")]\n");
        if self.deny_unknown_fields {
            out.raw("#[serde(deny_unknown_fields)]\n");
        }
        out.raw("pub struct ").raw(name).raw(" {\n");
        for field in &self.fields {
            if let Some(description) = &field.description {
                out.raw("    #[doc = ").str(description).raw("]\n");
            }
            let ty = field.ty.text(path_of);
            let mut serde: Vec<String> = Vec::new();
            if field.name != field.property {
                let mut rename = Source::with_capacity(field.property.len() + 12);
                rename.raw("rename = ").str(&field.property);
                serde.push(rename.into_string());
            }
            let ty = match (field.required, &field.ty) {
                (true, _) => ty,
                (false, Type::Vec(_)) => {
                    serde.push("default".to_owned());
                    serde.push("skip_serializing_if = \"::std::vec::Vec::is_empty\"".to_owned());
                    ty
                }
                (false, _) => {
                    serde.push("skip_serializing_if = \"::std::option::Option::is_none\"".to_owned());
                    format!("::std::option::Option<{ty}>")
                }
            };
            if !serde.is_empty() {
                out.raw("    #[serde(").raw(&serde.join(", ")).raw(")]\n");
            }
            out.raw("    pub ").raw(&field.name).raw(": ").raw(&ty).raw(",\n");
        }
        out.raw("}\n");
        out.into_string()
    }

    /// What constructors need to know of the struct named `name`.
    pub(crate) fn shape(&self, name: &str, path_of: &dyn Fn(&str) -> String) -> StructShape {
        let fields = self
            .fields
            .iter()
            .map(|field| {
                let ty = field.ty.text(path_of);
                let inner = match &field.ty {
                    Type::Named(_) => Shape::Builtin(ty.clone()),
                    Type::Std("::std::string::String") => Shape::String,
                    Type::Std(builtin) => Shape::Builtin((*builtin).to_owned()),
                    Type::Vec(_) => Shape::Collection,
                };
                let (ty, shape) = if field.required || matches!(inner, Shape::Collection) {
                    (ty, inner)
                } else {
                    (format!("::std::option::Option<{ty}>"), Shape::Option(Box::new(inner)))
                };
                FieldShape { name: field.name.clone(), required: field.required, ty, shape }
            })
            .collect();
        StructShape { name: name.to_owned(), fields }
    }
}

impl Type {
    /// The plain type of a property's (normalized) schema, when it has one.
    fn of(schema: &Value) -> Option<Self> {
        let map = schema.as_object()?;
        if !annotations_fit(map) {
            return None;
        }
        if let Some(reference) = member(map, "$ref") {
            let name = reference.as_str()?.strip_prefix("#/definitions/")?;
            return map.keys().all(|k| k == "$ref" || k == "description").then(|| Self::Named(name.to_owned()));
        }
        let only = |allowed: &[&str]| {
            map.keys()
                .all(|k| matches!(k.as_str(), "type" | "description" | "examples") || allowed.contains(&k.as_str()))
        };
        match member(map, "type")?.as_str()? {
            "string" if only(&[]) => Some(Self::Std("::std::string::String")),
            "boolean" if only(&[]) => Some(Self::Std("bool")),
            "number"
                if only(&["format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]) =>
            {
                let bounds = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];
                if !bounds.iter().all(|b| map.get(*b).is_none_or(Value::is_number)) {
                    return None;
                }
                match member(map, "format") {
                    None => Some(Self::Std("f64")),
                    Some(Value::String(format)) => Some(Self::Std(if format == "float" { "f32" } else { "f64" })),
                    Some(_) => None,
                }
            }
            // What `integer_by_one_rule` leaves: a format of typify's table, and `minimum: 1`
            // for a `NonZero` type.
            "integer" if only(&["format", "minimum"]) => {
                let positive = match member(map, "minimum") {
                    None => false,
                    Some(minimum) if minimum.as_f64() == Some(1.0) => true,
                    Some(_) => return None,
                };
                let (plain, non_zero) = match member(map, "format").map(Value::as_str) {
                    None => ("i64", "::std::num::NonZeroU64"),
                    Some(Some("int8")) => ("i8", "::std::num::NonZeroU8"),
                    Some(Some("uint8")) => ("u8", "::std::num::NonZeroU8"),
                    Some(Some("int16")) => ("i16", "::std::num::NonZeroU16"),
                    Some(Some("uint16")) => ("u16", "::std::num::NonZeroU16"),
                    Some(Some("int" | "int32")) => ("i32", "::std::num::NonZeroU32"),
                    Some(Some("uint" | "uint32")) => ("u32", "::std::num::NonZeroU32"),
                    Some(Some("int64")) => ("i64", "::std::num::NonZeroU64"),
                    Some(Some("uint64")) => ("u64", "::std::num::NonZeroU64"),
                    Some(_) => return None,
                };
                Some(Self::Std(if positive { non_zero } else { plain }))
            }
            "array" if only(&["items"]) => Some(Self::Vec(Box::new(Self::of(member(map, "items")?)?))),
            _ => None,
        }
    }

    fn named(&self) -> Option<&str> {
        match self {
            Self::Named(name) => Some(name),
            Self::Std(_) => None,
            Self::Vec(inner) => inner.named(),
        }
    }

    fn text(&self, path_of: &dyn Fn(&str) -> String) -> String {
        match self {
            Self::Named(name) => path_of(name),
            Self::Std(text) => (*text).to_owned(),
            Self::Vec(inner) => format!("::std::vec::Vec<{}>", inner.text(path_of)),
        }
    }
}

/// Whether a schema's annotations are what typify reads them as: a string `description`
/// and an array of `examples` (anything else fails to read as a schema at all).
fn annotations_fit(map: &Map<String, Value>) -> bool {
    member(map, "description").is_none_or(Value::is_string) && member(map, "examples").is_none_or(Value::is_array)
}

/// typify's placeholder doc, a name in backticks, which generation drops (`redirect.rs`).
fn is_placeholder(description: &str) -> bool {
    description
        .strip_prefix('`')
        .and_then(|rest| rest.strip_suffix('`'))
        .is_some_and(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// The definitions that a schema refers to other than as the type of a property, an array's
/// items or a map's values (through a composition, say, where typify reads the definition's
/// schema rather than naming its type): those stay typify's.
pub(crate) fn referenced_indirectly(schema: &Value, out: &mut HashSet<String>) {
    if let Some(name) = target(schema) {
        out.insert(name.to_owned());
    }
    walk(schema, true, out);
}

fn target(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix("#/definitions/")
}

/// Notes the references among the subschemas of `schema`: direct when `direct` (the schema is
/// itself in a direct position) and they are a property, the items or the additional
/// properties of a schema without a `default` (which typify would check against them).
fn walk(schema: &Value, direct: bool, out: &mut HashSet<String>) {
    let Value::Object(map) = schema else { return };
    let direct = direct && !map.contains_key("default");
    let mut visit = |child: &Value, child_direct: bool| {
        if !child_direct && let Some(name) = target(child) {
            out.insert(name.to_owned());
        }
        walk(child, child_direct, out);
    };
    for (key, child) in map {
        match (key.as_str(), child) {
            ("properties", Value::Object(children)) => children.values().for_each(|c| visit(c, direct)),
            ("items", Value::Object(_)) | ("additionalProperties", _) => visit(child, direct),
            ("patternProperties" | "definitions" | "$defs" | "dependentSchemas", Value::Object(children)) => {
                children.values().for_each(|c| visit(c, false));
            }
            ("items" | "allOf" | "anyOf" | "oneOf" | "prefixItems", Value::Array(children)) => {
                children.iter().for_each(|c| visit(c, false));
            }
            ("additionalItems" | "contains" | "propertyNames" | "not" | "if" | "then" | "else", _) => {
                visit(child, false);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use tidings_asyncapi::Document;

    use super::super::{Settings, Side, generate};

    /// Every contract to generate both ways: the fixtures, and the shared corpus (the spec's
    /// examples and the third-party documents) when it is there; under CI it must be.
    fn contracts() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        for entry in std::fs::read_dir(root.join("tests/fixtures")).expect("fixtures") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                out.push(path.join("asyncapi.yaml"));
            } else if !path.to_string_lossy().ends_with(".actual.yaml") {
                out.push(path);
            }
        }
        let corpus = root.join("../../shared/asyncapi-corpus");
        if !corpus.is_dir() {
            assert!(std::env::var_os("CI").is_none(), "CI is set but {} is missing", corpus.display());
            return out;
        }
        let examples = corpus.join("spec-examples");
        for entry in std::fs::read_dir(&examples).expect("spec-examples") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                out.push(path);
            }
        }
        for service in std::fs::read_dir(examples.join("social-media")).expect("social-media") {
            out.push(service.expect("entry").path().join("asyncapi.yaml"));
        }
        let real_world = corpus.join("real-world");
        let sources = std::fs::read_to_string(real_world.join("SOURCES.tsv")).expect("SOURCES.tsv");
        for line in sources.lines().skip(1) {
            let columns: Vec<&str> = line.split('\t').collect();
            if columns.len() > 8 && columns[8] != "n/a" {
                out.push(real_world.join(columns[3]));
            }
        }
        out.retain(|p| p.is_file());
        out.sort();
        out
    }

    /// The items of generated code, each printed alone, sorted: the same set whatever order
    /// they were written in.
    fn items(code: &str) -> Vec<String> {
        fn print(item: syn::Item) -> String {
            let mut file: syn::File = syn::parse_quote!();
            file.items.push(item);
            prettyplease::unparse(&file)
        }
        fn flatten(items: Vec<syn::Item>, out: &mut Vec<String>) {
            for item in items {
                match item {
                    syn::Item::Mod(mut module) if module.content.is_some() => {
                        let (_, inner) = module.content.take().unwrap_or_default();
                        out.push(print(syn::Item::Mod(module)));
                        flatten(inner, out);
                    }
                    other => out.push(print(other)),
                }
            }
        }
        let file = syn::parse_file(code).expect("generated code parses");
        let mut out = Vec::new();
        flatten(file.items, &mut out);
        out.sort();
        out
    }

    #[test]
    fn plain_structs_are_the_structs_typify_writes() {
        let contracts = contracts();
        let mut plain = 0;
        for path in &contracts {
            let Ok(doc) = Document::load(path) else { continue };
            // The user's derives join typify's in its order.
            let extra = || vec!["Hash".to_owned(), "Eq".to_owned()];
            for (side, derives) in [(Side::Application, Vec::new()), (Side::Peer, Vec::new()), (Side::Peer, extra())] {
                let mut settings = Settings { side, derives, typify_only: true, ..Settings::default() };
                let typify = generate(&doc, &settings);
                settings.typify_only = false;
                let ours = generate(&doc, &settings);
                let (typify, ours) = match (typify, ours) {
                    (Ok(typify), Ok(ours)) => (typify, ours),
                    (Err(_), Err(_)) => continue,
                    (typify, _) => panic!("{}: generates with typify only: {}", path.display(), typify.is_ok()),
                };
                plain += ours.plain_structs;
                let (ours_items, typify_items) = (items(&ours.code), items(&typify.code));
                let differ: Vec<_> = ours_items.iter().filter(|item| !typify_items.contains(item)).collect();
                let missing: Vec<_> = typify_items.iter().filter(|item| !ours_items.contains(item)).collect();
                assert!(
                    differ.is_empty() && missing.is_empty(),
                    "{} ({side:?}): plain structs differ from typify's:\nwritten here:\n{}\nby typify:\n{}",
                    path.display(),
                    differ.iter().map(|s| s.as_str()).collect::<String>(),
                    missing.iter().map(|s| s.as_str()).collect::<String>(),
                );
                assert_eq!(ours.warnings.len(), typify.warnings.len(), "{}: warnings differ", path.display());
            }
        }
        eprintln!("{plain} plain structs over {} contracts", contracts.len());
        assert!(plain >= 50, "only {plain} plain structs over {} contracts", contracts.len());
    }
}
