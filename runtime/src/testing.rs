//! Helpers for testing an application's channels over real sockets: a server on a free
//! loopback port, typed clients, and a layer that records what each group received.
//!
//! ```no_run
//! # async fn demo(chat: tidings::Channel) -> std::io::Result<()> {
//! use tidings::testing::TestServer;
//! let server = TestServer::start(|s| s.mount(chat)).await?;
//! // let mut client = server.client::<chat::Spec>("/ws/chat/lobby").await?;
//! server.stop().await
//! # }
//! ```

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use crate::channel::ChannelSpec;
use crate::client::{Client, ClientError};
use crate::codec::Frame;
use crate::context::{ConnectionId, Outbox};
use crate::groups::{InProcess, Layer, Sender, scoped};
use crate::server::{Server, ShutdownHandle};

/// A server on `127.0.0.1:0`, running in the background.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    shutdown: ShutdownHandle,
    task: tokio::task::JoinHandle<io::Result<()>>,
    groups: crate::groups::Groups,
}

impl TestServer {
    /// Starts a server configured by `configure` (mount channels, set config, a layer...).
    pub async fn start(configure: impl FnOnce(Server) -> Server) -> io::Result<Self> {
        let server = configure(Server::bind("127.0.0.1:0").await?);
        let addr = server.local_addr()?;
        let shutdown = server.shutdown_handle();
        let groups = server.groups();
        let task = tokio::spawn(server.serve());
        Ok(Self { addr, shutdown, task, groups })
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ws://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    /// A typed client of channel `C` at `path`.
    pub async fn client<C: ChannelSpec>(&self, path: &str) -> Result<Client<C>, ClientError> {
        Client::connect(&self.url(path)).await
    }

    /// Typed sends on channel `C` from outside any connection.
    pub fn sender<C: ChannelSpec>(&self) -> Sender<C> {
        self.groups.sender::<C>()
    }

    /// Shuts the server down (Close 1001 to every connection) and waits for it.
    pub async fn stop(self) -> io::Result<()> {
        self.shutdown.shutdown();
        self.task.await.map_err(io::Error::other)?
    }
}

/// A layer that keeps membership in process, like [`InProcess`], and records every frame
/// broadcast to each group, for tests to look at.
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    inner: Arc<InProcess>,
    frames: Arc<Mutex<HashMap<String, Vec<Frame>>>>,
}

impl Recorder {
    /// What was broadcast to `group` of channel `C`, in order.
    pub fn received<C: ChannelSpec>(&self, group: &str) -> Vec<Frame> {
        let frames = self.frames.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        frames.get(&scoped(C::DESCRIPTOR.name, group)).cloned().unwrap_or_default()
    }
}

impl Layer for Recorder {
    fn attach(&self, id: ConnectionId, outbox: Outbox) {
        self.inner.attach(id, outbox);
    }
    fn detach(&self, id: ConnectionId) {
        self.inner.detach(id);
    }
    fn join(&self, id: ConnectionId, group: &str) {
        self.inner.join(id, group);
    }
    fn leave(&self, id: ConnectionId, group: &str) {
        self.inner.leave(id, group);
    }
    fn broadcast(&self, group: &str, frame: Frame) -> usize {
        self.frames
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(group.to_owned())
            .or_default()
            .push(frame.clone());
        self.inner.broadcast(group, frame)
    }
    fn send_to(&self, id: ConnectionId, frame: Frame) -> bool {
        self.inner.send_to(id, frame)
    }
    fn members(&self, group: &str) -> Vec<ConnectionId> {
        self.inner.members(group)
    }
}

#[cfg(feature = "redis")]
#[path = "testing_redis.rs"]
mod redis_server;
#[cfg(feature = "redis")]
pub use redis_server::RedisServer;
