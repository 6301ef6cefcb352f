//! Deciding a WebSocket handshake, the same way for every front end (the bare server and
//! axum): the origin, the route, the credentials of the channel's security schemes and the
//! address parameters, all before any upgrade. Admitted, the connection's session is open.

use std::sync::Arc;

use tokio::sync::watch;

use crate::auth::{self, AuthError, ErasedAuthenticator, Handshake, Unauthorized};
use crate::channel::{Channel, ChannelSlot, OpenError, Opening, Session};
use crate::config::ServerConfig;
use crate::descriptor::SecuritySchemeDescriptor;
use crate::docs::Docs;
use crate::groups::Groups;
use crate::outbox::{ConnectionId, Outbox};
use crate::routing::Route;
use crate::telemetry::{self, Refused};

/// An application as its connections see it: the routes, settings, groups and authenticator
/// that every handshake and connection shares.
pub(crate) struct Mounted {
    pub(crate) routes: Vec<(Route, Channel)>,
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) groups: Groups,
    pub(crate) authenticator: Option<Arc<dyn ErasedAuthenticator>>,
}

/// An application ready to serve: what `App::start` gives a front end.
pub(crate) struct Started {
    pub(crate) mounted: Arc<Mounted>,
    pub(crate) docs: Arc<Docs>,
    pub(crate) shutdown: watch::Sender<bool>,
}

/// A handshake refused, with its HTTP status.
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) reason: String,
    /// For a 401: the `WWW-Authenticate` challenges of the channel's security schemes.
    pub(crate) challenge: Option<String>,
}

impl Refusal {
    /// A refusal, counted and logged.
    fn new(why: Refused, status: u16, reason: impl Into<String>) -> Self {
        telemetry::refused(why, status);
        Self { status, reason: reason.into(), challenge: None }
    }

    /// A refusal whose 401 names the credentials the channel accepts.
    fn with_challenge(mut self, security: &[SecuritySchemeDescriptor]) -> Self {
        if self.status == 401 {
            let challenges: Vec<String> = security.iter().map(challenge).collect();
            self.challenge = (!challenges.is_empty()).then(|| challenges.join(", "));
        }
        self
    }
}

/// The `WWW-Authenticate` challenge of one security scheme (RFC 9110, section 11.6.1):
/// the HTTP scheme it names (`Bearer`, `Basic`), or, for a key sent as a query parameter,
/// header or cookie, an `ApiKey` challenge saying which and where.
fn challenge(scheme: &SecuritySchemeDescriptor) -> String {
    match (scheme.scheme_type, scheme.scheme, scheme.name, scheme.location) {
        ("http", Some(http), _, _) => {
            let mut name = http.to_owned();
            if let Some(first) = name.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            format!("{name} realm=\"{}\"", scheme.key)
        }
        (_, _, Some(name), Some(location)) => {
            format!("ApiKey realm=\"{}\", in=\"{location}\", name=\"{name}\"", scheme.key)
        }
        (kind, ..) => format!("{} realm=\"{}\"", if kind.is_empty() { "Unknown" } else { kind }, scheme.key),
    }
}

/// A connection admitted to a channel, its session opened.
pub(crate) struct Admitted {
    pub(crate) session: Box<dyn Session>,
    /// The connection's place under its channel's limit, held for its life.
    pub(crate) slot: ChannelSlot,
    /// The principal's key, when it has one: for the connection's span.
    pub(crate) principal: Option<String>,
    /// The channel's name in the contract.
    pub(crate) channel: &'static str,
    pub(crate) discriminator: Option<&'static str>,
    pub(crate) concurrency: usize,
}

/// A handshake request, as a front end read it.
pub(crate) struct Request<'a> {
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a [(&'a str, &'a str)],
    pub(crate) remote: Option<std::net::SocketAddr>,
}

impl Request<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }
}

impl Mounted {
    /// Decides a handshake: the origin, the route, the credentials of the channel's security
    /// schemes and the authenticator's answer, the address parameters. Opens the session
    /// when admitted.
    pub(crate) async fn admit(
        &self,
        request: &Request<'_>,
        id: ConnectionId,
        outbox: &Outbox,
    ) -> Result<Admitted, Refusal> {
        if !auth::origin_allowed(&self.config.origins, request.header("origin"), request.header("host")) {
            return Err(Refusal::new(Refused::Origin, 403, "origin not allowed"));
        }
        let Some((route, channel, params)) = self
            .routes
            .iter()
            .find_map(|(route, channel)| route.matches(request.path).map(|params| (route, channel, params)))
        else {
            return Err(Refusal::new(Refused::NoRoute, 404, "no channel at this address"));
        };
        let descriptor = channel.descriptor();
        let Some(slot) = channel.slot() else {
            return Err(Refusal::new(Refused::MaxChannelConnections, 503, "the channel is full"));
        };
        let mut opening = Opening {
            remote: request.remote,
            query: request.query.map(str::to_owned),
            headers: self
                .config
                .context_headers
                .iter()
                .filter_map(|name| request.header(name).map(|value| (name.to_ascii_lowercase(), value.to_owned())))
                .collect(),
            ..Opening::default()
        };
        let secured = !descriptor.security.is_empty();
        if secured || channel.principal().is_some() {
            let credentials = auth::credentials(descriptor.security, request.query, |name| request.header(name));
            let verdict = match &self.authenticator {
                None => Err(AuthError::Unauthorized(Unauthorized::NoAuthenticator)),
                Some(_) if secured && credentials.is_empty() => {
                    Err(AuthError::Unauthorized(Unauthorized::MissingCredentials))
                }
                Some(authenticator) => {
                    let named: Vec<(&str, String)> = route.names().zip(params.iter().cloned()).collect();
                    let handshake = Handshake {
                        channel: descriptor,
                        credentials: &credentials,
                        params: &named,
                        path: request.path,
                        query: request.query,
                        headers: request.headers,
                        remote: request.remote,
                    };
                    let answer = authenticator.authenticate(&handshake);
                    match tokio::time::timeout(self.config.auth_timeout, answer).await {
                        Ok(verdict) => verdict,
                        Err(_) => return Err(Refusal::new(Refused::AuthTimeout, 503, "authentication timed out")),
                    }
                }
            };
            match verdict {
                Ok(admission) => {
                    opening.principal = Some(admission.principal);
                    opening.key = admission.key;
                }
                Err(refused) => {
                    let why = match refused {
                        AuthError::Unauthorized(_) => Refused::Unauthorized,
                        AuthError::Forbidden { .. } => Refused::Forbidden,
                    };
                    let refusal = Refusal::new(why, refused.status(), refused.reason());
                    return Err(refusal.with_challenge(descriptor.security));
                }
            }
        }
        let principal = opening.key.clone();
        let session = channel
            .open_admitted(id, params, outbox.clone(), self.groups.clone(), self.config.validate, opening)
            .map_err(|e| match e {
                OpenError::Params(e) => Refusal::new(Refused::Parameters, 404, e.to_string()),
                other => Refusal::new(Refused::Internal, 500, other.to_string()),
            })?;
        // The channel's own say, with the principal and the typed parameters.
        match tokio::time::timeout(self.config.auth_timeout, session.authorize()).await {
            Ok(Ok(())) => {}
            Ok(Err(refused)) => {
                let why = match refused {
                    AuthError::Unauthorized(_) => Refused::Unauthorized,
                    AuthError::Forbidden { .. } => Refused::Forbidden,
                };
                let refusal = Refusal::new(why, refused.status(), refused.reason());
                return Err(refusal.with_challenge(descriptor.security));
            }
            Err(_) => return Err(Refusal::new(Refused::AuthTimeout, 503, "authorization timed out")),
        }
        Ok(Admitted {
            session,
            slot,
            principal,
            channel: descriptor.name,
            discriminator: descriptor.discriminator,
            concurrency: channel.concurrency_limit(),
        })
    }
}
