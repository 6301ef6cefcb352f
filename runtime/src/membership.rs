//! Where group membership lives: the [`Layer`] trait, its in-process implementation
//! [`InProcess`], and [`Membership`], the connections and groups of this process that
//! `InProcess` is and a cross-process layer keeps locally. Public as `tidings::layer`.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use indexmap::IndexMap;

use crate::outbox::{ConnectionId, Delivery, Outbox};

/// Where group membership lives and how frames and server events reach members.
///
/// Every method is synchronous and must not block: a layer that talks to another process
/// queues the work and returns. Delivery is at most once: what cannot be queued for a
/// member (its queue is full, or the layer's link is down) is dropped for that member, and a
/// full queue closes that member as too slow. A [`Delivery`] is a frame or a server event;
/// a layer carries both alike (a cross-process layer encodes an event with
/// [`Event::to_json`](crate::event::Event::to_json)).
pub trait Layer: Send + Sync + 'static {
    /// A connection opened, with the queue its frames go to.
    fn attach(&self, id: ConnectionId, outbox: Outbox);
    /// A connection closed: it leaves every group.
    fn detach(&self, id: ConnectionId);
    /// `id` joins `group`.
    fn join(&self, id: ConnectionId, group: &str);
    /// `id` leaves `group`.
    fn leave(&self, id: ConnectionId, group: &str);
    /// Queues `delivery` for every member of `group`; returns how many members it was queued
    /// for here (a cross-process layer also delivers to members elsewhere).
    fn broadcast(&self, group: &str, delivery: Delivery) -> usize;
    /// Queues `delivery` for every member of `group` but `except`; returns how many members
    /// it was queued for here. (The connection left out is always one of this process: a
    /// cross-process layer delivers to the others as for [`broadcast`](Self::broadcast).)
    fn broadcast_except(&self, group: &str, delivery: Delivery, except: ConnectionId) -> usize;
    /// Queues `delivery` for connection `id`; `false` when it is not connected here (a
    /// cross-process layer hands it on to the process that holds it).
    fn send_to(&self, id: ConnectionId, delivery: Delivery) -> bool;
    /// The members of `group` connected here.
    fn members(&self, group: &str) -> Vec<ConnectionId>;
    /// How the layer's link to other processes is doing, for health endpoints.
    fn health(&self) -> LayerHealth {
        LayerHealth { layer: "in-process", connected: true, detail: None }
    }
    /// How many connections and groups the layer holds in this process (a group no
    /// connection is in is not held). Zero for a layer that does not count them.
    fn census(&self) -> Census {
        Census::default()
    }
}

/// What a layer holds in this process: for gauges, and to check that a server that churned
/// through connections and rooms holds nothing of them afterwards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Census {
    /// Connections attached.
    pub connections: usize,
    /// Groups with at least one member here.
    pub groups: usize,
}

/// How a layer's link to other processes is doing; the server's health endpoint reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LayerHealth {
    /// The layer's kind, such as `in-process` or `redis`.
    pub layer: &'static str,
    /// Whether frames reach other processes now (always, for a layer of one process).
    pub connected: bool,
    /// What is wrong, when something is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Group membership in this process's memory.
#[derive(Debug, Default)]
pub struct InProcess {
    state: RwLock<Membership>,
}

impl InProcess {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Membership> {
        self.state.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Membership> {
        self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Layer for InProcess {
    fn attach(&self, id: ConnectionId, outbox: Outbox) {
        self.write().attach(id, outbox);
    }

    fn detach(&self, id: ConnectionId) {
        self.write().detach(id);
    }

    /// A connection joins once it is attached; a join of an id that is not is ignored.
    fn join(&self, id: ConnectionId, group: &str) {
        self.write().join(id, group);
    }

    fn leave(&self, id: ConnectionId, group: &str) {
        self.write().leave(id, group);
    }

    fn broadcast(&self, group: &str, delivery: Delivery) -> usize {
        self.read().deliver(group, &delivery)
    }

    fn broadcast_except(&self, group: &str, delivery: Delivery, except: ConnectionId) -> usize {
        self.read().deliver_except(group, &delivery, except)
    }

    fn send_to(&self, id: ConnectionId, delivery: Delivery) -> bool {
        self.read().send_to(id, delivery).unwrap_or(false)
    }

    fn members(&self, group: &str) -> Vec<ConnectionId> {
        self.read().members(group)
    }

    fn census(&self) -> Census {
        self.read().census()
    }
}

/// The connections of this process and their groups: all of [`InProcess`], and the local
/// half of a layer that also reaches other processes.
#[derive(Debug, Default)]
pub(crate) struct Membership {
    outboxes: HashMap<ConnectionId, Outbox>,
    /// Each group's members with their queues, kept densely so that a broadcast is one pass
    /// over a slice and no lookup per member.
    groups: HashMap<String, IndexMap<ConnectionId, Outbox>>,
    memberships: HashMap<ConnectionId, HashSet<String>>,
}

impl Membership {
    pub(crate) fn attach(&mut self, id: ConnectionId, outbox: Outbox) {
        self.outboxes.insert(id, outbox);
    }

    /// `id` leaves every group; returns the groups it leaves without members here.
    pub(crate) fn detach(&mut self, id: ConnectionId) -> Vec<String> {
        self.outboxes.remove(&id);
        let groups = self.memberships.remove(&id).unwrap_or_default();
        groups.into_iter().filter(|group| self.remove_member(group, id)).collect()
    }

    /// `id` joins `group` once it is attached (a join of an id that is not is ignored);
    /// `true` when the group had no member here before.
    pub(crate) fn join(&mut self, id: ConnectionId, group: &str) -> bool {
        let Some(outbox) = self.outboxes.get(&id).cloned() else { return false };
        self.memberships.entry(id).or_default().insert(group.to_owned());
        match self.groups.get_mut(group) {
            Some(members) => {
                members.insert(id, outbox);
                false
            }
            None => {
                self.groups.insert(group.to_owned(), IndexMap::from([(id, outbox)]));
                true
            }
        }
    }

    /// `id` leaves `group`; `true` when that leaves the group without members here.
    pub(crate) fn leave(&mut self, id: ConnectionId, group: &str) -> bool {
        if let Some(groups) = self.memberships.get_mut(&id) {
            groups.remove(group);
        }
        self.remove_member(group, id)
    }

    fn remove_member(&mut self, group: &str, id: ConnectionId) -> bool {
        let Some(members) = self.groups.get_mut(group) else { return false };
        members.swap_remove(&id);
        if !members.is_empty() {
            return false;
        }
        self.groups.remove(group);
        true
    }

    /// Queues `delivery` for every member of `group` here; how many it was queued for.
    pub(crate) fn deliver(&self, group: &str, delivery: &Delivery) -> usize {
        let Some(members) = self.groups.get(group) else { return 0 };
        members.values().filter(|outbox| outbox.deliver(delivery.clone()).is_ok()).count()
    }

    /// Queues `delivery` for every member of `group` here but `except`.
    pub(crate) fn deliver_except(&self, group: &str, delivery: &Delivery, except: ConnectionId) -> usize {
        let Some(members) = self.groups.get(group) else { return 0 };
        members.iter().filter(|(id, outbox)| **id != except && outbox.deliver(delivery.clone()).is_ok()).count()
    }

    /// Queues `delivery` for `id`: whether it was queued, or the delivery back when `id` is
    /// not connected here.
    pub(crate) fn send_to(&self, id: ConnectionId, delivery: Delivery) -> Result<bool, Delivery> {
        match self.outboxes.get(&id) {
            Some(outbox) => Ok(outbox.deliver(delivery).is_ok()),
            None => Err(delivery),
        }
    }

    /// The members of `group` here, in id order.
    pub(crate) fn members(&self, group: &str) -> Vec<ConnectionId> {
        let mut members: Vec<ConnectionId> =
            self.groups.get(group).into_iter().flat_map(IndexMap::keys).copied().collect();
        members.sort();
        members
    }

    /// How many connections and groups are here.
    pub(crate) fn census(&self) -> Census {
        Census { connections: self.outboxes.len(), groups: self.groups.len() }
    }

    /// The groups with members here (the Redis layer resubscribes to them).
    #[cfg(feature = "redis")]
    pub(crate) fn groups(&self) -> impl Iterator<Item = &String> {
        self.groups.keys()
    }
}
