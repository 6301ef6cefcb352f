//! `#[derive(Params)]`: address parameters read into a struct's fields.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

use crate::attrs;

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(&input.generics, "address parameters cannot be generic"));
    }
    let fields: Vec<&syn::Field> = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => fields.named.iter().collect(),
            Fields::Unit => Vec::new(),
            Fields::Unnamed(fields) => {
                return Err(syn::Error::new_spanned(
                    fields,
                    "address parameters are named: one field per `{name}` of the address",
                ));
            }
        },
        _ => return Err(syn::Error::new_spanned(ident, "address parameters are a struct: one field per `{name}`")),
    };
    let mut names = Vec::new();
    let mut parameters = Vec::new();
    let mut reads = Vec::new();
    for field in &fields {
        let Some(field_ident) = &field.ident else { continue };
        let name = field_ident.to_string().trim_start_matches("r#").to_owned();
        let mut examples = Vec::new();
        for attr in field.attrs.iter().filter(|attr| attr.path().is_ident("param")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("example") {
                    examples.push(attrs::string(&meta)?);
                    Ok(())
                } else {
                    Err(attrs::unknown(&meta, "param", "`example`"))
                }
            })?;
        }
        let description = attrs::optional_text(attrs::doc(&field.attrs).as_deref());
        parameters.push(quote! {
            ::tidings::descriptor::ParameterDescriptor {
                name: #name,
                description: #description,
                allowed: &[],
                default: ::core::option::Option::None,
                examples: &[#(#examples),*],
                location: ::core::option::Option::None,
            }
        });
        reads.push(quote! {
            #field_ident: ::tidings::__private::parse_param(#name, values.next().unwrap_or_default())?
        });
        names.push(name);
    }
    let values = if reads.is_empty() { quote!(_values) } else { quote!(values) };
    let iterate = (!reads.is_empty()).then(|| quote!(let mut values = values.into_iter();));
    Ok(quote! {
        impl ::tidings::contract::Params for #ident {
            const NAMES: &'static [&'static str] = &[#(#names),*];
            const PARAMETERS: &'static [::tidings::descriptor::ParameterDescriptor] = &[#(#parameters),*];

            fn from_values(
                #values: ::std::vec::Vec<::std::string::String>,
            ) -> ::core::result::Result<Self, ::tidings::contract::ParamError> {
                #iterate
                ::core::result::Result::Ok(Self { #(#reads),* })
            }
        }
    })
}
