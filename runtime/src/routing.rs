//! Matching request paths against the contract's address templates.

/// One segment of an address template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// A parameter, by name.
    Parameter(String),
}

/// A compiled address template such as `/ws/chat/{room_id}`: each `{name}` matches one
/// non-empty path segment.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    template: String,
    segments: Vec<Segment>,
}

impl Route {
    /// Compiles a template. Parameters are whole segments, as WebSocket addresses use them.
    pub(crate) fn new(template: &str) -> Self {
        let segments = split(template)
            .map(|s| match s.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')) {
                Some(name) => Segment::Parameter(name.to_owned()),
                None => Segment::Literal(s.to_owned()),
            })
            .collect();
        Self { template: template.to_owned(), segments }
    }

    /// The template the route was compiled from.
    pub(crate) fn template(&self) -> &str {
        &self.template
    }

    /// The parameters' names, in template order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Parameter(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }

    /// The parameter values, percent-decoded and in template order, when `path` matches.
    pub(crate) fn matches(&self, path: &str) -> Option<Vec<String>> {
        let parts: Vec<&str> = split(path).collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut values = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(literal) if literal == part => {}
                Segment::Parameter(_) if !part.is_empty() => values.push(percent_decode(part)?),
                _ => return None,
            }
        }
        Some(values)
    }
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.trim_start_matches('/').split('/').filter(|s| !s.is_empty())
}

/// `%XX` escapes decoded; `None` for a malformed escape or bytes that are not UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_paths() {
        let route = Route::new("/ws/chat/{room_id}");
        assert_eq!(route.matches("/ws/chat/lobby"), Some(vec!["lobby".to_owned()]));
        assert_eq!(route.matches("/ws/chat/caf%C3%A9"), Some(vec!["café".to_owned()]));
        assert_eq!(route.matches("/ws/chat/"), None);
        assert_eq!(route.matches("/ws/chat/a/b"), None);
        assert_eq!(route.matches("/ws/other/a"), None);
        assert_eq!(route.matches("/ws/chat/%zz"), None);
        assert_eq!(Route::new("/ws/register").matches("/ws/register"), Some(vec![]));
    }
}
