//! What `#[channel]` reads: its own attribute, the methods' role attributes, and the shapes
//! of their signatures, with an error at the place to fix for each shape it refuses.

use proc_macro2::{Span, TokenStream};
use syn::{Expr, FnArg, Ident, ImplItem, ImplItemFn, ItemImpl, LitStr, ReturnType, Type};

use super::same_type;
use crate::attrs;

/// The keys `#[channel(...)]` takes.
pub(super) const CHANNEL_KEYS: &str =
    "`name`, `address`, `params`, `title`, `summary`, `description`, `tags`, `security`, `incoming` or `outgoing`";
/// The keys `#[handler(...)]` and `#[event(...)]` take.
pub(super) const OPERATION_KEYS: &str = "`name`, `title`, `summary`, `description`, `tags`, `broadcasts` or `sends`";
/// The method attributes `#[channel]` reads.
pub(super) const ROLES: &[&str] = &["handler", "event", "connect", "disconnect", "authorize"];

/// What `#[channel(...)]` says.
#[derive(Default)]
pub(super) struct ChannelArgs {
    pub(super) name: Option<LitStr>,
    pub(super) address: Option<LitStr>,
    pub(super) params: Option<Type>,
    pub(super) title: Option<LitStr>,
    pub(super) summary: Option<LitStr>,
    pub(super) description: Option<LitStr>,
    pub(super) tags: Vec<LitStr>,
    pub(super) security: Vec<Expr>,
    pub(super) incoming: Option<Ident>,
    pub(super) outgoing: Option<Ident>,
}

impl ChannelArgs {
    pub(super) fn parse(args: TokenStream) -> syn::Result<Self> {
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
pub(super) struct OperationArgs {
    pub(super) name: Option<LitStr>,
    pub(super) title: Option<LitStr>,
    pub(super) summary: Option<LitStr>,
    pub(super) description: Option<LitStr>,
    pub(super) tags: Vec<LitStr>,
    pub(super) broadcasts: Vec<Type>,
    pub(super) sends: Vec<Type>,
}

impl OperationArgs {
    pub(super) fn parse(attr: &syn::Attribute, role: &str) -> syn::Result<Self> {
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
pub(super) struct Handler {
    pub(super) method: Ident,
    pub(super) message: Type,
    pub(super) reply: Option<Type>,
    pub(super) doc: Option<String>,
    pub(super) args: OperationArgs,
}

/// The `#[event]` method: server events of one type turned into one message.
pub(super) struct EventMethod {
    pub(super) method: Ident,
    pub(super) event: Type,
    pub(super) message: Type,
    pub(super) doc: Option<String>,
    pub(super) args: OperationArgs,
}

/// The methods of the block, by role.
#[derive(Default)]
pub(super) struct Methods {
    pub(super) handlers: Vec<Handler>,
    pub(super) event: Option<EventMethod>,
    pub(super) connect: Option<Ident>,
    pub(super) disconnect: Option<Ident>,
    pub(super) authorize: Option<Ident>,
    /// The principal and state types of the handlers' contexts.
    pub(super) context: Option<(Type, Type)>,
}

/// Finds the methods with a role, takes their role attributes off, and checks their shapes.
pub(super) fn read_methods(item: &mut ItemImpl) -> syn::Result<Methods> {
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

pub(super) fn check_receiver(function: &ImplItemFn, role: &str) -> syn::Result<()> {
    match function.sig.receiver() {
        Some(receiver) if matches!(receiver.kind, syn::ReceiverKind::Reference(_, _, None)) => Ok(()),
        Some(receiver) => Err(syn::Error::new_spanned(receiver, format!("a `#[{role}]` method takes `&self`"))),
        None => Err(syn::Error::new_spanned(&function.sig, format!("a `#[{role}]` method takes `&self`"))),
    }
}

/// The types of the arguments after `self`.
pub(super) fn typed_inputs(function: &ImplItemFn) -> Vec<&Type> {
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

pub(super) fn no_arguments(attr: &syn::Attribute, role: &str) -> syn::Result<()> {
    match attr.meta {
        syn::Meta::Path(_) => Ok(()),
        _ => Err(syn::Error::new_spanned(attr, format!("`#[{role}]` takes no arguments"))),
    }
}

pub(super) fn set_once(slot: &mut Option<Ident>, method: Ident, attr: &syn::Attribute, role: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new_spanned(attr, format!("a channel has one `#[{role}]` method")));
    }
    *slot = Some(method);
    Ok(())
}

/// Reads `&mut Context<Self, P, S>` (P and S `()` when left out), the same for every method.
pub(super) fn remember_context(methods: &mut Methods, context: &Type) -> syn::Result<()> {
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
pub(super) fn handler_reply(output: &ReturnType) -> syn::Result<Option<Type>> {
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
pub(super) fn wrapped(output: &ReturnType, wrapper: &str) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else { return None };
    let Type::Path(path) = &**ty else { return None };
    let segment = path.path.segments.last().filter(|segment| segment.ident == wrapper)?;
    let syn::PathArguments::AngleBracketed(arguments) = &segment.arguments else { return None };
    arguments.args.iter().find_map(|argument| match argument {
        syn::GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    })
}
