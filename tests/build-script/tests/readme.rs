//! The README's whole application, as a user pastes it: its four blocks become a crate
//! outside the workspace (the path dependencies pointed at this checkout), which is built
//! with cargo, started on a free port, and asked for a greeting over a real socket. So the
//! README cannot drift from what compiles and runs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository")
}

/// The blocks between the README's `minimal-app` markers, by the file their first line names.
fn blocks(readme: &str) -> Vec<(String, String)> {
    let start = readme.find("<!-- minimal-app").expect("the README marks its whole application");
    let end = readme.find("<!-- /minimal-app -->").expect("and where it ends");
    let mut out = Vec::new();
    let mut lines = readme[start..end].lines();
    while let Some(line) = lines.next() {
        if !line.starts_with("```") || line.len() == 3 {
            continue;
        }
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        let (first, rest) = body.split_first().expect("a block with a first line");
        let name = first.trim_start_matches(['#', '/']).trim().to_owned();
        out.push((name, rest.join("\n") + "\n"));
    }
    out
}

#[test]
fn the_readmes_whole_application_builds_and_answers() {
    let root = repository();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("the README");
    let files = blocks(&readme);
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["Cargo.toml", "asyncapi.yaml", "build.rs", "src/main.rs"]);

    let dir = std::env::temp_dir().join(format!("tidings-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).expect("a crate directory");
    for (name, text) in &files {
        let text = text.replace("../tidings/", &format!("{}/", root.display()));
        std::fs::write(dir.join(name), text).expect("write a file of the crate");
    }
    // The workspace's versions, so the build reuses what the registry cache holds.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("the lock file");
    // Its own target directory: the one running this test is locked by cargo.
    let target = root.join("target/readme-app");
    let built = Command::new(env!("CARGO"))
        .args(["build", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .status()
        .expect("cargo runs");
    assert!(built.success(), "the README's application does not build (in {})", dir.display());

    let mut server = Command::new(target.join("debug/hello"))
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the application starts");
    let mut first = String::new();
    BufReader::new(server.stdout.take().expect("stdout")).read_line(&mut first).expect("it prints its address");
    let url = first.split_whitespace().find(|w| w.starts_with("ws://")).expect("an address").to_owned();

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let replies = runtime.block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.expect("connects");
        let mut replies = Vec::new();
        for name in ["Ada", &"x".repeat(41)] {
            let hello = format!(r#"{{"action": "hello", "name": "{name}"}}"#);
            ws.send(Message::Text(hello.into())).await.expect("sent");
            let reply = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a reply in time");
            let Some(Ok(Message::Text(text))) = reply else { panic!("expected a text frame, got {reply:?}") };
            replies.push(serde_json::from_str::<serde_json::Value>(&text).expect("json"));
        }
        replies
    });
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(replies[0], serde_json::json!({"action": "greeting", "text": "Hello, Ada!"}));
    assert_eq!(replies[1]["action"], "error");
    assert_eq!(replies[1]["error"]["pointer"], "/name", "{}", replies[1]);
}
