//! The keywords of objects and arrays: `properties`, `required`, `additionalProperties`,
//! `patternProperties`, `propertyNames`, `dependencies`, `items`, `additionalItems` and
//! `contains`.

use super::{View, spot};
use crate::diff::rules::{Flow, R};
use crate::diff::{Differ, Node};

impl<'a> Differ<'a> {
    /// Properties, `required`, `additionalProperties`, `patternProperties`, `propertyNames`,
    /// `dependencies`.
    pub(super) fn object(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow, depth: usize) {
        let (old_root, new_root) = (self.old, self.new);
        let (op, np) = (o.child(old_root, "properties"), n.child(new_root, "properties"));
        let names = |p: &Option<Node<'a>>| p.as_ref().map(Node::keys).unwrap_or_default();
        let (old_names, new_names) = (names(&op), names(&np));
        let (old_required, new_required) = (o.required(), n.required());
        let (old_closed, new_closed) = (o.is_closed(old_root), n.is_closed(new_root));
        for &name in &new_names {
            let Some(new_prop) = np.as_ref().and_then(|p| p.child(new_root, name)) else { continue };
            let required_now = new_required.contains(&name) && !old_required.contains(&name);
            match op.as_ref().and_then(|p| p.child(old_root, name)) {
                Some(old_prop) => {
                    let at = new_prop.path.clone();
                    let optional = !old_required.contains(&name) && !new_required.contains(&name);
                    self.schema_of(old_prop, new_prop, flow, depth + 1, optional);
                    if required_now {
                        self.emit(R::PropertyRequiredAdded, flow, &at, format!("`{name}` is now required"));
                    } else if old_required.contains(&name) && !new_required.contains(&name) {
                        self.emit(R::PropertyRequiredRemoved, flow, &at, format!("`{name}` is no longer required"));
                    }
                }
                None if required_now => {
                    let message = format!("required property `{name}` added");
                    self.emit(R::PropertyRequiredAdded, flow, &new_prop.path, message);
                }
                None if old_closed => {
                    let message = format!("property `{name}` added to an object that refused unknown properties");
                    self.emit(R::ClosedObjectPropertyAdded, flow, &new_prop.path, message);
                }
                None => {
                    self.emit(R::PropertyAdded, flow, &new_prop.path, format!("optional property `{name}` added"));
                }
            }
        }
        for &name in old_names.iter().filter(|name| !new_names.contains(name)) {
            let Some(old_prop) = op.as_ref().and_then(|p| p.child(old_root, name)) else { continue };
            let (rule, message) = if new_closed {
                (
                    R::ClosedObjectPropertyRemoved,
                    format!("property `{name}` removed; the object refuses unknown properties"),
                )
            } else {
                (R::PropertyRemoved, format!("property `{name}` removed"))
            };
            self.emit(rule, flow, &old_prop.path, message);
        }
        // Names required without a schema of their own.
        let defined = |name: &&str| old_names.contains(name) || new_names.contains(name);
        for &name in new_required.iter().filter(|n| !old_required.contains(n) && !defined(n)) {
            self.emit(R::PropertyRequiredAdded, flow, &spot(o, n, "required"), format!("`{name}` is now required"));
        }
        for &name in old_required.iter().filter(|n| !new_required.contains(n) && !defined(n)) {
            let message = format!("`{name}` is no longer required");
            self.emit(R::PropertyRequiredRemoved, flow, &spot(o, n, "required"), message);
        }
        match (old_closed, new_closed) {
            (false, true) => {
                let message = "additional properties are now refused".to_owned();
                self.emit(R::AdditionalPropertiesClosed, flow, &spot(o, n, "additionalProperties"), message);
            }
            (true, false) => {
                let message = "additional properties are now allowed".to_owned();
                self.emit(R::AdditionalPropertiesOpened, flow, &spot(o, n, "additionalProperties"), message);
            }
            _ if o.get("additionalProperties").is_some() || n.get("additionalProperties").is_some() => {
                let (a, b) = (o.sub(old_root, "additionalProperties"), n.sub(new_root, "additionalProperties"));
                self.schema(a, b, flow, depth + 1);
            }
            _ => {}
        }
        self.keyed_schemas(o, n, "patternProperties", flow, depth);
        if o.get("propertyNames").is_some() || n.get("propertyNames").is_some() {
            self.schema(o.sub(old_root, "propertyNames"), n.sub(new_root, "propertyNames"), flow, depth + 1);
        }
        self.same_or(o, n, "dependencies", flow);
    }

    /// A map of schemas whose every entry constrains (`patternProperties`): entries added
    /// tighten, removed loosen, kept ones compare.
    fn keyed_schemas(&mut self, o: &View<'a>, n: &View<'a>, keyword: &str, flow: Flow, depth: usize) {
        let (om, nm) = (o.child(self.old, keyword), n.child(self.new, keyword));
        let keys = |m: &Option<Node<'a>>| m.as_ref().map(Node::keys).unwrap_or_default();
        let (ok, nk) = (keys(&om), keys(&nm));
        for &key in &nk {
            let Some(new_entry) = nm.as_ref().and_then(|m| m.child(self.new, key)) else { continue };
            match om.as_ref().and_then(|m| m.child(self.old, key)) {
                Some(old_entry) => self.schema(old_entry, new_entry, flow, depth + 1),
                None => {
                    let message = format!("`{keyword}` entry `{key}` added");
                    self.emit(R::ConstraintTightened, flow, &new_entry.path, message);
                }
            }
        }
        for &key in ok.iter().filter(|k| !nk.contains(k)) {
            let Some(old_entry) = om.as_ref().and_then(|m| m.child(self.old, key)) else { continue };
            self.emit(R::ConstraintLoosened, flow, &old_entry.path, format!("`{keyword}` entry `{key}` removed"));
        }
    }

    /// `items` (one schema or a tuple), `additionalItems`, `contains`.
    pub(super) fn array(&mut self, o: &View<'a>, n: &View<'a>, flow: Flow, depth: usize) {
        let (old_root, new_root) = (self.old, self.new);
        let (oi, ni) = (o.child(old_root, "items"), n.child(new_root, "items"));
        let tuple = |node: &Option<Node<'a>>| node.as_ref().is_some_and(|n| n.value.is_array());
        match (tuple(&oi), tuple(&ni)) {
            (false, false) if oi.is_some() || ni.is_some() => {
                self.schema(o.sub(old_root, "items"), n.sub(new_root, "items"), flow, depth + 1);
            }
            (false, false) => {}
            (true, true) => {
                let (Some(oi), Some(ni)) = (oi, ni) else { return };
                let (ol, nl) = (oi.items(old_root), ni.items(new_root));
                for (a, b) in ol.iter().zip(&nl) {
                    self.schema(a.clone(), b.clone(), flow, depth + 1);
                }
                for extra in nl.iter().skip(ol.len()) {
                    let message = "the array's items gained a position with its own schema".to_owned();
                    self.emit(R::ConstraintTightened, flow, &extra.path, message);
                }
                for extra in ol.iter().skip(nl.len()) {
                    let message = "a position of the array's items lost its schema".to_owned();
                    self.emit(R::ConstraintLoosened, flow, &extra.path, message);
                }
                if o.get("additionalItems").is_some() || n.get("additionalItems").is_some() {
                    let (a, b) = (o.sub(old_root, "additionalItems"), n.sub(new_root, "additionalItems"));
                    self.schema(a, b, flow, depth + 1);
                }
            }
            _ => {
                let message = "`items` changed between one schema and a list of schemas".to_owned();
                self.emit(R::ConstraintChanged, flow, &spot(o, n, "items"), message);
            }
        }
        self.optional_schema(o, n, "contains", flow, flow, depth);
    }
}
