//! Reading typed objects out of JSON values without stopping at the first problem.
//!
//! serde stops at the first error; a contract author wants all of them. [`FromNode`]
//! parses leniently: each object parses every field it can, records a [`Finding`] with the
//! JSON Pointer for each problem, and only then gives up on itself. The spec objects are
//! declared with [`spec_object!`](crate::spec_object), which writes the struct, its
//! `Serialize` and its `FromNode` from one list of fields.

use indexmap::IndexMap;
use serde_json::Value;

use crate::diagnostic::{Problem, Severity};
use crate::pointer::JsonPointer;

/// A problem found while reading typed objects, located by pointer only; the caller maps
/// pointers to files and positions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Finding {
    pub(crate) severity: Severity,
    pub(crate) problem: Problem,
    pub(crate) pointer: JsonPointer,
    /// Whether the position is that of the entry's key rather than its value.
    pub(crate) at_key: bool,
}

/// The reading context: where we are, and what was found so far.
#[derive(Debug, Default)]
pub(crate) struct Cx {
    path: JsonPointer,
    pub(crate) findings: Vec<Finding>,
}

impl Cx {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// An error at the current value.
    pub(crate) fn error(&mut self, problem: Problem) {
        self.findings.push(Finding { severity: Severity::Error, problem, pointer: self.path.clone(), at_key: false });
    }

    /// A warning at the current value.
    pub(crate) fn warning(&mut self, problem: Problem) {
        self.findings.push(Finding { severity: Severity::Warning, problem, pointer: self.path.clone(), at_key: false });
    }

    /// A finding at the key `key` of the current object.
    pub(crate) fn at_key(&mut self, key: &str, severity: Severity, problem: Problem) {
        self.findings.push(Finding { severity, problem, pointer: self.path.join(key), at_key: true });
    }

    /// Runs `f` one level down, at `token`.
    pub(crate) fn within<T>(&mut self, token: &str, f: impl FnOnce(&mut Self) -> T) -> T {
        self.path.push(token);
        let out = f(self);
        self.path.pop();
        out
    }

    /// The current value as an object, or an error.
    pub(crate) fn object<'v>(
        &mut self,
        v: &'v Value,
        what: &'static str,
    ) -> Option<&'v serde_json::Map<String, Value>> {
        match v {
            Value::Object(map) => Some(map),
            other => {
                self.error(Problem::WrongType { expected: what, found: kind_of(other) });
                None
            }
        }
    }

    /// Reads field `key` of `map` as a `T`; absent fields take [`FromNode::absent`], and a
    /// required field that is absent is an error on the object.
    pub(crate) fn field<T: FromNode>(
        &mut self,
        map: &serde_json::Map<String, Value>,
        key: &'static str,
        object: &'static str,
        ok: &mut bool,
    ) -> Option<T> {
        let parsed = match crate::pointer::member(map, key) {
            Some(v) => self.within(key, |cx| T::from_node(v, cx)),
            None => T::absent().or_else(|| {
                self.error(Problem::MissingField { field: key, object });
                None
            }),
        };
        *ok &= parsed.is_some();
        parsed
    }

    /// The keys of `map` that `known` does not list: `x-` keys are kept as extensions, any
    /// other key is a warning (when `warn_unknown`) and kept too, so that nothing written is lost.
    pub(crate) fn rest(
        &mut self,
        map: &serde_json::Map<String, Value>,
        known: &[&str],
        object: &'static str,
        warn_unknown: bool,
    ) -> IndexMap<String, Value> {
        let mut rest = IndexMap::new();
        for (key, value) in map {
            if known.contains(&key.as_str()) {
                continue;
            }
            if warn_unknown && !key.starts_with("x-") {
                self.at_key(key, Severity::Warning, Problem::UnknownField { key: key.clone(), object });
            }
            rest.insert(key.clone(), value.clone());
        }
        rest
    }
}

/// The JSON type of a value, for messages.
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A typed object read from a JSON value, collecting findings instead of stopping.
pub(crate) trait FromNode: Sized {
    /// Reads `v`; `None` means it could not, and the reason is in `cx`.
    fn from_node(v: &Value, cx: &mut Cx) -> Option<Self>;

    /// The value of an absent field; `None` makes the field required.
    fn absent() -> Option<Self> {
        None
    }
}

/// Whether a field is absent and so left out when serializing.
pub(crate) trait Absent {
    /// `true` when the field should not be written.
    fn is_absent(&self) -> bool;
}

impl<T> Absent for Option<T> {
    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl<T> Absent for Vec<T> {
    fn is_absent(&self) -> bool {
        self.is_empty()
    }
}

impl<K, V> Absent for IndexMap<K, V> {
    fn is_absent(&self) -> bool {
        self.is_empty()
    }
}

impl Absent for Value {
    fn is_absent(&self) -> bool {
        false
    }
}

impl Absent for String {
    fn is_absent(&self) -> bool {
        false
    }
}

impl FromNode for String {
    fn from_node(v: &Value, cx: &mut Cx) -> Option<Self> {
        match v {
            Value::String(s) => Some(s.clone()),
            other => {
                cx.error(Problem::WrongType { expected: "a string", found: kind_of(other) });
                None
            }
        }
    }
}

impl FromNode for Value {
    fn from_node(v: &Value, _: &mut Cx) -> Option<Self> {
        Some(v.clone())
    }
}

impl<T: FromNode> FromNode for Option<T> {
    fn from_node(v: &Value, cx: &mut Cx) -> Option<Self> {
        T::from_node(v, cx).map(Some)
    }

    fn absent() -> Option<Self> {
        Some(None)
    }
}

impl<T: FromNode> FromNode for Vec<T> {
    fn from_node(v: &Value, cx: &mut Cx) -> Option<Self> {
        let Value::Array(items) = v else {
            cx.error(Problem::WrongType { expected: "an array", found: kind_of(v) });
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match cx.within(&i.to_string(), |cx| T::from_node(item, cx)) {
                Some(t) => out.push(t),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn absent() -> Option<Self> {
        Some(Vec::new())
    }
}

impl<T: FromNode> FromNode for IndexMap<String, T> {
    fn from_node(v: &Value, cx: &mut Cx) -> Option<Self> {
        let Value::Object(map) = v else {
            cx.error(Problem::WrongType { expected: "an object", found: kind_of(v) });
            return None;
        };
        let mut out = IndexMap::with_capacity(map.len());
        let mut ok = true;
        for (key, item) in map {
            match cx.within(key, |cx| T::from_node(item, cx)) {
                Some(t) => {
                    out.insert(key.clone(), t);
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn absent() -> Option<Self> {
        Some(IndexMap::new())
    }
}

/// Declares a spec object: the struct with the spec's own field docs, its `Serialize`
/// (spec names, absent fields left out, extensions written back) and its [`FromNode`].
///
/// `extensible` objects warn about unknown keys that are not `x-` extensions and keep them
/// all in `extensions`; `open` objects (bindings) keep other keys without a warning.
macro_rules! spec_object {
    (
        $policy:ident;
        $(#[$meta:meta])*
        pub struct $name:ident = $what:literal {
            $( $(#[$fmeta:meta])* $key:literal => $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(rename = $key, skip_serializing_if = "crate::model::node::Absent::is_absent")]
                pub $field: $ty,
            )*
            /// Keys the specification does not define for this object, in document order:
            /// `x-` extensions, and anything else the document carries.
            #[serde(flatten)]
            pub extensions: ::indexmap::IndexMap<String, ::serde_json::Value>,
        }

        impl crate::model::node::Absent for $name {
            fn is_absent(&self) -> bool {
                false
            }
        }

        impl crate::model::node::FromNode for $name {
            fn from_node(v: &::serde_json::Value, cx: &mut crate::model::node::Cx) -> Option<Self> {
                let map = cx.object(v, $what)?;
                let mut ok = true;
                $( let $field = cx.field::<$ty>(map, $key, $what, &mut ok); )*
                let extensions = cx.rest(map, &[$($key),*], $what, stringify!($policy) == "extensible");
                if !ok {
                    return None;
                }
                Some(Self { $( $field: $field?, )* extensions })
            }
        }
    };
}

/// Declares a string enumeration of the spec (`action: send | receive`).
macro_rules! spec_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident = $allowed:literal {
            $( $(#[$vmeta:meta])* $text:literal => $variant:ident, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )*
        }

        impl $name {
            /// The values the specification allows, as messages name them.
            pub const ALLOWED: &'static str = $allowed;

            /// The spec's spelling.
            pub fn as_str(self) -> &'static str {
                match self { $( Self::$variant => $text, )* }
            }

            /// The value spelled `text`, when the specification allows it.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $( $text => Some(Self::$variant), )*
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl crate::model::node::Absent for $name {
            fn is_absent(&self) -> bool {
                false
            }
        }

        impl crate::model::node::FromNode for $name {
            fn from_node(v: &::serde_json::Value, cx: &mut crate::model::node::Cx) -> Option<Self> {
                let text = <String as crate::model::node::FromNode>::from_node(v, cx)?;
                let parsed = Self::parse(&text);
                if parsed.is_none() {
                    cx.error(crate::diagnostic::Problem::NotAllowed { found: text, allowed: $allowed });
                }
                parsed
            }
        }
    };
}

pub(crate) use spec_enum;
pub(crate) use spec_object;
