//! Rust names for contract names: readable, always valid, never colliding, the same on
//! every run.
//!
//! Contract names are free text: `user.signedUp`, `2fa-code`, `room {id}`, `type`, `Self`.
//! Each becomes a Rust identifier by splitting into words (heck's rules), dropping what
//! cannot appear in an identifier, prefixing a leading digit, and escaping keywords (a raw
//! identifier where Rust allows one, a trailing underscore where it does not: `self`,
//! `Self`, `super`, `crate`). Collisions within one scope get `2`, `3`, ... in the order the
//! names were first asked for, which follows document order.

use std::collections::{HashMap, HashSet};

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Keywords of every Rust edition, strict and reserved.
pub(crate) const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Names of the prelude and of what generated code uses unqualified; a generated type of
/// that name would shadow it for the user's code around the generated module.
const RESERVED_TYPES: &[&str] = &["Option", "Some", "None", "Result", "Ok", "Err", "Box", "String", "Vec", "Self"];

/// How a name is cased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Case {
    /// `UpperCamelCase`: types, variants, traits.
    Type,
    /// `snake_case`: functions, fields, modules.
    Value,
}

/// An identifier for `raw` in the given case: valid Rust, though maybe a raw identifier.
pub(crate) fn ident_text(raw: &str, case: Case) -> String {
    let mut name = if already_cased(raw, case) {
        raw.to_owned()
    } else if let Some(recased) = recased(raw, case) {
        recased
    } else {
        // Non-ASCII letters cannot appear in every toolchain's view of an identifier we emit;
        // they split words like punctuation does.
        let cleaned: String = raw.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
        match case {
            Case::Type => cleaned.to_upper_camel_case(),
            Case::Value => cleaned.to_snake_case(),
        }
    };
    if name.is_empty() {
        name = match case {
            Case::Type => "Unnamed".to_owned(),
            Case::Value => "unnamed".to_owned(),
        };
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = match case {
            Case::Type => format!("N{name}"),
            Case::Value => format!("n{name}"),
        };
    }
    if case == Case::Type && RESERVED_TYPES.contains(&name.as_str()) {
        name.push('_');
    } else if KEYWORDS.contains(&name.as_str()) {
        if NOT_RAW.contains(&name.as_str()) {
            name.push('_');
        } else {
            name = format!("r#{name}");
        }
    }
    name
}

/// Whether heck would give `raw` back unchanged in `case`: most names are (`ChatText`,
/// `m0`), and asking is cheaper than casing, which counts when build.rs runs unoptimized.
pub(crate) fn already_cased(raw: &str, case: Case) -> bool {
    let bytes = raw.as_bytes();
    match case {
        // A capital starts a word only after a small letter: to heck, a run of capitals
        // (`HTTP`) is one word, cased `Http`, and so is a capital after a digit.
        Case::Type => {
            bytes.first().is_some_and(u8::is_ascii_uppercase)
                && bytes.iter().all(u8::is_ascii_alphanumeric)
                && !bytes.windows(2).any(|w| w[1].is_ascii_uppercase() && !w[0].is_ascii_lowercase())
        }
        Case::Value => {
            bytes.first().is_some_and(u8::is_ascii_lowercase)
                && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
                && !raw.ends_with('_')
                && !raw.contains("__")
        }
    }
}

/// What heck gives for `raw` in `case`, without heck, when `raw` is words already cased one
/// way or the other, separated by single spaces (`m0` to `M0`, `ChatText request_id` to
/// `ChatTextRequestId`): the names generation joins and recases most. heck at build
/// scripts' `opt-level = 0` costs tens of thousands of instructions a name.
fn recased(raw: &str, case: Case) -> Option<String> {
    let mut out = String::with_capacity(raw.len() + 4);
    for part in raw.split(' ') {
        let snake = already_cased(part, Case::Value);
        if !snake && !already_cased(part, Case::Type) {
            return None;
        }
        // The words of a part: split at `_` when snake case, before each capital otherwise
        // (a capital only ever follows a small letter in a part cased as a type).
        let mut start_word = true;
        for c in part.chars() {
            if c == '_' {
                start_word = true;
                continue;
            }
            if !snake && c.is_ascii_uppercase() {
                start_word = true;
            }
            match case {
                Case::Type if start_word => out.push(c.to_ascii_uppercase()),
                Case::Type => out.push(c.to_ascii_lowercase()),
                Case::Value => {
                    if start_word && !out.is_empty() {
                        out.push('_');
                    }
                    out.push(c.to_ascii_lowercase());
                }
            }
            start_word = false;
        }
    }
    Some(out)
}

/// Hands out unique identifiers within one scope.
#[derive(Debug, Default, Clone)]
pub(crate) struct Scope {
    taken: HashSet<String>,
    given: HashMap<(String, Case), String>,
}

impl Scope {
    /// A scope where `reserved` are already taken.
    pub(crate) fn with_reserved(reserved: &[&str]) -> Self {
        Self { taken: reserved.iter().map(|s| (*s).to_owned()).collect(), given: HashMap::new() }
    }

    /// The identifier for `raw` in this scope: the same text gets the same identifier,
    /// different texts that would clash get numbered.
    pub(crate) fn name(&mut self, raw: &str, case: Case) -> String {
        if let Some(given) = self.given.get(&(raw.to_owned(), case)) {
            return given.clone();
        }
        let base = ident_text(raw, case);
        let mut candidate = base.clone();
        let mut n = 2;
        while !self.taken.insert(candidate.trim_start_matches("r#").to_owned()) {
            let stem = base.trim_start_matches("r#").trim_end_matches('_');
            candidate = match case {
                Case::Type => format!("{stem}{n}"),
                Case::Value => format!("{stem}_{n}"),
            };
            n += 1;
        }
        self.given.insert((raw.to_owned(), case), candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_taken_as_they_are_are_what_heck_gives() {
        // Every string of up to five characters over letters of both cases, digits and `_`.
        let alphabet = ['A', 'B', 'a', 'b', '0', '1', '_'];
        let mut words = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> =
                words.iter().flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}"))).collect();
            for word in &longer {
                for case in [Case::Type, Case::Value] {
                    if already_cased(word, case) {
                        let cased = match case {
                            Case::Type => word.to_upper_camel_case(),
                            Case::Value => word.to_snake_case(),
                        };
                        assert_eq!(&cased, word, "{word:?} is not {case:?} as it is");
                    }
                }
            }
            words = longer;
        }
        assert!(already_cased("ChatText", Case::Type) && already_cased("op1x0", Case::Value));
    }

    #[test]
    fn names_recased_without_heck_are_what_heck_gives() {
        // Every string of up to five characters over letters of both cases, digits, `_` and
        // spaces, recased both ways where the fast path takes it.
        let alphabet = ['A', 'B', 'a', 'b', '0', '1', '_', ' '];
        let mut words = vec![String::new()];
        let mut taken = 0;
        for _ in 0..5 {
            let longer: Vec<String> =
                words.iter().flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}"))).collect();
            for word in &longer {
                for case in [Case::Type, Case::Value] {
                    if let Some(fast) = recased(word, case) {
                        taken += 1;
                        let slow = match case {
                            Case::Type => word.to_upper_camel_case(),
                            Case::Value => word.to_snake_case(),
                        };
                        assert_eq!(fast, slow, "{word:?} as {case:?}");
                    }
                }
            }
            words = longer;
        }
        assert!(taken > 1000, "the fast path took only {taken} names");
        assert_eq!(recased("ChatText request_id", Case::Type).as_deref(), Some("ChatTextRequestId"));
        assert_eq!(recased("m0", Case::Type).as_deref(), Some("M0"));
        assert_eq!(recased("HTTPServer", Case::Value), None);
    }

    #[test]
    fn identifiers_are_valid_and_readable() {
        assert_eq!(ident_text("user.signedUp", Case::Type), "UserSignedUp");
        assert_eq!(ident_text("user.signedUp", Case::Value), "user_signed_up");
        assert_eq!(ident_text("2fa-code", Case::Type), "N2faCode");
        assert_eq!(ident_text("2fa-code", Case::Value), "n2fa_code");
        assert_eq!(ident_text("room {id}", Case::Value), "room_id");
        assert_eq!(ident_text("type", Case::Value), "r#type");
        assert_eq!(ident_text("self", Case::Value), "self_");
        assert_eq!(ident_text("Self", Case::Type), "Self_");
        assert_eq!(ident_text("Option", Case::Type), "Option_");
        assert_eq!(ident_text("...", Case::Type), "Unnamed");
        assert_eq!(ident_text("ünïcode name", Case::Type), "NCodeName");
    }

    #[test]
    fn collisions_are_numbered_in_order_and_stable() {
        let mut scope = Scope::default();
        assert_eq!(scope.name("foo-bar", Case::Type), "FooBar");
        assert_eq!(scope.name("foo_bar", Case::Type), "FooBar2");
        assert_eq!(scope.name("FooBar", Case::Type), "FooBar3");
        assert_eq!(scope.name("foo-bar", Case::Type), "FooBar", "the same text keeps its name");
        let mut reserved = Scope::with_reserved(&["Incoming"]);
        assert_eq!(reserved.name("incoming", Case::Type), "Incoming2");
    }
}
