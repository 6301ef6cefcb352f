//! Applying message and operation traits the way the specification says: traits are
//! merged into the object with JSON Merge Patch, in the order listed, and a field the object
//! itself defines is never overridden by a trait.

use serde_json::{Map, Value};

/// Merges every `traits` list of the operations and messages of a bundled document into
/// their objects, and removes the lists.
pub(crate) fn apply(doc: &Value) -> Value {
    let mut out = doc.clone();
    for pointer in targets(doc) {
        let Some(target) = out.pointer_mut(&pointer) else { continue };
        if target.get("$ref").is_some() {
            continue;
        }
        if let Some(Value::Array(traits)) = target.as_object_mut().and_then(|m| m.remove("traits")) {
            let mut patch = Value::Object(Map::new());
            for t in &traits {
                merge_patch(&mut patch, resolve(doc, t));
            }
            let own = std::mem::take(target);
            merge_patch(&mut patch, &own);
            *target = patch;
        }
    }
    out
}

/// Whether any operation or message of a bundled document lists traits: when none does,
/// [`apply`] returns the document unchanged.
pub(crate) fn any(doc: &Value) -> bool {
    targets(doc).iter().any(|pointer| doc.pointer(pointer).is_some_and(|t| t.get("traits").is_some()))
}

/// Where the operations and messages that may list traits are.
fn targets(doc: &Value) -> Vec<String> {
    let mut targets = Vec::new();
    for (scope, kind) in [("", "operations"), ("/components", "operations"), ("/components", "messages")] {
        if let Some(map) = doc.pointer(&format!("{scope}/{kind}")).and_then(Value::as_object) {
            targets.extend(map.keys().map(|k| format!("{scope}/{kind}/{}", escape(k))));
        }
    }
    for channels in ["/channels", "/components/channels"] {
        for (name, channel) in doc.pointer(channels).and_then(Value::as_object).into_iter().flatten() {
            for key in channel.get("messages").and_then(Value::as_object).into_iter().flat_map(Map::keys) {
                targets.push(format!("{channels}/{}/messages/{}", escape(name), escape(key)));
            }
        }
    }
    targets
}

fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => crate::pointer::follow_reference(doc, reference).map_or(node, |(_, v)| v),
        None => node,
    }
}

/// RFC 7386: objects merge key by key, `null` removes, anything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(map) = target else { return };
    for (key, value) in patch {
        if value.is_null() {
            map.remove(key);
        } else {
            merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn message_wins_and_later_traits_win_over_earlier() {
        let doc = json!({
            "components": {
                "messageTraits": {"a": {"contentType": "text/plain", "headers": {"type": "object", "title": "A"}}},
                "messages": {"m": {
                    "traits": [{"$ref": "#/components/messageTraits/a"}, {"name": "fromTrait", "summary": "two"}],
                    "name": "own",
                    "headers": {"title": "own"}
                }}
            }
        });
        let applied = apply(&doc);
        assert_eq!(
            applied.pointer("/components/messages/m"),
            Some(&json!({
                "contentType": "text/plain",
                "headers": {"type": "object", "title": "own"},
                "name": "own",
                "summary": "two"
            }))
        );
    }
}
