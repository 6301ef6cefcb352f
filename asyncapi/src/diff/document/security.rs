//! Security requirements, read as alternatives any one of which authorizes: schemes
//! matched by name or form, their fields, OAuth flows and required scopes.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::diff::Pairing::InOrder;
use crate::diff::normalize::canonical_text;
use crate::diff::rules::{Flow, R};
use crate::diff::{Differ, Identity, Node, match_items, resolved_deep};
use crate::model::SecurityScheme;

impl<'a> Differ<'a> {
    /// `security`: alternatives, any one of which authorizes (the specification's reading).
    pub(super) fn security(&mut self, o: &Node<'a>, n: &Node<'a>) {
        // Alternatives: a scheme listed twice is listed once.
        let schemes = |root: &'a Value, node: &Node<'a>| {
            let mut seen = Vec::new();
            let items = node.child(root, "security").map(|s| s.items(root)).unwrap_or_default();
            items
                .into_iter()
                .filter(|s| {
                    let text = canonical_text(&resolved_deep(root, s.value));
                    let first = !seen.contains(&text);
                    seen.push(text);
                    first
                })
                .collect::<Vec<_>>()
        };
        let (os, ns) = (schemes(self.old, o), schemes(self.new, n));
        match (os.is_empty(), ns.is_empty()) {
            (true, true) => return,
            (true, false) => {
                let message = "security is now required".to_owned();
                self.emit(R::SecurityRequired, Flow::BOTH, &n.path.join("security"), message);
                return;
            }
            (false, true) => {
                let message = "security is no longer required".to_owned();
                self.emit(R::SecurityNoLongerRequired, Flow::BOTH, &o.path.join("security"), message);
                return;
            }
            (false, false) => {}
        }
        let by_name: Identity<'_, Node<'_>> =
            &|s| (s.real.tokens().len() > 1).then(|| s.real.last().map(str::to_owned)).flatten();
        let by_form: Identity<'_, Node<'_>> = &|s| {
            let field = |k| s.str(k).unwrap_or_default();
            Some(format!("{}\u{0}{}\u{0}{}\u{0}{}", field("type"), field("in"), field("name"), field("scheme")))
        };
        // Inline schemes have no name; only referenced ones are matched by it.
        let named: Identity<'_, Node<'_>> = &|s| {
            if s.real.tokens().first().map(String::as_str) == Some("components") { by_name(s) } else { None }
        };
        let matching = match_items(&os, &ns, &[(InOrder, named), (InOrder, by_form)]);
        for &i in &matching.removed {
            let message = format!("security scheme {} removed", scheme_name(&os[i]));
            self.emit(R::SecuritySchemeRemoved, Flow::BOTH, &os[i].path, message);
        }
        for &j in &matching.added {
            let message = format!("security scheme {} added as an alternative", scheme_name(&ns[j]));
            self.emit(R::SecuritySchemeAdded, Flow::BOTH, &ns[j].path, message);
        }
        for &(i, j) in &matching.pairs {
            let (o, n) = (&os[i], &ns[j]);
            for key in ["type", "in", "name", "scheme", "bearerFormat", "openIdConnectUrl"] {
                self.field(R::SecuritySchemeChanged, Flow::BOTH, o, n, key);
            }
            self.oauth_flows(o, n);
            let scopes = |node: &Node<'a>| -> BTreeSet<String> {
                node.read::<SecurityScheme>().map(|scheme| scheme.scopes.into_iter().collect()).unwrap_or_default()
            };
            let (was, now) = (scopes(o), scopes(n));
            let at = Node::place(o, n, "scopes");
            for scope in now.difference(&was) {
                self.emit(R::SecurityScopeAdded, Flow::BOTH, &at, format!("scope `{scope}` is now required"));
            }
            for scope in was.difference(&now) {
                self.emit(R::SecurityScopeRemoved, Flow::BOTH, &at, format!("scope `{scope}` is no longer required"));
            }
            self.field(R::DescriptionChanged, Flow::BOTH, o, n, "description");
            let handled =
                ["type", "in", "name", "scheme", "bearerFormat", "openIdConnectUrl", "flows", "scopes", "description"];
            self.rest(o, n, &handled);
        }
    }

    /// OAuth flows: which exist and their URLs; the scopes a flow offers are documentation.
    fn oauth_flows(&mut self, o: &Node<'a>, n: &Node<'a>) {
        let (Some(of), Some(nf)) = (o.child(self.old, "flows"), n.child(self.new, "flows")) else {
            self.field(R::SecuritySchemeChanged, Flow::BOTH, o, n, "flows");
            return;
        };
        for key in ["implicit", "password", "clientCredentials", "authorizationCode"] {
            match (of.child(self.old, key), nf.child(self.new, key)) {
                (Some(a), Some(b)) => {
                    for url in ["authorizationUrl", "tokenUrl", "refreshUrl"] {
                        self.field(R::SecuritySchemeChanged, Flow::BOTH, &a, &b, url);
                    }
                }
                (None, None) => {}
                _ => self.field(R::SecuritySchemeChanged, Flow::BOTH, &of, &nf, key),
            }
        }
    }
}

fn scheme_name(node: &Node<'_>) -> String {
    match (node.real.tokens().first().map(String::as_str), node.real.last()) {
        (Some("components"), Some(name)) => format!("`{name}`"),
        _ => format!("of type `{}`", node.str("type").unwrap_or("?")),
    }
}
