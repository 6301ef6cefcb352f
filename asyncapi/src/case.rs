//! Names in camelCase, as `camelize` writes them.

/// `room_events`, `room-events`, `room events` and `room.events` to `roomEvents`; the first
/// letter lowercase (`Chat` to `chat`); a name already in camelCase stays. A name with no
/// letter or digit at all stays as it is.
///
/// ```
/// use tidings_asyncapi::case::camel_case;
/// assert_eq!(camel_case("request_id"), "requestId");
/// assert_eq!(camel_case("user.events"), "userEvents");
/// assert_eq!(camel_case("roomEvents"), "roomEvents");
/// ```
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if matches!(c, '_' | '-' | ' ' | '.') {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else if out.is_empty() {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    if out.is_empty() { name.to_owned() } else { out }
}
