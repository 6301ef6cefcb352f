//! Dispatch without a discriminator: the messages of one direction that no tag tells apart
//! are told apart by the frame's shape, then by each candidate's schema.
//!
//! The order, as `docs/ARCHITECTURE.md` documents it: a candidate whose JSON type the frame
//! does not have, or whose required properties it lacks, is out; the rest are tried most
//! required properties first (the most specific shape), then in contract order; the frame
//! is the first whose schema it satisfies and whose Rust type reads it. A frame no
//! candidate takes gets `DecodeError::NoMessageMatches`, with each candidate's reason.

use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tidings_asyncapi::shape::Shape;

use crate::codec::{DecodeError, path_to_pointer};
use crate::descriptor::ChannelDescriptor;

/// The untagged messages of one direction of a channel, for generated decoders.
#[derive(Debug)]
pub struct Shapes {
    descriptor: &'static ChannelDescriptor,
    keys: &'static [&'static str],
    candidates: OnceLock<Vec<Candidate>>,
}

struct Candidate {
    key: &'static str,
    shape: Shape,
    /// The contract's schema, compiled; `None` when it cannot be (the shape alone decides).
    validator: Option<jsonschema::Validator>,
}

impl std::fmt::Debug for Candidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Candidate").field("key", &self.key).field("shape", &self.shape).finish_non_exhaustive()
    }
}

/// Reads a frame as one candidate's message.
pub type Reader<T> = fn(&Value) -> Result<T, DecodeError>;

impl Shapes {
    /// The messages `keys` of the channel `descriptor`, in contract order.
    pub const fn new(descriptor: &'static ChannelDescriptor, keys: &'static [&'static str]) -> Self {
        Self { descriptor, keys, candidates: OnceLock::new() }
    }

    fn candidates(&self) -> &[Candidate] {
        self.candidates.get_or_init(|| {
            self.keys
                .iter()
                .map(|&key| {
                    let schema = self.descriptor.message(key).map(|m| m.schema.to_value()).unwrap_or(Value::Bool(true));
                    let validator = jsonschema::draft7::new(&crate::channel::validation_schema(&schema))
                        .inspect_err(|error| {
                            tracing::warn!(message = key, %error, "a schema that cannot be compiled: its shape alone tells the message apart");
                        })
                        .ok();
                    Candidate { key, shape: Shape::of(&schema, &schema), validator }
                })
                .collect()
        })
    }

    /// Decodes `text` as the first candidate that takes it; `readers` has one entry per key,
    /// in the order given to [`new`](Self::new).
    pub fn decode<T>(&self, text: &str, readers: &[Reader<T>]) -> Result<T, DecodeError> {
        let value: Value = serde_json::from_str(text).map_err(|e| DecodeError::NotJson { detail: e.to_string() })?;
        let candidates = self.candidates();
        let mut reasons: Vec<String> = Vec::new();
        let mut order: Vec<usize> = Vec::with_capacity(candidates.len());
        for (i, candidate) in candidates.iter().enumerate() {
            match candidate.shape.rejects(&value) {
                Some(reason) => reasons.push(format!("`{}` {reason}", candidate.key)),
                None => order.push(i),
            }
        }
        // The most specific shape first; `sort_by_key` is stable, so ties keep contract order.
        order.sort_by_key(|&i| std::cmp::Reverse(candidates[i].shape.required.len()));
        for i in order {
            let candidate = &candidates[i];
            if let Some(error) = candidate.validator.as_ref().and_then(|v| v.validate(&value).err()) {
                let (at, words) = crate::wording::schema_violation(&error);
                let at = if at.is_empty() { String::new() } else { format!(" at `{at}`") };
                reasons.push(format!("`{}` does not accept it{at}: {words}", candidate.key));
                continue;
            }
            let Some(read) = readers.get(i) else { continue };
            match read(&value) {
                Ok(message) => return Ok(message),
                Err(error) => reasons.push(format!("`{}`: {error}", candidate.key)),
            }
        }
        Err(DecodeError::NoMessageMatches { details: reasons.join("; ") })
    }
}

/// Reads a parsed frame as the payload of message `key`.
pub fn decode_value<T: DeserializeOwned>(value: &Value, key: &'static str) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let (pointer, detail) = crate::wording::decode_failure(path_to_pointer(e.path()), &e.into_inner().to_string());
        DecodeError::Invalid { message: key, pointer, detail }
    })
}
