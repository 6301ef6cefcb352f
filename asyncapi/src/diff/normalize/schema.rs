//! Normalizing one schema: references inlined (a reference back into a schema being inlined
//! becomes a `$ref` to its copy), stand-in wrappers unwrapped, `const` into `enum`, `type`
//! from the values, lists sorted and keys in order.

use serde_json::{Map, Value};

use super::{
    MAX_DEPTH, Normalizer, canonical_text, discriminator, effective_types, json_eq, sort_keys, sorted, unwrap_target,
};
use crate::pointer::{JsonPointer, follow_reference};

impl<'a> Normalizer<'a> {
    /// One schema, `depth` schemas deep.
    pub(super) fn schema(&mut self, value: &Value, depth: usize) -> Value {
        if !self.spend() {
            return Value::Null;
        }
        let (value, target) = match value.get("$ref").and_then(Value::as_str) {
            Some(r) => match follow_reference(self.root, r) {
                Some((target, resolved)) => (resolved, Some(target)),
                None => return sort_keys(value),
            },
            None => (value, None),
        };
        let inlined = target.is_some();
        if let Some(target) = target {
            if let Some((_, there)) = self.stack.iter().find(|(written, _)| *written == target) {
                return serde_json::json!({ "$ref": there.to_fragment() });
            }
            self.stack.push((target, JsonPointer::from_tokens(self.path.iter().cloned())));
        }
        let normalized = self.schema_object(value, depth);
        if inlined {
            self.stack.pop();
        }
        normalized
    }

    fn schema_object(&mut self, value: &Value, depth: usize) -> Value {
        let map = match value {
            Value::Bool(true) => return Value::Object(Map::new()),
            Value::Object(map) if depth < MAX_DEPTH => map,
            other => return sort_keys(other),
        };
        let normalized = match unwrap_target(self.root, map) {
            Some((keyword, index, null_added)) => {
                let inner_value = map.get(keyword).and_then(|v| v.get(index)).unwrap_or(&Value::Null);
                // The member takes the wrapper's place in the output.
                let mut merged = match self.schema(inner_value, depth + 1) {
                    Value::Object(inner) => inner,
                    // The member is `false` or a cycle marker: keep the wrapper as written.
                    _ => self.keywords(map, depth, None),
                };
                for (key, value) in self.keywords(map, depth, Some(keyword)) {
                    merged.entry(key).or_insert(value);
                }
                if null_added {
                    add_null(&mut merged);
                }
                merged
            }
            None => self.keywords(map, depth, None),
        };
        Value::Object(canonical_schema(normalized))
    }

    fn keywords(&mut self, map: &Map<String, Value>, depth: usize, skip: Option<&str>) -> Map<String, Value> {
        let mut result = Map::new();
        for (key, value) in map {
            if Some(key.as_str()) == skip {
                continue;
            }
            let normalized = self.within(key.as_str(), |s| s.keyword(key, value, depth));
            if let Some(normalized) = normalized {
                result.insert(key.clone(), normalized);
            }
        }
        result
    }

    /// One keyword of a schema; `None` when it says nothing (`required: []`, `items: {}`).
    fn keyword(&mut self, key: &str, value: &Value, depth: usize) -> Option<Value> {
        let empty = Value::Object(Map::new());
        let schemas = |s: &mut Self, value: &Value| -> Vec<Value> {
            let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
            items.iter().enumerate().map(|(i, item)| s.within(i.to_string(), |s| s.schema(item, depth + 1))).collect()
        };
        Some(match key {
            "properties" | "patternProperties" | "definitions" | "$defs" | "dependencies" => {
                let Value::Object(entries) = value else { return Some(sort_keys(value)) };
                let mut normalized = Map::new();
                for (name, entry) in entries {
                    let entry = match entry {
                        Value::Array(_) => sorted_strings(entry),
                        _ => self.within(name.as_str(), |s| s.schema(entry, depth + 1)),
                    };
                    normalized.insert(name.clone(), entry);
                }
                if normalized.is_empty() {
                    return None;
                }
                sorted(normalized)
            }
            "items" if value.is_array() => Value::Array(schemas(self, value)),
            "allOf" | "anyOf" | "oneOf" => {
                let members = schemas(self, value);
                Value::Array(self.sorted_members(members))
            }
            "items" | "additionalItems" | "additionalProperties" | "propertyNames" | "then" | "else" => {
                Some(self.schema(value, depth + 1)).filter(|s| *s != empty)?
            }
            "contains" | "not" | "if" => self.schema(value, depth + 1),
            "required" => Some(sorted_strings(value)).filter(|r| r.as_array().is_none_or(|r| !r.is_empty()))?,
            "enum" => sorted_values(value),
            "discriminator" => discriminator(value).map_or_else(|| value.clone(), Value::from),
            _ => sort_keys(value),
        })
    }

    /// The members of an `allOf`/`anyOf`/`oneOf` (already under the keyword in the output),
    /// sorted, with the cycle markers that pointed at a member moved with it.
    fn sorted_members(&self, members: Vec<Value>) -> Vec<Value> {
        let mut order: Vec<(String, usize, Value)> =
            members.into_iter().enumerate().map(|(i, m)| (canonical_text(&m), i, m)).collect();
        order.sort_by(|a, b| a.0.cmp(&b.0));
        let here = JsonPointer::from_tokens(self.path.iter().cloned());
        order
            .into_iter()
            .enumerate()
            .map(|(to, (_, from, mut member))| {
                if from != to {
                    let (old, new) =
                        (here.join(from.to_string()).to_fragment(), here.join(to.to_string()).to_fragment());
                    move_markers(&mut member, &old, &new);
                }
                member
            })
            .collect()
    }
}

/// Rewrites the cycle markers (`{"$ref": ...}`) under `value` that point at `old` or below
/// it to point at `new` instead.
fn move_markers(value: &mut Value, old: &str, new: &str) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get_mut("$ref")
                && let Some(rest) = target.strip_prefix(old)
                && (rest.is_empty() || rest.starts_with('/'))
            {
                *target = format!("{new}{rest}");
            }
            map.values_mut().for_each(|v| move_markers(v, old, new));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| move_markers(v, old, new)),
        _ => {}
    }
}

/// `const` into `enum`, `type` from the enum's values, keys sorted.
fn canonical_schema(mut map: Map<String, Value>) -> Map<String, Value> {
    if let Some(constant) = map.remove("const") {
        let allowed = match map.get("enum").and_then(Value::as_array) {
            Some(values) if !values.iter().any(|v| json_eq(v, &constant)) => vec![],
            _ => vec![constant],
        };
        map.insert("enum".to_owned(), Value::Array(allowed));
    }
    let enumerated = map.get("enum").and_then(Value::as_array).map(Vec::as_slice);
    match effective_types(map.get("type"), enumerated, false) {
        Some(types) => {
            map.insert("type".to_owned(), types.into_iter().map(Value::from).collect());
        }
        None => {
            map.remove("type");
        }
    }
    if let Some(values) = map.get("enum") {
        let sorted = sorted_values(values);
        map.insert("enum".to_owned(), sorted);
    }
    match sorted(map) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn add_null(map: &mut Map<String, Value>) {
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.iter().any(Value::is_null)
    {
        values.push(Value::Null);
    }
    match map.get_mut("type") {
        Some(Value::Array(types)) if !types.iter().any(|t| t == "null") => types.push(Value::from("null")),
        Some(t @ Value::String(_)) if t != "null" => *t = Value::Array(vec![t.clone(), Value::from("null")]),
        _ => {}
    }
}

fn sorted_strings(value: &Value) -> Value {
    let Some(items) = value.as_array() else { return value.clone() };
    let mut strings: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
    strings.sort_unstable();
    strings.dedup();
    strings.into_iter().map(Value::from).collect()
}

fn sorted_values(value: &Value) -> Value {
    let Some(items) = value.as_array() else { return value.clone() };
    let mut values: Vec<Value> = Vec::new();
    for item in items {
        if !values.iter().any(|v| json_eq(v, item)) {
            values.push(sort_keys(item));
        }
    }
    values.sort_by_cached_key(canonical_text);
    Value::Array(values)
}
