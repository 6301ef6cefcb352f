//! The served document feeds the ecosystem's generators: a TypeScript team's models from
//! Modelina, compiled with `tsc --strict` together with a typed client that then runs in
//! headless Chromium against the live server, and a Python team's pydantic models from
//! datamodel-code-generator, which validate every frame the `websockets` client receives.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use support::Chat;

mod support;

/// A scratch directory of this test process, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tidings-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/node")
}

/// Whether a tool this test needs is there: it must be under CI (scripts/test installs it).
fn available(what: &str, present: bool) -> bool {
    if !present {
        assert!(std::env::var_os("CI").is_none(), "CI is set but {what} is missing (scripts/test installs it)");
        eprintln!("note: {what} is missing; run scripts/test's set-up to run this test");
    }
    present
}

#[test]
fn modelina_models_type_a_client_that_runs_in_chromium() {
    let modelina = node_dir().join("node_modules/@asyncapi/modelina").is_dir();
    if !available("Modelina (`npm ci --prefix tests/node`)", modelina)
        || !available("Chromium", Path::new("/usr/bin/chromium").is_file())
    {
        return;
    }
    let chat = Chat::start(&[]);
    let work = Scratch::new("modelina");
    let output = Command::new("node")
        .arg(node_dir().join("interop/typescript.mjs"))
        .arg(format!("http://{}", chat.addr))
        .arg(&work.0)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!("no report ({e}):\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    });
    assert_eq!(report["error"], Value::Null, "{report:#}");

    // Every model is named after its Rust type (the contract's schema name where it named one).
    let models: Vec<&str> = report["models"].as_array().expect("models").iter().filter_map(Value::as_str).collect();
    let anonymous: Vec<&&str> = models.iter().filter(|name| name.starts_with("AnonymousSchema")).collect();
    assert!(anonymous.is_empty(), "Modelina had to invent names: {models:?}");
    for expected in [
        "Chat",
        "ChatText",
        "Ping",
        "Pong",
        "ChatNotification",
        "RoomEvent",
        "RoomEventPayload",
        "Register",
        "RegistrationComplete",
        "Announce",
        "Announced",
        "ErrorFrame",
        "ErrorDetail",
    ] {
        assert!(models.contains(&expected), "no model `{expected}` among {models:?}");
    }

    // The typed client compiles with the models under `tsc --strict`...
    assert_eq!(report["diagnostics"], json!([]), "tsc --strict refuses the models with the client");
    // ...and, in Chromium, hears the pong and the broadcast, each frame checked by its model.
    let broadcast =
        json!({"action": "chatNotification", "payload": {"message": "hello from the browser", "sender": "ada"}});
    assert_eq!(report["frames"], json!([{"action": "pong"}, broadcast, broadcast]), "{report:#}");
}

#[test]
fn python_models_from_the_document_validate_every_frame() {
    let tools = Command::new("python3")
        .args(["-c", "import websockets, datamodel_code_generator"])
        .status()
        .is_ok_and(|s| s.success());
    if !available("Python websockets and datamodel-code-generator (examples/chat/tests/requirements.txt)", tools) {
        return;
    }
    let chat = Chat::start(&["--api-key", "py-key"]);
    let work = Scratch::new("pydantic");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python_client.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(format!("ws://{}", chat.addr))
        .arg("py-key")
        .arg(&work.0)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the Python client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout.lines().find(|l| l.contains("frames validated")).expect("a count of validated frames");
    for action in ["pong", "chatNotification", "roomEvent", "error", "announced", "registrationComplete"] {
        assert!(line.contains(action), "no `{action}` frame was validated: {line}");
    }
}
