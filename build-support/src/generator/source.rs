//! Rust source written as text: everything the generator writes itself (message enums and
//! their codecs, consumer traits and adapters, descriptors, constructors, compact types),
//! while typify's items stay tokens.
//!
//! Building these items as tokens cost an allocation per token and a pass through the token
//! printer, and at cargo's default `opt-level = 0` for build scripts that was two fifths of
//! generating a 550-message contract. The text is the same Rust: literals go through `Debug`
//! of `str`, which writes a valid Rust string literal, and names are identifiers the
//! generator already made valid.

use serde_json::Value;

/// Rust source being written as text.
pub(super) struct Source(String);

impl Source {
    pub(super) fn raw(&mut self, text: &str) -> &mut Self {
        self.0.push_str(text);
        self
    }

    /// A string literal (`Debug` of a `str` is one: quotes, `\"`, `\\`, `\n`, `\u{..}`).
    pub(super) fn str(&mut self, text: &str) -> &mut Self {
        use std::fmt::Write as _;
        let _ = write!(self.0, "{text:?}");
        self
    }

    pub(super) fn field(&mut self, name: &str) -> &mut Self {
        self.raw(name).raw(": ")
    }

    pub(super) fn opt(&mut self, text: Option<&str>) -> &mut Self {
        match text {
            Some(text) => self.raw("::core::option::Option::Some(").str(text).raw(")"),
            None => self.raw("::core::option::Option::None"),
        }
    }

    /// `&["a", "b"]`.
    pub(super) fn strs<'a>(&mut self, items: impl IntoIterator<Item = &'a str>) -> &mut Self {
        self.raw("&[");
        for item in items {
            self.str(item).raw(", ");
        }
        self.raw("]")
    }

    /// A JSON value as a `tidings::descriptor::Json` tree, its variants reached through `J`.
    pub(super) fn json(&mut self, value: &Value) -> &mut Self {
        use std::fmt::Write as _;
        match value {
            Value::Null => self.raw("J::Null"),
            Value::Bool(b) => self.raw(if *b { "J::Bool(true)" } else { "J::Bool(false)" }),
            Value::Number(n) => {
                let _ = match (n.as_u64(), n.as_i64(), n.as_f64()) {
                    (Some(u), _, _) => write!(self.0, "J::Unsigned({u})"),
                    (None, Some(i), _) => write!(self.0, "J::Signed({i})"),
                    // `Debug` of an `f64` is a float literal that reads back to the same value
                    // (`0.5`, `1e300`); JSON has no infinities or NaN.
                    (None, None, Some(f)) => write!(self.0, "J::Float({f:?})"),
                    (None, None, None) => write!(self.0, "J::Null"),
                };
                self
            }
            Value::String(text) => self.raw("J::Str(").str(text).raw(")"),
            Value::Array(items) => self
                .raw("J::Array(")
                .list(items, |out, item| {
                    out.json(item);
                })
                .raw(")"),
            Value::Object(members) => self
                .raw("J::Object(")
                .list(members, |out, (key, value)| {
                    out.raw("(").str(key).raw(", ").json(value).raw(")");
                })
                .raw(")"),
        }
    }

    /// `&[item, item]`, each written by `write`.
    pub(super) fn list<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut write: impl FnMut(&mut Self, T),
    ) -> &mut Self {
        self.raw("&[");
        for item in items {
            write(self, item);
            self.raw(", ");
        }
        self.raw("]")
    }
}

impl Source {
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Self(String::with_capacity(capacity))
    }

    pub(super) fn into_string(self) -> String {
        self.0
    }

    /// Doc comment lines at `indent`, one per line of `text`.
    pub(super) fn doc(&mut self, indent: &str, text: &str) -> &mut Self {
        for line in text.lines() {
            self.raw(indent);
            // A lone carriage return may not stand in a `///` comment; the attribute form
            // carries any text.
            if line.contains('\r') {
                self.raw("#[doc = ").str(&format!(" {line}")).raw("]\n");
            } else if line.is_empty() {
                self.raw("///\n");
            } else {
                self.raw("/// ").raw(line).raw("\n");
            }
        }
        self
    }
}
