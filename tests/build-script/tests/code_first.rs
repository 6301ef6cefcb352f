//! Code-first channels as a user writes them, beyond the example: a discriminator other than
//! `action`, unit messages, two channels with a handler of the same name, and bad frames,
//! which get the documented error frames while the connection lives on.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tidings::testing::TestServer;
use tidings::{App, Context, HandlerError};
use tokio_tungstenite::tungstenite::Message as WsMessage;

const WAIT: Duration = Duration::from_secs(10);

/// Asks for the time.
#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "ping", discriminator = "type")]
struct Ping;

/// The answer.
#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "pong", discriminator = "type")]
struct Pong;

/// A bounded greeting.
#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "greet", discriminator = "type")]
struct Greet {
    /// Who to greet.
    #[schemars(length(min = 1, max = 8))]
    name: String,
}

/// The greeting.
#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "greeting", discriminator = "type")]
struct Greeting {
    /// The words.
    text: String,
}

/// The first channel.
struct Clock;

/// Answers pings and greets, with `type` as its discriminator.
#[tidings::channel(address = "/clock")]
impl Clock {
    /// Answers a ping.
    #[handler]
    async fn ping(&self, _: &mut Context<Self>, _: Ping) -> Result<Pong, HandlerError> {
        Ok(Pong)
    }

    /// Greets.
    #[handler]
    async fn greet(&self, _: &mut Context<Self>, greet: Greet) -> Result<Greeting, HandlerError> {
        Ok(Greeting { text: format!("hello, {}", greet.name) })
    }
}

/// A second channel whose handler is also `ping`.
struct Echo;

/// Answers pings too.
#[tidings::channel(address = "/echo")]
impl Echo {
    /// Answers a ping, on the other channel.
    #[handler]
    async fn ping(&self, _: &mut Context<Self>, _: Ping) -> Result<Pong, HandlerError> {
        Ok(Pong)
    }
}

fn app(app: App) -> App {
    app.mount(Clock).mount(Echo)
}

#[test]
fn two_handlers_of_one_name_are_two_operations_and_the_document_is_valid() {
    let document = app(App::new()).document();
    let operations = document["operations"].as_object().expect("operations");
    assert_eq!(operations["receivePing"]["channel"]["$ref"], "#/channels/clock", "{operations:#?}");
    assert_eq!(operations["receivePing2"]["channel"]["$ref"], "#/channels/echo", "{operations:#?}");
    // The discriminator is `type`, first and required, and unit messages are objects of it.
    let ping = tidings::testing::lookup(&document, "/channels/clock/messages/ping/payload").expect("ping's payload");
    assert_eq!(ping["properties"]["type"]["const"], "ping", "{ping:#}");
    assert_eq!(ping["required"][0], "type", "{ping:#}");
    let greet = tidings::testing::lookup(&document, "/channels/clock/messages/greet/payload").expect("greet's payload");
    assert_eq!(greet["properties"]["name"]["maxLength"], 8, "{greet:#}");

    let file = std::env::temp_dir().join(format!("tidings-code-first-names-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(&document).expect("JSON")).expect("written");
    let verdicts = tidings_tests::official_parser(std::slice::from_ref(&file));
    let _ = std::fs::remove_file(&file);
    assert!(verdicts.iter().all(|v| v.valid), "{verdicts:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_frames_get_error_frames_and_the_connection_lives_on() {
    let server = TestServer::start(app).await.expect("a server");
    let (mut socket, _) = tokio_tungstenite::connect_async(server.url("/clock")).await.expect("connects");
    let mut exchange = async |frame: &str| -> Value {
        socket.send(WsMessage::text(frame)).await.expect("sent");
        let reply = tokio::time::timeout(WAIT, socket.next()).await.expect("in time").expect("open").expect("a frame");
        serde_json::from_str(reply.to_text().expect("text")).expect("JSON")
    };
    assert_eq!(exchange(r#"{"type":"ping"}"#).await, json!({"type": "pong"}));
    let unknown = exchange(r#"{"type":"shout"}"#).await;
    assert_eq!((unknown["type"].as_str(), unknown["error"]["code"].as_str()), (Some("error"), Some("unknown_message")));
    let missing = exchange(r#"{"action":"ping"}"#).await;
    assert_eq!(missing["error"]["code"], "missing_discriminator", "{missing}");
    let invalid = exchange(r#"{"type":"greet","name":"a name longer than eight"}"#).await;
    assert_eq!(invalid["error"]["code"], "invalid_message", "{invalid}");
    assert_eq!(invalid["error"]["pointer"], "/name", "{invalid}");
    let not_json = exchange("{").await;
    assert_eq!(not_json["error"]["code"], "not_json", "{not_json}");
    assert_eq!(exchange(r#"{"type":"greet","name":"Ada"}"#).await, json!({"type": "greeting", "text": "hello, Ada"}));
    server.stop().await.expect("stopped");
}
