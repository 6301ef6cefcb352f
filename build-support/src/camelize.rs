//! `Builder::camelize`: the wire's property names in camelCase, in the contract itself.
//!
//! The renaming happens once, on the bundled contract, before anything is generated from
//! it: the Rust types read and write the camelCase names, runtime validation checks the
//! renamed schemas, correlation ids are found at the renamed pointers, a discriminator is
//! renamed with its property, and the application's own document (from the types' schemas)
//! says what the wire carries. `const` and `enum` values, channel addresses and their
//! parameters stay as they are.

use serde_json::{Map, Value};
use tidings_asyncapi::case::camel_case;

/// The bundled contract with every schema's property names in camelCase.
pub(crate) fn camelize(document: &Value) -> Value {
    let mut document = document.clone();
    rename(&mut document);
    document
}

fn rename(value: &mut Value) {
    match value {
        Value::Object(map) => {
            rename_schema(map);
            // A message's example payloads are frames: their keys are the wire's names.
            if map.contains_key("payload")
                && let Some(Value::Array(examples)) = map.get_mut("examples")
            {
                for example in examples.iter_mut() {
                    if let Some(payload) = example.get_mut("payload") {
                        rename_keys(payload);
                    }
                }
            }
            for (key, child) in map.iter_mut() {
                match key.as_str() {
                    // Data, not schemas: values stay as written.
                    "const" | "enum" | "default" | "examples" | "example" => {}
                    "$ref" => rename_pointer(child, "#"),
                    "location" => rename_pointer(child, "$message.payload#"),
                    _ => rename(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rename),
        _ => {}
    }
}

/// Every object key of an example frame.
fn rename_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let renamed: Map<String, Value> = std::mem::take(map)
                .into_iter()
                .map(|(k, mut v)| {
                    rename_keys(&mut v);
                    (camel_case(&k), v)
                })
                .collect();
            *map = renamed;
        }
        Value::Array(items) => items.iter_mut().for_each(rename_keys),
        _ => {}
    }
}

/// One schema object's own names: its properties, `required`, and a discriminator naming one.
fn rename_schema(map: &mut Map<String, Value>) {
    let Some(Value::Object(properties)) = map.get("properties") else { return };
    let renamed: Vec<String> = properties.keys().map(|k| camel_case(k)).collect();
    let mut seen = std::collections::HashSet::new();
    if !renamed.iter().all(|k| seen.insert(k.as_str())) {
        // `foo_bar` and `fooBar` side by side: renaming would merge them, so the schema
        // keeps the names it has.
        return;
    }
    if let Some(Value::Object(properties)) = map.remove("properties") {
        let properties: Map<String, Value> = properties.into_iter().map(|(k, v)| (camel_case(&k), v)).collect();
        map.insert("properties".into(), Value::Object(properties));
    }
    if let Some(Value::Array(required)) = map.get_mut("required") {
        for name in required.iter_mut() {
            if let Value::String(text) = name {
                *text = camel_case(text);
            }
        }
    }
    if let Some(Value::String(property)) = map.get_mut("discriminator") {
        *property = camel_case(property);
    }
}

/// Renames the property tokens of a pointer after `prefix`: a token following `properties`
/// in a `$ref`, every token of a correlation id's payload location.
fn rename_pointer(value: &mut Value, prefix: &str) {
    let Value::String(text) = value else { return };
    let Some(pointer) = text.strip_prefix(prefix) else { return };
    let tokens: Vec<&str> = pointer.split('/').collect();
    let payload = prefix == "$message.payload#";
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.iter().enumerate() {
        let after_properties = i > 0 && tokens[i - 1] == "properties";
        let decoded = token.replace("~1", "/").replace("~0", "~");
        let renamed = if (payload && !token.is_empty()) || after_properties { camel_case(&decoded) } else { decoded };
        out.push(renamed.replace('~', "~0").replace('/', "~1"));
    }
    *text = format!("{prefix}{}", out.join("/"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_required_discriminators_and_pointers_are_renamed() {
        let document = serde_json::json!({
            "schema": {
                "type": "object", "discriminator": "message_type", "required": ["message_type", "user_id"],
                "properties": {
                    "message_type": {"const": "user_joined"},
                    "user_id": {"type": "string", "examples": [{"keep_me": 1}]},
                    "nested": {"$ref": "#/components/schemas/X/properties/first_name"},
                },
            },
            "correlationId": {"location": "$message.payload#/meta/request_id"},
        });
        let renamed = camelize(&document);
        assert_eq!(renamed["schema"]["discriminator"], "messageType");
        assert_eq!(renamed["schema"]["required"], serde_json::json!(["messageType", "userId"]));
        assert_eq!(renamed["schema"]["properties"]["messageType"]["const"], "user_joined");
        assert_eq!(renamed["schema"]["properties"]["userId"]["examples"][0]["keep_me"], 1);
        assert_eq!(renamed["schema"]["properties"]["nested"]["$ref"], "#/components/schemas/X/properties/firstName");
        assert_eq!(renamed["correlationId"]["location"], "$message.payload#/meta/requestId");
    }

    #[test]
    fn names_that_would_merge_are_kept() {
        let document = serde_json::json!({"properties": {"a_b": {}, "aB": {}}, "required": ["a_b"]});
        assert_eq!(camelize(&document), document);
    }
}
