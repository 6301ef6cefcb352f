//! Writing documents as JSON and YAML.

use serde_json::Value;

/// Pretty JSON, two-space indented, with a final newline.
pub fn to_json(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// YAML that reads back to the same JSON value (strings that would read as another type
/// are quoted).
pub fn to_yaml(value: &Value) -> String {
    serde_saphyr::to_string(value).unwrap_or_default()
}
