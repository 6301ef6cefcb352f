//! Who may open a connection: credentials from the contract's security schemes, and origins.
//! Both are checked on the HTTP handshake, before the upgrade: a refused client gets 401 or
//! 403 and never a WebSocket.

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::future::BoxFuture;

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

/// Who opened a connection: what an [`Authenticator`] returns, and what handlers read with
/// `cx.principal()`. The application's own type (a user, a service account).
///
/// ```
/// struct User { name: String, staff: bool }
///
/// impl tidings::Principal for User {
///     fn key(&self) -> Option<&str> {
///         Some(&self.name)
///     }
/// }
/// ```
pub trait Principal: Send + Sync + 'static {
    /// What addresses every connection of this principal (all tabs of one user):
    /// [`Sender::to_principal`](crate::Sender::to_principal) reaches the connections whose
    /// principal has this key, in this process and, through the Redis layer, in others.
    /// `None` (the default): the principal's connections are not addressed together.
    fn key(&self) -> Option<&str> {
        None
    }
}

/// No principal: what handlers of a channel that does not ask for one see.
impl Principal for () {}

/// A WebSocket handshake, as an [`Authenticator`] sees it before the upgrade.
#[derive(Debug)]
pub struct Handshake<'a> {
    pub(crate) channel: &'static ChannelDescriptor,
    pub(crate) credentials: &'a [Credential],
    pub(crate) params: &'a [(&'a str, String)],
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a [(&'a str, &'a str)],
    pub(crate) remote: Option<SocketAddr>,
}

impl<'a> Handshake<'a> {
    /// The channel the handshake opens.
    pub fn channel(&self) -> &'static ChannelDescriptor {
        self.channel
    }

    /// The credentials found for the channel's security schemes, in the contract's order.
    pub fn credentials(&self) -> &'a [Credential] {
        self.credentials
    }

    /// The credential found for `scheme` (its key in the contract).
    pub fn credential(&self, scheme: &str) -> Option<&'a str> {
        self.credentials.iter().find(|c| c.scheme == scheme).map(|c| c.value.as_str())
    }

    /// The value of address parameter `name` (percent-decoded), such as the room of
    /// `/ws/chat/{room_id}`.
    pub fn param(&self, name: &str) -> Option<&'a str> {
        self.params.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// The request's path.
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The request's query string, without the `?`.
    pub fn query(&self) -> Option<&'a str> {
        self.query
    }

    /// The value of query parameter `name`, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.and_then(|q| query_value(q, name))
    }

    /// The value of request header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }

    /// The peer's address, when the front end knows it (always with `App::bind`; on axum,
    /// when the router is served with `into_make_service_with_connect_info::<SocketAddr>()`).
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote
    }
}

/// Decides who opens a connection, during the handshake and before the upgrade: a
/// [`Principal`], or a refusal (401 or 403; never a socket that is then closed).
///
/// It is called for every channel whose operations name a security scheme (with at least
/// one credential found for them; none is a 401 without a call), and for every channel whose
/// handlers ask for a principal. It may await (a database, a token service): handshakes are
/// each their own task, so a slow answer holds up only its own, and past
/// [`ServerConfig::auth_timeout`](crate::ServerConfig::auth_timeout) the handshake gets 503.
///
/// A closure `Fn(&Handshake) -> Result<P, AuthError>` is an authenticator that answers
/// without awaiting:
///
/// ```
/// use tidings::{AuthError, Handshake};
///
/// let authenticator = |handshake: &Handshake<'_>| match handshake.credential("apiKey") {
///     Some("let-me-in") => Ok(()),
///     _ => Err(AuthError::invalid_credential("apiKey")),
/// };
/// let app = tidings::App::new().authenticator(authenticator);
/// # let _ = app;
/// ```
pub trait Authenticator: Send + Sync + 'static {
    /// Who the handshake's credentials say the peer is.
    type Principal: Principal;

    /// Accepts the handshake with its principal, or refuses it.
    fn authenticate(
        &self,
        handshake: &Handshake<'_>,
    ) -> impl Future<Output = Result<Self::Principal, AuthError>> + Send;
}

impl<F, P> Authenticator for F
where
    F: Fn(&Handshake<'_>) -> Result<P, AuthError> + Send + Sync + 'static,
    P: Principal,
{
    type Principal = P;

    fn authenticate(&self, handshake: &Handshake<'_>) -> impl Future<Output = Result<P, AuthError>> + Send {
        std::future::ready(self(handshake))
    }
}

/// A principal, its type erased: what the runtime carries from the authenticator to the
/// channel, which knows the type (checked when the application starts).
pub(crate) type AnyPrincipal = Arc<dyn Any + Send + Sync>;

/// An [`Authenticator`] with its principal's type erased.
pub(crate) trait ErasedAuthenticator: Send + Sync {
    fn authenticate<'a>(&'a self, handshake: &'a Handshake<'a>) -> BoxFuture<'a, Result<Admission, AuthError>>;
    /// The principal's type, to check channels against.
    fn principal(&self) -> (TypeId, &'static str);
}

/// An admitted principal, and the key that addresses its connections.
pub(crate) struct Admission {
    pub(crate) principal: AnyPrincipal,
    pub(crate) key: Option<String>,
}

impl<A: Authenticator> ErasedAuthenticator for A {
    fn authenticate<'a>(&'a self, handshake: &'a Handshake<'a>) -> BoxFuture<'a, Result<Admission, AuthError>> {
        Box::pin(async move {
            let principal = Authenticator::authenticate(self, handshake).await?;
            let key = principal.key().map(str::to_owned);
            Ok(Admission { principal: Arc::new(principal), key })
        })
    }

    fn principal(&self) -> (TypeId, &'static str) {
        (TypeId::of::<A::Principal>(), std::any::type_name::<A::Principal>())
    }
}

/// The credentials a handshake carries for the channel's schemes.
pub(crate) fn credentials<'h>(
    schemes: &'static [SecuritySchemeDescriptor],
    query: Option<&str>,
    header: impl Fn(&str) -> Option<&'h str>,
) -> Vec<Credential> {
    let mut found = Vec::new();
    for scheme in schemes {
        let value = match (scheme.scheme_type, scheme.location, scheme.name) {
            ("httpApiKey", Some("query"), Some(name)) => query.and_then(|q| query_value(q, name)),
            ("httpApiKey", Some("header"), Some(name)) => header(name).map(str::to_owned),
            ("httpApiKey", Some("cookie"), Some(name)) => header("cookie").and_then(|c| cookie_value(c, name)),
            ("http", _, _) => header("authorization").and_then(|h| {
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

pub(crate) fn query_value(query: &str, name: &str) -> Option<String> {
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
