//! `#[derive(Params)]`: address parameters read into a struct's fields.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, LitStr};

use crate::attrs;

/// The keys `#[param(...)]` takes.
const KEYS: &str = "`example`, `allowed`, `default` or `location`";

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(&input.generics, "address parameters cannot be generic"));
    }
    let fields = attrs::struct_fields(
        input,
        "address parameters are named: one field per `{name}` of the address",
        "address parameters are a struct: one field per `{name}`",
    )?;
    let mut names = Vec::new();
    let mut parameters = Vec::new();
    let mut reads = Vec::new();
    for field in &fields {
        let Some(field_ident) = &field.ident else { continue };
        let name = field_ident.to_string().trim_start_matches("r#").to_owned();
        let (mut examples, mut allowed) = (Vec::new(), Vec::new());
        let (mut default, mut location): (Option<LitStr>, Option<LitStr>) = (None, None);
        for attr in field.attrs.iter().filter(|attr| attr.path().is_ident("param")) {
            attr.parse_nested_meta(|meta| {
                match meta.path.get_ident().map(ToString::to_string).as_deref() {
                    Some("example") => examples.push(attrs::string(&meta)?),
                    Some("allowed") => allowed.extend(attrs::list::<LitStr>(&meta)?),
                    Some("default") => default = Some(attrs::string(&meta)?),
                    Some("location") => location = Some(attrs::string(&meta)?),
                    _ => return Err(attrs::unknown(&meta, "param", KEYS)),
                }
                Ok(())
            })?;
        }
        if let Some(default) = &default
            && !allowed.is_empty()
            && !allowed.iter().any(|value| value.value() == default.value())
        {
            return Err(syn::Error::new(default.span(), "the default is not one of the allowed values"));
        }
        let description = attrs::optional_text(attrs::doc(&field.attrs).as_deref());
        let default = attrs::optional_text(default.as_ref().map(LitStr::value).as_deref());
        let location = attrs::optional_text(location.as_ref().map(LitStr::value).as_deref());
        parameters.push(quote! {
            ::tidings::descriptor::ParameterDescriptor {
                name: #name,
                description: #description,
                allowed: &[#(#allowed),*],
                default: #default,
                examples: &[#(#examples),*],
                location: #location,
            }
        });
        reads.push(quote! {
            #field_ident: ::tidings::__private::parse_param(
                #name,
                values.next().unwrap_or_default(),
                &[#(#allowed),*],
            )?
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
