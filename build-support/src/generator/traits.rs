//! A channel's address parameters, its consumer trait (one method per operation the side
//! receives, argument and reply typed by the contract) and the adapter the runtime calls.

use proc_macro2::TokenStream;
use quote::quote;

use super::channels::{ChannelPlan, HandlerPlan, MessagePlan};
use super::emit::{doc_text, docs, ident, payload_text, payload_type};
use super::source::Source;
use super::types::Types;
use super::{Settings, Side};

pub(super) fn params(plan: &ChannelPlan) -> TokenStream {
    let fields = plan.params.iter().map(|p| {
        let field = ident(&p.field);
        let doc = docs(&p.fields, &format!("The `{{{}}}` part of the address.", p.name));
        quote!(#doc pub #field: ::std::string::String)
    });
    let names = plan.params.iter().map(|p| p.name.as_str());
    let reads = plan.params.iter().map(|p| {
        let field = ident(&p.field);
        let name = p.name.as_str();
        let allowed: Vec<&str> = p.allowed.iter().map(String::as_str).collect();
        quote! {
            #field: ::tidings::__private::check_allowed(
                #name,
                values.next().unwrap_or_default(),
                &[#(#allowed),*],
            )?
        }
    });
    let values = if plan.params.is_empty() { quote!(_values) } else { quote!(values) };
    let take = if plan.params.is_empty() { quote!() } else { quote!(let mut values = values.into_iter();) };
    quote! {
        /// The channel address's parameters.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Params {
            #(#fields,)*
        }

        impl ::tidings::__private::Params for Params {
            const NAMES: &'static [&'static str] = &[#(#names),*];

            fn from_values(#values: ::std::vec::Vec<::std::string::String>) -> ::core::result::Result<Self, ::tidings::__private::ParamError> {
                #take
                ::core::result::Result::Ok(Self { #(#reads,)* })
            }
        }
    }
}

/// The consumer trait and the functions that take an implementation of it, then the enums
/// and the adapter behind them. The first part is text written formatted, one line per line:
/// it is what rustc quotes when an implementation does not fit, so its excerpts read as code.
pub(super) fn consumer_trait(settings: &Settings, plan: &ChannelPlan, types: &Types) -> (String, String) {
    let trait_name = plan.trait_name.as_str();
    let side = match settings.side {
        Side::Application => "application",
        Side::Peer => "peer",
    };
    let methods_list =
        plan.handlers.iter().map(|h| format!("`{}`", h.method.trim_start_matches("r#"))).collect::<Vec<_>>().join(", ");
    let note = if plan.handlers.is_empty() {
        format!("implement `{}::{}` for `{{Self}}`; it has no required method", plan.module, plan.trait_name)
    } else {
        format!(
            "implement `{}::{}` for `{{Self}}`: one async method per operation the {side} receives ({methods_list})",
            plan.module, plan.trait_name
        )
    };
    // `on_unimplemented` reads braces as parameters; a channel key may have them.
    let key = plan.key.replace('{', "{{").replace('}', "}}");
    let message = format!("`{{Self}}` does not implement the `{key}` channel of the contract");
    let mut out = Source::with_capacity(4096);
    out.doc(
        "",
        &format!("The `{}` channel, as the {side} implements it: one method per operation it receives.", plan.key),
    );
    out.raw("#[diagnostic::on_unimplemented(message = ").str(&message).raw(", note = ").str(&note).raw(")]\n");
    out.raw("pub trait ").raw(trait_name).raw(TRAIT_PARAMETERS);
    let mut extra_types = Vec::new();
    for h in &plan.handlers {
        let arg = handler_argument(plan, h, types, &mut extra_types);
        let ret = handler_reply(plan, h, types, &mut extra_types);
        let mut doc = doc_text(&h.fields, &format!("Handles operation `{}`.", h.operation));
        if !h.also_received_by.is_empty() {
            let also = h.also_received_by.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ");
            doc.push_str(&format!("\n\nAlso handles what operation(s) {also} receive of the same messages."));
        }
        out.doc("    ", &doc);
        out.raw("    fn ").raw(&h.method).raw("(\n        &self,\n        cx: &mut Context<P, S>,\n        message: ");
        out.raw(&arg).raw(",\n    ) -> impl ::core::future::Future<\n        Output = ::core::result::Result<");
        out.raw(&ret).raw(", ::tidings::HandlerError>,\n    > + ::core::marker::Send;\n\n");
    }
    out.raw(DEFAULT_METHODS);
    let receives_replies = plan.incoming.messages.iter().any(|k| plan.handlers.iter().all(|h| !h.messages.contains(k)));
    if receives_replies {
        out.raw(ON_REPLY);
    }
    out.raw("}\n\n");
    out.doc("", &format!("The `{}` channel, served by `implementation`: mount it on a server.", plan.key));
    out.raw("pub fn channel<T, P, S>(implementation: T) -> ::tidings::Channel\nwhere\n    T: ");
    out.raw(trait_name).raw("<P, S>,").raw(CHANNEL_BOUNDS);
    out.raw(
        "    ::tidings::Channel::new::<Spec, P, S, _>(Adapter(implementation, ::core::marker::PhantomData))\n}\n\n",
    );
    out.doc(
        "",
        &format!(
            "The `{}` channel, served by `implementation`, whose connections also receive server events: \
             each event published to them reaches its [`tidings::Events`] handler, which decides \
             what that connection receives.",
            plan.key
        ),
    );
    out.raw("pub fn channel_with_events<T, P, S>(implementation: T) -> ::tidings::Channel\nwhere\n    T: ");
    out.raw(trait_name).raw("<P, S> + ::tidings::Events<Spec, P, S>,").raw(CHANNEL_BOUNDS);
    out.raw("    ::tidings::Channel::with_events::<Spec, P, S, _>(Adapter(implementation, ::core::marker::PhantomData))\n}\n");
    let mut plumbing = Source::with_capacity(4096);
    for extra in extra_types {
        plumbing.raw(&extra.to_string()).raw("\n");
    }
    plumbing
        .raw(ADAPTER)
        .raw("impl<T, P, S> ::tidings::__private::Handler<Spec, P, S> for Adapter<T, P, S>\nwhere\n    T: ");
    plumbing.raw(trait_name).raw("<P, S>,").raw(CHANNEL_BOUNDS);
    plumbing.raw("    async fn handle(&self, cx: &mut Context<P, S>, message: Incoming) -> ");
    plumbing.raw("::core::result::Result<::core::option::Option<Outgoing>, ::tidings::HandlerError> {\n");
    if plan.incoming.messages.is_empty() {
        plumbing.raw("        let _ = cx;\n        match message {}\n");
    } else {
        plumbing.raw("        match message {\n");
        for m in plan.incoming.messages.iter().filter_map(|key| plan.message(key)) {
            plumbing.raw("            Incoming::").raw(&m.variant).raw("(message) => {\n                ");
            let Some(h) = plan.handlers.iter().find(|h| h.messages.contains(&m.key)) else {
                // A reply to a request this side sent: delivered to the hook.
                plumbing.raw("self.0.on_reply(cx, Incoming::").raw(&m.variant).raw("(message)).await?;\n");
                plumbing
                    .raw("                ::core::result::Result::Ok(::core::option::Option::None)\n            }\n");
                continue;
            };
            let call = match &h.message_enum {
                Some(e) => format!("self.0.{}(cx, {e}::{}(message)).await?;", h.method, m.variant),
                None => format!("self.0.{}(cx, message).await?;", h.method),
            };
            match (h.replies.as_slice(), &h.reply_enum) {
                ([], _) => {
                    plumbing
                        .raw(&call)
                        .raw("\n                ::core::result::Result::Ok(::core::option::Option::None)\n");
                }
                ([only], None) => {
                    let reply_variant = plan.message(only).map_or("", |m| m.variant.as_str());
                    plumbing.raw("let reply = ").raw(&call).raw("\n                ");
                    plumbing
                        .raw("::core::result::Result::Ok(::core::option::Option::Some(Outgoing::")
                        .raw(reply_variant);
                    plumbing.raw("(reply)))\n");
                }
                _ => {
                    plumbing.raw("let reply = ").raw(&call).raw("\n                ");
                    plumbing.raw("::core::result::Result::Ok(::core::option::Option::Some(reply.into()))\n");
                }
            }
            plumbing.raw("            }\n");
        }
        plumbing.raw("        }\n");
    }
    plumbing.raw("    }\n").raw(ADAPTER_METHODS);
    (out.into_string(), plumbing.into_string())
}

/// The argument type of a handler, as text, generating an enum when it takes several messages.
fn handler_argument(plan: &ChannelPlan, h: &HandlerPlan, types: &Types, extra: &mut Vec<TokenStream>) -> String {
    match (&h.message_enum, h.messages.as_slice()) {
        (Some(name), messages) => {
            let enum_ident = ident(name);
            let doc = format!(" The messages operation `{}` receives.", h.operation);
            let variants = messages.iter().filter_map(|k| plan.message(k)).map(|m| {
                let variant = ident(&m.variant);
                let ty = payload_type(m, types);
                let doc = format!(" The `{}` message.", m.key);
                quote!(#[doc = #doc] #variant(#ty))
            });
            let messages: Vec<&MessagePlan> = messages.iter().filter_map(|k| plan.message(k)).collect();
            let froms = variant_froms(&enum_ident, &messages, types);
            extra.push(quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq)]
                #[allow(clippy::large_enum_variant, reason = "one message lives for one dispatch; boxing would allocate per frame")]
                pub enum #enum_ident { #(#variants,)* }
                #froms
            });
            name.clone()
        }
        (None, [only]) => plan.message(only).map_or("()", |m| payload_text(m, types)).to_owned(),
        (None, _) => "()".to_owned(),
    }
}

/// The reply type of a handler, as text, generating an enum when the reply may be one of several.
fn handler_reply(plan: &ChannelPlan, h: &HandlerPlan, types: &Types, extra: &mut Vec<TokenStream>) -> String {
    match (&h.reply_enum, h.replies.as_slice()) {
        (_, []) => "()".to_owned(),
        (None, [only]) => plan.message(only).map_or("()", |m| payload_text(m, types)).to_owned(),
        (Some(name), replies) => {
            let enum_ident = ident(name);
            let doc = format!(" The replies of operation `{}`.", h.operation);
            let replies: Vec<&MessagePlan> = replies.iter().filter_map(|k| plan.message(k)).collect();
            let variants = replies.iter().map(|m| {
                let variant = ident(&m.variant);
                let ty = payload_type(m, types);
                let doc = format!(" The `{}` message.", m.key);
                quote!(#[doc = #doc] #variant(#ty))
            });
            let froms = variant_froms(&enum_ident, &replies, types);
            let arms = replies.iter().map(|m| {
                let variant = ident(&m.variant);
                quote!(#enum_ident::#variant(reply) => Outgoing::#variant(reply))
            });
            extra.push(quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq)]
                #[allow(clippy::large_enum_variant, reason = "one message lives for one dispatch; boxing would allocate per frame")]
                pub enum #enum_ident { #(#variants,)* }

                impl ::core::convert::From<#enum_ident> for Outgoing {
                    fn from(reply: #enum_ident) -> Self {
                        match reply { #(#arms,)* }
                    }
                }
                #froms
            });
            name.clone()
        }
        (None, _) => "()".to_owned(),
    }
}

/// `From` each message's payload into enum `name`, for the payloads only one variant holds
/// (`Ok(Accepted { .. }.into())` instead of naming the variant).
fn variant_froms(name: &proc_macro2::Ident, messages: &[&MessagePlan], types: &Types) -> TokenStream {
    let payloads: Vec<&str> = messages.iter().map(|m| payload_text(m, types)).collect();
    let froms = messages.iter().zip(&payloads).filter(|(_, ty)| payloads.iter().filter(|o| o == ty).count() == 1);
    let froms = froms.map(|(m, _)| {
        let variant = ident(&m.variant);
        let ty = payload_type(m, types);
        quote! {
            impl ::core::convert::From<#ty> for #name {
                fn from(payload: #ty) -> Self {
                    Self::#variant(payload)
                }
            }
        }
    });
    quote!(#(#froms)*)
}

/// The consumer trait's parameters and bounds, after its name.
const TRAIT_PARAMETERS: &str = "<
    P: ::tidings::Principal = (),
    S: ::core::default::Default + ::core::marker::Send + ::core::marker::Sync + 'static = (),
>: ::core::marker::Send + ::core::marker::Sync + 'static {
";

/// The consumer trait's provided methods.
const DEFAULT_METHODS: &str =
    "    /// Decides, before the WebSocket upgrade, whether `principal` may open a connection at
    /// these address parameters: an error refuses the handshake with its status
    /// (`AuthError::forbidden`: 403), so a refused peer never gets a socket. Everyone may
    /// unless this says otherwise.
    fn authorize(
        &self,
        principal: &P,
        params: &Params,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<(), ::tidings::AuthError>,
    > + ::core::marker::Send {
        let _ = (principal, params);
        async { ::core::result::Result::Ok(()) }
    }

    /// Called when a connection opens, before any message; an error refuses the connection.
    fn on_connect(
        &self,
        cx: &mut Context<P, S>,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<(), ::tidings::HandlerError>,
    > + ::core::marker::Send {
        let _ = cx;
        async { ::core::result::Result::Ok(()) }
    }

    /// Called when a connection has closed.
    fn on_disconnect(
        &self,
        cx: &mut Context<P, S>,
    ) -> impl ::core::future::Future<Output = ()> + ::core::marker::Send {
        let _ = cx;
        async {}
    }
";

/// The provided method of a consumer trait whose side receives replies.
const ON_REPLY: &str = "
    /// Receives replies to requests this side sent.
    fn on_reply(
        &self,
        cx: &mut Context<P, S>,
        reply: Incoming,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<(), ::tidings::HandlerError>,
    > + ::core::marker::Send {
        let _ = (cx, reply);
        async { ::core::result::Result::Ok(()) }
    }
";

/// The bounds of `channel` and `channel_with_events` after the implementation's, and the
/// body's opening brace.
const CHANNEL_BOUNDS: &str = "
    P: ::tidings::Principal,
    S: ::core::default::Default + ::core::marker::Send + ::core::marker::Sync + 'static,
{
";

/// The adapter from a consumer trait to the runtime's handler, declared.
const ADAPTER: &str = "/// Adapts an implementation of the consumer trait to the runtime's handler.
struct Adapter<T, P, S>(T, ::core::marker::PhantomData<fn() -> (P, S)>);
";

/// The adapter's methods after `handle`, and its `Events` implementation.
const ADAPTER_METHODS: &str = "    fn authorize(&self, principal: &P, params: &Params) -> impl ::core::future::Future<Output = ::core::result::Result<(), ::tidings::AuthError>> + ::core::marker::Send {
        self.0.authorize(principal, params)
    }
    async fn connected(&self, cx: &mut Context<P, S>) -> ::core::result::Result<(), ::tidings::HandlerError> {
        self.0.on_connect(cx).await
    }
    async fn disconnected(&self, cx: &mut Context<P, S>) {
        self.0.on_disconnect(cx).await
    }
}
impl<T, P, S> ::tidings::Events<Spec, P, S> for Adapter<T, P, S>
where
    T: ::tidings::Events<Spec, P, S>,
    P: ::tidings::Principal,
    S: ::core::default::Default + ::core::marker::Send + ::core::marker::Sync + 'static,
{
    type Event = T::Event;
    fn on_event(&self, cx: &mut Context<P, S>, event: &Self::Event) -> impl ::core::future::Future<Output = ::core::option::Option<Outgoing>> + ::core::marker::Send {
        self.0.on_event(cx, event)
    }
}
";
