//! The keywords that constrain single values: `type` (with nullable forms), `enum` and
//! `const`, numeric bounds, lengths and counts, `multipleOf`, `uniqueItems`, `pattern` and
//! `format`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{FORMATS, View, spot};
use crate::diff::normalize::{accepts, json_eq, sort_keys};
use crate::diff::rules::{Flow, R};
use crate::diff::{Differ, show};

/// Lower bounds: a greater value allows fewer values.
const LOWER_BOUNDS: &[&str] = &["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"];
/// Upper bounds: a smaller value allows fewer values.
const UPPER_BOUNDS: &[&str] = &["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"];

fn type_list(types: &Option<BTreeSet<&'static str>>) -> Option<Value> {
    types.as_ref().map(|t| t.iter().copied().map(Value::from).collect())
}

pub(super) fn type_text(types: &Option<BTreeSet<&'static str>>) -> String {
    match types {
        None => "any".to_owned(),
        Some(t) => t.iter().copied().collect::<Vec<_>>().join(" or "),
    }
}

impl<'a> Differ<'a> {
    /// `type` (with what `enum` and nullable pairs say). Returns false when the types have
    /// nothing in common: the rest would be noise.
    pub(super) fn types(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow) -> bool {
        if o.enumeration().is_some() && n.enumeration().is_some() {
            return true;
        }
        let (ot, nt) = (o.types(), n.types());
        if ot == nt {
            return true;
        }
        let at = spot(o, n, "type");
        let (narrower, wider) = match (&ot, &nt) {
            (None, Some(_)) => (true, false),
            (Some(_), None) => (false, true),
            (Some(a), Some(b)) => (b.iter().all(|t| accepts(a, t)), a.iter().all(|t| accepts(b, t))),
            (None, None) => (true, true),
        };
        let nullable = |t: &Option<BTreeSet<&str>>| t.as_ref().is_some_and(|t| t.contains("null"));
        let message = match (nullable(&ot), nullable(&nt)) {
            (false, true) if wider => format!("now nullable: {}", type_text(&nt)),
            (true, false) if narrower => format!("no longer nullable: {}", type_text(&nt)),
            _ => format!("type {} is now {}", type_text(&ot), type_text(&nt)),
        };
        let (old_list, new_list) = (type_list(&ot), type_list(&nt));
        let rule = match (narrower, wider) {
            (true, _) => R::TypeNarrowed,
            (_, true) => R::TypeWidened,
            _ => R::TypeChanged,
        };
        self.emit(rule, flow, &at, message).values(old_list.as_ref(), new_list.as_ref());
        match (&ot, &nt) {
            (Some(a), Some(b)) => b.iter().any(|t| accepts(a, t)) || a.iter().any(|t| accepts(b, t)),
            _ => true,
        }
    }

    /// `enum` and `const`, as sets of allowed values.
    pub(super) fn enumeration(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow) {
        let keyword = |v: &View<'a>| if v.get("const").is_some() { "const" } else { "enum" };
        let at = n.at(keyword(n)).or_else(|| o.at(keyword(o))).unwrap_or_else(|| n.node.path.clone());
        let (oe, ne) = (o.enumeration(), n.enumeration());
        let list = |v: &Option<Vec<Value>>| v.clone().map(Value::Array);
        match (&oe, &ne) {
            (None, None) => {}
            (None, Some(values)) => {
                let message = format!("values restricted to {}", Value::Array(values.clone()));
                self.emit(R::EnumAdded, flow, &at, message).values(None, list(&ne).as_ref());
            }
            (Some(_), None) => {
                self.emit(R::EnumRemoved, flow, &at, "any value allowed now".to_owned())
                    .values(list(&oe).as_ref(), None);
            }
            (Some(a), Some(b)) if a.len() == 1 && b.len() == 1 => {
                if !json_eq(&a[0], &b[0]) {
                    let message = format!("the value {} is now {}", show(&a[0]), show(&b[0]));
                    self.emit(R::ConstChanged, flow, &at, message).values(Some(&a[0]), Some(&b[0]));
                }
            }
            (Some(a), Some(b)) => {
                let added: Vec<Value> = b.iter().filter(|v| !a.iter().any(|w| json_eq(v, w))).cloned().collect();
                let removed: Vec<Value> = a.iter().filter(|v| !b.iter().any(|w| json_eq(v, w))).cloned().collect();
                if !added.is_empty() {
                    let message = format!("value(s) added: {}", list_text(&added));
                    self.emit(R::EnumValueAdded, flow, &at, message).values(None, Some(&Value::Array(added)));
                }
                if !removed.is_empty() {
                    let message = format!("value(s) removed: {}", list_text(&removed));
                    self.emit(R::EnumValueRemoved, flow, &at, message).values(Some(&Value::Array(removed)), None);
                }
            }
        }
    }

    /// Numeric bounds, lengths and counts, `multipleOf`, `uniqueItems`, `pattern`, `format`.
    pub(super) fn bounds(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow) {
        for (keywords, lower) in [(LOWER_BOUNDS, true), (UPPER_BOUNDS, false)] {
            for &keyword in keywords {
                let (ov, nv) = (o.get(keyword), n.get(keyword));
                let tighter = match (ov.and_then(Value::as_f64), nv.and_then(Value::as_f64)) {
                    (None, None) if ov.is_none() && nv.is_none() => continue,
                    (None, Some(_)) if ov.is_none() => Some(true),
                    (Some(_), None) if nv.is_none() => Some(false),
                    (Some(a), Some(b)) if a == b => continue,
                    (Some(a), Some(b)) => Some((b > a) == lower),
                    _ if json_eq(ov.unwrap_or(&Value::Null), nv.unwrap_or(&Value::Null)) => continue,
                    _ => None,
                };
                self.constraint(o, n, keyword, tighter, flow);
            }
        }
        let (om, nm) = (o.get("multipleOf").and_then(Value::as_f64), n.get("multipleOf").and_then(Value::as_f64));
        let whole = |x: f64| x.is_finite() && (x - x.round()).abs() < 1e-9;
        let multiple = match (om, nm) {
            (None, None) => None,
            (a, b) if a == b => None,
            (None, Some(_)) => Some(Some(true)),
            (Some(_), None) => Some(Some(false)),
            (Some(a), Some(b)) if whole(b / a) => Some(Some(true)),
            (Some(a), Some(b)) if whole(a / b) => Some(Some(false)),
            _ => Some(None),
        };
        if let Some(tighter) = multiple {
            self.constraint(o, n, "multipleOf", tighter, flow);
        }
        let unique = |v: &View<'a>| v.get("uniqueItems") == Some(&Value::Bool(true));
        if unique(o) != unique(n) {
            self.constraint(o, n, "uniqueItems", Some(unique(n)), flow);
        }
        // A format validators do not know (`int32`, `uint64`, `double` from schemars) is an
        // annotation: treated as absent here, and compared with the annotations.
        let format = |v: &View<'a>| v.get("format").filter(|f| f.as_str().is_some_and(|f| FORMATS.contains(&f)));
        let tighter = match (format(o), format(n)) {
            (None, None) => None,
            (Some(a), Some(b)) if json_eq(a, b) => None,
            (None, Some(_)) => Some(Some(true)),
            (Some(_), None) => Some(Some(false)),
            _ => Some(None),
        };
        if let Some(tighter) = tighter {
            self.constraint(o, n, "format", tighter, flow);
        }
        for keyword in ["pattern"] {
            let tighter = match (o.get(keyword), n.get(keyword)) {
                (None, None) => continue,
                (Some(a), Some(b)) if json_eq(a, b) => continue,
                (None, Some(_)) => Some(true),
                (Some(_), None) => Some(false),
                _ => None,
            };
            self.constraint(o, n, keyword, tighter, flow);
        }
    }

    /// One constraint keyword changed: tighter (`Some(true)`), looser, or neither.
    fn constraint(&mut self, o: &View<'a>, n: &View<'a>, keyword: &str, tighter: Option<bool>, flow: Flow) {
        let (ov, nv) = (o.get(keyword), n.get(keyword));
        let text = |v: Option<&Value>| v.map_or("(none)".to_owned(), show);
        let message = format!("`{keyword}` {} is now {}", text(ov), text(nv));
        let rule = match tighter {
            Some(true) => R::ConstraintTightened,
            Some(false) => R::ConstraintLoosened,
            None => R::ConstraintChanged,
        };
        self.emit(rule, flow, &spot(o, n, keyword), message).values(ov, nv);
    }
}

fn list_text(values: &[Value]) -> String {
    values.iter().map(|v| show(&sort_keys(v))).collect::<Vec<_>>().join(", ")
}
