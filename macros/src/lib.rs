//! The code-first macros of tidings, re-exported by the `tidings` crate (feature `macros`, on
//! by default): use them as `tidings::Message`, `tidings::Params` and `tidings::channel`.
//!
//! They write what `tidings-build` writes from a contract: the message enums of a channel,
//! its `ChannelSpec`, its `Handler` and its descriptor, so that a channel declared in Rust
//! runs on the same runtime as a generated one. `docs/CODE-FIRST.md` in the repository
//! describes every attribute.

mod attrs;
mod channel;
mod message;
mod params;

use proc_macro::TokenStream;

/// Makes a struct a message of code-first channels: `#[message(tag = "chat")]` gives its
/// value of the discriminator (the property `action`, or `discriminator = "..."`). Optional:
/// `name`, `title`, `summary`, `description` (the doc comment by default) and `example =
/// "<JSON object>"`, repeatable. `#[message(correlation_id)]` on a field makes it the
/// message's correlation id. The struct also derives `Serialize`, `Deserialize`,
/// `JsonSchema` and `Debug`, and has named fields or none.
#[proc_macro_derive(Message, attributes(message))]
pub fn derive_message(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    message::derive(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Makes a struct the address parameters of a code-first channel: one field per `{name}` of
/// the address, in address order, each of a type that implements `FromStr`. Doc comments
/// describe the parameters; `#[param(example = "...")]` gives examples.
#[proc_macro_derive(Params, attributes(param))]
pub fn derive_params(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    params::derive(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Makes the type of an `impl` block a channel: its `#[handler]` methods receive messages,
/// its `#[event]` method turns server events into messages, and `#[connect]`,
/// `#[disconnect]` and `#[authorize]` methods run at those moments. The type then mounts on
/// an `App` (`App::new().mount(MyChannel)`), names the channel in `Client`, `Sender` and
/// `Context`, and describes itself in the application's document.
#[proc_macro_attribute]
pub fn channel(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = syn::parse_macro_input!(item as syn::ItemImpl);
    channel::expand(args.into(), item).unwrap_or_else(syn::Error::into_compile_error).into()
}
