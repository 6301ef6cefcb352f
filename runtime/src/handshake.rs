//! Deciding a WebSocket handshake, the same way for every front end (the bare server and
//! axum): the origin, the route, the credentials of the channel's security schemes and the
//! address parameters, all before any upgrade. Admitted, the connection's session is open.

use std::sync::Arc;

use tokio::sync::watch;

use crate::auth::{self, AuthError, ErasedAuthenticator, Handshake, Unauthorized};
use crate::channel::{Channel, ChannelSlot, OpenError, Opening, Session};
use crate::config::ServerConfig;
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
}

impl Refusal {
    /// A refusal, counted and logged.
    fn new(why: Refused, status: u16, reason: impl Into<String>) -> Self {
        telemetry::refused(why, status);
        Self { status, reason: reason.into() }
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
                    return Err(Refusal::new(why, refused.status(), refused.reason()));
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
                return Err(Refusal::new(why, refused.status(), refused.reason()));
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
