//! How the messages of one direction of a channel are told apart: the discriminator (named
//! in build.rs, named by the payloads, or inferred from their constants), the messages that
//! share a tag value or have none, and the warnings where only schemas tell two apart. The
//! runtime half is `tidings::__private::Shapes`; both read shapes with
//! `tidings_asyncapi::shape`.

use std::collections::HashMap;

use serde_json::Value;
use tidings_asyncapi::pointer::{follow, follow_value, reference_of};
use tidings_asyncapi::shape::Shape;

use super::channels::{ChannelPlan, Direction, MessagePlan, Payload, Planner, quoted};
use super::{BuildProblem, Finding};

/// The properties tried first when inferring a discriminator, in order.
const PREFERRED_DISCRIMINATORS: &[&str] = &["action", "type", "event", "method", "kind", "op", "name"];

impl Planner<'_> {
    /// The discriminator of one direction, each message's value of it, and the messages
    /// without one of their own, told apart by shape (`Shapes` in the runtime).
    ///
    /// A property named in build.rs is the user's word: a message without a value of it is an
    /// error. Otherwise the contract's `discriminator`, or the property whose constants tell
    /// the most messages apart, tags what it can; nothing here fails a valid document.
    pub(super) fn discriminate(
        &mut self,
        plan: &ChannelPlan,
        direction: &Direction,
        incoming: bool,
        forced: Option<&str>,
    ) -> (Option<String>, HashMap<String, String>, Vec<String>) {
        let verb = if incoming { "receives" } else { "sends" };
        let messages: Vec<&MessagePlan> = direction.messages.iter().filter_map(|k| plan.message(k)).collect();
        let json: Vec<&MessagePlan> =
            messages.iter().copied().filter(|m| !matches!(m.payload, Payload::Binary)).collect();
        let binary: Vec<&str> =
            messages.iter().filter(|m| matches!(m.payload, Payload::Binary)).map(|m| m.key.as_str()).collect();
        if let [first, _, ..] = binary.as_slice() {
            self.findings.push(Finding::warning(
                BuildProblem::SeveralBinaryMessages {
                    channel: self.key.to_owned(),
                    direction: verb,
                    messages: quoted(binary.iter().copied()),
                    first: (*first).to_owned(),
                },
                self.channel_at.clone(),
            ));
        }
        let merged = self.view.json();
        let payload_at = |m: &MessagePlan| m.pointer.join("payload");
        let all_tags: Vec<Vec<(String, String)>> = json
            .iter()
            .map(|m| {
                follow(merged, &payload_at(m))
                    .map(|(_, schema)| constant_properties(merged, schema))
                    .unwrap_or_default()
            })
            .collect();
        let explicit = json
            .iter()
            .map(|m| {
                follow(merged, &payload_at(m))
                    .and_then(|(_, s)| s.get("discriminator").and_then(Value::as_str).map(str::to_owned))
            })
            .collect::<Option<Vec<String>>>()
            .filter(|d| d.windows(2).all(|w| w[0] == w[1]))
            .and_then(|d| d.into_iter().next());
        let property = forced.map(str::to_owned).or(explicit).or_else(|| infer(&all_tags));
        let Some(property) = property else {
            if json.len() < 2 {
                return (None, HashMap::new(), Vec::new());
            }
            self.warn_indistinct(&json, verb);
            return (None, HashMap::new(), json.iter().map(|m| m.key.clone()).collect());
        };
        let mut tags = HashMap::new();
        let mut fallback: Vec<&MessagePlan> = Vec::new();
        for (m, constants) in json.iter().zip(&all_tags) {
            match constants.iter().find(|(p, _)| *p == property) {
                Some((_, value)) => {
                    tags.insert(m.key.clone(), value.clone());
                }
                // A property named in build.rs is the user's word: every message must have it.
                None if forced.is_some() => self.findings.push(Finding::error(
                    BuildProblem::DiscriminatorMissing {
                        channel: self.key.to_owned(),
                        property: property.clone(),
                        message: m.key.clone(),
                    },
                    self.channel_at.join("messages").join(m.key.clone()),
                )),
                None => fallback.push(*m),
            }
        }
        if json.len() == 1 && fallback.len() == 1 {
            // One message, without the property: nothing to tell apart.
            return (None, HashMap::new(), Vec::new());
        }
        // Messages that share a value are told apart by shape among themselves.
        let keys: Vec<String> = json.iter().map(|m| m.key.clone()).collect();
        for (_, group) in tag_groups(&keys, &tags) {
            let members: Vec<&MessagePlan> = group.iter().filter_map(|k| plan.message(k)).collect();
            self.warn_indistinct(&members, verb);
        }
        self.warn_indistinct(&fallback, verb);
        (Some(property), tags, fallback.iter().map(|m| m.key.clone()).collect())
    }

    /// Warns about each message whose shape an earlier one shares: a frame both schemas
    /// accept goes to the earlier one.
    fn warn_indistinct(&mut self, fallback: &[&MessagePlan], verb: &'static str) {
        if fallback.len() < 2 {
            return;
        }
        // A message without a JSON Schema payload may be any value.
        let merged = self.view.json();
        let any = Shape::of(&Value::Bool(true), merged);
        let shapes: Vec<Shape> = fallback
            .iter()
            .map(|m| match &m.payload {
                Payload::Json(_) => {
                    let at = m.pointer.join("payload");
                    follow(merged, &at).map_or_else(|| any.clone(), |(_, s)| Shape::of(s, merged))
                }
                _ => any.clone(),
            })
            .collect();
        for (j, later) in shapes.iter().enumerate() {
            let Some(i) = shapes[..j].iter().position(|earlier| earlier.indistinct_from(later)) else { continue };
            self.findings.push(Finding::warning(
                BuildProblem::IndistinctShapes {
                    channel: self.key.to_owned(),
                    direction: verb,
                    first: fallback[i].key.clone(),
                    second: fallback[j].key.clone(),
                },
                self.channel_at.join("messages").join(fallback[j].key.clone()),
            ));
        }
    }
}

/// The property whose constant values tell the most messages apart: most distinct values,
/// then most messages with a value, then the usual names first. A property with one value
/// for all tells nothing (unless there is one message).
fn infer(all: &[Vec<(String, String)>]) -> Option<String> {
    let mut names: Vec<&String> = all.iter().flatten().map(|(p, _)| p).collect();
    names.sort();
    names.dedup();
    let mut candidates: Vec<(usize, usize, &String)> = names
        .into_iter()
        .filter_map(|p| {
            let values: Vec<&String> =
                all.iter().filter_map(|c| c.iter().find(|(q, _)| q == p).map(|(_, v)| v)).collect();
            let mut distinct = values.clone();
            distinct.sort();
            distinct.dedup();
            (distinct.len() > 1 || all.len() == 1).then_some((distinct.len(), values.len(), p))
        })
        .collect();
    candidates.sort_by_key(|(distinct, count, p)| {
        (
            usize::MAX - distinct,
            usize::MAX - count,
            PREFERRED_DISCRIMINATORS.iter().position(|q| q == *p).unwrap_or(usize::MAX),
            (*p).clone(),
        )
    });
    candidates.first().map(|(_, _, p)| (*p).clone())
}

/// The messages of each discriminator value, values in the order of their first message.
pub(super) fn tag_groups<'k>(keys: &'k [String], tags: &HashMap<String, String>) -> Vec<(String, Vec<&'k String>)> {
    let mut groups: Vec<(String, Vec<&String>)> = Vec::new();
    for key in keys {
        let Some(value) = tags.get(key) else { continue };
        match groups.iter_mut().find(|(v, _)| v == value) {
            Some((_, members)) => members.push(key),
            None => groups.push((value.clone(), vec![key])),
        }
    }
    groups
}

/// The properties of an object schema whose value is fixed (`const`, or a one-value `enum`),
/// looking through `allOf` and references.
fn constant_properties(doc: &Value, schema: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect_constants(doc, schema, &mut out, 0);
    out
}

fn collect_constants(doc: &Value, schema: &Value, out: &mut Vec<(String, String)>, depth: usize) {
    if depth > 16 {
        return;
    }
    let schema = match reference_of(schema) {
        Some(_) => match follow_value(doc, schema) {
            Some((_, v)) => v,
            None => return,
        },
        None => schema,
    };
    for (name, property) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let property = follow_value(doc, property).map_or(property, |(_, v)| v);
        let value = property.get("const").and_then(Value::as_str).or_else(|| {
            property.get("enum").and_then(Value::as_array).filter(|e| e.len() == 1).and_then(|e| e[0].as_str())
        });
        if let Some(value) = value
            && out.iter().all(|(p, _)| p != name)
        {
            out.push((name.clone(), value.to_owned()));
        }
    }
    for member in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        collect_constants(doc, member, out, depth + 1);
    }
}
