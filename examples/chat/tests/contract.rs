//! The chat example's served document: what `/asyncapi.json`, `/asyncapi.yaml` and the docs
//! page show, read from the real binary over real sockets, checked by the official parser,
//! against the contract, and rendered in headless Chromium.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::Chat;

mod support;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The document as a value, read by our own loader from JSON or YAML text.
fn read_document(name: &str, text: &str) -> Value {
    let document = tidings_asyncapi::Document::from_text(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
    document.bundled().clone()
}

#[test]
fn the_served_document_is_the_contract_and_passes_the_official_parser() {
    let chat = Chat::start(&[]);
    let (status, content_type, json) = chat.get("/asyncapi.json");
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    let served: Value = serde_json::from_slice(&json).expect("JSON");

    let (_, yaml_type, yaml) = chat.get("/asyncapi.yaml");
    assert_eq!(yaml_type, "application/yaml");
    let (_, _, asked_yaml) = chat.get("/asyncapi.json?format=yaml");
    assert_eq!(yaml, asked_yaml, "?format=yaml gives the YAML document");
    let yaml = String::from_utf8(yaml).expect("UTF-8");
    assert_eq!(read_document("served.yaml", &yaml), read_document("served.json", &String::from_utf8_lossy(&json)));

    // The same document without serving it, as a management command would print it.
    let printed = Command::new(env!("CARGO_BIN_EXE_chat")).args(["--print-spec", "json"]).output().expect("runs");
    assert!(printed.status.success());
    assert_eq!(serde_json::from_slice::<Value>(&printed.stdout).expect("JSON"), served);

    let file = std::env::temp_dir().join(format!("tidings-chat-served-{}.json", std::process::id()));
    std::fs::write(&file, &json).expect("written");
    let verdicts = tidings_tests::official_parser(std::slice::from_ref(&file));
    assert!(verdicts[0].valid, "the official parser refuses the served document: {:?}", verdicts[0].errors);
    let _ = std::fs::remove_file(&file);

    // The error frame is a documented message of every channel, under the channel's
    // discriminator: one message in `components/messages` that each channel refers to.
    for channel in ["chat", "registration", "announcements"] {
        let reference = served["channels"][channel]["messages"]["error"]["$ref"].as_str();
        assert_eq!(reference, Some("#/components/messages/error"), "{channel}");
    }
    let error = tidings::testing::lookup(&served, "/components/messages/error/payload").expect("the error payload");
    assert_eq!(error["properties"]["action"]["const"], "error", "{error}");
    assert_eq!(error["properties"]["error"]["$ref"], "#/components/schemas/ErrorDetail");
    assert_eq!(served["components"]["schemas"]["ErrorDetail"]["required"], serde_json::json!(["code", "message"]));

    // Messages and their payload types are named components, referred to from the channels,
    // as generators of models and clients expect (each model then has its type's name).
    for (channel, messages) in served["channels"].as_object().expect("channels") {
        for (key, message) in messages["messages"].as_object().expect("messages") {
            let reference = message["$ref"].as_str().unwrap_or_default();
            assert!(reference.starts_with("#/components/messages/"), "{channel}/{key} is not a reference: {message}");
        }
    }
    for (message, schema) in [
        ("chat", "Chat"),
        ("ping", "Ping"),
        ("pong", "Pong"),
        ("chatNotification", "ChatNotification"),
        ("roomEvent", "RoomEvent"),
        ("register", "Register"),
        ("registrationComplete", "RegistrationComplete"),
        ("announce", "Announce"),
        ("announced", "Announced"),
    ] {
        let payload = &served["components"]["messages"][message]["payload"]["$ref"];
        assert_eq!(payload.as_str(), Some(format!("#/components/schemas/{schema}").as_str()), "{message}");
        assert!(served["components"]["schemas"][schema].is_object(), "no schema {schema}");
    }
    assert_eq!(
        served["components"]["schemas"]["Chat"]["properties"]["payload"]["$ref"],
        "#/components/schemas/ChatText"
    );

    tidings::testing::assert_contract(&served, manifest_dir().join("asyncapi.yaml"));
}

#[test]
fn endpoints_other_than_the_docs_are_websocket_only() {
    let chat = Chat::start(&[]);
    let (status, _, _) = chat.get("/healthz");
    assert_eq!(status, 200);
    let (status, _, page) = chat.get("/asyncapi");
    assert_eq!(status, 200);
    let page = String::from_utf8(page).expect("UTF-8");
    assert!(page.contains("integrity=\"sha384-"), "the CDN files are pinned with SRI");
    // A plain GET of a channel address is a failed WebSocket handshake, not a page.
    let mut stream = TcpStream::connect(&chat.addr).expect("connect");
    write!(stream, "GET /ws/chat/lobby HTTP/1.1\r\nHost: x\r\n\r\n").expect("request");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert!(!response.starts_with("HTTP/1.1 200"), "{response}");
}

/// Debian's Chromium, which the test set-up installs.
fn chromium() -> Option<PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().map(PathBuf::from).find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI is set but Chromium is not installed (scripts/test installs it)");
        eprintln!("note: Chromium is not installed; the docs page test is skipped outside CI");
    }
    found
}

#[test]
fn the_docs_page_renders_the_contract_in_headless_chromium() {
    let Some(chromium) = chromium() else { return };
    let package = manifest_dir().join("../../tests/node/node_modules/@asyncapi/react-component");
    assert!(package.is_dir(), "the component is not installed: run `npm ci --prefix tests/node` (scripts/test does)");
    let chat = Chat::start(&["--docs-assets", package.to_str().expect("UTF-8 path")]);
    let profile = std::env::temp_dir().join(format!("tidings-chromium-{}", std::process::id()));
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=20000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("http://{}/asyncapi", chat.addr))
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&output.stdout);
    // Rendered by the component, not only embedded: these appear in its markup, outside
    // the embedded document's script element.
    let rendered = dom.split("id=\"asyncapi-document\"").next().unwrap_or_default();
    for expected in [
        "tidings chat",
        "/ws/chat/{room_id}",
        "/ws/register",
        "/ws/announcements",
        "A member says something; everyone in the room is told, and every connection of anyone mentioned with `@name`.",
        "ada-token",
        "Registers a user name and confirms it.",
        "registrationComplete",
        "chatNotification",
    ] {
        assert!(
            rendered.contains(expected),
            "the page does not show `{expected}`; Chromium said:\n{}\n{}",
            String::from_utf8_lossy(&output.stderr),
            &rendered[..rendered.len().min(4000)]
        );
    }
}

#[test]
fn the_try_it_panel_sends_an_example_and_shows_the_reply() {
    let Some(_) = chromium() else { return };
    let package = manifest_dir().join("../../tests/node/node_modules/@asyncapi/react-component");
    assert!(package.is_dir(), "the component is not installed: run `npm ci --prefix tests/node` (scripts/test does)");
    // Off unless asked for: it lets whoever reads the page send frames.
    let plain = Chat::start(&[]);
    let (_, _, page) = plain.get("/asyncapi");
    assert!(!String::from_utf8_lossy(&page).contains("try-it"), "the panel is on without being asked for");

    let chat = Chat::start(&["--docs-assets", package.to_str().expect("UTF-8 path"), "--try-it", "on"]);
    let work = std::env::temp_dir().join(format!("tidings-try-it-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("a scratch directory");
    // `TIDINGS_UPDATE_SCREENSHOTS=1` rewrites the screenshot in the docs.
    let screenshot =
        std::env::var_os("TIDINGS_UPDATE_SCREENSHOTS").map(|_| manifest_dir().join("../../docs/images/try-it.png"));
    let output = Command::new("node")
        .arg(manifest_dir().join("../../tests/node/interop/try-it.mjs"))
        .arg(format!("http://{}", chat.addr))
        .arg(&work)
        .args(screenshot)
        .output()
        .expect("node runs");
    let _ = std::fs::remove_dir_all(&work);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("no report ({e}):\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(report["error"], Value::Null, "{report:#}");
    let log: Vec<(&str, Value)> = report["log"]
        .as_array()
        .expect("a log")
        .iter()
        .map(|entry| {
            let text = entry["text"].as_str().expect("text");
            (entry["class"].as_str().expect("class"), serde_json::from_str(text).expect("a JSON frame"))
        })
        .collect();
    let markup = "<img src=x onerror=alert(1)><b>hi</b>";
    assert_eq!(
        log,
        [
            ("try-it-sent", serde_json::json!({"action": "ping"})),
            ("try-it-received", serde_json::json!({"action": "pong"})),
            ("try-it-sent", serde_json::json!({"action": "chat", "payload": {"message": ""}})),
            (
                "try-it-error-frame",
                serde_json::json!({"action": "error", "error": {
                    "code": "invalid_message",
                    "message": "invalid `chat` message at `/payload/message`: must not be empty",
                    "pointer": "/payload/message",
                }})
            ),
            ("try-it-sent", serde_json::json!({"action": "chat", "payload": {"message": markup}})),
            (
                "try-it-received",
                serde_json::json!({"action": "chatNotification", "payload": {"message": markup, "sender": "ada"}})
            ),
        ],
        "{report:#}"
    );
    assert_eq!(report["elements"], 0, "markup in a frame became elements of the page");
}
