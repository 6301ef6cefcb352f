//! The pure generator: a document in, tokens out.
pub(crate) mod names;
