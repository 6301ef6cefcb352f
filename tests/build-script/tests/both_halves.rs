//! Both halves meet: the document the code-first example exports, generated as a contract by
//! `tidings_build` (see `build.rs`), implemented contract first, serves the same document.
//! `tidings diff` between the two finds nothing, and the contract-first implementation
//! and each side's typed client speaks to the other side's server.

mod support;

use std::time::Duration;

use tidings::testing::TestServer;
use tidings::{App, AuthError, DocumentConfig, HandlerError};
use tidings_build_script::code_first::{admin, chat, registration, types};

/// The code-first example's document, checked in beside it and kept current by its test.
const EXPORTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/code-first/asyncapi.yaml");
const WAIT: Duration = Duration::from_secs(10);

struct Chat;

impl chat::Chat for Chat {
    async fn receive_chat(&self, _: &mut chat::Context, _: types::ChatMessage) -> Result<(), HandlerError> {
        Ok(())
    }

    async fn receive_ping(&self, _: &mut chat::Context, _: types::Ping) -> Result<types::Pong, HandlerError> {
        Ok(types::Pong::new())
    }
}

struct Registration;

impl registration::Registration for Registration {
    async fn receive_register(
        &self,
        _: &mut registration::Context,
        message: types::Register,
    ) -> Result<types::Registered, HandlerError> {
        let user = types::UserPayload {
            first_name: message.first_name.to_string(),
            last_name: message.last_name.to_string(),
            user_id: std::num::NonZeroU64::MIN,
        };
        Ok(types::Registered::new(user))
    }
}

#[derive(Debug)]
struct Operator;

impl tidings::Principal for Operator {}

struct Operators;

impl tidings::Authenticator for Operators {
    type Principal = Operator;

    async fn authenticate(&self, handshake: &tidings::Handshake<'_>) -> Result<Operator, AuthError> {
        match handshake.credential("operatorKey") {
            Some("key") => Ok(Operator),
            _ => Err(AuthError::forbidden("not the operators' key")),
        }
    }
}

struct Admin;

impl admin::Admin<Operator> for Admin {
    async fn receive_announce(
        &self,
        _: &mut admin::Context<Operator>,
        _: types::Announce,
    ) -> Result<types::Announced, HandlerError> {
        Ok(types::Announced::new(0))
    }
}

/// The contract-first application, configured as the code-first example is.
fn app(app: App) -> App {
    app.mount(chat::channel(Chat))
        .mount(registration::channel(Registration))
        .mount(admin::channel(Admin))
        .authenticator(Operators)
        .document_config(
            DocumentConfig::new("tidings code-first chat", "1.0.0")
                .description(
                    "Rooms of people talking, and the registration of users: declared in Rust, documented from it.",
                )
                .server(tidings::document::DocumentServer::new("local", "ws://127.0.0.1:8080")),
        )
}

#[test]
fn the_contract_first_implementation_describes_the_code_first_api() {
    let document = app(App::new()).document();
    if let Err(report) = tidings::testing::check_document(&document, EXPORTED) {
        panic!("{report}");
    }
    // The comparison sees words too: a summary changed on one side is a difference.
    let mut changed = document.clone();
    changed["operations"]["receivePing"]["summary"] = "Ping, differently".into();
    let report = tidings::testing::check_document(&changed, EXPORTED).expect_err("a difference").to_string();
    assert!(report.contains("receivePing"), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_contract_first_implementation_serves_that_document_and_speaks_its_wire() {
    let server = TestServer::start(app).await.expect("a server");
    let (head, served) = support::http_get(server.addr(), "/asyncapi.json").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let served: serde_json::Value = serde_json::from_str(&served).expect("JSON");
    if let Err(report) = tidings::testing::check_document(&served, EXPORTED) {
        panic!("{report}");
    }

    // The code-first client speaks to the contract-first server...
    let mut client = server.client::<code_first::Registration>("/ws/register").await.expect("connects");
    let register = code_first::Register { first_name: "Ada".into(), last_name: "Lovelace".into() };
    let reply = client.request(register).await.expect("a reply");
    let code_first::RegistrationOutgoing::Registered(registered) = reply;
    assert_eq!((registered.user.first_name.as_str(), registered.user.user_id), ("Ada", 1));
    server.stop().await.expect("stopped");

    // ...and the contract-first client to the code-first server.
    let server = TestServer::start(|_| code_first::app("key", "127.0.0.1:8080")).await.expect("a server");
    let mut client = server.client::<registration::Spec>("/ws/register").await.expect("connects");
    let register = types::Register::new("Grace".parse().expect("bounded"), "Hopper".parse().expect("bounded"));
    let reply = client.request(register).await.expect("a reply");
    let registration::Outgoing::Registered(registered) = reply else { panic!("not registered: {reply:?}") };
    assert_eq!((registered.user.first_name.as_str(), registered.user.user_id.get()), ("Grace", 1));
    let mut client = server.client::<chat::Spec>("/ws/chat/lobby").await.expect("connects");
    let reply = tokio::time::timeout(WAIT, client.request(types::Ping::new())).await.expect("in time");
    assert!(matches!(reply, Ok(chat::Outgoing::Pong(_))), "{reply:?}");
    server.stop().await.expect("stopped");
}
