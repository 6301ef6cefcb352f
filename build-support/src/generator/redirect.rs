//! Pointing the crates generated code names (serde, serde_json, regress, chrono, uuid) at
//! the runtime's re-exports, so that a user's crate depends on `tidings` alone; and, on the
//! way, adding `JsonSchema` to every serde derive and dropping typify's placeholder docs.
//! typify's output is rewritten as tokens; type text that generation writes itself, as text.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

/// Crates generated types may name, re-exported by the runtime so users need not depend on them.
const REDIRECTED: &[&str] = &["serde", "serde_json", "regress", "chrono", "uuid"];

/// Whether an attribute's content is `doc = "`Name`"`: a name in backticks and nothing else.
fn is_placeholder_doc(attribute: &[TokenTree]) -> bool {
    let mut parts = attribute.iter().cloned();
    let (Some(TokenTree::Ident(doc)), Some(TokenTree::Punct(eq)), Some(TokenTree::Literal(text)), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if doc != "doc" || eq.as_char() != '=' {
        return false;
    }
    let text = text.to_string();
    text.strip_prefix("\"`")
        .and_then(|rest| rest.strip_suffix("`\""))
        .is_some_and(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// Points the crates generated code uses at the runtime's re-exports, adds `JsonSchema` to
/// every serde derive, and tells serde and schemars where they are.
pub(super) fn redirect(tokens: TokenStream) -> TokenStream {
    let mut tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out: Vec<TokenTree> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if let (TokenTree::Punct(a), Some(TokenTree::Punct(b)), Some(TokenTree::Ident(id))) =
            (&tokens[i], tokens.get(i + 1), tokens.get(i + 2))
        {
            // `a::serde` continues a path; after punctuation (`D: ::serde`) or a keyword
            // (`impl ::serde`) the path starts at the crate root. (Checked in this order so that
            // the common token pays for no string.)
            let leading = || match out.last() {
                Some(TokenTree::Ident(prev)) => is_keyword(&prev.to_string()),
                _ => true,
            };
            if a.as_char() == ':' && b.as_char() == ':' && REDIRECTED.iter().any(|name| id == name) && leading() {
                out.extend(quote::quote!(::tidings::__private));
                out.extend([tokens[i].clone(), tokens[i + 1].clone(), tokens[i + 2].clone()]);
                i += 3;
                continue;
            }
        }
        let attribute = matches!(&tokens[i], TokenTree::Punct(hash) if hash.as_char() == '#')
            && matches!(tokens.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket);
        if attribute {
            let inner = take_stream(&mut tokens[i + 1]);
            // typify documents a type the contract does not describe with its own name in
            // backticks. That says nothing, and schemars would write it into the type's schema
            // as a `description` for the reconciler to delete on every start-up.
            if is_placeholder_doc(&inner) {
                i += 2;
                continue;
            }
            let is_derive = matches!(inner.first(), Some(TokenTree::Ident(word)) if word == "derive");
            let inner: TokenStream = inner.into_iter().collect();
            let text = if is_derive { inner.to_string() } else { String::new() };
            if is_derive && text.contains("serde") {
                let mut derive = redirect(inner);
                if text.contains("Serialize") || text.contains("Deserialize") {
                    derive = add_json_schema(derive);
                }
                out.push(tokens[i].clone());
                out.push(TokenTree::Group(Group::new(Delimiter::Bracket, derive)));
                out.extend(quote::quote! {
                    #[serde(crate = "::tidings::__private::serde")]
                    #[schemars(crate = "::tidings::__private::schemars")]
                });
            } else {
                out.push(tokens[i].clone());
                out.push(TokenTree::Group(Group::new(Delimiter::Bracket, redirect(inner))));
            }
            i += 2;
            continue;
        }
        match &tokens[i] {
            TokenTree::Group(group) => {
                let (delimiter, span) = (group.delimiter(), group.span());
                let inner = take_stream(&mut tokens[i]);
                let mut redirected = Group::new(delimiter, redirect(inner.into_iter().collect()));
                redirected.set_span(span);
                out.push(TokenTree::Group(redirected));
            }
            // serde attributes name functions in strings: `skip_serializing_if = "::serde_json::..."`.
            TokenTree::Literal(literal) => out.push(redirect_literal(literal)),
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// The tokens of the group at `slot`, taken out of it (the slot keeps a placeholder). A
/// group shares its tokens with every copy of its stream: reading them from the only owner
/// moves them, where reading them through `Group::stream` copies them all.
fn take_stream(slot: &mut TokenTree) -> Vec<TokenTree> {
    let placeholder = TokenTree::Punct(proc_macro2::Punct::new('#', proc_macro2::Spacing::Alone));
    match std::mem::replace(slot, placeholder) {
        TokenTree::Group(group) => {
            let stream = group.stream();
            drop(group);
            stream.into_iter().collect()
        }
        other => vec![other],
    }
}

/// Type text as the token printer writes it (`:: serde_json :: Value`), with the crates
/// generated code may name pointed at the runtime's re-exports, as [`redirect`] does to tokens.
pub(super) fn redirect_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(at) = rest.find(":: ") {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        let name = after[3..].split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or_default();
        // `a :: serde` continues a path; at the start, after punctuation or after a keyword
        // the path starts at the crate root.
        let previous =
            before.trim_end().rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or_default();
        let leading = previous.is_empty() || is_keyword(previous);
        if leading && REDIRECTED.contains(&name) {
            out.push_str(":: tidings :: __private ");
        }
        out.push_str(":: ");
        rest = &after[3..];
    }
    out.push_str(rest);
    out
}

/// A string literal that starts with a redirected crate's path, pointed at the re-export.
fn redirect_literal(literal: &proc_macro2::Literal) -> TokenTree {
    let text = literal.to_string();
    let Some(path) = text.strip_prefix("\"::") else { return TokenTree::Literal(literal.clone()) };
    for name in REDIRECTED {
        if let Some(rest) = path.strip_prefix(name).and_then(|rest| rest.strip_prefix("::"))
            && let Ok(stream) = format!("\"::tidings::__private::{name}::{rest}").parse::<TokenStream>()
            && let Some(token) = stream.into_iter().next()
        {
            return token;
        }
    }
    TokenTree::Literal(literal.clone())
}

/// `derive(A, B)` becomes `derive(A, B, ::tidings::__private::schemars::JsonSchema)`.
fn add_json_schema(derive: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    for token in derive {
        match token {
            TokenTree::Group(group) if group.delimiter() == Delimiter::Parenthesis => {
                let mut inner = group.stream();
                inner.extend(quote::quote!(, ::tidings::__private::schemars::JsonSchema));
                out.push(TokenTree::Group(Group::new(Delimiter::Parenthesis, inner)));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

fn is_keyword(word: &str) -> bool {
    matches!(word, "as" | "for" | "pub" | "impl" | "dyn" | "where" | "mut" | "in" | "return" | "let" | "type" | "crate")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_paths_from_the_crate_root_are_redirected() {
        assert_eq!(
            redirect_text(":: std :: option :: Option < :: serde_json :: Value >"),
            ":: std :: option :: Option < :: tidings :: __private :: serde_json :: Value >"
        );
        assert_eq!(
            redirect_text(":: chrono :: DateTime < :: chrono :: offset :: Utc >"),
            ":: tidings :: __private :: chrono :: DateTime < :: tidings :: __private :: chrono :: offset :: Utc >"
        );
        // A path that continues through a module named like a crate is someone else's.
        assert_eq!(redirect_text("my_crate :: serde :: Thing"), "my_crate :: serde :: Thing");
        assert_eq!(redirect_text(":: uuid_like :: Id"), ":: uuid_like :: Id");
        assert_eq!(redirect_text("u64"), "u64");
    }

    #[test]
    fn token_paths_and_derives_are_redirected() {
        let tokens: TokenStream = "#[derive(::serde::Deserialize, ::serde::Serialize, Clone)] pub struct A { \
             #[serde(skip_serializing_if = \"::std::option::Option::is_none\")] pub b: ::std::option::Option<::serde_json::Value>, \
             pub c: my_crate::serde::Thing }"
            .parse()
            .expect("tokens");
        let text = redirect(tokens).to_string();
        assert!(text.contains(":: tidings :: __private :: serde :: Deserialize"), "{text}");
        assert!(text.contains(":: tidings :: __private :: schemars :: JsonSchema"), "{text}");
        assert!(text.contains("# [serde (crate = \"::tidings::__private::serde\")]"), "{text}");
        assert!(text.contains(":: tidings :: __private :: serde_json :: Value"), "{text}");
        assert!(text.contains("my_crate :: serde :: Thing"), "{text}");
        assert!(!text.contains("my_crate :: tidings"), "{text}");
    }
}
