//! Composition: the variants of a `oneOf` or `anyOf`, the members of an `allOf`, `not`, and
//! `if`/`then`/`else`; members are matched across the two lists before they are compared.

use serde_json::Value;

use super::values::type_text;
use super::{View, spot};
use crate::diff::Pairing::{InOrder, Unique};
use crate::diff::normalize::{VALIDATION_KEYWORDS, canonical_text, discriminator, schema_text};
use crate::diff::rules::{Flow, R};
use crate::diff::{Differ, Identity, match_items};

/// The properties tried, after an explicit `discriminator`, to tell the variants of a
/// `oneOf` apart (as the generator does).
const LIKELY_DISCRIMINATORS: &[&str] = &["action", "type", "event", "method", "kind", "op", "name"];

/// A member of an `allOf`/`anyOf`/`oneOf` list, with what identifies it.
struct Member<'a> {
    view: View<'a>,
    /// Where the member really is, when it is a reference.
    reference: Option<String>,
    /// The member in normal form, as text, computed when first needed.
    content: std::cell::OnceCell<String>,
    root: &'a Value,
}

impl Member<'_> {
    fn content(&self) -> &str {
        self.content.get_or_init(|| schema_text(self.root, self.view.node.value))
    }
}

impl<'a> Differ<'a> {
    /// A list of variants (`oneOf` or `anyOf`, and nothing else that constrains) against one
    /// schema that has none: the schema is compared as a list of one. Returns whether it was.
    pub(super) fn variants_against_one(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow, depth: usize) -> bool {
        match (variants_only(o), variants_only(n)) {
            (Some(ok), None) if variants(n).is_none() => {
                let (ol, nl) = (member_list(self.old, o, ok), vec![Member::whole(self.new, n)]);
                let cx = MemberCx {
                    old_keyword: ok,
                    new_keyword: ok,
                    flow,
                    depth,
                    rules: (R::VariantAdded, R::VariantRemoved),
                };
                self.members(&ol, &nl, discriminator_of(o, n), cx);
                true
            }
            (None, Some(nk)) if variants(o).is_none() => {
                let (ol, nl) = (vec![Member::whole(self.old, o)], member_list(self.new, n, nk));
                let cx = MemberCx {
                    old_keyword: nk,
                    new_keyword: nk,
                    flow,
                    depth,
                    rules: (R::VariantAdded, R::VariantRemoved),
                };
                self.members(&ol, &nl, discriminator_of(o, n), cx);
                true
            }
            _ => false,
        }
    }

    /// `oneOf`/`anyOf` variants, `allOf` members, `not`, `if`/`then`/`else`.
    pub(super) fn composition(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow, depth: usize) {
        match (variants(o), variants(n)) {
            (None, None) => {}
            (None, Some(keyword)) => {
                let message = format!("`{keyword}` added: values must match its schemas");
                self.emit(R::ConstraintTightened, flow, &spot(o, n, keyword), message);
            }
            (Some(keyword), None) => {
                let message = format!("`{keyword}` removed");
                self.emit(R::ConstraintLoosened, flow, &spot(o, n, keyword), message);
            }
            (Some(ok), Some(nk)) => {
                if ok != nk {
                    // `anyOf` allows what matches several variants, `oneOf` refuses it.
                    let rule = if nk == "anyOf" { R::ConstraintLoosened } else { R::ConstraintTightened };
                    self.emit(rule, flow, &spot(o, n, nk), format!("`{ok}` is now `{nk}`"));
                }
                let property = discriminator_of(o, n);
                let (ol, nl) = (member_list(self.old, o, ok), member_list(self.new, n, nk));
                let cx = MemberCx {
                    old_keyword: ok,
                    new_keyword: nk,
                    flow,
                    depth,
                    rules: (R::VariantAdded, R::VariantRemoved),
                };
                self.members(&ol, &nl, property, cx);
            }
        }
        match (o.get("allOf").is_some(), n.get("allOf").is_some()) {
            (true, true) => {
                let (ol, nl) = (member_list(self.old, o, "allOf"), member_list(self.new, n, "allOf"));
                let rules = (R::ConstraintTightened, R::ConstraintLoosened);
                let cx = MemberCx { old_keyword: "allOf", new_keyword: "allOf", flow, depth, rules };
                self.members(&ol, &nl, None, cx);
            }
            (false, false) => {}
            _ => self.optional_schema(o, n, "allOf", flow, flow, depth),
        }
        self.optional_schema(o, n, "not", flow, flow.negated(), depth);
        self.same_or(o, n, "if", flow);
        for keyword in ["then", "else"] {
            if o.get(keyword).is_some() || n.get(keyword).is_some() {
                self.schema(o.sub(self.old, keyword), n.sub(self.new, keyword), flow, depth + 1);
            }
        }
    }

    /// The members of two schema lists, matched by what they refer to, by discriminator
    /// value, by title, by content, by the names of their properties, by type, and a last
    /// pair left alone on each side.
    fn members(&mut self, ol: &[Member<'a>], nl: &[Member<'a>], property: Option<&str>, cx: MemberCx) {
        let by_reference: Identity<'_, Member<'_>> = &|m| m.reference.clone();
        let by_tag: Identity<'_, Member<'_>> = &|m| tag(&m.view, property);
        let by_title: Identity<'_, Member<'_>> = &|m| m.view.title().map(str::to_owned);
        let by_content: Identity<'_, Member<'_>> = &|m| Some(m.content().to_owned());
        let by_properties: Identity<'_, Member<'_>> = &|m| m.view.property_names();
        let by_type: Identity<'_, Member<'_>> = &|m| Some(type_text(&m.view.types()));
        let last_one: Identity<'_, Member<'_>> = &|_| Some(String::new());
        let matching = match_items(
            ol,
            nl,
            &[
                (InOrder, by_reference),
                (Unique, by_tag),
                (Unique, by_title),
                (InOrder, by_content),
                (Unique, by_properties),
                (Unique, by_type),
                (Unique, last_one),
            ],
        );
        let (added, removed) = cx.rules;
        for &i in &matching.removed {
            self.emit(removed, cx.flow, &ol[i].view.node.path, format!("`{}` member {i} removed", cx.old_keyword));
        }
        for &j in &matching.added {
            self.emit(added, cx.flow, &nl[j].view.node.path, format!("`{}` member {j} added", cx.new_keyword));
        }
        for &(i, j) in &matching.pairs {
            self.schema(ol[i].view.node.clone(), nl[j].view.node.clone(), cx.flow, cx.depth + 1);
        }
    }
}

/// How a list of members is compared.
struct MemberCx {
    old_keyword: &'static str,
    new_keyword: &'static str,
    flow: Flow,
    depth: usize,
    /// The rules for a member added and removed.
    rules: (R, R),
}

impl<'a> Member<'a> {
    /// A whole schema as the one member of a list.
    fn whole(root: &'a Value, view: &View<'a>) -> Self {
        Member { reference: None, content: std::cell::OnceCell::new(), root, view: view.clone() }
    }
}

/// The members under `keyword` (`allOf`, `anyOf`, `oneOf`).
fn member_list<'a>(root: &'a Value, view: &View<'a>, keyword: &str) -> Vec<Member<'a>> {
    let written = view.get(keyword).and_then(Value::as_array).cloned().unwrap_or_default();
    let nodes = view.child(root, keyword).map(|l| l.items(root)).unwrap_or_default();
    nodes
        .into_iter()
        .zip(written)
        .map(|(node, raw)| Member {
            reference: raw.get("$ref").map(|_| node.real.to_string()),
            content: std::cell::OnceCell::new(),
            root,
            view: View::of(root, node),
        })
        .collect()
}

/// The variant keyword a schema has: `oneOf`, else `anyOf`.
fn variants(view: &View<'_>) -> Option<&'static str> {
    ["oneOf", "anyOf"].into_iter().find(|k| view.get(k).is_some())
}

/// The variant keyword of a schema that is nothing but variants (and annotations).
fn variants_only(view: &View<'_>) -> Option<&'static str> {
    let keyword = variants(view)?;
    let constrains = |k: &&str| VALIDATION_KEYWORDS.contains(k) && *k != keyword && *k != "discriminator";
    (!view.keywords().iter().any(constrains)).then_some(keyword)
}

/// The discriminator either schema names.
fn discriminator_of<'v>(o: &View<'v>, n: &View<'v>) -> Option<&'v str> {
    [o.get("discriminator"), n.get("discriminator")].into_iter().flatten().find_map(discriminator)
}

/// The value that tells a variant apart: its `const` (or one-value `enum`) for the
/// discriminator property, else for the first likely one it has.
fn tag(view: &View<'_>, property: Option<&str>) -> Option<String> {
    let properties = view.get("properties")?.as_object()?;
    let single = |name: &str| -> Option<String> {
        let schema = properties.get(name)?;
        let value = schema.get("const").or_else(|| {
            schema.get("enum").and_then(Value::as_array).filter(|values| values.len() == 1).and_then(|v| v.first())
        })?;
        Some(format!("{name}={}", canonical_text(value)))
    };
    match property {
        Some(property) => single(property),
        None => LIKELY_DISCRIMINATORS.iter().find_map(|p| single(p)),
    }
}
