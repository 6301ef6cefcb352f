//! Groups across processes through Redis Pub/Sub: [`RedisLayer`] (feature `redis`).
//! `docs/ARCHITECTURE.md` gives the reasons for the design. The layer's handles are here;
//! the state its tasks share in `shared.rs`, the tasks that hold the two connections in
//! `link.rs`, the wire form of a publication in `envelope.rs`, the settings in `config.rs`.

mod config;
mod envelope;
mod link;
mod shared;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tokio::sync::{Notify, mpsc, watch};

pub use config::{InvalidRedisUrl, RedisConfig, RedisLayerError};
use envelope::Envelope;
use link::{publisher, subscriber};
use shared::{LinkState, Shared};

use crate::membership::{Layer, LayerHealth};
use crate::outbox::{ConnectionId, Delivery, Outbox, process_node, random_u64};

/// Group membership shared between processes through Redis Pub/Sub.
///
/// ```no_run
/// # async fn serve(chat: tidings::Channel) -> Result<(), Box<dyn std::error::Error>> {
/// use tidings::layer::{RedisConfig, RedisLayer};
/// let layer = RedisLayer::start("redis://127.0.0.1:6379", RedisConfig::default())?;
/// let server = tidings::App::new().mount(chat).layer(layer).bind("0.0.0.0:8080").await?;
/// server.serve().await?;
/// # Ok(())
/// # }
/// ```
///
/// Nothing about membership is stored in Redis. Each process keeps its own connections and
/// groups in memory, as [`InProcess`](crate::layer::InProcess) does, and subscribes to one Redis
/// channel per group that has members here (`<prefix>:g:<group>`), plus one channel for
/// directed sends to its connections (`<prefix>:n:<node>`, the [node](ConnectionId::node)
/// of every id the process issues). A broadcast is queued for the members here at once and
/// published once; the other processes deliver it to their members, and the publishing
/// layer skips its own publication when Redis echoes it back. A group whose last member here
/// leaves or closes is unsubscribed; a process that dies loses its subscriptions with its
/// connections. Nothing expires because nothing is left behind.
///
/// **Delivery is at most once**, as with Django's `channels_redis`: Redis Pub/Sub keeps no
/// message for a subscriber that is not listening, so what is published while the link is
/// down, or while another process reconnects, is lost for the other processes and counted
/// in [`dropped`](Self::dropped). Members in the publishing process always get it. The
/// messages of one layer reach another in the order they were published.
///
/// **No method waits on Redis.** Publications go to a bounded queue that a background task
/// drains in pipelined batches; subscription changes are recorded for a second task, which
/// holds the Pub/Sub connection. Both reconnect on their own with capped exponential backoff,
/// log through `tracing`, and [`health`](Layer::health) says what is down meanwhile;
/// [`ready`](Self::ready) waits for the link.
///
/// Cloning gives another handle on the same layer (to ask its health after handing it to a
/// server); its tasks stop when the last handle is dropped.
#[derive(Clone)]
pub struct RedisLayer {
    shared: Arc<Shared>,
    _tasks: Arc<watch::Sender<()>>,
}

impl std::fmt::Debug for RedisLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLayer")
            .field("redis", &self.shared.address)
            .field("node", &format_args!("{:08x}", self.shared.node))
            .field("health", &self.health())
            .finish_non_exhaustive()
    }
}

impl RedisLayer {
    /// A layer on the Redis at `url`. Returns at once: the connections are made in the
    /// background, and until they are up, broadcasts reach the members in this process only
    /// (see [`health`](Layer::health) and [`ready`](Self::ready)). Must be called within a
    /// tokio runtime.
    pub fn start(url: &str, config: RedisConfig) -> Result<Self, RedisLayerError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| RedisLayerError::NoRuntime)?;
        let client = ::redis::Client::open(url).map_err(|e| RedisLayerError::Url { source: InvalidRedisUrl(e) })?;
        let (publish, queue) = mpsc::channel(config.publish_queue.max(1));
        let node = process_node();
        let shared = Arc::new(Shared {
            address: client.get_connection_info().addr().to_string(),
            client,
            node,
            instance: random_u64(),
            node_channel: format!("{}:n:{node:08x}", config.prefix),
            group_prefix: format!("{}:g:", config.prefix),
            local: RwLock::default(),
            publish,
            publishing: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
            subscriptions_changed: Notify::new(),
            check_publisher: Notify::new(),
            link: watch::Sender::new(LinkState::default()),
            config,
        });
        let (tasks, stop) = watch::channel(());
        runtime.spawn(publisher(Arc::clone(&shared), queue, stop.clone()));
        runtime.spawn(subscriber(Arc::clone(&shared), stop));
        Ok(Self { shared, _tasks: Arc::new(tasks) })
    }

    /// Resolves once both connections to Redis are up and every group with members here at
    /// the time of the call is subscribed: from then on, what other processes broadcast to
    /// those groups reaches their members here. For tests and readiness checks; it waits as
    /// long as Redis stays away, so give it a timeout.
    pub async fn ready(&self) {
        let wanted = self.shared.read().generation;
        let mut link = self.shared.link.subscribe();
        let _ = link
            .wait_for(|state| state.publisher.is_none() && state.subscriber.is_none() && state.applied >= wanted)
            .await;
    }

    /// Publications that did not reach Redis since the layer started: published while the
    /// link was down, lost with a failed connection, or finding the queue full.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Publishes `delivery` to the members of `group` in other processes.
    fn publish_group(&self, group: &str, delivery: &Delivery) {
        match Envelope::encode(self.shared.instance, None, delivery) {
            Ok(envelope) => {
                self.shared.publish(format!("{}{group}", self.shared.group_prefix), envelope);
            }
            Err(error) => unpublishable(&error),
        }
    }
}

/// An event whose value does not serialize reaches this process's recipients only.
fn unpublishable(error: &str) {
    tracing::warn!(%error, "tidings: a server event that cannot be encoded as JSON reaches this process only");
}

impl Layer for RedisLayer {
    fn attach(&self, id: ConnectionId, outbox: Outbox) {
        self.shared.write().membership.attach(id, outbox);
    }

    fn detach(&self, id: ConnectionId) {
        let changed = {
            let mut local = self.shared.write();
            let emptied = local.membership.detach(id);
            for group in &emptied {
                local.want(group, false);
            }
            !emptied.is_empty()
        };
        if changed {
            self.shared.subscriptions_changed.notify_one();
        }
    }

    fn join(&self, id: ConnectionId, group: &str) {
        let changed = {
            let mut local = self.shared.write();
            let first = local.membership.join(id, group);
            if first {
                local.want(group, true);
            }
            first
        };
        if changed {
            self.shared.subscriptions_changed.notify_one();
        }
    }

    fn leave(&self, id: ConnectionId, group: &str) {
        let changed = {
            let mut local = self.shared.write();
            let emptied = local.membership.leave(id, group);
            if emptied {
                local.want(group, false);
            }
            emptied
        };
        if changed {
            self.shared.subscriptions_changed.notify_one();
        }
    }

    fn broadcast(&self, group: &str, delivery: Delivery) -> usize {
        let delivered = self.shared.read().membership.deliver(group, &delivery);
        self.publish_group(group, &delivery);
        delivered
    }

    /// The connection left out is one of this process (a sender), so other processes deliver
    /// the envelope to all their members, as for a broadcast.
    fn broadcast_except(&self, group: &str, delivery: Delivery, except: ConnectionId) -> usize {
        let delivered = self.shared.read().membership.deliver_except(group, &delivery, except);
        self.publish_group(group, &delivery);
        delivered
    }

    /// Queues `delivery` for connection `id`: directly when it is connected here, else
    /// through Redis to the process that issued the id. `true` when queued here or handed to
    /// the link; `false` when it is neither (the link is down or its queue is full).
    fn send_to(&self, id: ConnectionId, delivery: Delivery) -> bool {
        let here = self.shared.read().membership.send_to(id, delivery);
        let delivery = match here {
            Ok(queued) => return queued,
            Err(delivery) => delivery,
        };
        // Not here. Its process may still be this one, with another layer (two servers in
        // one process); that layer listens on the same node channel.
        let channel = format!("{}:n:{:08x}", self.shared.config.prefix, id.node());
        match Envelope::encode(self.shared.instance, Some(id), &delivery) {
            Ok(envelope) => self.shared.publish(channel, envelope),
            Err(error) => {
                unpublishable(&error);
                false
            }
        }
    }

    fn members(&self, group: &str) -> Vec<ConnectionId> {
        self.shared.read().membership.members(group)
    }

    fn census(&self) -> crate::layer::Census {
        self.shared.read().membership.census()
    }

    fn health(&self) -> LayerHealth {
        let link = self.shared.link.borrow();
        let connected = link.publisher.is_none() && link.subscriber.is_none();
        let detail = (!connected).then(|| {
            let mut problems = Vec::new();
            if let Some(problem) = &link.publisher {
                problems.push(format!("publishing: {problem}"));
            }
            if let Some(problem) = &link.subscriber {
                problems.push(format!("subscribing: {problem}"));
            }
            format!(
                "redis at {}: {}; reconnecting; broadcasts reach this process's members only ({} publications dropped so far)",
                self.shared.address,
                problems.join("; "),
                self.dropped()
            )
        });
        LayerHealth { layer: "redis", connected, detail }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_ids_carry_this_process_node() {
        let id = ConnectionId::next();
        assert_eq!(id.node(), process_node());
        assert_ne!(id.node(), 0);
        assert!(id.to_string().ends_with(&format!("@{:08x}", process_node())));
    }
}
