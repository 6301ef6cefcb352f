//! A channel's static descriptor, written as Rust text: what the runtime routes, validates
//! and describes the application's own document from.

use serde_json::Value;
use tidings_asyncapi::Document;
use tidings_asyncapi::model::Action;

use super::channels::{ChannelPlan, Payload};
use super::emit::{extra, inline_components, payload_text, text_of, without};
use super::held::held_by_type;
use super::source::Source;
use super::types::{SchemaSet, Types};

pub(super) fn descriptor(doc: &Document, plan: &ChannelPlan, types: &Types, schemas: &SchemaSet) -> String {
    let fields = &plan.fields;
    let mut out = Source::with_capacity(4096);
    out.raw("/// What the contract says about this channel, for the running application to describe itself.\n");
    out.raw(
        "pub static DESCRIPTOR: ::tidings::descriptor::ChannelDescriptor = ::tidings::descriptor::ChannelDescriptor {",
    );
    out.field("name").str(&plan.key).raw(", ");
    out.field("address").opt(text_of(fields, "address")).raw(", ");
    out.field("title").opt(text_of(fields, "title")).raw(", ");
    out.field("summary").opt(text_of(fields, "summary")).raw(", ");
    out.field("description").opt(text_of(fields, "description")).raw(", ");
    out.field("parameters").list(&plan.params, |out, p| {
        let strings =
            |key: &str| p.fields.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
        out.raw("::tidings::descriptor::ParameterDescriptor {");
        out.field("name").str(&p.name).raw(", ");
        out.field("description").opt(text_of(&p.fields, "description")).raw(", ");
        out.field("allowed").strs(strings("enum")).raw(", ");
        out.field("default").opt(text_of(&p.fields, "default")).raw(", ");
        out.field("examples").strs(strings("examples")).raw(", ");
        out.field("location").opt(text_of(&p.fields, "location")).raw("}");
    });
    out.raw(", ");
    let used = plan
        .messages
        .iter()
        .filter(|m| plan.incoming.messages.contains(&m.key) || plan.outgoing.messages.contains(&m.key));
    out.field("messages").list(used, |out, m| {
        let rust_type = payload_text(m, types);
        let schema = match &m.payload {
            Payload::Json(def) => schemas.self_contained(def),
            Payload::Any => Value::Bool(true),
            // Bytes have no Rust type to describe them: the contract's schema says what they are.
            Payload::Binary => match m.fields.get("payload") {
                Some(payload) => {
                    let mut payload = payload.clone();
                    inline_components(doc.bundled(), &mut payload, 0);
                    payload
                }
                None => serde_json::json!({"type": "string", "format": "binary"}),
            },
        };
        let tag = plan.incoming.tags.get(&m.key).or_else(|| plan.outgoing.tags.get(&m.key)).map(String::as_str);
        out.raw("::tidings::descriptor::MessageDescriptor {");
        out.field("key").str(&m.key).raw(", ");
        for (field, key) in
            [("name", "name"), ("title", "title"), ("summary", "summary"), ("description", "description")]
        {
            out.field(field).opt(text_of(&m.fields, key)).raw(", ");
        }
        out.field("content_type").opt(text_of(&m.fields, "contentType")).raw(", ");
        out.field("encoding").raw(match m.payload {
            Payload::Binary => "::tidings::descriptor::Encoding::Binary, ",
            _ => "::tidings::descriptor::Encoding::Json, ",
        });
        out.field("tag").opt(tag).raw(", ");
        out.field("rust_type").str(rust_type).raw(", ");
        out.field("schema").raw("{ use ::tidings::descriptor::Json as J; ").json(&schema).raw(" }, ");
        // A contract with a schema typify could not type has JSON values somewhere: none of
        // its messages is taken as held by its type.
        let held = matches!(m.payload, Payload::Json(_)) && types.json_fallbacks == 0 && held_by_type(&schema);
        out.field("held_by_type").raw(if held { "true, " } else { "false, " });
        out.field("correlation_pointer").opt(m.correlation_pointer.as_deref()).raw(", ");
        out.field("correlation_description").opt(m.correlation_description.as_deref()).raw(", ");
        out.field("payload_schema");
        match m.payload {
            Payload::Binary => out.raw("::core::option::Option::None, "),
            _ => out
                .raw("::core::option::Option::Some(::tidings::descriptor::payload_schema::<")
                .raw(rust_type)
                .raw(">), "),
        };
        let examples: Vec<String> = m.examples.iter().map(Value::to_string).collect();
        out.field("examples").strs(examples.iter().map(String::as_str)).raw(", ");
        out.field("extra").str(&extra(doc, &m.fields, &["payload"])).raw("}");
    });
    out.raw(", ");
    out.field("operations").list(&plan.operations, |out, o| {
        out.raw("::tidings::descriptor::OperationDescriptor {");
        out.field("name").str(&o.key).raw(", ");
        out.field("action").raw(match o.action {
            Action::Send => "::tidings::descriptor::Action::Send, ",
            Action::Receive => "::tidings::descriptor::Action::Receive, ",
        });
        for key in ["title", "summary", "description"] {
            out.field(key).opt(text_of(&o.fields, key)).raw(", ");
        }
        out.field("tags").strs(o.tags.iter().map(String::as_str)).raw(", ");
        out.field("security").strs(o.security.iter().map(String::as_str)).raw(", ");
        out.field("messages").strs(o.messages.iter().map(String::as_str)).raw(", ");
        out.field("reply");
        match &o.reply {
            Some((channel, messages)) => {
                // A reply documented on a channel of its own: that channel as the contract
                // has it, without its messages (they are among this channel's).
                let foreign =
                    o.reply_channel.as_ref().filter(|c| c.is_object()).map(|c| without(c, &["messages"]).to_string());
                out.raw("::core::option::Option::Some(::tidings::descriptor::ReplyDescriptor {");
                out.field("channel").opt(channel.as_deref()).raw(", ");
                out.field("channel_object").opt(foreign.as_deref()).raw(", ");
                out.field("messages").strs(messages.iter().map(String::as_str)).raw("}), ");
            }
            None => {
                out.raw("::core::option::Option::None, ");
            }
        }
        out.field("extra").str(&extra(doc, &o.fields, &["action", "channel", "messages", "reply"])).raw("}");
    });
    out.raw(", ");
    let discriminator = plan.outgoing.discriminator.as_deref().or(plan.incoming.discriminator.as_deref());
    out.field("discriminator").opt(discriminator).raw(", ");
    // The application's document has components of its own: the bindings' references into
    // the contract's are inlined, as everywhere else in the descriptor.
    let bindings = fields.get("bindings").map(|b| {
        let mut b = b.clone();
        inline_components(doc.bundled(), &mut b, 0);
        b.to_string()
    });
    out.field("bindings").opt(bindings.as_deref()).raw(", ");
    out.field("security").list(&plan.security, |out, (key, scheme)| {
        let extra = without(scheme, &["type", "name", "in", "scheme", "description"]);
        out.raw("::tidings::descriptor::SecuritySchemeDescriptor {");
        out.field("key").str(key).raw(", ");
        out.field("scheme_type").str(text_of(scheme, "type").unwrap_or_default()).raw(", ");
        out.field("name").opt(text_of(scheme, "name")).raw(", ");
        out.field("location").opt(text_of(scheme, "in")).raw(", ");
        out.field("scheme").opt(text_of(scheme, "scheme")).raw(", ");
        out.field("description").opt(text_of(scheme, "description")).raw(", ");
        out.field("extra").str(&extra.to_string()).raw("}");
    });
    out.raw(", ");
    out.field("extra").str(&extra(doc, fields, &["address", "messages"])).raw("};");
    out.into_string()
}
