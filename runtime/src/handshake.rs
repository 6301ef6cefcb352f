//! Deciding a WebSocket handshake, the same way for every front end (the bare server and
//! axum): the origin, the route, the credentials of the channel's security schemes and the
//! address parameters, all before any upgrade. Admitted, the connection's session is open.

use std::sync::Arc;

use tokio::sync::watch;

use crate::auth::{self, AuthError, Authenticator, Handshake, Unauthorized};
use crate::channel::{Channel, Session};
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
    pub(crate) authenticator: Option<Arc<dyn Authenticator>>,
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
    /// The channel's name in the contract.
    pub(crate) channel: &'static str,
    pub(crate) discriminator: Option<&'static str>,
    pub(crate) concurrency: usize,
}

impl Mounted {
    /// Decides a handshake: the origin, the route, the credentials of the channel's security
    /// schemes, the address parameters. Opens the session when admitted.
    pub(crate) fn admit<'a>(
        &self,
        path: &str,
        query: Option<&'a str>,
        header: &'a dyn Fn(&str) -> Option<&'a str>,
        id: ConnectionId,
        outbox: &Outbox,
    ) -> Result<Admitted, Refusal> {
        if !auth::origin_allowed(&self.config.origins, header("origin"), header("host")) {
            return Err(Refusal::new(Refused::Origin, 403, "origin not allowed"));
        }
        let Some((channel, params)) =
            self.routes.iter().find_map(|(route, channel)| route.matches(path).map(|params| (channel, params)))
        else {
            return Err(Refusal::new(Refused::NoRoute, 404, "no channel at this address"));
        };
        let descriptor = channel.descriptor();
        if !descriptor.security.is_empty() {
            let handshake = Handshake { query, header };
            let credentials = auth::credentials(descriptor.security, &handshake);
            let verdict = match (&self.authenticator, credentials.is_empty()) {
                (None, _) => Err(AuthError::Unauthorized(Unauthorized::NoAuthenticator)),
                (Some(_), true) => Err(AuthError::Unauthorized(Unauthorized::MissingCredentials)),
                (Some(authenticator), false) => authenticator.authenticate(descriptor, &credentials),
            };
            if let Err(refused) = verdict {
                let why = match refused {
                    AuthError::Unauthorized(_) => Refused::Unauthorized,
                    AuthError::Forbidden { .. } => Refused::Forbidden,
                };
                return Err(Refusal::new(why, refused.status(), refused.reason()));
            }
        }
        let session = channel
            .open(id, params, outbox.clone(), self.groups.clone(), self.config.validate)
            .map_err(|e| Refusal::new(Refused::Parameters, 404, e.to_string()))?;
        Ok(Admitted {
            session,
            channel: descriptor.name,
            discriminator: descriptor.discriminator,
            concurrency: channel.concurrency_limit(),
        })
    }
}
