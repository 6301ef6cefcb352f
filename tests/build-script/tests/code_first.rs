//! Code-first channels as a user writes them, beyond the example: a discriminator other than
//! `action`, unit messages, two channels with a handler of the same name, bad frames, which
//! get the documented error frames while the connection lives on, correlation ids, and the
//! same channels in an axum router.

mod support;

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

/// A bid, answered with its own id.
#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "bid")]
struct Bid {
    /// Chosen by the bidder; the acceptance carries it back.
    #[message(correlation_id)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    /// The amount, in cents.
    #[schemars(range(min = 1))]
    amount: u64,
}

/// The bid, accepted.
#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "accepted")]
struct Accepted {
    /// The bid's own id.
    #[message(correlation_id)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    /// The amount accepted.
    amount: u64,
}

/// Bids, each answered with its id.
struct Auction;

/// Bids, each answered with its id.
#[tidings::channel(address = "/auction")]
impl Auction {
    /// Accepts a bid.
    #[handler]
    async fn bid(&self, _: &mut Context<Self>, bid: Bid) -> Result<Accepted, HandlerError> {
        Ok(Accepted { request_id: None, amount: bid.amount })
    }
}

/// Which shelf.
#[derive(Debug, tidings::Params)]
struct ShelfParams {
    /// What the shelf holds.
    #[param(allowed = ["books", "games"], default = "books", example = "games")]
    kind: String,
    /// How many to show.
    #[param(example = "3")]
    count: u32,
}

/// Asks what the shelf is.
#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "look")]
struct Look;

/// The shelf, as the address said.
#[derive(Debug, Serialize, Deserialize, JsonSchema, tidings::Message)]
#[message(tag = "shelf")]
struct Shelf {
    /// What it holds.
    kind: String,
    /// How many it shows.
    count: u32,
}

/// A shelf chosen by its address.
struct Shelves;

/// A shelf chosen by its address.
#[tidings::channel(address = "/shelf/{kind}/{count}", params = ShelfParams)]
impl Shelves {
    /// Says which shelf this is.
    #[handler]
    async fn look(&self, cx: &mut Context<Self>, _: Look) -> Result<Shelf, HandlerError> {
        Ok(Shelf { kind: cx.params().kind.clone(), count: cx.params().count })
    }
}

/// Two messages whose types end with the same name.
mod lobby {
    /// A ping in the lobby.
    #[derive(Debug, serde::Serialize, serde::Deserialize, schemars::JsonSchema, tidings::Message)]
    #[message(tag = "lobbyPing", discriminator = "type")]
    pub(crate) struct Ping;
}

/// The other one.
mod hall {
    /// A ping in the hall.
    #[derive(Debug, serde::Serialize, serde::Deserialize, schemars::JsonSchema, tidings::Message)]
    #[message(tag = "hallPing", discriminator = "type")]
    pub(crate) struct Ping;
}

/// Answers both pings.
struct Building;

/// Answers both pings.
#[tidings::channel(address = "/building")]
impl Building {
    /// Answers the lobby's ping.
    #[handler]
    async fn lobby(&self, _: &mut Context<Self>, _: lobby::Ping) -> Result<Greeting, HandlerError> {
        Ok(Greeting { text: "lobby".into() })
    }

    /// Answers the hall's ping.
    #[handler]
    async fn hall(&self, _: &mut Context<Self>, _: hall::Ping) -> Result<Greeting, HandlerError> {
        Ok(Greeting { text: "hall".into() })
    }
}

fn app(app: App) -> App {
    app.mount(Clock).mount(Echo).mount(Auction).mount(Shelves).mount(Building)
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

#[tokio::test(flavor = "multi_thread")]
async fn a_correlation_id_is_documented_and_carried_back_by_replies_and_error_frames() {
    let document = app(App::new()).document();
    for message in ["bid", "accepted"] {
        let correlation = &document["components"]["messages"][message]["correlationId"];
        assert_eq!(correlation["location"], "$message.payload#/request_id", "{message}: {correlation}");
    }
    assert_eq!(
        document["components"]["messages"]["bid"]["correlationId"]["description"],
        "Chosen by the bidder; the acceptance carries it back."
    );

    let server = TestServer::start(app).await.expect("a server");
    // The typed client writes an id of its own and waits for the reply that carries it.
    let mut client = server.client::<Auction>("/auction").await.expect("connects");
    let reply = client.request(Bid { request_id: None, amount: 300 }).await.expect("a reply");
    let AuctionOutgoing::Accepted(accepted) = reply;
    assert_eq!(accepted.amount, 300);
    assert!(accepted.request_id.is_some_and(|id| id.starts_with("tidings-")), "the client's id came back");

    // A raw peer: the reply and the error frame both carry the request's id.
    let (mut socket, _) = tokio_tungstenite::connect_async(server.url("/auction")).await.expect("connects");
    let mut exchange = async |frame: &str| -> Value {
        socket.send(WsMessage::text(frame)).await.expect("sent");
        let reply = tokio::time::timeout(WAIT, socket.next()).await.expect("in time").expect("open").expect("a frame");
        serde_json::from_str(reply.to_text().expect("text")).expect("JSON")
    };
    let accepted = exchange(r#"{"action":"bid","request_id":"r-7","amount":5}"#).await;
    assert_eq!(accepted, json!({"action": "accepted", "request_id": "r-7", "amount": 5}));
    let refused = exchange(r#"{"action":"bid","request_id":"r-8","amount":0}"#).await;
    assert_eq!(
        (refused["error"]["code"].as_str(), refused["request_id"].as_str()),
        (Some("invalid_message"), Some("r-8")),
        "{refused}"
    );
    server.stop().await.expect("stopped");
}

#[tokio::test(flavor = "multi_thread")]
async fn code_first_channels_serve_through_axum_as_through_the_server() {
    let routes = app(App::new());
    let document = routes.document();
    let router: axum::Router = routes.into_router().expect("router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });

    let mut clock = tidings::Client::<Clock>::connect(&format!("ws://{addr}/clock")).await.expect("connects");
    let reply = tokio::time::timeout(WAIT, clock.request(Greet { name: "Ada".into() })).await.expect("in time");
    assert!(matches!(&reply, Ok(ClockOutgoing::Greeting(g)) if g.text == "hello, Ada"), "{reply:?}");
    let mut auction = tidings::Client::<Auction>::connect(&format!("ws://{addr}/auction")).await.expect("connects");
    let AuctionOutgoing::Accepted(accepted) =
        auction.request(Bid { request_id: None, amount: 9 }).await.expect("accepted");
    assert_eq!(accepted.amount, 9);

    // The router serves the same document as the bare server's.
    let (head, body) = support::http_get(addr, "/asyncapi.json").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(serde_json::from_str::<Value>(&body).expect("JSON"), document);
}

#[tokio::test(flavor = "multi_thread")]
async fn address_parameters_are_typed_limited_and_documented() {
    let document = app(App::new()).document();
    let kind = &document["channels"]["shelves"]["parameters"]["kind"];
    assert_eq!(
        *kind,
        json!({"description": "What the shelf holds.", "enum": ["books", "games"], "default": "books", "examples": ["games"]}),
        "{kind}"
    );

    let server = TestServer::start(app).await.expect("a server");
    let mut client = server.client::<Shelves>("/shelf/games/3").await.expect("connects");
    let ShelvesOutgoing::Shelf(shelf) = client.request(Look).await.expect("a reply");
    assert_eq!((shelf.kind.as_str(), shelf.count), ("games", 3));
    // A value outside the allowed ones, or one the field's type does not read: no channel there.
    for path in ["/shelf/toys/3", "/shelf/books/many"] {
        match tokio_tungstenite::connect_async(server.url(path)).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 404, "{path}"),
            other => panic!("{path}: {other:?}"),
        }
    }
    server.stop().await.expect("stopped");
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_whose_types_end_alike_are_told_apart_by_their_paths() {
    let server = TestServer::start(app).await.expect("a server");
    let mut client = server.client::<Building>("/building").await.expect("connects");
    for (ping, expected) in
        [(BuildingIncoming::LobbyPing(lobby::Ping), "lobby"), (BuildingIncoming::HallPing(hall::Ping), "hall")]
    {
        let reply = client.request(ping).await.expect("a reply");
        assert!(matches!(&reply, BuildingOutgoing::Greeting(g) if g.text == expected), "{reply:?}");
    }
    server.stop().await.expect("stopped");
}
