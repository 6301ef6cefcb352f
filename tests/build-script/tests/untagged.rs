//! Contracts without a discriminator, end to end over real sockets: a generated application
//! serves them, and a client speaking through the generated peer's codecs exchanges every
//! message's `examples` with it. A frame that matches no message gets the error frame, and
//! the connection lives on.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tidings::codec::{Frame, Inbound, MessageEnum, Outbound};
use tidings::descriptor::ChannelDescriptor;
use tidings::testing::TestServer;
use tidings::{ChannelSpec, HandlerError};
use tidings_build_script::{pairs, pairs_peer, speech, speech_peer};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const WAIT: Duration = Duration::from_secs(5);

/// The first example of message `key`, as the contract writes it.
fn example(descriptor: &ChannelDescriptor, key: &str) -> &'static str {
    let message = descriptor.message(key).unwrap_or_else(|| panic!("message `{key}`"));
    message.examples.first().unwrap_or_else(|| panic!("`{key}` has an example"))
}

/// The example of `key` as a message of `E` (an enum of the side that sends it).
fn message_of<E: Inbound>(descriptor: &ChannelDescriptor, key: &str) -> E {
    let message = E::decode_text(example(descriptor, key)).unwrap_or_else(|e| panic!("`{key}` example: {e}"));
    assert_eq!(message.key(), key, "the example of `{key}` reads as `{key}`");
    message
}

async fn send(socket: &mut Socket, message: &impl Outbound) {
    let frame = match message.encode().expect("encodes") {
        Frame::Text(text) => WsMessage::text(text),
        Frame::Binary(bytes) => WsMessage::binary(bytes),
    };
    socket.send(frame).await.expect("sent");
}

/// The next data frame, decoded as the peer's incoming enum `E`, or the raw text when it
/// is not one of `E`'s messages (an error frame).
async fn receive<E: Inbound>(socket: &mut Socket) -> Result<E, Value> {
    loop {
        let frame =
            tokio::time::timeout(WAIT, socket.next()).await.expect("a frame in time").expect("open").expect("ok");
        match frame {
            WsMessage::Text(text) => {
                return E::decode_text(&text).map_err(|_| serde_json::from_str(&text).expect("an error frame is JSON"));
            }
            WsMessage::Binary(bytes) => return Ok(E::decode_binary(&bytes).expect("a byte message")),
            _ => continue,
        }
    }
}

/// Answers each control message and each chunk of audio with one of its transcripts.
struct Speech;

impl speech::stream::Stream for Speech {
    async fn send_audio(
        &self,
        cx: &mut speech::stream::Context,
        message: speech::stream::SendAudioMessage,
    ) -> Result<(), HandlerError> {
        use speech::stream::SendAudioMessage as In;
        let descriptor = <speech::stream::Spec as ChannelSpec>::DESCRIPTOR;
        let answer = match message {
            In::Start(start) => {
                assert_eq!((start.sample_rate.get(), start.language.as_str()), (16000, "en"));
                "partial"
            }
            In::Audio(bytes) => {
                assert_eq!(bytes, [0, 1, 2, 254, 255]);
                "final"
            }
            In::Finish(_) => "failure",
        };
        cx.send(message_of::<speech::stream::Outgoing>(descriptor, answer)).map_err(HandlerError::from)?;
        Ok(())
    }
}

#[tokio::test]
async fn binary_and_json_messages_share_a_channel_without_a_tag() {
    let server = TestServer::start(|app| app.mount(speech::stream::channel(Speech))).await.expect("start");
    let (mut socket, _) = tokio_tungstenite::connect_async(server.url("/stream")).await.expect("connect");
    let descriptor = <speech_peer::stream::Spec as ChannelSpec>::DESCRIPTOR;
    type PeerOut = speech_peer::stream::Outgoing;
    type PeerIn = speech_peer::stream::Incoming;

    for (sent, answer) in [("start", "partial"), ("audio", "final"), ("finish", "failure")] {
        let message: PeerOut = match sent {
            "audio" => PeerOut::Audio(vec![0, 1, 2, 254, 255]),
            key => message_of(descriptor, key),
        };
        send(&mut socket, &message).await;
        let reply: PeerIn = receive(&mut socket).await.unwrap_or_else(|e| panic!("`{sent}` got an error frame: {e}"));
        assert_eq!(reply.key(), answer, "`{sent}` is answered with `{answer}`");
        let expected: Value = serde_json::from_str(example(descriptor, answer)).expect("JSON");
        let Frame::Text(text) = reply.encode().expect("encodes") else { panic!("a text frame") };
        assert_eq!(serde_json::from_str::<Value>(&text).expect("JSON"), expected, "`{answer}` arrives as written");
    }

    // A frame no message takes: the error frame says why for each candidate.
    socket.send(WsMessage::text(r#"{"sampleRate": 16000}"#)).await.expect("sent");
    let error = receive::<PeerIn>(&mut socket).await.expect_err("no message is only a sample rate");
    assert_eq!(error["error"]["code"], "unknown_message", "{error}");
    let why = error["error"]["message"].as_str().expect("a message");
    assert!(why.contains("`start` requires property `language`"), "{why}");
    assert!(why.contains("`finish` requires property `finish`"), "{why}");

    // The connection lives on.
    send(&mut socket, &message_of::<PeerOut>(descriptor, "finish")).await;
    assert_eq!(receive::<PeerIn>(&mut socket).await.expect("a transcript").key(), "failure");
    server.stop().await.expect("stops");
}

/// Subscribes with a `done` and pushes an update and a heartbeat; refuses every
/// unsubscription with the contract's `error` example.
struct Pairs;

impl pairs::rpc::Rpc for Pairs {
    async fn subscribe(
        &self,
        cx: &mut pairs::rpc::Context,
        message: pairs::types::Subscribe,
    ) -> Result<pairs::rpc::SubscribeReply, HandlerError> {
        let descriptor = <pairs::rpc::Spec as ChannelSpec>::DESCRIPTOR;
        assert_eq!(message.subscribe.topic, "prices");
        for push in ["update", "heartbeat"] {
            cx.send(message_of::<pairs::rpc::Outgoing>(descriptor, push)).map_err(HandlerError::from)?;
        }
        let pairs::rpc::Outgoing::Done(done) = message_of(descriptor, "done") else { unreachable!() };
        Ok(pairs::rpc::SubscribeReply::Done(done))
    }

    async fn unsubscribe(
        &self,
        _: &mut pairs::rpc::Context,
        _: pairs::types::Unsubscribe,
    ) -> Result<pairs::rpc::UnsubscribeReply, HandlerError> {
        let descriptor = <pairs::rpc::Spec as ChannelSpec>::DESCRIPTOR;
        let pairs::rpc::Outgoing::Error(error) = message_of(descriptor, "error") else { unreachable!() };
        Ok(pairs::rpc::UnsubscribeReply::Error(error))
    }
}

#[tokio::test]
async fn request_and_response_pairs_are_told_apart_by_shape() {
    let server = TestServer::start(|app| app.mount(pairs::rpc::channel(Pairs))).await.expect("start");
    let (mut socket, _) = tokio_tungstenite::connect_async(server.url("/rpc")).await.expect("connect");
    let descriptor = <pairs_peer::rpc::Spec as ChannelSpec>::DESCRIPTOR;
    type PeerOut = pairs_peer::rpc::Outgoing;
    type PeerIn = pairs_peer::rpc::Incoming;

    send(&mut socket, &message_of::<PeerOut>(descriptor, "subscribe")).await;
    let mut received = Vec::new();
    for _ in 0..3 {
        received.push(receive::<PeerIn>(&mut socket).await.expect("a message").key());
    }
    // The pushes go out while the handler runs, its reply when it returns.
    assert_eq!(received, ["update", "heartbeat", "done"]);

    send(&mut socket, &message_of::<PeerOut>(descriptor, "unsubscribe")).await;
    let reply = receive::<PeerIn>(&mut socket).await.expect("a message");
    assert_eq!(reply.key(), "error");
    let Frame::Text(text) = reply.encode().expect("encodes") else { panic!("a text frame") };
    let expected: Value = serde_json::from_str(example(descriptor, "error")).expect("JSON");
    assert_eq!(serde_json::from_str::<Value>(&text).expect("JSON"), expected);

    // Shaped like a request, but its schema refuses it: the error frame says where.
    socket.send(WsMessage::text(r#"{"id": 9, "subscribe": {"topic": 42}}"#)).await.expect("sent");
    let error = receive::<PeerIn>(&mut socket).await.expect_err("topic must be a string");
    assert_eq!(error["error"]["code"], "unknown_message", "{error}");
    assert!(error["error"]["message"].as_str().is_some_and(|m| m.contains("at `/subscribe/topic`")), "{error}");

    // And the connection lives on.
    send(&mut socket, &message_of::<PeerOut>(descriptor, "unsubscribe")).await;
    assert_eq!(receive::<PeerIn>(&mut socket).await.expect("a message").key(), "error");
    server.stop().await.expect("stops");
}
