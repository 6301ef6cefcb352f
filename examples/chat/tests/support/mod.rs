//! What the chat example's tests share: the real binary on a free port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// The chat binary on a free port; killed when dropped.
pub(crate) struct Chat {
    child: Child,
    /// `HOST:PORT` the binary listens on.
    pub(crate) addr: String,
}

impl Chat {
    /// Starts the binary with `extra` arguments and waits for the address it prints.
    pub(crate) fn start(extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chat"))
            .args(["--addr", "127.0.0.1:0", "--tick-seconds", "3600"])
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the chat binary starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("it prints its address");
        let url = first.split_whitespace().find(|w| w.starts_with("ws://")).expect("an address");
        let addr = url.trim_start_matches("ws://").to_owned();
        Self { child, addr }
    }

    /// A plain HTTP GET: status, content type and body.
    #[allow(dead_code, reason = "not every test file asks for a page")]
    pub(crate) fn get(&self, target: &str) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        write!(stream, "GET {target} HTTP/1.1\r\nHost: {}\r\nAccept: */*\r\n\r\n", self.addr).expect("request");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("response");
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").expect("a head");
        let head = String::from_utf8_lossy(&response[..split]).into_owned();
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
        let content_type =
            head.lines().find_map(|l| l.strip_prefix("content-type: ")).map(str::to_owned).unwrap_or_default();
        (status, content_type, response[split + 4..].to_vec())
    }
}

impl Drop for Chat {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
