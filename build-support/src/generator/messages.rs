//! The message enums of a channel, one per direction, and their codecs: a tag peek where a
//! discriminator exists, shape and schema dispatch (`tidings::__private::Shapes`) where none
//! tells messages apart, and the byte message for binary frames.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::channels::{ChannelPlan, Direction, MessagePlan, Payload};
use super::emit::{docs, ident, payload_type};
use super::types::Types;

pub(super) fn message_enum(
    plan: &ChannelPlan,
    direction: &Direction,
    name: &str,
    doc: &str,
    types: &Types,
) -> TokenStream {
    let enum_ident = format_ident!("{name}");
    let messages: Vec<&MessagePlan> = direction.messages.iter().filter_map(|k| plan.message(k)).collect();
    let variants = messages.iter().map(|m| {
        let variant = ident(&m.variant);
        let ty = payload_type(m, types);
        let doc = docs(&m.fields, &format!("The `{}` message.", m.key));
        quote!(#doc #variant(#ty))
    });
    let keys = messages.iter().map(|m| {
        let variant = ident(&m.variant);
        let key = m.key.as_str();
        quote!(Self::#variant(_) => #key)
    });
    let encodes = messages.iter().map(|m| {
        let variant = ident(&m.variant);
        let key = m.key.as_str();
        match m.payload {
            Payload::Binary => {
                quote!(Self::#variant(bytes) => ::core::result::Result::Ok(::tidings::__private::Frame::binary(bytes.clone())))
            }
            _ => quote!(Self::#variant(payload) => ::tidings::__private::encode_json(payload, #key)),
        }
    });
    let json: Vec<&&MessagePlan> = messages.iter().filter(|m| !matches!(m.payload, Payload::Binary)).collect();
    let fallback: Vec<&MessagePlan> = direction.fallback.iter().filter_map(|k| plan.message(k)).collect();
    // Messages told apart by shape and schema at run time (`tidings::__private::Shapes`): a
    // static per set, and the call that decodes a frame as one of them.
    let mut shape_sets = Vec::new();
    let mut shape_set = |name: &str, members: &[&MessagePlan]| -> TokenStream {
        let shapes = format_ident!("{name}");
        let readers_ident = format_ident!("{name}_READERS");
        let keys = members.iter().map(|m| m.key.as_str());
        let readers = members.iter().map(|m| {
            let variant = ident(&m.variant);
            let key = m.key.as_str();
            quote!(|value| ::tidings::__private::decode_value(value, #key).map(#enum_ident::#variant))
        });
        let count = members.len();
        shape_sets.push(quote! {
            static #shapes: ::tidings::__private::Shapes = ::tidings::__private::Shapes::new(&DESCRIPTOR, &[#(#keys),*]);
            const #readers_ident: [::tidings::__private::Reader<#enum_ident>; #count] = [#(#readers),*];
        });
        quote!(#shapes.decode(text, &#readers_ident))
    };
    let untagged = (!fallback.is_empty()).then(|| shape_set("UNTAGGED", &fallback));
    // `diverge` makes the block return, for places that expect a value of another type.
    let try_fallback = |otherwise: TokenStream, diverge: bool| -> TokenStream {
        match &untagged {
            None => otherwise,
            Some(call) if diverge => quote!(return #call),
            Some(call) => call.clone(),
        }
    };
    let decode_text = match (&direction.discriminator, json.as_slice()) {
        (_, []) => quote!(::core::result::Result::Err(::tidings::__private::DecodeError::TextNotAccepted)),
        (Some(property), _) => {
            let keys: Vec<String> = json.iter().map(|m| m.key.clone()).collect();
            let groups = super::dispatch::tag_groups(&keys, &direction.tags);
            let arms: Vec<TokenStream> = groups
                .iter()
                .enumerate()
                .map(|(i, (tag, members))| {
                    let members: Vec<&MessagePlan> = members.iter().filter_map(|k| plan.message(k)).collect();
                    let decode = match members.as_slice() {
                        [only] => {
                            let variant = ident(&only.variant);
                            let key = only.key.as_str();
                            quote!(::tidings::__private::decode_json(text, #key).map(Self::#variant))
                        }
                        _ => shape_set(&format!("TAGGED_{i}"), &members),
                    };
                    quote!(#tag => #decode)
                })
                .collect();
            let expected = groups.iter().map(|(tag, _)| tag);
            let unknown = try_fallback(
                quote! {
                    ::core::result::Result::Err(::tidings::__private::DecodeError::UnknownMessage {
                        property: #property,
                        value: tag.into_owned(),
                        expected: &[#(#expected),*],
                    })
                },
                false,
            );
            if fallback.is_empty() {
                quote! {
                    let tag = ::tidings::__private::read_tag(text, #property)?;
                    match &*tag {
                        #(#arms,)*
                        _ => { #unknown }
                    }
                }
            } else {
                // Messages without the tag: a frame whose tag is missing or unknown is one of them.
                let untagged = try_fallback(quote!(), true);
                let untagged_value = try_fallback(quote!(), false);
                quote! {
                    let tag = match ::tidings::__private::read_tag(text, #property) {
                        ::core::result::Result::Ok(tag) => tag,
                        ::core::result::Result::Err(::tidings::__private::DecodeError::NotJson { detail }) => {
                            return ::core::result::Result::Err(::tidings::__private::DecodeError::NotJson { detail });
                        }
                        ::core::result::Result::Err(_) => { #untagged }
                    };
                    match &*tag {
                        #(#arms,)*
                        _ => {
                            let _ = tag;
                            #untagged_value
                        }
                    }
                }
            }
        }
        (None, [only]) => {
            let variant = ident(&only.variant);
            let key = only.key.as_str();
            quote!(::tidings::__private::decode_json(text, #key).map(Self::#variant))
        }
        (None, _) => {
            try_fallback(quote!(::core::result::Result::Err(::tidings::__private::DecodeError::TextNotAccepted)), false)
        }
    };
    let decode_binary = match messages.iter().find(|m| matches!(m.payload, Payload::Binary)) {
        Some(m) => {
            let variant = ident(&m.variant);
            quote!(::core::result::Result::Ok(Self::#variant(bytes.to_vec())))
        }
        None => quote! {
            let _ = bytes;
            ::core::result::Result::Err(::tidings::__private::DecodeError::BinaryNotAccepted)
        },
    };
    let text_param = if json.is_empty() { quote!(_text) } else { quote!(text) };
    let froms = messages.iter().filter(|m| {
        let ty = payload_type(m, types).to_string();
        messages.iter().filter(|o| payload_type(o, types).to_string() == ty).count() == 1
    });
    let froms = froms.map(|m| {
        let variant = ident(&m.variant);
        let ty = payload_type(m, types);
        quote! {
            impl ::core::convert::From<#ty> for #enum_ident {
                fn from(payload: #ty) -> Self {
                    Self::#variant(payload)
                }
            }
        }
    });
    let doc = format!(" {doc}");
    let empty = messages.is_empty();
    let key_body = if empty { quote!(match *self {}) } else { quote!(match self { #(#keys,)* }) };
    let encode_body = if empty { quote!(match *self {}) } else { quote!(match self { #(#encodes,)* }) };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant, reason = "one message lives for one dispatch; boxing would allocate per frame")]
        pub enum #enum_ident {
            #(#variants,)*
        }

        impl ::tidings::__private::MessageEnum for #enum_ident {
            fn key(&self) -> &'static str {
                #key_body
            }
        }

        impl ::tidings::__private::Inbound for #enum_ident {
            fn decode_text(#text_param: &str) -> ::core::result::Result<Self, ::tidings::__private::DecodeError> {
                #(#shape_sets)*
                #decode_text
            }

            fn decode_binary(bytes: &[u8]) -> ::core::result::Result<Self, ::tidings::__private::DecodeError> {
                #decode_binary
            }
        }

        impl ::tidings::__private::Outbound for #enum_ident {
            fn encode(&self) -> ::core::result::Result<::tidings::__private::Frame, ::tidings::__private::EncodeError> {
                #encode_body
            }
        }

        #(#froms)*
    }
}
