//! What the runtime tells operators: metrics through the [`metrics`] facade and events
//! through [`tracing`], named here once. With no recorder and no subscriber installed, each
//! costs a relaxed atomic load and a branch.
//!
//! | metric | kind | labels | counts |
//! | --- | --- | --- | --- |
//! | `tidings_connections_open` | gauge | | WebSocket connections open now |
//! | `tidings_connections_closed_total` | counter | `by` | closed connections, by who closed and why (see [`Closed`]) |
//! | `tidings_handshakes_refused_total` | counter | `reason` | handshakes refused before an upgrade (see [`Refused`]) |
//! | `tidings_frames_received_total` | counter | | data frames read from peers |
//! | `tidings_frames_sent_total` | counter | | data frames written to peers |
//! | `tidings_error_frames_total` | counter | `code` | error frames sent, by their `code` |
//! | `tidings_outbound_dropped_total` | counter | | frames dropped for a member whose outbound queue was full |
//! | `tidings_events_total` | counter | `outcome` | server events reaching a connection, by what became of them (see [`EventOutcome`]) |
//! | `tidings_redis_link_up` | gauge | `link` | 1 while the Redis link (`publishing` or `subscribing`) is up, else 0 |

use metrics::{counter, gauge};

/// Why a handshake was refused: the `reason` label of `tidings_handshakes_refused_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The `Origin` is not allowed (403).
    Origin,
    /// No channel at the request's path (404).
    NoRoute,
    /// The address parameters do not fit the channel's (404).
    Parameters,
    /// No valid credential (401).
    Unauthorized,
    /// A valid credential that may not use the channel (403).
    Forbidden,
    /// The authenticator did not answer within `ServerConfig::auth_timeout` (503).
    AuthTimeout,
    /// `ServerConfig::max_connections` reached (503).
    MaxConnections,
    /// `ServerConfig::max_connections_per_address` reached (503).
    MaxConnectionsPerAddress,
    /// `Channel::max_connections` reached (503).
    MaxChannelConnections,
    /// The handshake did not complete within `ServerConfig::handshake_timeout`.
    Deadline,
    /// The channel could not be opened for a reason `bind` rules out (500).
    Internal,
    /// Not a WebSocket handshake tungstenite accepts (a malformed request, a head over its
    /// 64 KiB cap, a socket closed half-way).
    Malformed,
}

impl Refused {
    fn label(self) -> &'static str {
        match self {
            Self::Origin => "origin",
            Self::NoRoute => "no_route",
            Self::Parameters => "parameters",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::AuthTimeout => "auth_timeout",
            Self::MaxConnections => "max_connections",
            Self::MaxConnectionsPerAddress => "max_connections_per_address",
            Self::MaxChannelConnections => "max_channel_connections",
            Self::Deadline => "deadline",
            Self::Internal => "internal",
            Self::Malformed => "malformed",
        }
    }
}

/// How a connection ended: the `by` label of `tidings_connections_closed_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closed {
    /// The peer closed, or the socket failed.
    Peer,
    /// The server closed with this close code (1001 shutdown or idle, 1008 policy, 1009 too
    /// big, 1013 too slow).
    Server(u16),
}

impl Closed {
    fn label(self) -> &'static str {
        match self {
            Self::Peer => "peer",
            Self::Server(1001) => "server_1001",
            Self::Server(1008) => "server_1008",
            Self::Server(1009) => "server_1009",
            Self::Server(1013) => "server_1013",
            Self::Server(_) => "server_other",
        }
    }
}

/// What became of a server event at one recipient connection: the `outcome` label of
/// `tidings_events_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventOutcome {
    /// The handler returned a message, queued for the peer.
    Sent,
    /// The handler returned `None`.
    Skipped,
    /// The channel's event type cannot read the event.
    Unreadable,
    /// The handler panicked, or its message could not be encoded.
    Failed,
    /// The connection's channel handles no events.
    Unhandled,
}

impl EventOutcome {
    fn label(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Skipped => "skipped",
            Self::Unreadable => "unreadable",
            Self::Failed => "failed",
            Self::Unhandled => "unhandled",
        }
    }
}

pub(crate) fn event(outcome: EventOutcome) {
    counter!("tidings_events_total", "outcome" => outcome.label()).increment(1);
}

pub(crate) fn refused(reason: Refused, status: u16) {
    tracing::debug!(reason = reason.label(), status, "tidings: handshake refused");
    counter!("tidings_handshakes_refused_total", "reason" => reason.label()).increment(1);
}

pub(crate) fn opened() {
    gauge!("tidings_connections_open").increment(1.0);
}

pub(crate) fn closed(how: Closed, reason: &str) {
    match how {
        Closed::Peer => tracing::debug!("tidings: connection closed by the peer"),
        Closed::Server(1013) => tracing::warn!(code = 1013, reason, "tidings: closed a slow consumer"),
        Closed::Server(code) => tracing::debug!(code, reason, "tidings: connection closed"),
    }
    gauge!("tidings_connections_open").decrement(1.0);
    counter!("tidings_connections_closed_total", "by" => how.label()).increment(1);
}

pub(crate) fn frames_received(count: u64) {
    counter!("tidings_frames_received_total").increment(count);
}

pub(crate) fn frames_sent(count: u64) {
    counter!("tidings_frames_sent_total").increment(count);
}

pub(crate) fn error_frame(code: &str) {
    tracing::debug!(code, "tidings: error frame sent");
    counter!("tidings_error_frames_total", "code" => code.to_owned()).increment(1);
}

pub(crate) fn outbound_dropped() {
    counter!("tidings_outbound_dropped_total").increment(1);
}

#[cfg(feature = "redis")]
pub(crate) fn redis_link(link: &'static str, up: bool) {
    gauge!("tidings_redis_link_up", "link" => link).set(if up { 1.0 } else { 0.0 });
}
