//! Reading attribute values: strings, lists of strings, types and expressions, and doc
//! comments.

use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, LitStr, Token};

/// The text of the doc comments among `attrs`, one line per `///` line, `None` without any.
pub(crate) fn doc(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(named) => match &named.value {
                Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').map_or_else(|| line.clone(), str::to_owned))
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// `key = "text"`.
pub(crate) fn string(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

/// `key = item` or `key = [item, ...]`: one string, type or expression, or a list of them.
pub(crate) fn list<T: syn::parse::Parse>(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<T>> {
    let input = meta.value()?;
    if input.peek(syn::token::Bracket) {
        let content;
        syn::bracketed!(content in input);
        Ok(Punctuated::<T, Token![,]>::parse_terminated(&content)?.into_iter().collect())
    } else {
        Ok(vec![input.parse()?])
    }
}

/// `Some("text")` or `None`, as tokens.
pub(crate) fn optional_text(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    }
}

/// The error for a key an attribute does not have.
pub(crate) fn unknown(meta: &ParseNestedMeta<'_>, attribute: &str, expected: &str) -> syn::Error {
    let key = meta.path.get_ident().map_or_else(|| "this".to_owned(), |key| format!("`{key}`"));
    meta.error(format!("`{attribute}` has no {key} key; expected one of {expected}"))
}

/// The fields of a struct with named fields or none; `unnamed` is the error for a tuple
/// struct, `not_struct` for an enum or a union (spanned at its keyword).
pub(crate) fn struct_fields<'a>(
    input: &'a syn::DeriveInput,
    unnamed: &str,
    not_struct: &str,
) -> syn::Result<Vec<&'a syn::Field>> {
    match &input.data {
        syn::Data::Struct(data) => match &data.fields {
            syn::Fields::Named(fields) => Ok(fields.named.iter().collect()),
            syn::Fields::Unit => Ok(Vec::new()),
            syn::Fields::Unnamed(fields) => Err(syn::Error::new_spanned(fields, unnamed)),
        },
        syn::Data::Enum(data) => Err(syn::Error::new_spanned(data.enum_token, not_struct)),
        syn::Data::Union(data) => Err(syn::Error::new_spanned(data.union_token, not_struct)),
    }
}
