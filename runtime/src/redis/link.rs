//! The layer's two tasks, each holding one connection to Redis: the publisher drains the
//! publication queue in pipelined batches; the subscriber holds the Pub/Sub connection and
//! delivers what arrives. Both reconnect with capped, jittered exponential backoff.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::RedisConfig;
use super::shared::{Publication, Shared, Side};
use crate::outbox::random_u64;

/// Publications in one pipeline at most: enough to amortize a round trip, small enough that
/// a failed batch loses little.
pub(super) const BATCH: usize = 256;

/// Drains the publication queue into Redis, one pipelined batch at a time, reconnecting as needed.
pub(super) async fn publisher(
    shared: Arc<Shared>,
    mut queue: mpsc::Receiver<Publication>,
    mut stop: watch::Receiver<()>,
) {
    let config = ::redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(shared.config.timeout))
        .set_response_timeout(Some(shared.config.timeout));
    let mut backoff = Backoff::new(&shared.config);
    loop {
        let connected = tokio::select! {
            _ = stop.changed() => return,
            connected = shared.client.get_multiplexed_async_connection_with_config(&config) => connected,
        };
        let problem = match connected {
            Err(e) => e.to_string(),
            Ok(mut connection) => {
                backoff.reset();
                shared.up(Side::Publisher, None);
                let mut ping = idle_timer(shared.config.ping_interval);
                loop {
                    let first = tokio::select! {
                        _ = stop.changed() => return,
                        _ = ping.tick() => match ping_on(&mut connection).await {
                            Ok(()) => continue,
                            Err(problem) => break problem,
                        },
                        () = shared.check_publisher.notified() => match ping_on(&mut connection).await {
                            Ok(()) => continue,
                            Err(problem) => break problem,
                        },
                        first = queue.recv() => match first {
                            Some(first) => first,
                            None => return,
                        },
                    };
                    let mut pipe = ::redis::pipe();
                    pipe.cmd("PUBLISH").arg(&first.channel).arg(&first.payload).ignore();
                    let mut count = 1;
                    while count < BATCH {
                        let Ok(next) = queue.try_recv() else { break };
                        pipe.cmd("PUBLISH").arg(&next.channel).arg(&next.payload).ignore();
                        count += 1;
                    }
                    if let Err(e) = pipe.exec_async(&mut connection).await {
                        // At most once: a batch that may have been partly published is not retried.
                        shared.dropped.fetch_add(count as u64, Ordering::Relaxed);
                        break e.to_string();
                    }
                    ping.reset();
                }
            }
        };
        let wait = backoff.next();
        shared.down(Side::Publisher, problem, wait);
        // Meanwhile, what was queued before the link went down is dropped, not sent late.
        let until = Instant::now() + wait;
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep_until(until) => break,
                dropped = queue.recv() => match dropped {
                    Some(_) => { shared.dropped.fetch_add(1, Ordering::Relaxed); }
                    None => return,
                },
            }
        }
    }
}

pub(super) async fn ping_on(connection: &mut ::redis::aio::MultiplexedConnection) -> Result<(), String> {
    ::redis::cmd("PING").query_async::<::redis::Value>(connection).await.map(drop).map_err(|e| e.to_string())
}

/// Holds the Pub/Sub connection: subscribes to what `Local` wants, delivers what arrives,
/// reconnects and subscribes to everything again when the connection is lost.
pub(super) async fn subscriber(shared: Arc<Shared>, mut stop: watch::Receiver<()>) {
    let mut backoff = Backoff::new(&shared.config);
    loop {
        let connected = tokio::select! {
            _ = stop.changed() => return,
            connected = tokio::time::timeout(shared.config.timeout, shared.client.get_async_pubsub()) => connected,
        };
        let problem = match connected {
            Err(_) => "timed out connecting".to_owned(),
            Ok(Err(e)) => e.to_string(),
            Ok(Ok(pubsub)) => match listen(&shared, pubsub, &mut stop, &mut backoff).await {
                Listen::Stopped => return,
                Listen::Lost(problem) => problem,
            },
        };
        shared.check_publisher.notify_one();
        let wait = backoff.next();
        shared.down(Side::Subscriber, problem, wait);
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

pub(super) enum Listen {
    Stopped,
    Lost(String),
}

/// Runs one Pub/Sub connection until it fails or the layer stops.
pub(super) async fn listen(
    shared: &Shared,
    pubsub: ::redis::aio::PubSub,
    stop: &mut watch::Receiver<()>,
    backoff: &mut Backoff,
) -> Listen {
    let (mut sink, mut stream) = pubsub.split();
    let timeout = shared.config.timeout;
    // Everything wanted now; changes from here on are in `pending` for the loop below.
    let (groups, generation) = {
        let mut local = shared.write();
        local.pending.clear();
        (local.membership.groups().cloned().collect::<Vec<_>>(), local.generation)
    };
    let mut subscribed: HashSet<String> = HashSet::with_capacity(groups.len());
    if let Err(problem) = within(timeout, sink.subscribe(&shared.node_channel)).await {
        return Listen::Lost(problem);
    }
    for chunk in groups.chunks(BATCH) {
        if let Err(problem) = within(timeout, sink.subscribe(shared.group_channels(chunk))).await {
            return Listen::Lost(problem);
        }
        subscribed.extend(chunk.iter().cloned());
    }
    backoff.reset();
    shared.up(Side::Subscriber, Some(generation));
    let mut ping = idle_timer(shared.config.ping_interval);
    loop {
        // Subscription changes first: a flood of messages must not hold back a join.
        tokio::select! {
            biased;
            _ = stop.changed() => return Listen::Stopped,
            () = shared.subscriptions_changed.notified() => {
                let (changes, generation) = {
                    let mut local = shared.write();
                    (std::mem::take(&mut local.pending), local.generation)
                };
                let (add, remove): (Vec<String>, Vec<String>) = {
                    let mut add = Vec::new();
                    let mut remove = Vec::new();
                    for (group, wanted) in changes {
                        match (wanted, subscribed.contains(&group)) {
                            (true, false) => add.push(group),
                            (false, true) => remove.push(group),
                            _ => {}
                        }
                    }
                    (add, remove)
                };
                for chunk in add.chunks(BATCH) {
                    if let Err(problem) = within(timeout, sink.subscribe(shared.group_channels(chunk))).await {
                        return Listen::Lost(problem);
                    }
                    subscribed.extend(chunk.iter().cloned());
                }
                for chunk in remove.chunks(BATCH) {
                    if let Err(problem) = within(timeout, sink.unsubscribe(shared.group_channels(chunk))).await {
                        return Listen::Lost(problem);
                    }
                    for group in chunk {
                        subscribed.remove(group);
                    }
                }
                shared.link.send_modify(|state| state.applied = state.applied.max(generation));
            }
            message = stream.next() => {
                let Some(message) = message else { return Listen::Lost("the connection closed".into()) };
                shared.deliver(message.get_channel_name(), message.get_payload_bytes());
                ping.reset();
            }
            _ = ping.tick() => {
                if let Err(problem) = within(timeout, sink.ping::<::redis::Value>()).await {
                    return Listen::Lost(problem);
                }
            }
        }
    }
}

/// A timer that fires after `period` of quiet; `reset` on activity.
pub(super) fn idle_timer(period: Duration) -> tokio::time::Interval {
    let mut timer = tokio::time::interval_at(Instant::now() + period, period);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    timer
}

pub(super) async fn within<T>(
    timeout: Duration,
    request: impl Future<Output = ::redis::RedisResult<T>>,
) -> Result<T, String> {
    match tokio::time::timeout(timeout, request).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {timeout:?}")),
    }
}

/// Capped exponential backoff with jitter: each wait is drawn between half and all of the
/// current step, so that processes cut off together do not reconnect in lockstep.
pub(super) struct Backoff {
    pub(super) min: Duration,
    pub(super) max: Duration,
    pub(super) step: Duration,
    pub(super) random: u64,
}

impl Backoff {
    pub(super) fn new(config: &RedisConfig) -> Self {
        let min = config.reconnect_min.max(Duration::from_millis(1));
        Self { min, max: config.reconnect_max.max(min), step: min, random: random_u64() | 1 }
    }

    pub(super) fn reset(&mut self) {
        self.step = self.min;
    }

    pub(super) fn next(&mut self) -> Duration {
        // xorshift64: cheap, and plenty for spreading retries.
        self.random ^= self.random << 13;
        self.random ^= self.random >> 7;
        self.random ^= self.random << 17;
        let fraction = 0.5 + (self.random >> 11) as f64 / (1u64 << 53) as f64 / 2.0;
        let wait = self.step.mul_f64(fraction);
        self.step = (self.step * 2).min(self.max);
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_with_jitter() {
        let config = RedisConfig::default().reconnect(Duration::from_millis(100), Duration::from_secs(1));
        let mut backoff = Backoff::new(&config);
        let waits: Vec<Duration> = (0..8).map(|_| backoff.next()).collect();
        let steps = [100, 200, 400, 800, 1000, 1000, 1000, 1000].map(Duration::from_millis);
        for (wait, step) in waits.iter().zip(steps) {
            assert!(*wait >= step / 2 && *wait <= step, "{wait:?} not within half of {step:?}");
        }
        backoff.reset();
        assert!(backoff.next() <= Duration::from_millis(100));
    }
}
