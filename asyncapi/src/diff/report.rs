//! What a diff found: the changes, their classes, and how they read.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::rules::Class;

/// One change between two documents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// How much it matters, given the direction the changed thing travels.
    pub class: Class,
    /// The rule's stable identifier (see [`RULES`](super::RULES)): `property-required-added`.
    pub rule: &'static str,
    /// Where, as a JSON Pointer (RFC 6901, without `#`): in the new document, or in the old
    /// one for something removed. References on the way are written as the document reaches
    /// them (`/channels/chat/messages/hello/payload/properties/text`), so
    /// [`pointer::follow`](crate::pointer::follow) finds the node even when the payload is a `$ref`.
    pub pointer: String,
    /// What changed, for a reader.
    pub message: String,
    /// The old value, when there is one to show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    /// The new value, when there is one to show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
}

/// Every change between two documents, sorted by pointer, then rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// The changes.
    pub changes: Vec<Change>,
}

/// Values longer than this are not shown in the human report.
const SHORT: usize = 60;

impl Report {
    /// Whether any change is [`Class::Breaking`].
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(|c| c.class == Class::Breaking)
    }

    /// Whether the documents are equal under the semantic diff.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The class of the most serious change; `None` when there is none. Two documents
    /// equal up to their documentation have `max_class() <= Some(Class::Annotation)`.
    pub fn max_class(&self) -> Option<Class> {
        self.changes.iter().map(|c| c.class).max()
    }

    /// The changes of one class.
    pub fn of_class(&self, class: Class) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.class == class)
    }

    /// One line per change, `CLASS RULE #POINTER`: the form the fixtures' `expect.txt` use.
    pub fn render_lines(&self) -> String {
        let mut out = String::new();
        for c in &self.changes {
            let _ = writeln!(out, "{} {} #{}", c.class.as_str(), c.rule, c.pointer);
        }
        out
    }

    /// A report for people: a summary line, then the changes grouped by class (breaking
    /// first), each with its rule, its pointer, what changed, and the old and new values
    /// when they are short.
    pub fn render_human(&self) -> String {
        if self.is_empty() {
            return "no changes\n".to_owned();
        }
        let count = |class| self.of_class(class).count();
        let mut out = format!(
            "{} change(s): {} breaking, {} non-breaking, {} annotation\n",
            self.changes.len(),
            count(Class::Breaking),
            count(Class::NonBreaking),
            count(Class::Annotation)
        );
        for class in [Class::Breaking, Class::NonBreaking, Class::Annotation] {
            if count(class) == 0 {
                continue;
            }
            let _ = write!(out, "\n{}:\n", class.as_str());
            for c in self.of_class(class) {
                let _ = writeln!(out, "  {} #{}", c.rule, c.pointer);
                let _ = writeln!(out, "    {}", c.message);
                if let Some(values) = short_values(c) {
                    let _ = writeln!(out, "    {values}");
                }
            }
        }
        out
    }

    /// The report as pretty JSON: `{"breaking": bool, "counts": {...}, "changes": [...]}`.
    pub fn to_json(&self) -> String {
        let counts = |class| self.of_class(class).count();
        let value = serde_json::json!({
            "breaking": self.is_breaking(),
            "counts": {
                "breaking": counts(Class::Breaking),
                "non-breaking": counts(Class::NonBreaking),
                "annotation": counts(Class::Annotation),
            },
            "changes": self.changes,
        });
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn short_values(change: &Change) -> Option<String> {
    let show = |v: &Option<Value>| match v {
        None => Some("(absent)".to_owned()),
        Some(v) => Some(v.to_string()).filter(|t| t.chars().count() <= SHORT),
    };
    if change.old.is_none() && change.new.is_none() {
        return None;
    }
    Some(format!("{} → {}", show(&change.old)?, show(&change.new)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(class: Class, rule: &'static str, old: Option<Value>, new: Option<Value>) -> Change {
        Change { class, rule, pointer: "/a".to_owned(), message: "m".to_owned(), old, new }
    }

    #[test]
    fn human_report_groups_by_class_and_shows_short_values() {
        let report = Report {
            changes: vec![
                change(Class::Annotation, "description-changed", Some("x".repeat(80).into()), Some("y".into())),
                change(Class::Breaking, "type-changed", Some("string".into()), Some("integer".into())),
            ],
        };
        let text = report.render_human();
        assert!(text.starts_with("2 change(s): 1 breaking, 0 non-breaking, 1 annotation\n"), "{text}");
        let breaking = text.find("breaking:\n  type-changed #/a").expect("breaking group");
        let annotation = text.find("annotation:\n  description-changed").expect("annotation group");
        assert!(breaking < annotation);
        assert!(text.contains("\"string\" → \"integer\""), "{text}");
        assert!(!text.contains("xxxx"), "long values are not shown: {text}");
        assert!(report.is_breaking());
        assert_eq!(report.max_class(), Some(Class::Breaking));
        assert_eq!(Report::default().render_human(), "no changes\n");
        assert_eq!(Report::default().max_class(), None);
    }

    #[test]
    fn json_report_names_classes_in_kebab_case() {
        let report = Report { changes: vec![change(Class::NonBreaking, "property-added", None, Some(1.into()))] };
        let value: Value = serde_json::from_str(&report.to_json()).expect("valid JSON");
        assert_eq!(value["breaking"], false);
        assert_eq!(value["changes"][0]["class"], "non-breaking");
        assert_eq!(value["changes"][0]["new"], 1);
        assert!(value["changes"][0].get("old").is_none());
    }
}
