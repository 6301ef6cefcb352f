//! The message enums of a channel, one per direction, and their codecs: a tag peek where a
//! discriminator exists, shape and schema dispatch (`tidings::__private::Shapes`) where none
//! tells messages apart, and the byte message for binary frames. Written as text (see
//! `source.rs`): an enum and its codecs are a few lines per message, and many messages make
//! them the larger part of a channel's module.

use super::channels::{ChannelPlan, Direction, MessagePlan, Payload};
use super::emit::{doc_text, payload_text};
use super::source::Source;
use super::types::Types;

const OK: &str = "::core::result::Result::Ok";
const ERR: &str = "::core::result::Result::Err";
const TEXT_NOT_ACCEPTED: &str = "::core::result::Result::Err(::tidings::__private::DecodeError::TextNotAccepted)";

/// The enum `name` of the messages of one direction, with its codecs, as text.
pub(super) fn message_enum(
    out: &mut Source,
    plan: &ChannelPlan,
    direction: &Direction,
    name: &str,
    doc: &str,
    types: &Types,
) {
    let messages: Vec<&MessagePlan> = direction.messages.iter().filter_map(|k| plan.message(k)).collect();
    let json: Vec<&MessagePlan> = messages.iter().copied().filter(|m| !matches!(m.payload, Payload::Binary)).collect();
    let fallback: Vec<&MessagePlan> = direction.fallback.iter().filter_map(|k| plan.message(k)).collect();

    out.doc("", doc);
    out.raw("#[derive(Debug, Clone, PartialEq)]\n");
    out.raw("#[allow(clippy::large_enum_variant, reason = \"one message lives for one dispatch; boxing would allocate per frame\")]\n");
    out.raw("pub enum ").raw(name).raw(" {\n");
    for m in &messages {
        out.doc("    ", &doc_text(&m.fields, &format!("The `{}` message.", m.key)));
        out.raw("    ").raw(&m.variant).raw("(").raw(payload_text(m, types)).raw("),\n");
    }
    out.raw("}\n");

    out.raw("impl ::tidings::__private::MessageEnum for ").raw(name).raw(" {\n");
    out.raw("    fn key(&self) -> &'static str {\n");
    if messages.is_empty() {
        out.raw("        match *self {}\n");
    } else {
        out.raw("        match self {\n");
        for m in &messages {
            out.raw("            Self::").raw(&m.variant).raw("(_) => ").str(&m.key).raw(",\n");
        }
        out.raw("        }\n");
    }
    out.raw("    }\n}\n");

    // Messages told apart by shape and schema at run time (`tidings::__private::Shapes`): a
    // static per set, and the call that decodes a frame as one of them.
    let mut shape_sets = Source::with_capacity(256);
    let mut shape_set = |set: &str, members: &[&MessagePlan]| -> String {
        shape_sets
            .raw("        static ")
            .raw(set)
            .raw(": ::tidings::__private::Shapes = ::tidings::__private::Shapes::new(&DESCRIPTOR, ");
        shape_sets.strs(members.iter().map(|m| m.key.as_str())).raw(");\n");
        shape_sets.raw("        const ").raw(set).raw("_READERS: [::tidings::__private::Reader<").raw(name).raw(">; ");
        shape_sets.raw(&members.len().to_string()).raw("] = [");
        for m in members {
            shape_sets.raw("|value| ::tidings::__private::decode_value(value, ").str(&m.key).raw(").map(");
            shape_sets.raw(name).raw("::").raw(&m.variant).raw("), ");
        }
        shape_sets.raw("];\n");
        format!("{set}.decode(text, &{set}_READERS)")
    };
    let untagged = (!fallback.is_empty()).then(|| shape_set("UNTAGGED", &fallback));
    let decode_one = |m: &MessagePlan| {
        let mut call = Source::with_capacity(96);
        call.raw("::tidings::__private::decode_json(text, ").str(&m.key).raw(").map(Self::").raw(&m.variant).raw(")");
        call.into_string()
    };
    let decode_text = match (&direction.discriminator, json.as_slice()) {
        (_, []) => TEXT_NOT_ACCEPTED.to_owned(),
        (Some(property), _) => {
            let keys: Vec<String> = json.iter().map(|m| m.key.clone()).collect();
            let groups = super::dispatch::tag_groups(&keys, &direction.tags);
            let mut body = Source::with_capacity(1024);
            if let Some(untagged) = &untagged {
                // Messages without the tag: a frame whose tag is missing or unknown is one of them.
                body.raw("let tag = match ::tidings::__private::read_tag(text, ").str(property).raw(") {\n");
                body.raw("            ").raw(OK).raw("(tag) => tag,\n");
                body.raw("            ").raw(ERR).raw("(::tidings::__private::DecodeError::NotJson { detail }) => {\n");
                body.raw("                return ")
                    .raw(ERR)
                    .raw("(::tidings::__private::DecodeError::NotJson { detail });\n");
                body.raw("            }\n");
                body.raw("            ")
                    .raw(ERR)
                    .raw("(_) => {\n                return ")
                    .raw(untagged)
                    .raw("\n            }\n");
                body.raw("        };\n");
            } else {
                body.raw("let tag = ::tidings::__private::read_tag(text, ").str(property).raw(")?;\n");
            }
            body.raw("        match &*tag {\n");
            for (i, (tag, members)) in groups.iter().enumerate() {
                let members: Vec<&MessagePlan> = members.iter().filter_map(|k| plan.message(k)).collect();
                let decode = match members.as_slice() {
                    [only] => decode_one(only),
                    _ => shape_set(&format!("TAGGED_{i}"), &members),
                };
                body.raw("            ").str(tag).raw(" => ").raw(&decode).raw(",\n");
            }
            match &untagged {
                Some(untagged) => {
                    body.raw("            _ => {\n                let _ = tag;\n                ")
                        .raw(untagged)
                        .raw("\n            }\n");
                }
                None => {
                    body.raw("            _ => {\n                ")
                        .raw(ERR)
                        .raw("(::tidings::__private::DecodeError::UnknownMessage {\n");
                    body.raw("                    property: ").str(property).raw(",\n");
                    body.raw("                    value: tag.into_owned(),\n");
                    body.raw("                    expected: ")
                        .strs(groups.iter().map(|(tag, _)| tag.as_str()))
                        .raw(",\n");
                    body.raw("                })\n            }\n");
                }
            }
            body.raw("        }");
            body.into_string()
        }
        (None, [only]) => decode_one(only),
        (None, _) => untagged.clone().unwrap_or_else(|| TEXT_NOT_ACCEPTED.to_owned()),
    };
    let text_param = if json.is_empty() { "_text" } else { "text" };
    out.raw("impl ::tidings::__private::Inbound for ").raw(name).raw(" {\n");
    out.raw("    fn decode_text(").raw(text_param);
    out.raw(": &str) -> ::core::result::Result<Self, ::tidings::__private::DecodeError> {\n");
    out.raw(&shape_sets.into_string());
    out.raw("        ").raw(&decode_text).raw("\n    }\n");
    out.raw(
        "    fn decode_binary(bytes: &[u8]) -> ::core::result::Result<Self, ::tidings::__private::DecodeError> {\n",
    );
    match messages.iter().find(|m| matches!(m.payload, Payload::Binary)) {
        Some(m) => out.raw("        ").raw(OK).raw("(Self::").raw(&m.variant).raw("(bytes.to_vec()))\n"),
        None => out
            .raw("        let _ = bytes;\n        ")
            .raw(ERR)
            .raw("(::tidings::__private::DecodeError::BinaryNotAccepted)\n"),
    };
    out.raw("    }\n}\n");

    out.raw("impl ::tidings::__private::Outbound for ").raw(name).raw(" {\n");
    out.raw("    fn encode(&self) -> ::core::result::Result<::tidings::__private::Frame, ::tidings::__private::EncodeError> {\n");
    if messages.is_empty() {
        out.raw("        match *self {}\n");
    } else {
        out.raw("        match self {\n");
        for m in &messages {
            out.raw("            Self::").raw(&m.variant);
            match m.payload {
                Payload::Binary => {
                    out.raw("(bytes) => ").raw(OK).raw("(::tidings::__private::Frame::binary(bytes.clone())),\n")
                }
                _ => out.raw("(payload) => ::tidings::__private::encode_json(payload, ").str(&m.key).raw("),\n"),
            };
        }
        out.raw("        }\n");
    }
    out.raw("    }\n}\n");

    // `From` each payload type only one variant holds.
    let payloads: Vec<&str> = messages.iter().map(|m| payload_text(m, types)).collect();
    for (m, ty) in messages.iter().zip(&payloads) {
        if payloads.iter().filter(|other| *other == ty).count() == 1 {
            out.raw("impl ::core::convert::From<").raw(ty).raw("> for ").raw(name).raw(" {\n");
            out.raw("    fn from(payload: ").raw(ty).raw(") -> Self {\n        Self::").raw(&m.variant);
            out.raw("(payload)\n    }\n}\n");
        }
    }
}
