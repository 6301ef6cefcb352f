//! What a [`RedisLayer`](super::RedisLayer) and its two tasks share: this process's
//! membership, the subscriptions still to change, the publication queue, and how each link
//! to Redis is doing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};

use super::RedisConfig;
use super::envelope::Envelope;
use crate::membership::Membership;

/// What the layer and its two tasks share.
pub(super) struct Shared {
    pub(super) config: RedisConfig,
    pub(super) client: ::redis::Client,
    /// `host:port` of the Redis, for logs and health (never the URL: it may hold a password).
    pub(super) address: String,
    /// This process's node: directed sends to its connections come on `node_channel`.
    pub(super) node: u32,
    /// This layer's own id, written into every publication so that it can skip its echoes.
    pub(super) instance: u64,
    pub(super) node_channel: String,
    pub(super) group_prefix: String,
    pub(super) local: RwLock<Local>,
    pub(super) publish: mpsc::Sender<Publication>,
    /// Whether the publishing connection is up: while it is not, publications are dropped at
    /// once rather than queued to go out late.
    pub(super) publishing: AtomicBool,
    pub(super) dropped: AtomicU64,
    /// Wakes the subscribing task when `Local::pending` has something.
    pub(super) subscriptions_changed: Notify,
    /// Asks the publishing task to check its connection now: the subscribing connection was
    /// lost, and the publishing one would otherwise notice only at its next publication,
    /// which it would lose.
    pub(super) check_publisher: Notify,
    pub(super) link: watch::Sender<LinkState>,
}

/// What this process holds: its connections, its groups, and the subscriptions still to change.
#[derive(Default)]
pub(super) struct Local {
    pub(super) membership: Membership,
    /// Groups whose subscription is to change: `true` to subscribe, `false` to unsubscribe.
    /// One entry per group at most, so it is bounded by the number of groups.
    pub(super) pending: HashMap<String, bool>,
    /// Counts changes to the set of groups with members here, for [`RedisLayer::ready`].
    pub(super) generation: u64,
}

impl Local {
    pub(super) fn want(&mut self, group: &str, subscribed: bool) {
        self.pending.insert(group.to_owned(), subscribed);
        self.generation += 1;
    }
}

/// How each connection to Redis is doing: `None` when up, else what is wrong.
pub(super) struct LinkState {
    pub(super) publisher: Option<String>,
    pub(super) subscriber: Option<String>,
    /// The `Local::generation` whose groups are all subscribed on the current connection.
    pub(super) applied: u64,
}

impl Default for LinkState {
    fn default() -> Self {
        Self { publisher: Some("not connected yet".into()), subscriber: Some("not connected yet".into()), applied: 0 }
    }
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Side {
    Publisher,
    Subscriber,
}

impl Side {
    pub(super) fn name(self) -> &'static str {
        match self {
            Side::Publisher => "publishing",
            Side::Subscriber => "subscribing",
        }
    }
}

impl Shared {
    pub(super) fn read(&self) -> RwLockReadGuard<'_, Local> {
        self.local.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn write(&self) -> RwLockWriteGuard<'_, Local> {
        self.local.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a publication without waiting; `false` (and counted) when it cannot go out.
    pub(super) fn publish(&self, channel: String, payload: Vec<u8>) -> bool {
        let queued =
            self.publishing.load(Ordering::Acquire) && self.publish.try_send(Publication { channel, payload }).is_ok();
        if !queued {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        queued
    }

    pub(super) fn up(&self, side: Side, applied: Option<u64>) {
        if let Side::Publisher = side {
            self.publishing.store(true, Ordering::Release);
        }
        let mut was_down = None;
        self.link.send_modify(|state| {
            let slot = match side {
                Side::Publisher => &mut state.publisher,
                Side::Subscriber => &mut state.subscriber,
            };
            was_down = slot.take();
            if let Some(applied) = applied {
                state.applied = applied;
            }
        });
        crate::telemetry::redis_link(side.name(), true);
        if let Some(problem) = was_down {
            tracing::info!(
                redis = %self.address,
                link = side.name(),
                was = %problem,
                dropped = self.dropped.load(Ordering::Relaxed),
                "tidings: redis link up"
            );
        }
    }

    pub(super) fn down(&self, side: Side, problem: String, retry_in: Duration) {
        if let Side::Publisher = side {
            self.publishing.store(false, Ordering::Release);
        }
        let mut was_up = false;
        self.link.send_modify(|state| {
            let slot = match side {
                Side::Publisher => &mut state.publisher,
                Side::Subscriber => &mut state.subscriber,
            };
            was_up = slot.is_none();
            *slot = Some(problem.clone());
        });
        crate::telemetry::redis_link(side.name(), false);
        if was_up {
            tracing::warn!(
                redis = %self.address,
                link = side.name(),
                error = %problem,
                ?retry_in,
                "tidings: redis link down; members in this process still get every broadcast, other processes miss them until it is back"
            );
        } else {
            tracing::debug!(redis = %self.address, link = side.name(), error = %problem, ?retry_in, "tidings: redis still down");
        }
    }

    /// Hands a message from Redis to the connections here it is for.
    pub(super) fn deliver(&self, channel: &str, payload: &[u8]) {
        let Some(envelope) = Envelope::decode(payload) else {
            tracing::debug!(channel, "tidings: ignored a message on a redis channel that is not a tidings envelope");
            return;
        };
        if let Some(group) = channel.strip_prefix(&self.group_prefix) {
            if envelope.origin == self.instance {
                return; // Our own broadcast: the members here had it directly.
            }
            let Some(delivery) = envelope.delivery() else { return };
            self.read().membership.deliver(group, &delivery);
        } else if channel == self.node_channel {
            let Some(target) = envelope.target else { return };
            if let Some(delivery) = envelope.delivery() {
                let _ = self.read().membership.send_to(target, delivery);
            }
        }
    }

    pub(super) fn group_channels<'a>(&'a self, groups: impl IntoIterator<Item = &'a String>) -> Vec<String> {
        groups.into_iter().map(|group| format!("{}{group}", self.group_prefix)).collect()
    }
}

pub(super) struct Publication {
    pub(super) channel: String,
    pub(super) payload: Vec<u8>,
}
