//! `#[channel]`: an `impl` block's handlers become a channel. From the methods' signatures it
//! writes the channel's two message enums, its `ChannelSpec` with a descriptor (operations
//! from the handlers, messages from their argument and reply types), the runtime's `Handler`
//! (and `Events`, with an `#[event]` method) over the type itself, and `From<Type> for
//! Channel`, which mounting uses. `methods` reads the attributes and the methods' shapes,
//! `describe` writes the descriptor.

mod describe;
mod methods;

use heck::{ToLowerCamelCase, ToUpperCamelCase};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, ItemImpl, LitStr, Type};

use self::describe::descriptor;
use self::methods::{ChannelArgs, Methods, read_methods};
use crate::attrs;

pub(crate) fn expand(args: TokenStream, mut item: ItemImpl) -> syn::Result<TokenStream> {
    let args = ChannelArgs::parse(args)?;
    if let Some((path, _)) = &item.trait_ {
        return Err(syn::Error::new_spanned(
            path,
            "`#[channel]` goes on an inherent `impl` block: `impl MyChannel { ... }`",
        ));
    }
    if !item.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(&item.generics, "a channel type cannot be generic"));
    }
    let self_ty = (*item.self_ty).clone();
    let type_ident = match &self_ty {
        Type::Path(path) => path.path.segments.last().map(|segment| segment.ident.clone()),
        _ => None,
    }
    .ok_or_else(|| syn::Error::new_spanned(&self_ty, "`#[channel]` goes on the `impl` block of a named type"))?;

    let methods = read_methods(&mut item)?;
    let channel_doc = attrs::doc(&item.attrs);

    // Messages, each once, in the order the block names them.
    let mut incoming: Vec<Type> = Vec::new();
    let mut outgoing: Vec<Type> = Vec::new();
    for handler in &methods.handlers {
        if incoming.iter().any(|known| same_type(known, &handler.message)) {
            return Err(syn::Error::new_spanned(
                &handler.message,
                "two handlers receive this message: a channel dispatches each message to one handler",
            ));
        }
        add(&mut incoming, &handler.message);
    }
    for handler in &methods.handlers {
        for ty in handler.reply.iter().chain(&handler.args.broadcasts).chain(&handler.args.sends) {
            add(&mut outgoing, ty);
        }
    }
    if let Some(event) = &methods.event {
        add(&mut outgoing, &event.message);
        for ty in event.args.broadcasts.iter().chain(&event.args.sends) {
            add(&mut outgoing, ty);
        }
    }
    let mut all = incoming.clone();
    for ty in &outgoing {
        add(&mut all, ty);
    }

    let name = args.name.as_ref().map_or_else(|| default_name(&type_ident), LitStr::value);
    let incoming_ident = args.incoming.clone().unwrap_or_else(|| format_ident!("{type_ident}Incoming"));
    let outgoing_ident = args.outgoing.clone().unwrap_or_else(|| format_ident!("{type_ident}Outgoing"));
    let (principal, state) = methods.context.clone().unwrap_or_else(|| (syn::parse_quote!(()), syn::parse_quote!(())));

    let discriminator = match all.first() {
        Some(first) => message_const(first, "DISCRIMINATOR"),
        None => quote!("action"),
    };
    let incoming_enum =
        message_enum(&incoming_ident, &incoming, &discriminator, &format!("What `{type_ident}` receives."));
    let outgoing_enum =
        message_enum(&outgoing_ident, &outgoing, &discriminator, &format!("What `{type_ident}` sends."));
    let checks = checks(&all, &args, &name)?;
    let params = args.params.clone().map_or_else(|| quote!(()), |params| quote!(#params));
    let descriptor = descriptor(&args, &methods, &all, &name, channel_doc.as_deref(), &discriminator, &params);
    let handler = handler_impl(&self_ty, &methods, (&incoming_ident, &incoming), &principal, &state, &params);
    let events = methods.event.as_ref().map(|event| {
        let (method, event_ty) = (&event.method, &event.event);
        quote! {
            impl ::tidings::Events<#self_ty, #principal, #state> for #self_ty {
                type Event = #event_ty;
                async fn on_event(
                    &self,
                    cx: &mut ::tidings::Context<#self_ty, #principal, #state>,
                    event: &#event_ty,
                ) -> ::core::option::Option<#outgoing_ident> {
                    Self::#method(self, cx, event).await.map(::core::convert::From::from)
                }
            }
        }
    });
    let constructor = if methods.event.is_some() { quote!(with_events) } else { quote!(new) };

    Ok(quote! {
        #item
        #incoming_enum
        #outgoing_enum
        const _: () = {
            #checks
            #descriptor
            impl ::tidings::ChannelSpec for #self_ty {
                type Incoming = #incoming_ident;
                type Outgoing = #outgoing_ident;
                type Params = #params;
                const DESCRIPTOR: &'static ::tidings::descriptor::ChannelDescriptor = &DESCRIPTOR;
            }
        };
        #handler
        #events
        impl ::core::convert::From<#self_ty> for ::tidings::Channel {
            fn from(channel: #self_ty) -> Self {
                ::tidings::Channel::#constructor::<#self_ty, #principal, #state, #self_ty>(channel)
            }
        }
    })
}

/// Adds `ty` to `list` unless it is there.
fn add(list: &mut Vec<Type>, ty: &Type) {
    if !list.iter().any(|known| same_type(known, ty)) {
        list.push(ty.clone());
    }
}

fn same_type(a: &Type, b: &Type) -> bool {
    quote!(#a).to_string() == quote!(#b).to_string()
}

/// The last identifier of a type's path, upper camel case: its variant in the message enums,
/// unless another message of the enum ends the same way (see [`variants`]).
fn variant(ty: &Type) -> Ident {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|segment| {
            let name = segment.ident.to_string().to_upper_camel_case();
            Ident::new(&name, segment.ident.span())
        }),
        _ => None,
    }
    .unwrap_or_else(|| Ident::new("Message", ty.span()))
}

/// The variants of an enum of `messages`: each type's last identifier, or, where two types
/// end the same way (`a::Ping` and `b::Ping`), their whole paths (`APing`, `BPing`).
fn variants(messages: &[Type]) -> Vec<Ident> {
    let short: Vec<Ident> = messages.iter().map(variant).collect();
    messages
        .iter()
        .zip(&short)
        .map(|(ty, name)| {
            if short.iter().filter(|other| *other == name).count() == 1 {
                return name.clone();
            }
            let Type::Path(path) = ty else { return name.clone() };
            let whole: String = path
                .path
                .segments
                .iter()
                .map(|segment| segment.ident.to_string())
                .filter(|segment| !matches!(segment.as_str(), "crate" | "self" | "super"))
                .map(|segment| segment.to_upper_camel_case())
                .collect();
            Ident::new(&whole, name.span())
        })
        .collect()
}

/// `<Type as Message>::NAME`, spanned at the type, so that a type that is not a message is
/// reported once, where it is written.
fn message_const(ty: &Type, name: &str) -> TokenStream {
    let name = Ident::new(name, Span::call_site());
    quote_spanned!(ty.span()=> <#ty as ::tidings::Message>::#name)
}

/// The channel's name when `name` is not given: the type's, without a `Consumer` or
/// `Channel` ending, in lower camel case (`ChatConsumer` is `chat`).
fn default_name(ident: &Ident) -> String {
    let ident = ident.to_string();
    let stem = ["Consumer", "Channel"]
        .iter()
        .find_map(|end| ident.strip_suffix(end).filter(|stem| !stem.is_empty()))
        .unwrap_or(&ident);
    stem.to_lower_camel_case()
}

/// One of the channel's two message enums, with its codecs.
fn message_enum(ident: &Ident, messages: &[Type], discriminator: &TokenStream, doc: &str) -> TokenStream {
    let variants = variants(messages);
    let tags: Vec<TokenStream> = messages.iter().map(|ty| message_const(ty, "TAG")).collect();
    let variant_docs = messages.iter().map(|ty| format!("The `{}` message.", quote!(#ty).to_string().replace(' ', "")));
    let decode = messages.iter().zip(&variants).zip(&tags).map(|((ty, variant), tag)| {
        quote! {
            if tag == #tag {
                return ::tidings::__private::decode_tagged::<#ty>(text).map(Self::#variant);
            }
        }
    });
    let froms = messages.iter().zip(&variants).map(|(ty, variant)| {
        quote! {
            impl ::core::convert::From<#ty> for #ident {
                fn from(message: #ty) -> Self {
                    Self::#variant(message)
                }
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug)]
        #[allow(unreachable_pub, private_interfaces, reason = "as public as the channel type and its messages, which the macro cannot see")]
        #[allow(clippy::large_enum_variant, reason = "one message lives for one dispatch; boxing would allocate per frame")]
        pub enum #ident {
            #(#[doc = #variant_docs] #variants(#messages),)*
        }
        impl ::tidings::__private::MessageEnum for #ident {
            fn key(&self) -> &'static str {
                match *self {
                    #(Self::#variants(_) => #tags,)*
                }
            }
        }
        impl ::tidings::__private::Inbound for #ident {
            fn decode_text(text: &str) -> ::core::result::Result<Self, ::tidings::__private::DecodeError> {
                const EXPECTED: &[&str] = &[#(#tags),*];
                let tag = ::tidings::__private::read_tag(text, #discriminator)?;
                let tag: &str = &tag;
                #(#decode)*
                ::core::result::Result::Err(::tidings::__private::DecodeError::UnknownMessage {
                    property: #discriminator,
                    value: tag.to_owned(),
                    expected: EXPECTED,
                })
            }
            fn decode_binary(_: &[u8]) -> ::core::result::Result<Self, ::tidings::__private::DecodeError> {
                ::core::result::Result::Err(::tidings::__private::DecodeError::BinaryNotAccepted)
            }
        }
        impl ::tidings::__private::Outbound for #ident {
            fn encode(&self) -> ::core::result::Result<::tidings::__private::Frame, ::tidings::__private::EncodeError> {
                match *self {
                    #(Self::#variants(ref message) => ::tidings::__private::encode_tagged(message),)*
                }
            }
        }
        #(#froms)*
    }
}

/// Compile-time checks of what only the compiler knows: the messages' discriminators and tags,
/// and the address parameters' fields.
fn checks(messages: &[Type], args: &ChannelArgs, name: &str) -> syn::Result<TokenStream> {
    let mut checks = Vec::new();
    if let Some(first) = messages.first() {
        let first_discriminator = message_const(first, "DISCRIMINATOR");
        for ty in &messages[1..] {
            let discriminator = message_const(ty, "DISCRIMINATOR");
            let text = format!(
                "the messages of channel `{name}` have different discriminators: `{}` and `{}`",
                quote!(#first).to_string().replace(' ', ""),
                quote!(#ty).to_string().replace(' ', ""),
            );
            checks.push(quote_spanned! {ty.span()=>
                ::core::assert!(::tidings::__private::same_str(#first_discriminator, #discriminator), #text);
            });
        }
    }
    for (i, a) in messages.iter().enumerate() {
        for b in &messages[i + 1..] {
            let (tag_a, tag_b) = (message_const(a, "TAG"), message_const(b, "TAG"));
            let text = format!(
                "messages `{}` and `{}` of channel `{name}` have the same tag: a channel tells its messages apart by their tags",
                quote!(#a).to_string().replace(' ', ""),
                quote!(#b).to_string().replace(' ', ""),
            );
            checks.push(quote_spanned! {b.span()=>
                ::core::assert!(!::tidings::__private::same_str(#tag_a, #tag_b), #text);
            });
        }
    }
    let names = args.address.as_ref().map(|address| address_parameters(&address.value())).unwrap_or_default();
    match (&args.params, &args.address) {
        (Some(params), _) => {
            let text = format!(
                "the fields of `{}` are the address's parameters, in address order: {}",
                quote!(#params).to_string().replace(' ', ""),
                if names.is_empty() { "none".to_owned() } else { names.join(", ") },
            );
            checks.push(quote_spanned! {params.span()=>
                ::core::assert!(
                    ::tidings::__private::same_strs(<#params as ::tidings::contract::Params>::NAMES, &[#(#names),*]),
                    #text,
                );
            });
        }
        (None, Some(address)) if !names.is_empty() => {
            return Err(syn::Error::new(
                address.span(),
                format!(
                    "the address has parameters ({}): name the struct that reads them, `params = MyParams`, with `#[derive(tidings::Params)]`",
                    names.join(", ")
                ),
            ));
        }
        _ => {}
    }
    Ok(quote!(const _: () = { #(#checks)* };))
}

/// The `{name}`s of an address, in order.
fn address_parameters(address: &str) -> Vec<String> {
    address.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned())).collect()
}

/// `Handler<Self, P, S>` for the type: a match over the incoming enum calling the handlers.
fn handler_impl(
    self_ty: &Type,
    methods: &Methods,
    (incoming, messages): (&Ident, &[Type]),
    principal: &Type,
    state: &Type,
    params: &TokenStream,
) -> TokenStream {
    let variants = variants(messages);
    let arms = methods.handlers.iter().map(|handler| {
        let variant = messages
            .iter()
            .position(|ty| same_type(ty, &handler.message))
            .map_or_else(|| variant(&handler.message), |at| variants[at].clone());
        let method = &handler.method;
        match handler.reply {
            Some(_) => quote! {
                #incoming::#variant(message) => {
                    let reply = Self::#method(self, cx, message).await?;
                    ::core::result::Result::Ok(::core::option::Option::Some(::core::convert::From::from(reply)))
                }
            },
            None => quote! {
                #incoming::#variant(message) => {
                    Self::#method(self, cx, message).await?;
                    ::core::result::Result::Ok(::core::option::Option::None)
                }
            },
        }
    });
    let connect = match &methods.connect {
        Some(method) => quote!(Self::#method(self, cx).await.map_err(::core::convert::Into::into)),
        None => quote!({
            let _ = cx;
            ::core::result::Result::Ok(())
        }),
    };
    let disconnect = match &methods.disconnect {
        Some(method) => quote!(Self::#method(self, cx).await),
        None => quote!(let _ = cx;),
    };
    let authorize = methods.authorize.as_ref().map(|method| {
        quote! {
            async fn authorize(&self, principal: &#principal, params: &#params) -> ::core::result::Result<(), ::tidings::AuthError> {
                Self::#method(self, principal, params).await
            }
        }
    });
    let context = quote!(::tidings::Context<#self_ty, #principal, #state>);
    quote! {
        impl ::tidings::__private::Handler<#self_ty, #principal, #state> for #self_ty {
            async fn handle(
                &self,
                cx: &mut #context,
                message: #incoming,
            ) -> ::core::result::Result<
                ::core::option::Option<<#self_ty as ::tidings::ChannelSpec>::Outgoing>,
                ::tidings::HandlerError,
            > {
                let _ = &cx;
                match message {
                    #(#arms)*
                }
            }
            #authorize
            async fn connected(&self, cx: &mut #context) -> ::core::result::Result<(), ::tidings::HandlerError> {
                #connect
            }
            async fn disconnected(&self, cx: &mut #context) {
                #disconnect
            }
        }
    }
}
