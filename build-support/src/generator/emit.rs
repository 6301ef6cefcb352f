//! Writing the generated module: the types, then one module per channel, assembled here from
//! its message enums and their codecs (`messages.rs`), its parameters, consumer trait and
//! adapter (`traits.rs`) and its descriptor (`descriptors.rs`), with the helpers they share.
//! Every path is absolute and every item documented.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;
use tidings_asyncapi::{Document, RefTarget, pointer};

use super::Settings;
use super::channels::{ChannelPlan, MessagePlan, Payload};
use super::descriptors::descriptor;
use super::messages::message_enum;
use super::source::Source;
use super::traits::{consumer_trait, params};
use super::types::{SchemaSet, Types};

pub(super) fn ident(text: &str) -> Ident {
    match text.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(text, Span::call_site()),
    }
}

pub(super) fn text_of<'a>(fields: &'a Value, key: &str) -> Option<&'a str> {
    fields.as_object().and_then(|map| tidings_asyncapi::pointer::member(map, key)).and_then(Value::as_str)
}

pub(super) fn opt(text: Option<&str>) -> TokenStream {
    match text {
        Some(t) => quote!(::core::option::Option::Some(#t)),
        None => quote!(::core::option::Option::None),
    }
}

/// A doc comment from the contract's summary and description, or `fallback`.
pub(super) fn docs(fields: &Value, fallback: &str) -> TokenStream {
    let text = doc_text(fields, fallback);
    let docs = text.lines().map(|l| format!(" {l}"));
    quote!(#(#[doc = #docs])*)
}

/// The text of an item's doc comment: the contract's title, summary and description, each
/// a paragraph, or `fallback` when it has none of them.
pub(super) fn doc_text(fields: &Value, fallback: &str) -> String {
    let paragraphs: Vec<&str> =
        ["title", "summary", "description"].into_iter().filter_map(|key| text_of(fields, key)).map(str::trim).collect();
    if paragraphs.is_empty() { fallback.to_owned() } else { paragraphs.join("\n\n") }
}

/// The contract's object without `modeled` keys, as JSON text, for a descriptor's `extra`:
/// what the runtime does not act on but the application's document must still say.
/// References into `components` are inlined (the application's document has its own
/// components); references to servers and channels stay.
pub(super) fn extra(doc: &Document, fields: &Value, modeled: &[&str]) -> String {
    let mut value = without(fields, modeled);
    inline_components(doc.bundled(), &mut value, 0);
    value.to_string()
}

/// A copy of the object `fields` without the keys `left_out` (copying only what is kept).
pub(super) fn without(fields: &Value, left_out: &[&str]) -> Value {
    let kept = fields.as_object().into_iter().flatten().filter(|(k, _)| !left_out.contains(&k.as_str()));
    Value::Object(kept.map(|(k, v)| (k.clone(), v.clone())).collect())
}

pub(super) fn inline_components(root: &Value, value: &mut Value, depth: usize) {
    let into_components = |reference: &str| {
        let target = RefTarget::split(reference);
        target.document.is_empty()
            && target.pointer().is_ok_and(|p| p.tokens().first().is_some_and(|t| t == "components"))
    };
    if depth < 32
        && let Some(reference) = pointer::reference_of(value).filter(|r| into_components(r))
        && let Some((_, resolved)) = pointer::follow_reference(root, reference)
    {
        *value = resolved.clone();
        inline_components(root, value, depth + 1);
        return;
    }
    match value {
        Value::Object(map) => map.values_mut().for_each(|v| inline_components(root, v, depth)),
        Value::Array(items) => items.iter_mut().for_each(|v| inline_components(root, v, depth)),
        _ => {}
    }
}

/// The generated module's items, parsed once.
pub(crate) fn module(
    doc: &Document,
    settings: &Settings,
    plans: &[ChannelPlan],
    types: Types,
    schemas: &SchemaSet,
) -> Vec<String> {
    let title = doc.spec().info.title.as_str();
    let version = doc.spec().info.version.as_str();
    let types_doc = format!("Types of the payloads of `{title}` {version}, generated from its schemas.");
    // typify documents each type and field the schema describes (a type it does not describe
    // gets its own name in backticks, which `redirect::redirect` drops); what the contract leaves
    // undescribed has nothing to say.
    let mut types_module = Source::with_capacity(types.code.len() + 1024);
    types_module.doc("", &types_doc).raw(TYPES_ATTRIBUTES).raw("pub mod types {\n").raw(&types.code).raw("}");
    let description = opt(doc.spec().info.description.as_deref());
    let bundled = doc.bundled();
    let info_extra = extra(doc, bundled.get("info").unwrap_or(&Value::Null), &["title", "version", "description"]);
    let mut servers = bundled.get("servers").cloned().unwrap_or_else(|| Value::Object(Default::default()));
    inline_components(bundled, &mut servers, 0);
    let servers = servers.to_string();
    let root = extra(doc, bundled, &["asyncapi", "info", "servers", "channels", "operations", "components"]);
    let mut schemes = bundled.pointer("/components/securitySchemes").cloned().unwrap_or(Value::Null);
    inline_components(bundled, &mut schemes, 0);
    let schemes = schemes.to_string();
    let descriptors = plans.iter().map(|p| {
        let module = ident(&p.module);
        quote!(&#module::DESCRIPTOR)
    });
    let info: syn::File = syn::parse_quote! {
        /// The contract's `info` and `servers`: what the application's own document says about it.
        #[allow(dead_code, unreachable_pub, reason = "for the application's own document, when it serves one")]
        pub static INFO: ::tidings::descriptor::InfoDescriptor = ::tidings::descriptor::InfoDescriptor {
            title: #title,
            version: #version,
            description: #description,
            extra: #info_extra,
            servers: #servers,
            root: #root,
            security_schemes: #schemes,
        };
        /// Every channel of the contract this module implements, for describing them all at once.
        #[allow(dead_code, unreachable_pub, reason = "for the application's own document, when it serves one")]
        pub static CHANNELS: &[&::tidings::descriptor::ChannelDescriptor] = &[#(#descriptors),*];
    };
    let mut items: Vec<String> =
        info.items.iter().map(|item| quote::ToTokens::to_token_stream(item).to_string()).collect();
    items.push(types_module.into_string());
    items.extend(plans.iter().map(|plan| channel(doc, settings, plan, &types, schemas)));
    items
}

/// The module's source: formatted by prettyplease, or each item on a line of its own.
pub(crate) fn render(items: Vec<String>, formatted: bool) -> syn::Result<String> {
    if formatted {
        let mut file: syn::File = syn::parse_quote!();
        for item in items {
            file.items.extend(syn::parse_str::<syn::File>(&item)?.items);
        }
        return Ok(prettyplease::unparse(&file));
    }
    let mut code =
        String::from("// Generated by tidings-build; `tidings generate` writes the same module formatted.\n");
    for item in items {
        code.push_str(&item);
        code.push('\n');
    }
    Ok(code)
}

/// The payload type of a message, from inside a channel module.
pub(super) fn payload_type(message: &MessagePlan, types: &Types) -> TokenStream {
    match &message.payload {
        Payload::Json(def) => types
            .paths
            .get(def)
            .map_or_else(|| quote!(::tidings::__private::serde_json::Value), |(tokens, _)| tokens.clone()),
        Payload::Any => quote!(::tidings::__private::serde_json::Value),
        Payload::Binary => quote!(::std::vec::Vec<u8>),
    }
}

/// The payload type of a message, from inside a channel module, as text.
pub(super) fn payload_text<'t>(message: &MessagePlan, types: &'t Types) -> &'t str {
    const JSON: &str = "::tidings::__private::serde_json::Value";
    match &message.payload {
        Payload::Json(def) => types.paths.get(def).map_or(JSON, |(_, text)| text.as_str()),
        Payload::Any => JSON,
        Payload::Binary => "::std::vec::Vec<u8>",
    }
}

fn channel(doc: &Document, settings: &Settings, plan: &ChannelPlan, types: &Types, schemas: &SchemaSet) -> String {
    let mut out = Source::with_capacity(16 * 1024);
    out.doc("", &doc_text(&plan.fields, &format!("The `{}` channel.", plan.key)));
    out.raw(CHANNEL_ATTRIBUTES).raw("pub mod ").raw(&plan.module).raw(" {\n");
    message_enum(&mut out, plan, &plan.incoming, "Incoming", "What this side receives on the channel.", types);
    message_enum(&mut out, plan, &plan.outgoing, "Outgoing", "What this side sends on the channel.", types);
    out.raw(&params(plan).to_string()).raw("\n");
    out.doc(
        "",
        &format!("The `{}` channel as a type, for [`::tidings::Context`] and [`::tidings::Channel`].", plan.key),
    );
    out.raw(SPEC_ITEMS);
    let (consumer, plumbing) = consumer_trait(settings, plan, types);
    out.raw(&plumbing).raw(&consumer).raw("\n");
    out.raw(&descriptor(doc, plan, types, schemas)).raw("\n}");
    out.into_string()
}

/// The attributes of a channel's module.
const CHANNEL_ATTRIBUTES: &str = "#[allow(dead_code, unreachable_pub, reason = \"a program uses part of its contract's API\")]
#[allow(rustdoc::broken_intra_doc_links, reason = \"the contract's descriptions are Markdown, where `[text]` is not a Rust path\")]
";

/// A channel's `Spec` (after its doc comment) and `Context`.
const SPEC_ITEMS: &str = "#[derive(Debug, Clone, Copy)]
pub struct Spec;
impl ::tidings::ChannelSpec for Spec {
    type Incoming = Incoming;
    type Outgoing = Outgoing;
    type Params = Params;
    const DESCRIPTOR: &'static ::tidings::descriptor::ChannelDescriptor = &DESCRIPTOR;
}
/// A handler's view of its connection on this channel.
pub type Context<P = (), S = ()> = ::tidings::Context<Spec, P, S>;
";

/// The attributes of the `types` module.
const TYPES_ATTRIBUTES: &str = "#[allow(clippy::all, clippy::pedantic, clippy::restriction, reason = \"generated by typify from the contract's schemas\")]
#[allow(dead_code, unreachable_pub, reason = \"a program uses part of its contract's types\")]
#[allow(missing_docs, reason = \"types, fields and variants are documented where the contract describes them\")]
#[allow(rustdoc::broken_intra_doc_links, reason = \"the contract's descriptions are Markdown, where `[text]` is not a Rust path\")]
";
