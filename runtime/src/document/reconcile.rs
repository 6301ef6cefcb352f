//! Laying the contract's schema over the real type's: what a Rust type cannot say (bounds,
//! examples, titles, descriptions, what validation enforces) is carried from the contract
//! where both agree on the shape; what schemars writes only because of Rust (integer
//! `format`s, `null` of an `Option`, doc comments) is removed.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::keywords::{
    ALL_OF, ANY_OF, CARRIED, COMPOSITIONS, CONST, DESCRIPTION, ENUM, EXCLUSIVE_MAXIMUM, EXCLUSIVE_MINIMUM, FORMAT,
    MAXIMUM, MINIMUM, ONE_OF, PROPERTIES, REF, SUBSCHEMAS, TITLE, TYPE, contract_keys, keyword, keywords, real_keys,
};
use crate::descriptor::Json;

/// The `format`s schemars writes for Rust's integer and float widths: facts about the Rust
/// type, not the contract's words (the contract's own `format`, if any, is carried instead).
const RUST_FORMATS: &[&str] =
    &["int8", "int16", "int32", "int64", "int", "uint8", "uint16", "uint32", "uint64", "uint", "float", "double"];

/// Keywords the reconciler neither acts on nor carries: what the real type says of them
/// stands (`required`, `patternProperties`), or they only hold what references point at.
const STRUCTURAL: &[&str] = &["required", "patternProperties", "definitions", "$defs"];

/// Lays the contract's schema over the real type's.
pub(super) struct Reconciler<'a> {
    /// The real types' named schemas, reconciled in place, each once.
    pub(super) definitions: &'a mut Map<String, Value>,
    /// The named schemas already reconciled.
    pub(super) done: &'a mut HashSet<String>,
}

impl Reconciler<'_> {
    /// The contract's `schema` written out in place (see [`Inliner`]); the recursive schemas
    /// it refers to join `components/schemas`, under another name where a different schema
    /// has theirs.
    fn inline_contract(&mut self, schema: &Json, root: &Json) -> Value {
        let mut inliner = Inliner { root, named: Vec::new(), recursive: Vec::new() };
        let mut inlined = inliner.inline(schema, 0);
        if inliner.named.is_empty() {
            return inlined;
        }
        let mut definitions = Vec::new();
        while let Some(&(target, ref name)) = inliner.named.get(definitions.len()) {
            let name = name.clone();
            let definition = match root.pointer(target) {
                Some(resolved) => inliner.inline(resolved, 0),
                None => Value::Object(Map::new()),
            };
            definitions.push((name, definition));
        }
        let mut renamed = Vec::new();
        for (name, definition) in &definitions {
            let free = super::free_name(self.definitions, name, definition);
            if free != *name {
                renamed.push((format!("#/components/schemas/{name}"), format!("#/components/schemas/{free}")));
            }
        }
        rename_references(&mut inlined, &renamed);
        for (name, mut definition) in definitions {
            rename_references(&mut definition, &renamed);
            let name = renamed
                .iter()
                .find(|(from, _)| from.strip_prefix("#/components/schemas/") == Some(name.as_str()))
                .and_then(|(_, to)| to.strip_prefix("#/components/schemas/"))
                .map_or(name, str::to_owned);
            self.done.insert(name.clone());
            self.definitions.insert(name, definition);
        }
        inlined
    }

    /// Lays `contract` (resolved against `root`, its message schema) over `real`.
    pub(super) fn reconcile(&mut self, real: &mut Value, contract: &Json, root: &Json) {
        let contract = resolve(contract, root);
        let mut real_has = match &*real {
            Value::Object(r) => keywords(real_keys(r)),
            _ => 0,
        };
        let Some(members) = contract.as_object() else { return };
        let has = keywords(contract_keys(members));
        // `allOf` of one schema is how contracts give a reference siblings (a description, a
        // default); typify reads it as that schema. The type is reconciled with the member,
        // and the wrapper the contract wrote is put back around it.
        if has & ALL_OF != 0
            && real_has & ALL_OF == 0
            && let Some([member]) = contract.get("allOf").and_then(Json::as_array)
        {
            // With constraints of its own beside the member (an `enum` narrowing it), the type
            // is their intersection, and the member is what the contract wrote.
            let annotation = |key: &str| {
                matches!(key, "allOf" | "description" | "title" | "default" | "examples" | "example")
                    || key.starts_with("x-")
            };
            let mut inner = std::mem::take(real);
            if members.iter().all(|(key, _)| annotation(key)) {
                self.reconcile(&mut inner, member, root);
            } else {
                inner = self.inline_contract(member, root);
            }
            let mut wrapper = Map::new();
            wrapper.insert("allOf".into(), Value::Array(vec![inner]));
            for (key, value) in members {
                if keyword(key) & CARRIED != 0 || key.starts_with("x-") {
                    wrapper.insert((*key).to_owned(), value.to_value());
                }
            }
            *real = Value::Object(wrapper);
            return;
        }
        if real_has & REF != 0
            && let Some(name) =
                real.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            let name = name.to_owned();
            // Taken out and put back in its place: the definitions keep schemars' order.
            if self.done.insert(name.clone())
                && let Some(mut definition) = self.definitions.get_mut(&name).map(std::mem::take)
            {
                self.reconcile(&mut definition, contract, root);
                if let Some(place) = self.definitions.get_mut(&name) {
                    *place = definition;
                }
            }
            return;
        }
        // typify flattened the composition into one type, or spread the properties written
        // beside a `oneOf`/`anyOf` into each variant; the type and validation against the
        // contract's schema (on by default) accept what the contract says.
        let spread = has & (ONE_OF | ANY_OF) != 0
            && has & PROPERTIES != 0
            && real_has & (ONE_OF | ANY_OF) != 0
            && real_has & PROPERTIES == 0;
        if real.is_object() && (has & COMPOSITIONS != 0 && real_has & COMPOSITIONS == 0 || spread) {
            *real = self.inline_contract(contract, root);
            return;
        }
        // Any JSON value (`serde_json::Value`: a schema typed as one, or an undocumented
        // field of it) is `true` to schemars: the type accepts what the contract says, and
        // validation (on by default) holds it to that, so the contract's schema is the answer.
        if *real == Value::Bool(true) {
            *real = self.inline_contract(contract, root);
            return;
        }
        let Value::Object(real) = real else { return };
        if real_has & FORMAT != 0
            && real.get("format").and_then(Value::as_str).is_some_and(|f| RUST_FORMATS.contains(&f))
        {
            real.remove("format");
            real_has &= !FORMAT;
            // So is the range schemars gives the width (`minimum: 0` of a `u32`, 255 of a
            // `u8`) where the contract's `format` or exclusive bound implies it and states no
            // such bound itself. (A type the user put in place of the contract's keeps its
            // range: it is what the wire then accepts.)
            let implied = has & (FORMAT | EXCLUSIVE_MINIMUM | EXCLUSIVE_MAXIMUM) != 0;
            for (bound, bit) in [("minimum", MINIMUM), ("maximum", MAXIMUM)] {
                if implied && has & bit == 0 && real.remove(bound).is_some() {
                    real_has &= !bit;
                }
            }
        }
        if real_has & (TYPE | ENUM | ANY_OF) != 0 && !allows_null(contract) && strip_null(real, real_has) {
            real_has = keywords(real_keys(real));
        }
        // `Option<T>` of a `T` that admits `null` itself (an untagged enum with a `null`
        // variant, for a contract's `oneOf` that lists `null`): the `Option`'s own `null` says
        // nothing the contract's alternatives do not, and is dropped with its wrapper.
        if real_has & ANY_OF != 0
            && has & ONE_OF != 0
            && let Some(inner) = redundant_option(real, self.definitions)
        {
            *real = inner;
            real_has = keywords(real_keys(real));
        }
        // The type is named (an `Option` of it, with its `null` gone): the contract's words
        // are laid over its schema in `components/schemas`, not beside the reference. Doc
        // comments written beside it go: the contract's words are the definition's.
        if real_has & REF != 0 && real.get("$ref").and_then(Value::as_str).is_some_and(is_definition) {
            real.retain(|key, _| key == "$ref");
            let mut reference = Value::Object(std::mem::take(real));
            self.reconcile(&mut reference, contract, root);
            if let Value::Object(reference) = reference {
                *real = reference;
            }
            return;
        }
        // Descriptions of generated types are their doc comments, which came from the
        // contract or stand in for it: the contract's words are the ones to show.
        if real_has & DESCRIPTION != 0 {
            real.remove("description");
        }
        if real_has & TITLE != 0 {
            real.remove("title");
        }
        real_has &= !(DESCRIPTION | TITLE);
        // An untagged enum is an `anyOf` to schemars; the contract's `oneOf` of the same
        // alternatives reads the same values (the first that fits is the one that fits).
        if has & ONE_OF != 0
            && real_has & ANY_OF != 0
            && contract.get("oneOf").and_then(Json::as_array).map(<[Json]>::len)
                == real.get("anyOf").and_then(Value::as_array).map(Vec::len)
            && let Some(alternatives) = real.remove("anyOf")
        {
            real.insert("oneOf".into(), alternatives);
            real_has = real_has & !ANY_OF | ONE_OF;
        }
        // A Rust enum of unit variants with docs is a `oneOf` of constants to schemars; the
        // contract's `const` or `enum` says the same.
        if has & (CONST | ENUM) != 0 {
            if real_has & ONE_OF != 0 && collapse_constants(real) {
                real_has = keywords(real_keys(real));
            }
            // A `const` or `enum` without a `type` in the contract: schemars adds the type.
            if has & TYPE == 0 && real_has & TYPE != 0 {
                real.remove("type");
                real_has &= !TYPE;
            }
        }
        for (key, value) in members {
            let bit = keyword(key);
            let carry = if bit & (MINIMUM | MAXIMUM) != 0 {
                // Where both bound a number, the stricter bound is what the wire accepts: a
                // `NonZeroU64` field (schemars' `minimum: 1`) of a contract's `minimum: 8000`
                // takes 8000, which validation enforces; a `u8` the user put in place of a
                // contract's `minimum: -10` keeps its 0.
                let stricter = |real: f64, wanted: f64| if bit == MINIMUM { wanted > real } else { wanted < real };
                match (real.get(*key).and_then(Value::as_f64), value.to_value().as_f64()) {
                    (Some(real), Some(wanted)) => stricter(real, wanted),
                    _ => true,
                }
            } else if bit & CARRIED != 0 {
                // The contract's word wins where the type says it too.
                true
            } else {
                // Extensions, and keys no draft defines (annotations to JSON Schema).
                bit == 0 && !STRUCTURAL.contains(key) && !real.contains_key(*key)
            };
            if carry {
                real.insert((*key).to_owned(), value.to_value());
                real_has |= bit;
            }
        }
        if has & real_has & PROPERTIES != 0
            && let Some(wanted) = contract.get("properties").and_then(Json::as_object)
        {
            let contract_required: Vec<&str> = contract
                .get("required")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .collect();
            let mut now_required = Vec::new();
            if let Some(Value::Object(properties)) = real.get_mut("properties") {
                for (at, (name, schema)) in properties.iter_mut().enumerate() {
                    // The type's fields nearly always come in the contract's order: the
                    // property at the same place is tried first.
                    let contract = match wanted.get(at) {
                        Some((key, contract)) if key == name => Some(contract),
                        _ => wanted.iter().find(|(key, _)| key == name).map(|(_, contract)| contract),
                    };
                    if let Some(contract) = contract {
                        self.reconcile(schema, contract, root);
                    }
                    // A required property that admits `null` is an `Option` the type still
                    // requires (typify reads it with `Option::deserialize`), which schemars
                    // calls optional; validation (on by default) refuses a frame without it.
                    if contract_required.contains(&name.as_str()) && admits_null(schema) {
                        now_required.push(name.clone());
                    }
                }
            }
            add_required(real, now_required);
        }
        for (bit, keyword) in SUBSCHEMAS {
            if has & real_has & bit != 0
                && let (Some(schema), Some(contract)) = (real.get_mut(keyword), contract.get(keyword))
            {
                self.reconcile(schema, contract, root);
            }
        }
        for (bit, keyword) in [(ONE_OF, "oneOf"), (ANY_OF, "anyOf"), (ALL_OF, "allOf")] {
            if has & real_has & bit != 0
                && let (Some(Value::Array(schemas)), Some(contracts)) =
                    (real.get_mut(keyword), contract.get(keyword).and_then(Json::as_array))
                && schemas.len() == contracts.len()
            {
                for (schema, contract) in schemas.iter_mut().zip(contracts) {
                    self.reconcile(schema, contract, root);
                }
            }
        }
        // The real type reached through a reference where the contract has the schema inline.
        if real_has & REF != 0
            && let Some(reference) = real.get_mut("$ref")
        {
            let mut reference = Value::Object([("$ref".to_owned(), reference.take())].into_iter().collect());
            self.reconcile(&mut reference, contract, root);
            if let Some(r) = reference.get_mut("$ref") {
                real.insert("$ref".into(), r.take());
            }
        }
    }
}

/// A contract schema written out in place, with every `$ref` replaced by its target, except
/// a reference to a schema that refers back to itself (a recursive family: schemas typed as
/// a JSON value, for which no Rust type has a name). Such a schema has no finite form in
/// place; it is written once in `components/schemas`, under the contract's name for it, and
/// referred to. The message's own `definitions` are not written: nothing refers to them.
struct Inliner<'j> {
    root: &'j Json,
    /// The recursive targets named so far, with their component names.
    named: Vec<(&'j str, String)>,
    /// Whether each target seen refers back to itself.
    recursive: Vec<(&'j str, bool)>,
}

impl<'j> Inliner<'j> {
    fn inline(&mut self, schema: &'j Json, depth: usize) -> Value {
        match *schema {
            Json::Object(members) => {
                if let Some(target) = schema.get("$ref").and_then(Json::as_str).and_then(|r| r.strip_prefix('#'))
                    && let Some(resolved) = self.root.pointer(target)
                {
                    if self.is_recursive(target) {
                        return self.reference(target);
                    }
                    if depth >= 32 {
                        return Value::Object(Map::new());
                    }
                    return self.inline(resolved, depth + 1);
                }
                Value::Object(
                    members
                        .iter()
                        .filter(|(k, _)| !matches!(*k, "definitions" | "$defs"))
                        .map(|(k, v)| ((*k).to_owned(), self.inline(v, depth)))
                        .collect(),
                )
            }
            Json::Array(items) => Value::Array(items.iter().map(|v| self.inline(v, depth)).collect()),
            _ => schema.to_value(),
        }
    }

    /// Whether the schema at `target` reaches itself through references.
    fn is_recursive(&mut self, target: &'j str) -> bool {
        if let Some(&(_, known)) = self.recursive.iter().find(|(t, _)| *t == target) {
            return known;
        }
        let mut seen: Vec<&str> = Vec::new();
        let mut pending: Vec<&Json> = self.root.pointer(target).into_iter().collect();
        let mut found = false;
        while let Some(schema) = pending.pop() {
            match *schema {
                Json::Object(members) => {
                    if let Some(to) = schema.get("$ref").and_then(Json::as_str).and_then(|r| r.strip_prefix('#')) {
                        if to == target {
                            found = true;
                            break;
                        }
                        if !seen.contains(&to) {
                            seen.push(to);
                            pending.extend(self.root.pointer(to));
                        }
                    }
                    pending.extend(members.iter().map(|(_, v)| v));
                }
                Json::Array(items) => pending.extend(items.iter()),
                _ => {}
            }
        }
        self.recursive.push((target, found));
        found
    }

    /// `{"$ref": "#/components/schemas/<name>"}` for a recursive target, named once.
    fn reference(&mut self, target: &'j str) -> Value {
        let name = match self.named.iter().find(|(t, _)| *t == target) {
            Some((_, name)) => name.clone(),
            None => {
                let last = target.rsplit('/').next().unwrap_or(target).replace("~1", "/").replace("~0", "~");
                let name: String = last
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
                    .collect();
                self.named.push((target, name.clone()));
                name
            }
        };
        let mut reference = Map::new();
        reference.insert("$ref".into(), Value::String(format!("#/components/schemas/{name}")));
        Value::Object(reference)
    }
}

/// Points every `$ref` equal to a `from` of `renamed` at its `to`.
fn rename_references(schema: &mut Value, renamed: &[(String, String)]) {
    if renamed.is_empty() {
        return;
    }
    match schema {
        Value::Object(members) => {
            for (key, value) in members.iter_mut() {
                match value {
                    Value::String(reference) if key == "$ref" => {
                        if let Some((_, to)) = renamed.iter().find(|(from, _)| from == reference) {
                            *reference = to.clone();
                        }
                    }
                    other => rename_references(other, renamed),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rename_references(item, renamed)),
        _ => {}
    }
}

/// Whether `reference` points into `components/schemas`, where the real types are named.
fn is_definition(reference: &str) -> bool {
    reference.starts_with("#/components/schemas/")
}

/// `oneOf: [{const: a}, {const: b}]` to `enum: [a, b]` (`const: a` for one); whether it was one.
fn collapse_constants(schema: &mut Map<String, Value>) -> bool {
    let Some(Value::Array(alternatives)) = schema.get("oneOf") else { return false };
    let values: Option<Vec<Value>> = alternatives.iter().map(|a| a.get("const").cloned()).collect();
    let Some(mut values) = values else { return false };
    let types: Vec<&Value> = alternatives.iter().filter_map(|a| a.get("type")).collect();
    let common_type = types.first().filter(|t| types.len() == alternatives.len() && types.iter().all(|u| u == *t));
    let common_type = common_type.map(|t| (*t).clone());
    schema.remove("oneOf");
    if let Some(t) = common_type {
        schema.entry("type").or_insert(t);
    }
    if values.len() == 1 {
        schema.insert("const".into(), values.remove(0));
    } else {
        schema.insert("enum".into(), values.into());
    }
    true
}

/// A contract schema with its `#/definitions/...` references followed.
fn resolve<'a>(mut schema: &'a Json, root: &'a Json) -> &'a Json {
    for _ in 0..32 {
        let Some(target) = schema.get("$ref").and_then(Json::as_str).and_then(|r| r.strip_prefix('#')) else {
            return schema;
        };
        match root.pointer(target) {
            Some(next) => schema = next,
            None => return schema,
        }
    }
    schema
}

/// Whether a contract schema allows `null`. OpenAPI's `nullable` is not a JSON Schema
/// keyword: validation ignores it, so it allows nothing (it is carried as written).
fn allows_null(schema: &Json) -> bool {
    let is_null = |t: &Json| t.as_str() == Some("null");
    match schema.get("type") {
        Some(Json::Array(types)) if types.iter().any(is_null) => return true,
        Some(t) if is_null(t) => return true,
        _ => {}
    }
    ["oneOf", "anyOf"].iter().any(|k| {
        schema.get(k).and_then(Json::as_array).is_some_and(|alternatives| {
            alternatives.iter().any(|a| allows_null(a) || a.get("const") == Some(&Json::Null))
        })
    }) || schema.get("const") == Some(&Json::Null)
        || schema.get("enum").and_then(Json::as_array).is_some_and(|e| e.contains(&Json::Null))
}

/// Whether a real type's schema admits `null`: `Option<T>` as schemars writes it.
fn admits_null(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
        Some(t) => t == "null",
        None => schema.get("anyOf").and_then(Value::as_array).is_some_and(|a| a.iter().any(null_schema)),
    }
}

/// Adds `names` to the schema's `required`, each once.
fn add_required(schema: &mut Map<String, Value>, names: Vec<String>) {
    if names.is_empty() {
        return;
    }
    let list = schema.entry("required").or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = list {
        for name in names {
            if !list.iter().any(|n| n == name.as_str()) {
                list.push(Value::String(name));
            }
        }
    }
}

/// Whether a schema is `{type: null}`, as schemars writes the `None` of an `Option`.
fn null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// The `T` of `anyOf: [T, {type: null}]` when `T` is itself an `anyOf` that admits `null`, in
/// place or as the named schema it refers to.
fn redundant_option(schema: &Map<String, Value>, definitions: &Map<String, Value>) -> Option<Map<String, Value>> {
    let Some(Value::Array(alternatives)) = schema.get("anyOf") else { return None };
    let is_null = null_schema;
    let [first, second] = alternatives.as_slice() else { return None };
    let inner = match (is_null(first), is_null(second)) {
        (false, true) => first,
        (true, false) => second,
        _ => return None,
    };
    let named = inner
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .and_then(|name| definitions.get(name));
    let admits_null =
        named.unwrap_or(inner).get("anyOf").and_then(Value::as_array).is_some_and(|a| a.iter().any(is_null));
    admits_null.then(|| inner.as_object().cloned()).flatten()
}

/// Removes what `Option<T>` adds to `T`'s schema: a missing property and `null` read alike
/// in Rust, but the contract (and validation, on by default) does not allow `null`.
/// `has` is the schema's [`keywords`]; returns whether keys were added or removed.
fn strip_null(schema: &mut Map<String, Value>, has: u64) -> bool {
    if has & TYPE != 0
        && let Some(Value::Array(types)) = schema.get_mut("type")
    {
        types.retain(|t| t.as_str() != Some("null"));
        if types.len() == 1 {
            let only = types.remove(0);
            schema.insert("type".into(), only);
        }
    }
    if has & ENUM != 0
        && let Some(Value::Array(values)) = schema.get_mut("enum")
    {
        values.retain(|v| !v.is_null());
    }
    if has & ANY_OF == 0 {
        return false;
    }
    let Some(Value::Array(alternatives)) = schema.get("anyOf") else { return false };
    let is_null = null_schema;
    if !alternatives.iter().any(is_null) {
        return false;
    }
    let Some(Value::Array(alternatives)) = schema.remove("anyOf") else { return false };
    let kept: Vec<Value> = alternatives.into_iter().filter(|a| !is_null(a)).collect();
    match <[Value; 1]>::try_from(kept) {
        Ok([Value::Object(only)]) => {
            for (key, value) in only {
                schema.entry(key).or_insert(value);
            }
        }
        Ok([other]) => {
            schema.insert("allOf".into(), Value::Array(vec![other]));
        }
        Err(kept) => {
            schema.insert("anyOf".into(), kept.into());
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A contract schema as generated code holds it, from a value (leaked: tests only).
    fn leak(value: &Value) -> &'static Json {
        fn tree(value: &Value) -> Json {
            let text = |s: &str| &*Box::leak(s.to_owned().into_boxed_str());
            match value {
                Value::Null => Json::Null,
                Value::Bool(b) => Json::Bool(*b),
                Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                    (Some(u), _) => Json::Unsigned(u),
                    (None, Some(i)) => Json::Signed(i),
                    _ => Json::Float(n.as_f64().unwrap_or_default()),
                },
                Value::String(s) => Json::Str(text(s)),
                Value::Array(items) => Json::Array(Box::leak(items.iter().map(tree).collect())),
                Value::Object(map) => Json::Object(Box::leak(map.iter().map(|(k, v)| (text(k), tree(v))).collect())),
            }
        }
        Box::leak(Box::new(tree(value)))
    }

    #[test]
    fn the_contract_is_laid_over_the_real_shape() {
        let mut definitions = Map::new();
        definitions.insert(
            "Register".into(),
            json!({"type": "object", "description": "`Register`", "required": ["name"], "properties": {
                "name": {"type": "string"},
                "age": {"type": ["integer", "null"], "format": "uint64", "minimum": 0},
                "extra": {"type": "boolean"},
            }}),
        );
        let contract = json!({"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "minLength": 2, "description": "The name wanted."},
            "age": {"type": "integer", "minimum": 0, "maximum": 150},
        }, "examples": [{"name": "ada"}]});
        let mut real = json!({"$ref": "#/components/schemas/Register"});
        let tree = leak(&contract);
        Reconciler { definitions: &mut definitions, done: &mut HashSet::new() }.reconcile(&mut real, tree, tree);
        assert_eq!(real, json!({"$ref": "#/components/schemas/Register"}));
        assert_eq!(
            definitions["Register"],
            json!({"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string", "minLength": 2, "description": "The name wanted."},
                "age": {"type": "integer", "minimum": 0, "maximum": 150},
                "extra": {"type": "boolean"},
            }, "examples": [{"name": "ada"}]})
        );
    }

    #[test]
    fn a_field_of_any_value_takes_the_contracts_words() {
        // `serde_json::Value` is `true` to schemars; the contract says more about it.
        let mut real = json!({"type": "object", "properties": {"key": true}});
        let contract = json!({"type": "object", "properties": {"key": {"not": {"type": "integer"}}}});
        let tree = leak(&contract);
        Reconciler { definitions: &mut Map::new(), done: &mut HashSet::new() }.reconcile(&mut real, tree, tree);
        assert_eq!(real, contract);
    }

    #[test]
    fn a_required_property_that_admits_null_stays_required() {
        // typify reads it with `Option::deserialize`; schemars sees an `Option` and calls it
        // optional. A property that is optional in the contract stays optional.
        let mut real = json!({"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"},
            "present": {"type": ["string", "null"]},
            "maybe": {"type": ["string", "null"]},
        }});
        let contract = json!({"type": "object", "required": ["id", "present"], "properties": {
            "id": {"type": "string"},
            "present": {"type": ["string", "null"]},
            "maybe": {"type": ["string", "null"]},
        }});
        let tree = leak(&contract);
        Reconciler { definitions: &mut Map::new(), done: &mut HashSet::new() }.reconcile(&mut real, tree, tree);
        assert_eq!(real["required"], json!(["id", "present"]));
    }
}
