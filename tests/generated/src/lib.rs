//! Every snapshot of generated code under `build-support/tests/snapshots`, compiled with
//! warnings and missing docs as errors; the tests round-trip each contract's example frames
//! through the generated message enums.
#![deny(warnings, missing_docs)]
#![allow(clippy::module_inception, reason = "fixture modules are named after contracts whose channels share the name")]

/// `binary`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/binary.rs"]
pub mod binary;

/// `binary`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/binary.peer.rs"]
pub mod binary_peer;

/// `chat`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/chat.rs"]
pub mod chat;

/// `chat`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/chat.peer.rs"]
pub mod chat_peer;

/// `collisions`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/collisions.rs"]
pub mod collisions;

/// `collisions`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/collisions.peer.rs"]
pub mod collisions_peer;

/// `discriminator-override`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/discriminator-override.rs"]
pub mod discriminator_override;

/// `discriminator-override`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/discriminator-override.peer.rs"]
pub mod discriminator_override_peer;

/// `explicit-discriminator`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/explicit-discriminator.rs"]
pub mod explicit_discriminator;

/// `explicit-discriminator`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/explicit-discriminator.peer.rs"]
pub mod explicit_discriminator_peer;

/// `formats`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/formats.rs"]
pub mod formats;

/// `formats`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/formats.peer.rs"]
pub mod formats_peer;

/// `names`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/names.rs"]
pub mod names;

/// `names`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/names.peer.rs"]
pub mod names_peer;

/// `odd-keys`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/odd-keys.rs"]
pub mod odd_keys;

/// `odd-keys`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/odd-keys.peer.rs"]
pub mod odd_keys_peer;

/// `oneof-variants`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/oneof-variants.rs"]
pub mod oneof_variants;

/// `oneof-variants`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/oneof-variants.peer.rs"]
pub mod oneof_variants_peer;

/// `reply-channel`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/reply-channel.rs"]
pub mod reply_channel;

/// `reply-channel`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/reply-channel.peer.rs"]
pub mod reply_channel_peer;

/// `security`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/security.rs"]
pub mod security;

/// `security`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/security.peer.rs"]
pub mod security_peer;

/// `several`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/several.rs"]
pub mod several;

/// `several`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/several.peer.rs"]
pub mod several_peer;

/// `shared-receiver`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/shared-receiver.rs"]
pub mod shared_receiver;

/// `shared-receiver`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/shared-receiver.peer.rs"]
pub mod shared_receiver_peer;

/// `shared-tag`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/shared-tag.rs"]
pub mod shared_tag;

/// `shared-tag`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/shared-tag.peer.rs"]
pub mod shared_tag_peer;

/// `single`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/single.rs"]
pub mod single;

/// `single`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/single.peer.rs"]
pub mod single_peer;

/// `speech`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/speech.rs"]
pub mod speech;

/// `speech`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/speech.peer.rs"]
pub mod speech_peer;

/// `traits`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/traits.rs"]
pub mod traits;

/// `traits`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/traits.peer.rs"]
pub mod traits_peer;

/// `type-mapping`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/type-mapping.rs"]
pub mod type_mapping;

/// `type-mapping`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/type-mapping.peer.rs"]
pub mod type_mapping_peer;

/// `untagged-pairs`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/untagged-pairs.rs"]
pub mod untagged_pairs;

/// `untagged-pairs`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/untagged-pairs.peer.rs"]
pub mod untagged_pairs_peer;

/// `untypeable`, application side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/untypeable.rs"]
pub mod untypeable;

/// `untypeable`, peer side.
#[rustfmt::skip]
#[path = "../../../build-support/tests/snapshots/untypeable.peer.rs"]
pub mod untypeable_peer;
