//! `new` for generated structs: what the contract fixes is filled in, the rest are arguments.
//!
//! A message's discriminator (`"action": "chat"`) has one possible value and a reply's
//! correlation id is overwritten by the runtime with the request's, so neither is something a
//! handler should have to write. Each message payload, and each struct with a discriminator
//! field, gets `new` taking the required fields in contract order: the discriminator is
//! filled in, optional fields start empty, and the correlation id (a top-level property
//! named by the message's `correlationId`) starts empty for the runtime to fill. The fields
//! stay public, so a struct literal still works and every field can be read and changed.

use std::collections::HashMap;

use indexmap::IndexMap;
use typify::{TypeDetails, TypeSpace};

use super::compact::Compact;
use super::names::{Case, KEYWORDS, already_cased};
use super::redirect::redirect_text;
use super::source::Source;

/// A generated struct, as far as `new` needs to know it: typify's or `plain.rs`'s alike.
pub(crate) struct StructShape {
    pub(crate) name: String,
    pub(crate) fields: Vec<FieldShape>,
}

/// One field of a [`StructShape`].
pub(crate) struct FieldShape {
    /// The Rust field name.
    pub(crate) name: String,
    pub(crate) required: bool,
    /// Its type as text, pointed at the runtime's re-exports.
    pub(crate) ty: String,
    pub(crate) shape: Shape,
}

/// The kind of a field's type, as typify's `TypeDetails` tells it.
pub(crate) enum Shape {
    /// A named type typify did not write (a replacement, a compact type) or a number.
    Builtin(String),
    String,
    Option(Box<Shape>),
    /// A `Vec`, map or set: empty by default.
    Collection,
    Other,
}

/// The structs typify wrote, as shapes.
pub(crate) fn typify_shapes(space: &TypeSpace) -> Option<Vec<StructShape>> {
    fn shape(details: TypeDetails<'_>, space: &TypeSpace) -> Option<Shape> {
        Some(match details {
            TypeDetails::Builtin(name) => Shape::Builtin(name.to_owned()),
            TypeDetails::String => Shape::String,
            TypeDetails::Option(inner) => {
                Shape::Option(Box::new(shape(space.get_type(&inner).ok()?.details(), space)?))
            }
            TypeDetails::Vec(_) | TypeDetails::Map(..) | TypeDetails::Set(_) => Shape::Collection,
            _ => Shape::Other,
        })
    }
    let mut out = Vec::new();
    for ty in space.iter_types() {
        let TypeDetails::Struct(details) = ty.details() else { continue };
        let mut fields = Vec::new();
        for property in details.properties_info() {
            let field_type = space.get_type(&property.type_id).ok()?;
            fields.push(FieldShape {
                name: property.name.to_owned(),
                required: property.required,
                ty: redirect_text(&field_type.ident().to_string()),
                shape: shape(field_type.details(), space)?,
            });
        }
        out.push(StructShape { name: ty.name(), fields });
    }
    Some(out)
}

/// What `new` writes for one field, as text.
enum Fill {
    /// An argument of `new`, of this type.
    Argument(String),
    /// A value the contract fixes or that starts empty, and what the documentation says of it.
    Value(String, Option<String>),
}

/// `new` for every message payload and every struct with a discriminator field, as text.
/// `payloads` maps each payload's type name to its correlation id's property, if any, and
/// `orders` each type's properties in the contract's order, where the contract named it.
pub(crate) fn constructors(
    structs: &[StructShape],
    payloads: &HashMap<String, Option<String>>,
    orders: &HashMap<String, Vec<String>>,
    compact: &IndexMap<String, Compact>,
) -> String {
    let mut out = Source::with_capacity(4096);
    for ty in structs {
        let name = &ty.name;
        let payload = payloads.get(name);
        let correlation = payload.and_then(|c| c.as_deref()).map(typify_field_name);
        let mut args = Vec::new();
        let mut fields = Vec::new();
        let mut notes = Vec::new();
        let mut has_tag = false;
        let mut optional = false;
        let mut properties: Vec<&FieldShape> = ty.fields.iter().collect();
        if let Some(order) = orders.get(name) {
            let fields: Vec<String> = order.iter().map(|p| typify_field_name(p)).collect();
            properties.sort_by_key(|p| fields.iter().position(|f| *f == p.name).unwrap_or(usize::MAX));
        }
        for property in properties {
            let field = &property.name;
            let fill = match tag_of(&property.shape, compact) {
                Some((tag, value, optional)) => {
                    has_tag = true;
                    let fixed = if optional { format!("::core::option::Option::Some({tag})") } else { tag };
                    Fill::Value(fixed, Some(format!("`{field}` is always `{value:?}`")))
                }
                None if correlation.as_deref() == Some(field.as_str()) && property.required => {
                    match unfilled(&property.shape, compact) {
                        Some(value) => {
                            let note = format!(
                                "`{field}` starts empty: the runtime writes the request's correlation id there"
                            );
                            Fill::Value(value, Some(note))
                        }
                        None => Fill::Argument(property.ty.clone()),
                    }
                }
                None if property.required => Fill::Argument(property.ty.clone()),
                None => match property.shape {
                    Shape::Option(_) => {
                        optional = true;
                        Fill::Value("::core::option::Option::None".to_owned(), None)
                    }
                    Shape::Collection => {
                        optional = true;
                        Fill::Value("::core::default::Default::default()".to_owned(), None)
                    }
                    // A default from the schema: typify's function for it is not ours to name.
                    _ => Fill::Argument(property.ty.clone()),
                },
            };
            match fill {
                Fill::Argument(ty) => {
                    args.push(format!("{field}: {ty}"));
                    fields.push(field.clone());
                }
                Fill::Value(value, note) => {
                    fields.push(format!("{field}: {value}"));
                    notes.extend(note);
                }
            }
        }
        if payload.is_none() && !has_tag {
            continue;
        }
        if optional {
            notes.push("optional fields start empty".to_owned());
        }
        let mut doc = format!("Builds `{name}` from its required fields");
        if !notes.is_empty() {
            doc.push_str(": ");
            doc.push_str(&notes.join("; "));
        }
        doc.push('.');
        out.raw("impl ").raw(name).raw(" {\n");
        out.doc("    ", &doc);
        out.raw("    #[must_use]\n    pub fn new(").raw(&args.join(", ")).raw(") -> Self {\n");
        out.raw("        Self { ").raw(&fields.join(", ")).raw(" }\n    }\n}\n");
    }
    out.into_string()
}

/// The one value of a discriminator field, its text, and whether the field is optional.
fn tag_of(shape: &Shape, compact: &IndexMap<String, Compact>) -> Option<(String, String, bool)> {
    match shape {
        Shape::Builtin(name) => match compact.get(name)? {
            Compact::Tag { value, variant } => Some((format!("{name}::{variant}"), value.clone(), false)),
            Compact::Bounded { .. } => None,
        },
        Shape::Option(inner) => {
            let (tokens, value, _) = tag_of(inner, compact)?;
            Some((tokens, value, true))
        }
        _ => None,
    }
}

/// An empty value of a correlation id's type, when the type has one.
fn unfilled(shape: &Shape, compact: &IndexMap<String, Compact>) -> Option<String> {
    match shape {
        Shape::String => Some("::std::string::String::new()".to_owned()),
        Shape::Builtin(builtin) => match compact.get(builtin) {
            Some(Compact::Bounded { .. }) => Some(format!("{builtin}::__unfilled()")),
            Some(Compact::Tag { .. }) => None,
            None => matches!(
                builtin.as_str(),
                "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" | "f32" | "f64"
            )
            .then(|| "::core::default::Default::default()".to_owned()),
        },
        _ => None,
    }
}

/// The field name typify gives a property (its rule: snake case of the name with what cannot
/// continue an identifier turned into word breaks, an `x` before a leading non-letter, and a
/// trailing `_` after a keyword).
pub(crate) fn typify_field_name(property: &str) -> String {
    use heck::ToSnakeCase;
    // Most properties are snake case already (`action`, `request_id`), and heck at build
    // scripts' `opt-level = 0` is slow enough to count over a large contract.
    if already_cased(property, Case::Value) {
        return if KEYWORDS.contains(&property) { format!("{property}_") } else { property.to_owned() };
    }
    let cleaned: String =
        property.replace('\'', "").chars().map(|c| if c.is_alphanumeric() || c == '_' { c } else { '-' }).collect();
    let snake = cleaned.to_snake_case();
    let named = match snake.chars().next() {
        None => "x".to_owned(),
        Some(c) if c.is_alphabetic() => snake,
        Some(_) => format!("x{snake}"),
    };
    if named == "_" || KEYWORDS.contains(&named.as_str()) { format!("{named}_") } else { named }
}
