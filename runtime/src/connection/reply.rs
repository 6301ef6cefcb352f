//! What a connection answers a handled frame with: its reply, or the channel's error frame,
//! carrying the request's correlation id.

use crate::channel::{Failed, FrameError};
use crate::codec::Frame;
use crate::error::ErrorBody;
use crate::telemetry;

use super::Handled;

/// The frame to send for a handled frame: its reply, or the error frame saying what failed
/// (with the request's correlation id, when it had one).
pub(super) fn reply_frame(discriminator: Option<&'static str>, handled: Handled) -> Option<Frame> {
    let (error, correlation) = match handled {
        Ok(Ok(reply)) => return reply,
        Ok(Err(failed)) => {
            let Failed { error, correlation } = *failed;
            (error, correlation)
        }
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %detail, "tidings: a handler panicked; the peer gets the error frame");
            telemetry::error_frame("handler_panicked");
            let message = "the handler failed; the connection stays open";
            return Some(error_frame(discriminator, "handler_panicked", message, None));
        }
    };
    let (code, message, pointer) = match &error {
        FrameError::Decode(e) => (e.code(), e.to_string(), e.pointer()),
        FrameError::Handler(e) => (e.code(), e.message().to_owned(), None),
        FrameError::Encode(e) => ("encode_failed", e.to_string(), None),
    };
    telemetry::error_frame(code);
    let frame = error_frame(discriminator, code, &message, pointer);
    Some(match correlation {
        Some((at, id)) => with_correlation(frame, discriminator, at, id),
        None => frame,
    })
}

/// The error frame with a request's correlation id written where the request carried it,
/// unless that place is the error frame's own (`error`, or the discriminator).
fn with_correlation(frame: Frame, discriminator: Option<&str>, at: &str, id: serde_json::Value) -> Frame {
    let first = at.split('/').nth(1).unwrap_or_default();
    let Frame::Text(text) = &frame else { return frame };
    if first == "error" || Some(first) == discriminator {
        return frame;
    }
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) else { return frame };
    if !crate::channel::set_pointer(&mut value, at, id) {
        return frame;
    }
    Frame::text(value.to_string())
}

/// `{"<discriminator>": "error", "error": {...}}`, the channel's documented error message.
pub(crate) fn error_frame(discriminator: Option<&str>, code: &str, message: &str, pointer: Option<String>) -> Frame {
    let body = ErrorBody { code: code.to_owned(), message: message.to_owned(), pointer };
    let mut object = serde_json::Map::new();
    if let Some(property) = discriminator {
        object.insert(property.to_owned(), serde_json::Value::from("error"));
    }
    object.insert("error".to_owned(), serde_json::to_value(body).unwrap_or_default());
    Frame::text(serde_json::Value::Object(object).to_string())
}
