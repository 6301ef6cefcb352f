//! A Python client on the `websockets` library (a client that is not ours) drives the
//! code-first example through its scenario, against the real binary on a free port.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn a_python_websockets_client_drives_the_scenario() {
    let has_websockets = Command::new("python3").args(["-c", "import websockets"]).status().is_ok_and(|s| s.success());
    if !has_websockets {
        assert!(std::env::var_os("CI").is_none(), "CI is set but python3 cannot import websockets");
        eprintln!("note: `pip install -r examples/chat/tests/requirements.txt` to run this test");
        return;
    }
    let mut server = Command::new(env!("CARGO_BIN_EXE_code-first"))
        .args(["--addr", "127.0.0.1:0", "--api-key", "py-key", "--tick-seconds", "3600"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the code-first binary starts");
    let stdout = server.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).expect("the binary prints its address");
    let url = first.split_whitespace().find(|w| w.starts_with("ws://")).expect("an address").to_owned();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python_client.py");
    let output = Command::new("python3").args([script, &url, "py-key"]).output().expect("python3 runs");
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        output.status.success(),
        "the Python client failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("the code-first scenario passed"));
}
