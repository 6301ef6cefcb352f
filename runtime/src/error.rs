//! Errors handlers return, and the error frame a peer receives.

use std::borrow::Cow;
use std::fmt;

/// An error from a handler. The peer receives it as an error frame with its `code` and
/// `message`; the connection stays open.
///
/// Any error type converts with `?`, under the code `handler_error`:
///
/// ```
/// fn parse(text: &str) -> Result<u32, tidings::HandlerError> {
///     Ok(text.parse::<u32>()?)
/// }
/// let error = parse("x").expect_err("not a number");
/// assert_eq!(error.code(), "handler_error");
/// assert_eq!(error.message(), "invalid digit found in string");
/// ```
pub struct HandlerError {
    code: Cow<'static, str>,
    message: String,
}

impl HandlerError {
    /// An error with a code of your own (`room_full`) and a message for the peer.
    pub fn new(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into() }
    }

    /// The machine-readable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The message for the peer.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl<E: std::error::Error> From<E> for HandlerError {
    fn from(error: E) -> Self {
        Self { code: Cow::Borrowed("handler_error"), message: error.to_string() }
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerError").field("code", &self.code).field("message", &self.message).finish()
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// The body of an error frame: what went wrong with a frame the peer sent, or in the
/// handler that processed it.
///
/// On a channel with a discriminator `action`, an error frame is
/// `{"action": "error", "error": {"code": "...", "message": "...", "pointer": "/..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ErrorBody {
    /// A stable, machine-readable code: `not_json`, `unknown_message`, `invalid_message`,
    /// `handler_error`, `handler_panicked`, or a handler's own.
    pub code: String,
    /// What was wrong, for people.
    pub message: String,
    /// Where in the frame, as a JSON pointer, when the problem is at one place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}
