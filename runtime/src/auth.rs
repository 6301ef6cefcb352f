//! Who may open a connection: credentials from the contract's security schemes, and origins.
//! Both are checked on the HTTP handshake, before the upgrade: a refused client gets 401 or
//! 403 and never a WebSocket.

use std::borrow::Cow;

use crate::config::Origins;
use crate::descriptor::{ChannelDescriptor, SecuritySchemeDescriptor};

/// A credential found in a handshake, for one of the channel's security schemes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The scheme's key in the contract (`apiKey`).
    pub scheme: &'static str,
    /// The value: the API key, or the bearer token.
    pub value: String,
}

/// Why a handshake is refused. The client gets the status and the message as the HTTP
/// response's reason.
///
/// ```
/// use tidings::AuthError;
/// let refused = AuthError::forbidden("this key may not announce");
/// assert_eq!(refused.to_string(), "forbidden: this key may not announce");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No valid credential: 401.
    #[error("unauthorized: {0}")]
    Unauthorized(Unauthorized),
    /// A valid credential that may not use this channel: 403.
    #[error("forbidden: {reason}")]
    Forbidden {
        /// Why, for the client: the HTTP reason of the 403.
        reason: Cow<'static, str>,
    },
}

impl AuthError {
    /// A valid credential that may not use this channel, for `reason`.
    pub fn forbidden(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::Forbidden { reason: reason.into() }
    }

    /// A credential for `scheme` (its key in the contract) that is not valid.
    pub fn invalid_credential(scheme: &'static str) -> Self {
        Self::Unauthorized(Unauthorized::InvalidCredential { scheme })
    }

    /// The HTTP status the handshake is refused with.
    pub(crate) fn status(&self) -> u16 {
        match self {
            Self::Unauthorized(_) => 401,
            Self::Forbidden { .. } => 403,
        }
    }

    /// What the client reads as the reason of the refusal.
    pub(crate) fn reason(&self) -> String {
        match self {
            Self::Unauthorized(why) => why.to_string(),
            Self::Forbidden { reason } => reason.clone().into_owned(),
        }
    }
}

/// Why a handshake has no valid credential (HTTP 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unauthorized {
    /// The channel names security schemes and the application has no
    /// [`Authenticator`]: secure by default, every handshake is refused.
    #[error("this channel requires credentials")]
    NoAuthenticator,
    /// The handshake carries no credential for any of the channel's schemes.
    #[error("missing credentials")]
    MissingCredentials,
    /// The credential for `scheme` is not valid (unknown, expired, revoked).
    #[error("invalid credential for `{scheme}`")]
    InvalidCredential {
        /// The scheme's key in the contract.
        scheme: &'static str,
    },
}

/// Decides whether a handshake may open a channel. It runs during the handshake, so it must
/// not block; look credentials up in memory (or a cache).
pub trait Authenticator: Send + Sync + 'static {
    /// Accepts or refuses the credentials found for `channel`'s security schemes. Called only
    /// for channels whose operations name a security scheme, with every credential present.
    fn authenticate(&self, channel: &ChannelDescriptor, credentials: &[Credential]) -> Result<(), AuthError>;
}

impl<F> Authenticator for F
where
    F: Fn(&ChannelDescriptor, &[Credential]) -> Result<(), AuthError> + Send + Sync + 'static,
{
    fn authenticate(&self, channel: &ChannelDescriptor, credentials: &[Credential]) -> Result<(), AuthError> {
        self(channel, credentials)
    }
}

/// The handshake request, as auth sees it.
pub(crate) struct Handshake<'a> {
    pub(crate) query: Option<&'a str>,
    pub(crate) header: &'a dyn Fn(&str) -> Option<&'a str>,
}

/// The credentials a handshake carries for the channel's schemes.
pub(crate) fn credentials(schemes: &'static [SecuritySchemeDescriptor], handshake: &Handshake<'_>) -> Vec<Credential> {
    let mut found = Vec::new();
    for scheme in schemes {
        let value = match (scheme.scheme_type, scheme.location, scheme.name) {
            ("httpApiKey", Some("query"), Some(name)) => handshake.query.and_then(|q| query_value(q, name)),
            ("httpApiKey", Some("header"), Some(name)) => (handshake.header)(name).map(str::to_owned),
            ("httpApiKey", Some("cookie"), Some(name)) => {
                (handshake.header)("cookie").and_then(|c| cookie_value(c, name))
            }
            ("http", _, _) => (handshake.header)("authorization").and_then(|h| {
                let wanted = scheme.scheme.unwrap_or("bearer");
                let (kind, token) = h.split_once(' ')?;
                kind.eq_ignore_ascii_case(wanted).then(|| token.trim().to_owned())
            }),
            _ => None,
        };
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            found.push(Credential { scheme: scheme.key, value });
        }
    }
    found
}

fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| value.replace('+', " ")).map(|v| crate::routing::percent_decode(&v).unwrap_or(v))
    })
}

fn cookie_value(header: &str, name: &str) -> Option<String> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}

/// Whether a handshake's `Origin` is allowed.
pub(crate) fn origin_allowed(origins: &Origins, origin: Option<&str>, host: Option<&str>) -> bool {
    let Some(origin) = origin else { return true };
    match origins {
        Origins::Any => true,
        Origins::List(allowed) => allowed.iter().any(|a| a.eq_ignore_ascii_case(origin)),
        Origins::SameHost => {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            host.is_some_and(|h| h.eq_ignore_ascii_case(origin_host))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert!(origin_allowed(&Origins::SameHost, None, Some("a:1")));
        assert!(origin_allowed(&Origins::SameHost, Some("http://a:1"), Some("a:1")));
        assert!(!origin_allowed(&Origins::SameHost, Some("https://evil.example"), Some("a:1")));
        assert!(origin_allowed(&Origins::List(vec!["https://app".into()]), Some("https://app"), None));
        assert!(!origin_allowed(&Origins::List(vec!["https://app".into()]), Some("https://other"), None));
        assert!(origin_allowed(&Origins::Any, Some("https://anything"), None));
    }

    #[test]
    fn query_and_cookie_values() {
        assert_eq!(query_value("a=1&api_key=s%20x&b", "api_key").as_deref(), Some("s x"));
        assert_eq!(query_value("a=1", "api_key"), None);
        assert_eq!(cookie_value("x=1; session=abc", "session").as_deref(), Some("abc"));
    }
}
