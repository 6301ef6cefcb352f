//! Generate typed Rust from an AsyncAPI 3.0 contract, in `build.rs`.
//!
//! Placeholder while the generator is written.
pub mod generator;
