//! A `redis-server` of a test's own, which the test can stop and start again.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` process on a free loopback port, without persistence, killed when
/// dropped. Needs `redis-server` on `PATH` (Debian's package `redis-server`).
///
/// ```no_run
/// # fn demo() -> Option<()> {
/// let redis = tidings::testing::RedisServer::for_test()?;
/// let url = redis.url(); // redis://127.0.0.1:<port>
/// # let _ = url; Some(())
/// # }
/// ```
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts `redis-server` on a free port of 127.0.0.1 and waits until it answers `PING`.
    /// An [`io::ErrorKind::NotFound`] error when `redis-server` is not installed.
    pub fn start() -> io::Result<Self> {
        let mut last = io::Error::other("no attempt");
        // redis-server cannot pick its own port (`--port 0` turns TCP off), so a free one is
        // found by binding port 0 and letting it go; another process may take it meanwhile.
        for _ in 0..5 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port();
            let mut server = Self { port, child: None };
            match server.spawn() {
                Ok(()) => return Ok(server),
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(e),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// A server for a test that needs one. When `redis-server` is not installed: `None`,
    /// with the reason printed, so that the test can return; but a panic when the `CI`
    /// environment variable is set, because CI installs Redis and must not skip these tests.
    pub fn for_test() -> Option<Self> {
        match Self::start() {
            Ok(server) => Some(server),
            Err(e) if e.kind() == io::ErrorKind::NotFound && std::env::var_os("CI").is_none() => {
                eprintln!(
                    "note: skipped, redis-server is not installed (`apt-get install redis-server`; scripts/test does)"
                );
                None
            }
            Err(e) => panic!("cannot start redis-server: {e}"),
        }
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server, as a crash would (no goodbye to its clients), and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (stopping it first if it runs).
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop();
        self.spawn()
    }

    fn spawn(&mut self) -> io::Result<()> {
        let port = self.port.to_string();
        let mut child = Command::new("redis-server")
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--daemonize", "no", "--loglevel", "warning"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if answers_ping(self.port) {
                self.child = Some(child);
                return Ok(());
            }
            if let Some(status) = child.try_wait()? {
                return Err(io::Error::other(format!("redis-server on port {port} exited at start: {status}")));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(io::Error::new(io::ErrorKind::TimedOut, "redis-server did not answer within 10 s"));
            }
            // Waiting for a process to start listening: there is nothing to be notified by.
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn answers_ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut answer = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok() && stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
}
