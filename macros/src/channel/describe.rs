//! The channel's descriptor: the `static DESCRIPTOR` its `ChannelSpec` points at, with an
//! operation per handler and per message the channel sends other than as a reply.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{LitStr, Type};

use super::methods::{ChannelArgs, Methods, OperationArgs};
use super::{message_const, same_type, variant};
use crate::attrs;

/// The channel's descriptor: a `static DESCRIPTOR`.
pub(super) fn descriptor(
    args: &ChannelArgs,
    methods: &Methods,
    messages: &[Type],
    name: &str,
    doc: Option<&str>,
    discriminator: &TokenStream,
    params: &TokenStream,
) -> TokenStream {
    let address = attrs::optional_text(args.address.as_ref().map(LitStr::value).as_deref());
    let title = attrs::optional_text(args.title.as_ref().map(LitStr::value).as_deref());
    let summary = attrs::optional_text(args.summary.as_ref().map(LitStr::value).as_deref());
    let description =
        attrs::optional_text(args.description.as_ref().map(LitStr::value).or(doc.map(str::to_owned)).as_deref());
    let descriptors = messages.iter().map(|ty| message_const(ty, "DESCRIPTOR"));
    let security = &args.security;
    let keys: Vec<TokenStream> = security.iter().map(|scheme| quote!(#scheme.key)).collect();
    let extra = if args.tags.is_empty() {
        "{}".to_owned()
    } else {
        let tags: Vec<serde_json::Value> =
            args.tags.iter().map(|tag| serde_json::json!({ "name": tag.value() })).collect();
        serde_json::json!({ "tags": tags }).to_string()
    };
    let operations = operations(methods, &keys);
    quote! {
        static DESCRIPTOR: ::tidings::descriptor::ChannelDescriptor = ::tidings::descriptor::ChannelDescriptor {
            name: #name,
            address: #address,
            title: #title,
            summary: #summary,
            description: #description,
            parameters: <#params as ::tidings::contract::Params>::PARAMETERS,
            messages: &[#(#descriptors),*],
            operations: &[#(#operations),*],
            discriminator: ::core::option::Option::Some(#discriminator),
            bindings: ::core::option::Option::None,
            security: &[#(#security),*],
            extra: #extra,
        };
    }
}

/// A receive operation per handler, with its reply; a send operation per message the
/// handlers broadcast or send, or the event method returns.
pub(super) fn operations(methods: &Methods, security: &[TokenStream]) -> Vec<TokenStream> {
    let mut operations = Vec::new();
    let mut sent: Vec<Sent<'_>> = Vec::new();
    for handler in &methods.handlers {
        let operation = handler
            .args
            .name
            .as_ref()
            .map_or_else(|| format!("receive{}", handler.method.to_string().to_upper_camel_case()), LitStr::value);
        let message = message_const(&handler.message, "TAG");
        let reply = match &handler.reply {
            Some(reply) => {
                let tag = message_const(reply, "TAG");
                quote! {
                    ::core::option::Option::Some(::tidings::descriptor::ReplyDescriptor {
                        channel: ::core::option::Option::None,
                        channel_object: ::core::option::Option::None,
                        messages: &[#tag],
                    })
                }
            }
            None => quote!(::core::option::Option::None),
        };
        operations.push(operation_tokens(
            &operation,
            quote!(Receive),
            &handler.args,
            handler.doc.as_deref(),
            security,
            &message,
            &reply,
        ));
        for ty in &handler.args.broadcasts {
            note(&mut sent, ty, format!("broadcast by `{operation}`"), None, None);
        }
        for ty in &handler.args.sends {
            note(&mut sent, ty, format!("sent by `{operation}`"), None, None);
        }
    }
    if let Some(event) = &methods.event {
        let how = format!("sent on a server event (`{}`)", quote_type(&event.event));
        note(&mut sent, &event.message, how, Some(&event.args), event.doc.as_deref());
        for ty in event.args.broadcasts.iter().chain(&event.args.sends) {
            note(&mut sent, ty, format!("sent on a server event (`{}`)", quote_type(&event.event)), None, None);
        }
    }
    let none = OperationArgs::default();
    for (ty, hows, args, doc) in &sent {
        let operation = args
            .and_then(|args| args.name.as_ref())
            .map_or_else(|| format!("send{}", variant(ty).to_string().to_upper_camel_case()), LitStr::value);
        let mut told = hows.join("; ");
        if let Some(first) = told.get(..1) {
            told = format!("{}{}.", first.to_uppercase(), &told[1..]);
        }
        let description = doc.map_or(told.clone(), |doc| format!("{doc}\n\n{told}"));
        let message = message_const(ty, "TAG");
        operations.push(operation_tokens(
            &operation,
            quote!(Send),
            args.unwrap_or(&none),
            Some(&description),
            security,
            &message,
            &quote!(::core::option::Option::None),
        ));
    }
    operations
}

/// A message the channel sends other than as a reply: its type, how it is sent, and the
/// `#[event]` method's attribute and doc comment when it is the event's message.
pub(super) type Sent<'a> = (Type, Vec<String>, Option<&'a OperationArgs>, Option<&'a str>);

/// Notes that `ty` is sent (`how`), once per type.
pub(super) fn note<'a>(
    sent: &mut Vec<Sent<'a>>,
    ty: &Type,
    how: String,
    args: Option<&'a OperationArgs>,
    doc: Option<&'a str>,
) {
    match sent.iter_mut().find(|(known, ..)| same_type(known, ty)) {
        Some((_, hows, ..)) => hows.push(how),
        None => sent.push((ty.clone(), vec![how], args, doc)),
    }
}

pub(super) fn operation_tokens(
    name: &str,
    action: TokenStream,
    args: &OperationArgs,
    doc: Option<&str>,
    security: &[TokenStream],
    message: &TokenStream,
    reply: &TokenStream,
) -> TokenStream {
    let title = attrs::optional_text(args.title.as_ref().map(LitStr::value).as_deref());
    let summary = attrs::optional_text(args.summary.as_ref().map(LitStr::value).as_deref());
    let description = attrs::optional_text(args.description.as_ref().map(LitStr::value).as_deref().or(doc));
    let tags = &args.tags;
    quote! {
        ::tidings::descriptor::OperationDescriptor {
            name: #name,
            action: ::tidings::descriptor::Action::#action,
            title: #title,
            summary: #summary,
            description: #description,
            tags: &[#(#tags),*],
            security: &[#(#security),*],
            messages: &[#message],
            reply: #reply,
            extra: "{}",
        }
    }
}

pub(super) fn quote_type(ty: &Type) -> String {
    quote!(#ty).to_string().replace(' ', "")
}
