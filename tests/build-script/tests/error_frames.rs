//! Error frames word for word, over a real socket: what a peer reads when a bid breaks the
//! contract, in the contract's words, at the field's pointer, and with the bid's correlation
//! id, the same whether the frame is checked against the schema (validation on) or read by
//! the generated types alone (validation off).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tidings::{App, HandlerError, ServerConfig};
use tidings_build_script::bids::{auction, types};
use tokio_tungstenite::tungstenite::Message;

const WAIT: Duration = Duration::from_secs(5);

struct Auctioneer;

impl auction::Auction for Auctioneer {
    async fn place_bid(
        &self,
        _: &mut auction::Context,
        bid: types::PlaceBid,
    ) -> Result<types::BidAccepted, HandlerError> {
        // The bidder and the leader have the same bounds, so the same type: a big bid's
        // bidder leads as is. Otherwise a conversion in code that can fail, whose error
        // says what the contract says about the value.
        let leader =
            if bid.amount.get() >= 1_000 { bid.bidder } else { format!("{} (leading)", bid.bidder).parse()? };
        Ok(types::BidAccepted::new(leader, bid.amount))
    }
}

/// Sends each frame on one connection and returns what came back for each.
async fn exchange(validate: bool, frames: &[Value]) -> Vec<Value> {
    let server = App::new()
        .config(ServerConfig::default().validate(validate))
        .mount(auction::channel(Auctioneer))
        .bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("ws://{}/ws/auction", server.local_addr().expect("address"));
    let shutdown = server.shutdown_handle();
    let serving = tokio::spawn(server.serve());
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
    let mut answers = Vec::new();
    for frame in frames {
        socket.send(Message::text(frame.to_string())).await.expect("send");
        let answer = tokio::time::timeout(WAIT, socket.next()).await.expect("an answer in time");
        let text = answer.expect("open").expect("a frame").into_text().expect("text").to_string();
        answers.push(serde_json::from_str(&text).expect("JSON"));
    }
    shutdown.shutdown();
    serving.await.expect("joined").expect("served");
    answers
}

fn error(bid_id: &str, code: &str, message: &str, pointer: Option<&str>) -> Value {
    let mut body = json!({"code": code, "message": message});
    if let Some(pointer) = pointer {
        body["pointer"] = json!(pointer);
    }
    json!({"action": "error", "bid_id": bid_id, "error": body})
}

fn bid(bid_id: &str, amount: Value, bidder: Option<&str>) -> Value {
    let mut frame = json!({"action": "placeBid", "bid_id": bid_id, "amount": amount});
    if let Some(bidder) = bidder {
        frame["bidder"] = json!(bidder);
    }
    frame
}

#[tokio::test]
async fn each_broken_bid_is_answered_in_the_contracts_words_with_its_pointer_and_id() {
    let long = "x".repeat(41);
    let frames = [
        bid("b1", json!(0), Some("ada")),
        bid("b2", json!(5), Some("")),
        bid("b3", json!(5), Some(&long)),
        bid("b4", json!(5), None),
        bid("b5", json!("5"), Some("ada")),
        bid("b6", json!(5), Some(&"y".repeat(40))),
        bid("b7", json!(5), Some("ada")),
        bid("b8", json!(1_000), Some(&"z".repeat(40))),
    ];
    let invalid = |id, message: &str, pointer| error(id, "invalid_message", message, Some(pointer));
    let expected = [
        invalid("b1", "invalid `placeBid` message at `/amount`: must be at least 1", "/amount"),
        invalid("b2", "invalid `placeBid` message at `/bidder`: must not be empty", "/bidder"),
        invalid("b3", "invalid `placeBid` message at `/bidder`: must be at most 40 characters", "/bidder"),
        invalid("b4", "invalid `placeBid` message at `/bidder`: is required", "/bidder"),
        invalid("b5", "invalid `placeBid` message at `/amount`: must be an integer", "/amount"),
        error("b6", "handler_error", "must be at most 40 characters", None),
        json!({"action": "bidAccepted", "bid_id": "b7", "leader": "ada (leading)", "amount": 5}),
        json!({"action": "bidAccepted", "bid_id": "b8", "leader": "z".repeat(40), "amount": 1_000}),
    ];
    for validate in [true, false] {
        let answers = exchange(validate, &frames).await;
        for (answer, expected) in answers.iter().zip(&expected) {
            assert_eq!(answer, expected, "validation {}", if validate { "on" } else { "off" });
        }
    }
}
