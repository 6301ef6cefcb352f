//! `#[channel]`: an `impl` block's handlers become a channel. From the methods' signatures it
//! writes the channel's two message enums, its `ChannelSpec` with a descriptor (operations
//! from the handlers, messages from their argument and reply types), the runtime's `Handler`
//! (and `Events`, with an `#[event]` method) over the type itself, and `From<Type> for
//! Channel`, which mounting uses.

use heck::{ToLowerCamelCase, ToUpperCamelCase};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Ident, ImplItem, ImplItemFn, ItemImpl, LitStr, ReturnType, Type};

use crate::attrs;

/// The keys `#[channel(...)]` takes.
const CHANNEL_KEYS: &str =
    "`name`, `address`, `params`, `title`, `summary`, `description`, `tags`, `security`, `incoming` or `outgoing`";
/// The keys `#[handler(...)]` and `#[event(...)]` take.
const OPERATION_KEYS: &str = "`name`, `title`, `summary`, `description`, `tags`, `broadcasts` or `sends`";
/// The method attributes `#[channel]` reads.
const ROLES: &[&str] = &["handler", "event", "connect", "disconnect", "authorize"];

/// What `#[channel(...)]` says.
#[derive(Default)]
struct ChannelArgs {
    name: Option<LitStr>,
    address: Option<LitStr>,
    params: Option<Type>,
    title: Option<LitStr>,
    summary: Option<LitStr>,
    description: Option<LitStr>,
    tags: Vec<LitStr>,
    security: Vec<Expr>,
    incoming: Option<Ident>,
    outgoing: Option<Ident>,
}

impl ChannelArgs {
    fn parse(args: TokenStream) -> syn::Result<Self> {
        let mut parsed = Self::default();
        let parser = syn::meta::parser(|meta| {
            match meta.path.get_ident().map(ToString::to_string).as_deref() {
                Some("name") => parsed.name = Some(attrs::string(&meta)?),
                Some("address") => parsed.address = Some(attrs::string(&meta)?),
                Some("params") => parsed.params = Some(meta.value()?.parse()?),
                Some("title") => parsed.title = Some(attrs::string(&meta)?),
                Some("summary") => parsed.summary = Some(attrs::string(&meta)?),
                Some("description") => parsed.description = Some(attrs::string(&meta)?),
                Some("tags") => parsed.tags = attrs::list::<LitStr>(&meta)?,
                Some("security") => parsed.security = attrs::list::<Expr>(&meta)?,
                Some("incoming") => parsed.incoming = Some(meta.value()?.parse()?),
                Some("outgoing") => parsed.outgoing = Some(meta.value()?.parse()?),
                _ => return Err(attrs::unknown(&meta, "channel", CHANNEL_KEYS)),
            }
            Ok(())
        });
        syn::parse::Parser::parse2(parser, args)?;
        Ok(parsed)
    }
}

/// What `#[handler(...)]` or `#[event(...)]` says of its operation.
#[derive(Default)]
struct OperationArgs {
    name: Option<LitStr>,
    title: Option<LitStr>,
    summary: Option<LitStr>,
    description: Option<LitStr>,
    tags: Vec<LitStr>,
    broadcasts: Vec<Type>,
    sends: Vec<Type>,
}

impl OperationArgs {
    fn parse(attr: &syn::Attribute, role: &str) -> syn::Result<Self> {
        let mut parsed = Self::default();
        if matches!(attr.meta, syn::Meta::Path(_)) {
            return Ok(parsed);
        }
        attr.parse_nested_meta(|meta| {
            match meta.path.get_ident().map(ToString::to_string).as_deref() {
                Some("name") => parsed.name = Some(attrs::string(&meta)?),
                Some("title") => parsed.title = Some(attrs::string(&meta)?),
                Some("summary") => parsed.summary = Some(attrs::string(&meta)?),
                Some("description") => parsed.description = Some(attrs::string(&meta)?),
                Some("tags") => parsed.tags = attrs::list::<LitStr>(&meta)?,
                Some("broadcasts") => parsed.broadcasts.extend(attrs::list::<Type>(&meta)?),
                Some("sends") => parsed.sends.extend(attrs::list::<Type>(&meta)?),
                _ => return Err(attrs::unknown(&meta, role, OPERATION_KEYS)),
            }
            Ok(())
        })?;
        Ok(parsed)
    }
}

/// A `#[handler]`: one message received, maybe a reply.
struct Handler {
    method: Ident,
    message: Type,
    reply: Option<Type>,
    doc: Option<String>,
    args: OperationArgs,
}

/// The `#[event]` method: server events of one type turned into one message.
struct EventMethod {
    method: Ident,
    event: Type,
    message: Type,
    doc: Option<String>,
    args: OperationArgs,
}

/// The methods of the block, by role.
#[derive(Default)]
struct Methods {
    handlers: Vec<Handler>,
    event: Option<EventMethod>,
    connect: Option<Ident>,
    disconnect: Option<Ident>,
    authorize: Option<Ident>,
    /// The principal and state types of the handlers' contexts.
    context: Option<(Type, Type)>,
}

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
    let handler = handler_impl(&self_ty, &methods, &incoming_ident, &principal, &state, &params);
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

/// Finds the methods with a role, takes their role attributes off, and checks their shapes.
fn read_methods(item: &mut ItemImpl) -> syn::Result<Methods> {
    let mut methods = Methods::default();
    for impl_item in &mut item.items {
        let ImplItem::Fn(function) = impl_item else { continue };
        let mut roles: Vec<syn::Attribute> = Vec::new();
        function.attrs.retain(|attr| {
            let role = ROLES.iter().any(|role| attr.path().is_ident(role));
            if role {
                roles.push(attr.clone());
            }
            !role
        });
        let Some(attr) = roles.first() else { continue };
        if let Some(second) = roles.get(1) {
            return Err(syn::Error::new_spanned(
                second,
                "a method has one role: handler, event, connect, disconnect or authorize",
            ));
        }
        let role = attr.path().get_ident().map(ToString::to_string).unwrap_or_default();
        if function.sig.asyncness.is_none() {
            return Err(syn::Error::new_spanned(
                function.sig.fn_token,
                format!("a `#[{role}]` method is an `async fn`"),
            ));
        }
        check_receiver(function, &role)?;
        let inputs = typed_inputs(function);
        let doc = attrs::doc(&function.attrs);
        let method = function.sig.ident.clone();
        match role.as_str() {
            "handler" => {
                let [context, message] = inputs[..] else {
                    return Err(syn::Error::new_spanned(
                        &function.sig.inputs,
                        "a handler takes `&self`, its connection's context and its message: `async fn chat(&self, cx: &mut Context<Self>, message: Chat)`",
                    ));
                };
                remember_context(&mut methods, context)?;
                if let Type::Reference(reference) = message {
                    return Err(syn::Error::new_spanned(reference, "a handler takes its message by value"));
                }
                let reply = handler_reply(&function.sig.output)?;
                let args = OperationArgs::parse(attr, "handler")?;
                methods.handlers.push(Handler { method, message: message.clone(), reply, doc, args });
            }
            "event" => {
                if methods.event.is_some() {
                    return Err(syn::Error::new_spanned(
                        attr,
                        "a channel has one `#[event]` method: make its events one type, an enum when there are several kinds",
                    ));
                }
                let [context, Type::Reference(event)] = inputs[..] else {
                    return Err(syn::Error::new_spanned(
                        &function.sig.inputs,
                        "an `#[event]` method takes `&self`, its connection's context and the event by reference: `async fn notice(&self, cx: &mut Context<Self>, event: &Notice) -> Option<Notification>`",
                    ));
                };
                remember_context(&mut methods, context)?;
                let message = wrapped(&function.sig.output, "Option").ok_or_else(|| {
                    syn::Error::new_spanned(
                        &function.sig,
                        "an `#[event]` method returns `Option<Message>`: the message the connection receives, or `None` to skip the event",
                    )
                })?;
                let args = OperationArgs::parse(attr, "event")?;
                let event = (*event.elem).clone();
                methods.event = Some(EventMethod { method, event, message, doc, args });
            }
            "connect" | "disconnect" => {
                let [context] = inputs[..] else {
                    return Err(syn::Error::new_spanned(
                        &function.sig.inputs,
                        format!("a `#[{role}]` method takes `&self` and its connection's context"),
                    ));
                };
                remember_context(&mut methods, context)?;
                no_arguments(attr, &role)?;
                let slot = if role == "connect" { &mut methods.connect } else { &mut methods.disconnect };
                set_once(slot, method, attr, &role)?;
            }
            _ => {
                if inputs.len() != 2 {
                    return Err(syn::Error::new_spanned(
                        &function.sig.inputs,
                        "an `#[authorize]` method takes `&self`, the principal and the address parameters, by reference",
                    ));
                }
                no_arguments(attr, &role)?;
                set_once(&mut methods.authorize, method, attr, &role)?;
            }
        }
    }
    Ok(methods)
}

fn check_receiver(function: &ImplItemFn, role: &str) -> syn::Result<()> {
    match function.sig.receiver() {
        Some(receiver) if matches!(receiver.kind, syn::ReceiverKind::Reference(_, _, None)) => Ok(()),
        Some(receiver) => Err(syn::Error::new_spanned(receiver, format!("a `#[{role}]` method takes `&self`"))),
        None => Err(syn::Error::new_spanned(&function.sig, format!("a `#[{role}]` method takes `&self`"))),
    }
}

/// The types of the arguments after `self`.
fn typed_inputs(function: &ImplItemFn) -> Vec<&Type> {
    function
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(&*typed.ty),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

fn no_arguments(attr: &syn::Attribute, role: &str) -> syn::Result<()> {
    match attr.meta {
        syn::Meta::Path(_) => Ok(()),
        _ => Err(syn::Error::new_spanned(attr, format!("`#[{role}]` takes no arguments"))),
    }
}

fn set_once(slot: &mut Option<Ident>, method: Ident, attr: &syn::Attribute, role: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new_spanned(attr, format!("a channel has one `#[{role}]` method")));
    }
    *slot = Some(method);
    Ok(())
}

/// Reads `&mut Context<Self, P, S>` (P and S `()` when left out), the same for every method.
fn remember_context(methods: &mut Methods, context: &Type) -> syn::Result<()> {
    let wrong = || {
        syn::Error::new_spanned(
            context,
            "the context is `&mut Context<Self>`, or `&mut Context<Self, Principal, State>`",
        )
    };
    let Type::Reference(reference) = context else { return Err(wrong()) };
    if reference.mutability.is_none() {
        return Err(wrong());
    }
    let Type::Path(path) = &*reference.elem else { return Err(wrong()) };
    let Some(segment) = path.path.segments.last() else { return Err(wrong()) };
    let syn::PathArguments::AngleBracketed(arguments) = &segment.arguments else { return Err(wrong()) };
    let types: Vec<&Type> = arguments
        .args
        .iter()
        .filter_map(|argument| match argument {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect();
    let unit: Type = syn::parse_quote!(());
    let principal = types.get(1).map_or_else(|| unit.clone(), |ty| (*ty).clone());
    let state = types.get(2).map_or(unit, |ty| (*ty).clone());
    match &methods.context {
        Some((p, s)) if !same_type(p, &principal) || !same_type(s, &state) => Err(syn::Error::new_spanned(
            context,
            "every method of a channel has the same context type: the first says another principal or state",
        )),
        Some(_) => Ok(()),
        None => {
            methods.context = Some((principal, state));
            Ok(())
        }
    }
}

/// The reply of a handler returning `Result<Reply, _>`: `None` for `Result<(), _>`.
fn handler_reply(output: &ReturnType) -> syn::Result<Option<Type>> {
    const SHAPE: &str =
        "a handler returns `Result<Reply, HandlerError>`, or `Result<(), HandlerError>` when it does not reply";
    let reply = wrapped(output, "Result").ok_or_else(|| match output {
        ReturnType::Type(_, ty) => syn::Error::new_spanned(ty, SHAPE),
        ReturnType::Default => syn::Error::new(Span::call_site(), SHAPE),
    })?;
    Ok(match &reply {
        Type::Tuple(tuple) if tuple.elems.is_empty() => None,
        _ => Some(reply),
    })
}

/// The first type argument of a return type `Wrapper<T, ...>`.
fn wrapped(output: &ReturnType, wrapper: &str) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else { return None };
    let Type::Path(path) = &**ty else { return None };
    let segment = path.path.segments.last().filter(|segment| segment.ident == wrapper)?;
    let syn::PathArguments::AngleBracketed(arguments) = &segment.arguments else { return None };
    arguments.args.iter().find_map(|argument| match argument {
        syn::GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
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

/// The last identifier of a type's path: its variant in the message enums.
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
    let variants: Vec<Ident> = messages.iter().map(variant).collect();
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

/// The channel's descriptor: a `static DESCRIPTOR`.
fn descriptor(
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
fn operations(methods: &Methods, security: &[TokenStream]) -> Vec<TokenStream> {
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
type Sent<'a> = (Type, Vec<String>, Option<&'a OperationArgs>, Option<&'a str>);

/// Notes that `ty` is sent (`how`), once per type.
fn note<'a>(sent: &mut Vec<Sent<'a>>, ty: &Type, how: String, args: Option<&'a OperationArgs>, doc: Option<&'a str>) {
    match sent.iter_mut().find(|(known, ..)| same_type(known, ty)) {
        Some((_, hows, ..)) => hows.push(how),
        None => sent.push((ty.clone(), vec![how], args, doc)),
    }
}

fn operation_tokens(
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

fn quote_type(ty: &Type) -> String {
    quote!(#ty).to_string().replace(' ', "")
}

/// `Handler<Self, P, S>` for the type: a match over the incoming enum calling the handlers.
fn handler_impl(
    self_ty: &Type,
    methods: &Methods,
    incoming: &Ident,
    principal: &Type,
    state: &Type,
    params: &TokenStream,
) -> TokenStream {
    let arms = methods.handlers.iter().map(|handler| {
        let variant = variant(&handler.message);
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
