//! `#[derive(Message)]`: the discriminator, the tag and the descriptor of a message struct.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, LitStr};

use crate::attrs;

/// The keys `#[message(...)]` takes.
const KEYS: &str =
    "`tag`, `discriminator`, `name`, `title`, `summary`, `description` or `example` (and `correlation_id` on a field)";

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "a message cannot be generic: its descriptor is a constant",
        ));
    }
    if let Data::Union(data) = &input.data {
        return Err(syn::Error::new_spanned(data.union_token, "a message is a struct"));
    }
    let fields = attrs::struct_fields(
        input,
        "a message has named fields, or none: it travels as a JSON object, its discriminator beside its fields",
        "a message is a struct; a channel's messages are its handlers' arguments, and `#[channel]` writes their enum",
    )?;

    let mut tag: Option<LitStr> = None;
    let mut discriminator: Option<LitStr> = None;
    let (mut name, mut title, mut summary, mut description) = (None, None, None, None);
    let mut examples = Vec::new();
    for attr in input.attrs.iter().filter(|attr| attr.path().is_ident("message")) {
        attr.parse_nested_meta(|meta| {
            let slot = match meta.path.get_ident().map(ToString::to_string).as_deref() {
                Some("tag") => &mut tag,
                Some("discriminator") => &mut discriminator,
                Some("name") => &mut name,
                Some("title") => &mut title,
                Some("summary") => &mut summary,
                Some("description") => &mut description,
                Some("example") => {
                    examples.push(attrs::string(&meta)?);
                    return Ok(());
                }
                _ => return Err(attrs::unknown(&meta, "message", KEYS)),
            };
            *slot = Some(attrs::string(&meta)?);
            Ok(())
        })?;
    }
    let tag = tag.ok_or_else(|| {
        syn::Error::new(
            ident.span(),
            format!("`{ident}` needs its tag, its value of the discriminator: `#[message(tag = \"...\")]`"),
        )
    })?;
    if tag.value().is_empty() {
        return Err(syn::Error::new(tag.span(), "a tag cannot be empty"));
    }
    let discriminator = discriminator.map_or_else(|| "action".to_owned(), |d| d.value());
    let mut correlation: Option<(String, Option<String>)> = None;
    for field in &fields {
        let Some(field_ident) = &field.ident else { continue };
        let wire =
            serde_rename(&field.attrs)?.unwrap_or_else(|| field_ident.to_string().trim_start_matches("r#").to_owned());
        for attr in field.attrs.iter().filter(|attr| attr.path().is_ident("message")) {
            attr.parse_nested_meta(|meta| {
                if !meta.path.is_ident("correlation_id") {
                    return Err(attrs::unknown(&meta, "message", "`correlation_id` (on a field)"));
                }
                if correlation.is_some() {
                    return Err(meta.error("a message has one correlation id"));
                }
                let pointer = format!("/{}", wire.replace('~', "~0").replace('/', "~1"));
                correlation = Some((pointer, attrs::doc(&field.attrs)));
                Ok(())
            })?;
        }
        if wire == discriminator {
            return Err(syn::Error::new_spanned(
                field_ident,
                format!(
                    "`{discriminator}` is the discriminator: tidings writes and reads it from `#[message(tag = ...)]`, so the struct does not hold it"
                ),
            ));
        }
    }
    let examples = examples
        .iter()
        .map(|example| with_tag(example, &discriminator, &tag.value()))
        .collect::<syn::Result<Vec<String>>>()?;

    let name = name.map_or_else(|| tag.value(), |name| name.value());
    let description = description.map(|d| d.value()).or_else(|| attrs::doc(&input.attrs));
    let title = attrs::optional_text(title.map(|t| t.value()).as_deref());
    let summary = attrs::optional_text(summary.map(|s| s.value()).as_deref());
    let description = attrs::optional_text(description.as_deref());
    let rust_type = ident.to_string();
    let correlation_pointer = attrs::optional_text(correlation.as_ref().map(|(pointer, _)| pointer.as_str()));
    let correlation_description = attrs::optional_text(correlation.as_ref().and_then(|(_, doc)| doc.as_deref()));
    Ok(quote! {
        impl ::tidings::Message for #ident {
            const DISCRIMINATOR: &'static str = #discriminator;
            const TAG: &'static str = #tag;
            const DESCRIPTOR: ::tidings::descriptor::MessageDescriptor = ::tidings::descriptor::MessageDescriptor {
                key: #tag,
                name: ::core::option::Option::Some(#name),
                title: #title,
                summary: #summary,
                description: #description,
                content_type: ::core::option::Option::None,
                encoding: ::tidings::descriptor::Encoding::Json,
                tag: ::core::option::Option::Some(#tag),
                rust_type: #rust_type,
                schema: ::tidings::descriptor::Json::Null,
                correlation_pointer: #correlation_pointer,
                correlation_description: #correlation_description,
                held_by_type: false,
                payload_schema: ::core::option::Option::Some(::tidings::__private::tagged_schema::<Self>),
                examples: &[#(#examples),*],
                extra: "{}",
            };
        }
    })
}

/// The name `#[serde(rename = "...")]` gives a field, if it does.
fn serde_rename(field_attrs: &[syn::Attribute]) -> syn::Result<Option<String>> {
    let mut renamed = None;
    for attr in field_attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        // Other serde keys are serde's to check: skip their values.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") && meta.input.peek(syn::Token![=]) {
                renamed = Some(attrs::string(&meta)?.value());
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            } else if meta.input.peek(syn::token::Paren) {
                meta.parse_nested_meta(|inner| {
                    if inner.input.peek(syn::Token![=]) {
                        inner.value()?.parse::<syn::Expr>()?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        });
    }
    Ok(renamed)
}

/// An example payload as JSON text, the discriminator first: what the document shows.
fn with_tag(example: &LitStr, discriminator: &str, tag: &str) -> syn::Result<String> {
    let value: serde_json::Value = serde_json::from_str(&example.value())
        .map_err(|e| syn::Error::new(example.span(), format!("an example is a JSON object: {e}")))?;
    let serde_json::Value::Object(fields) = value else {
        return Err(syn::Error::new(example.span(), "an example is a JSON object of the message's fields"));
    };
    let mut object = serde_json::Map::new();
    object.insert(discriminator.to_owned(), tag.into());
    object.extend(fields.into_iter().filter(|(key, _)| key != discriminator));
    Ok(serde_json::Value::Object(object).to_string())
}
