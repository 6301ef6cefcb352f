//! AsyncAPI 3.0 documents for tidings.
//!
//! This crate reads a contract the way a compiler reads source: every file a `$ref`
//! reaches, every problem at once, each with its file, line, column and JSON Pointer.
//!
//! ```
//! use tidings_asyncapi::{Document, model::Action};
//!
//! let doc = Document::from_text("echo.yaml", r#"
//! asyncapi: 3.0.0
//! info: { title: Echo, version: 1.0.0 }
//! channels:
//!   echo:
//!     address: /echo
//!     messages:
//!       ping: { payload: { type: object, properties: { n: { type: integer } } } }
//! operations:
//!   receivePing:
//!     action: receive
//!     channel: { $ref: '#/channels/echo' }
//!     messages: [{ $ref: '#/channels/echo/messages/ping' }]
//! "#).expect("valid document");
//! let op = doc.spec().operations["receivePing"].as_item().expect("written in place");
//! assert_eq!(op.action, Action::Receive);
//!
//! let broken = Document::from_text("broken.yaml", "asyncapi: 3.0.0\ninfo: { title: T }\n");
//! let error = broken.expect_err("version is missing");
//! let first = error.diagnostics.errors().next().expect("one error");
//! assert_eq!(first.location.pos.line, 2);
//! assert_eq!(first.location.pointer.to_string(), "/info");
//! ```
//!
//! The pieces, in the order a document goes through them: [`source`] parses text and keeps
//! positions; the loader reads referenced files and resolves references; the bundler makes
//! one self-contained document; [`model`] reads it into typed objects; validation checks
//! what types cannot; [`Document`] ties them together.

pub mod case;
pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod model;
pub mod pointer;
pub mod shape;
pub mod source;
pub mod view;

mod bundle;
mod document;
mod loader;
mod site;
mod traits;
mod validate;

pub use diagnostic::{Diagnostic, Diagnostics, LoadError, Location, Problem, RefFailure, Severity};
pub use document::{Document, source_texts};
pub use loader::{FileId, Workspace};
pub use pointer::{JsonPointer, RefTarget};
