//! The rules of the semantic diff: each kind of change, with its class in a message the
//! application receives and in one it sends, and why.

use serde::Serialize;

/// How much a change matters to the application's peers.
///
/// Ordered from least to most severe, so the strictest of several classes is their maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Documentation only: nothing on the wire changes (descriptions, examples, versions).
    Annotation,
    /// The wire contract changed, and every peer written against the old one still works.
    NonBreaking,
    /// A peer written against the old contract may fail against the new one.
    Breaking,
}

impl Class {
    /// The class as written in reports: `breaking`, `non-breaking` or `annotation`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Annotation => "annotation",
            Class::NonBreaking => "non-breaking",
            Class::Breaking => "breaking",
        }
    }
}

/// One kind of change the diff reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The stable identifier, kebab-case: `property-required-added`.
    pub id: &'static str,
    /// The class when the change is in something the application receives (its peers write it).
    pub received: Class,
    /// The class when the change is in something the application sends (its peers read it).
    pub sent: Class,
    /// Why, in one line.
    pub reason: &'static str,
}

impl Rule {
    /// Whether the class depends on the direction the changed thing travels.
    pub fn is_directional(&self) -> bool {
        self.received != self.sent
    }

    /// The class of this change in something that travels as `flow` says; in both directions,
    /// or in none (nothing says which), the stricter class.
    pub(crate) fn class(&self, flow: Flow) -> Class {
        // Inside a `not`, what narrows the inner schema widens the whole, and so on.
        let (received, sent) = if flow.negated { (self.sent, self.received) } else { (self.received, self.sent) };
        match (flow.received, flow.sent) {
            (true, false) => received,
            (false, true) => sent,
            _ => received.max(sent),
        }
    }
}

/// Which way a message (or anything in it) travels, seen from the application the document
/// describes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) struct Flow {
    /// The application receives it: its peers write it.
    pub(crate) received: bool,
    /// The application sends it: its peers read it.
    pub(crate) sent: bool,
    /// Inside an odd number of `not`s: the change has the opposite effect on the message.
    pub(crate) negated: bool,
}

impl Flow {
    pub(crate) const NONE: Flow = Flow { received: false, sent: false, negated: false };
    pub(crate) const RECEIVED: Flow = Flow { received: true, sent: false, negated: false };
    pub(crate) const SENT: Flow = Flow { received: false, sent: true, negated: false };
    pub(crate) const BOTH: Flow = Flow { received: true, sent: true, negated: false };

    pub(crate) fn union(self, other: Flow) -> Flow {
        Flow {
            received: self.received || other.received,
            sent: self.sent || other.sent,
            negated: self.negated || other.negated,
        }
    }

    /// The other direction: what a reply to a message travelling this way does.
    pub(crate) fn flipped(self) -> Flow {
        Flow { received: self.sent, sent: self.received, negated: self.negated }
    }

    /// The flow inside a `not`.
    pub(crate) fn negated(self) -> Flow {
        Flow { negated: !self.negated, ..self }
    }

    /// What a report says about the direction.
    pub(crate) fn phrase(self) -> String {
        let direction = match (self.received, self.sent) {
            (true, false) => "the application receives it",
            (false, true) => "the application sends it",
            (true, true) => "the application sends and receives it",
            (false, false) => "no operation says which way it travels",
        };
        if self.negated {
            format!("{direction}; inside `not`, so the effect is reversed")
        } else {
            direction.to_owned()
        }
    }
}

macro_rules! rules {
    ($( $variant:ident = $id:literal, $received:ident / $sent:ident, $reason:literal; )*) => {
        /// A rule, by name; `R::X.rule()` is its row of [`RULES`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum R { $( $variant, )* }

        /// Every rule of the diff, in the order `docs/DIFF.md` lists them.
        pub static RULES: &[Rule] = &[
            $( Rule { id: $id, received: Class::$received, sent: Class::$sent, reason: $reason }, )*
        ];

        impl R {
            /// The rule's row of the table.
            pub(crate) fn rule(self) -> &'static Rule {
                &RULES[self as usize]
            }
        }
    };
}

rules! {
    // Annotations: documentation; no peer can tell.
    TitleChanged = "title-changed", Annotation / Annotation, "a title is documentation";
    SummaryChanged = "summary-changed", Annotation / Annotation, "a summary is documentation";
    DescriptionChanged = "description-changed", Annotation / Annotation, "a description is documentation";
    TagsChanged = "tags-changed", Annotation / Annotation, "tags group things for readers";
    ExternalDocsChanged = "external-docs-changed", Annotation / Annotation, "links to documentation";
    ExamplesChanged = "examples-changed", Annotation / Annotation, "examples illustrate, they do not constrain";
    ExtensionChanged = "extension-changed", Annotation / Annotation, "`x-` extensions mean nothing to the specification";
    InfoVersionChanged = "info-version-changed", Annotation / Annotation, "the contract's own version number, not its content";
    MetadataChanged = "metadata-changed", Annotation / Annotation, "identifier, specification version, contact, license, terms";
    DefaultChanged = "default-changed", Annotation / Annotation, "a schema's `default` is an annotation in JSON Schema";
    DeprecatedChanged = "deprecated-changed", Annotation / Annotation, "deprecation warns, it does not reject";
    KeywordChanged = "keyword-changed", Annotation / Annotation, "a keyword validation ignores (`$comment`, `readOnly`, unknown ones)";

    // Servers: where peers connect.
    ServerAdded = "server-added", NonBreaking / NonBreaking, "one more place to connect";
    ServerRemoved = "server-removed", Breaking / Breaking, "peers connecting there fail";
    ServerRenamed = "server-renamed", NonBreaking / NonBreaking, "same host, protocol and path under another key";
    ServerHostChanged = "server-host-changed", Breaking / Breaking, "peers connect to the old host";
    ServerPathnameChanged = "server-pathname-changed", Breaking / Breaking, "peers connect to the old path";
    ServerProtocolChanged = "server-protocol-changed", Breaking / Breaking, "peers speak the old protocol or version";
    ServerVariableEnumNarrowed = "server-variable-enum-narrowed", Breaking / Breaking, "a value peers may use is gone";
    ServerVariableEnumWidened = "server-variable-enum-widened", NonBreaking / NonBreaking, "more values are allowed";
    ServerVariableDefaultChanged = "server-variable-default-changed", NonBreaking / NonBreaking, "peers that rely on the default connect elsewhere, still allowed";

    // Security: a list of alternatives (the specification: only one of them must be satisfied).
    SecurityRequired = "security-required", Breaking / Breaking, "peers that sent no credentials are refused";
    SecurityNoLongerRequired = "security-no-longer-required", NonBreaking / NonBreaking, "credentials are no longer needed";
    SecuritySchemeAdded = "security-scheme-added", NonBreaking / NonBreaking, "one more way to authenticate";
    SecuritySchemeRemoved = "security-scheme-removed", Breaking / Breaking, "peers using that way are refused";
    SecuritySchemeChanged = "security-scheme-changed", Breaking / Breaking, "credentials go elsewhere or in another form";
    SecurityScopeAdded = "security-scope-added", Breaking / Breaking, "tokens without the new scope are refused";
    SecurityScopeRemoved = "security-scope-removed", NonBreaking / NonBreaking, "fewer scopes are needed";

    // Bindings: protocol details; compared as written.
    BindingsChanged = "bindings-changed", Breaking / Breaking, "protocol settings peers rely on changed";

    // Channels and their addresses.
    ChannelAdded = "channel-added", NonBreaking / NonBreaking, "a new channel; existing peers do not use it";
    ChannelRemoved = "channel-removed", Breaking / Breaking, "peers connecting to it fail";
    ChannelRenamed = "channel-renamed", NonBreaking / NonBreaking, "same address under another key";
    ChannelAddressChanged = "channel-address-changed", Breaking / Breaking, "peers connect to the old address";
    ChannelServerAdded = "channel-server-added", NonBreaking / NonBreaking, "the channel is served on one more server";
    ChannelServerRemoved = "channel-server-removed", Breaking / Breaking, "peers using that server lose the channel";
    ParameterAdded = "parameter-added", Breaking / Breaking, "the address has a new part peers do not fill";
    ParameterRemoved = "parameter-removed", Breaking / Breaking, "the address lost a part peers fill";
    ParameterRenamed = "parameter-renamed", NonBreaking / NonBreaking, "same address, another name for one of its parts";
    ParameterEnumNarrowed = "parameter-enum-narrowed", Breaking / Breaking, "addresses peers use may be refused";
    ParameterEnumWidened = "parameter-enum-widened", NonBreaking / NonBreaking, "more addresses are accepted";
    ParameterDefaultChanged = "parameter-default-changed", NonBreaking / NonBreaking, "a default documents a usual value";
    ParameterLocationChanged = "parameter-location-changed", Breaking / Breaking, "the value is read from elsewhere";
    ChannelMessageAdded = "channel-message-added", NonBreaking / NonBreaking, "a new message; see the operations for who sends it";
    ChannelMessageRemoved = "channel-message-removed", Breaking / Breaking, "peers that send or expect it fail";
    MessageRenamed = "message-renamed", NonBreaking / NonBreaking, "same message name under another key";

    // Operations: who sends what.
    OperationAdded = "operation-added", NonBreaking / NonBreaking, "new traffic; old peers never take part (sent messages: clients that match exhaustively must ignore unknown ones)";
    OperationRemoved = "operation-removed", Breaking / Breaking, "peers that send or expect its messages fail";
    OperationRenamed = "operation-renamed", NonBreaking / NonBreaking, "same channel, action and messages under another key";
    OperationActionChanged = "operation-action-changed", Breaking / Breaking, "the messages now travel the other way";
    OperationChannelChanged = "operation-channel-changed", Breaking / Breaking, "the messages now travel on another channel";
    OperationMessageAdded = "operation-message-added", NonBreaking / NonBreaking, "a new message; old peers do not send it, and must ignore ones they do not know";
    OperationMessageRemoved = "operation-message-removed", Breaking / Breaking, "peers that send or expect it fail";
    ReplyAdded = "reply-added", Breaking / NonBreaking, "a reply the application now waits for is never sent by old peers; one it now sends is ignored";
    ReplyRemoved = "reply-removed", NonBreaking / Breaking, "peers waiting for the application's reply wait forever";
    ReplyMessageAdded = "reply-message-added", NonBreaking / NonBreaking, "one more kind of reply";
    ReplyMessageRemoved = "reply-message-removed", Breaking / Breaking, "peers that send or expect that reply fail";
    ReplyChannelChanged = "reply-channel-changed", Breaking / Breaking, "replies travel on another channel";
    ReplyAddressChanged = "reply-address-changed", Breaking / Breaking, "replies are addressed from another place";

    // Messages.
    MessageNameChanged = "message-name-changed", NonBreaking / NonBreaking, "a machine-friendly name, not part of the frame";
    ContentTypeChanged = "content-type-changed", Breaking / Breaking, "peers encode or decode the old way";
    CorrelationIdAdded = "correlation-id-added", Breaking / NonBreaking, "old peers do not write it; readers get more";
    CorrelationIdRemoved = "correlation-id-removed", NonBreaking / Breaking, "peers matching replies by it can no longer";
    CorrelationIdChanged = "correlation-id-changed", Breaking / Breaking, "the id is read from another place";
    SchemaFormatChanged = "schema-format-changed", Breaking / Breaking, "the payload is described in another language";

    // Schemas: what narrows the accepted values breaks writers (the application receiving),
    // what widens them breaks readers (the application sending).
    TypeChanged = "type-changed", Breaking / Breaking, "values of the old type are refused and new ones are not understood";
    TypeNarrowed = "type-narrowed", Breaking / NonBreaking, "fewer types are allowed";
    TypeWidened = "type-widened", NonBreaking / Breaking, "more types are allowed (null too)";
    PropertyAdded = "property-added", NonBreaking / NonBreaking, "an optional property: writers may omit it, readers ignore it";
    ClosedObjectPropertyAdded = "closed-object-property-added", NonBreaking / Breaking, "readers that refuse unknown properties (`additionalProperties: false`) refuse it";
    PropertyRemoved = "property-removed", NonBreaking / Breaking, "readers lose data; a receiver ignores what it no longer reads";
    ClosedObjectPropertyRemoved = "closed-object-property-removed", Breaking / Breaking, "the object refuses unknown properties, so writers that still send it are refused";
    PropertyRequiredAdded = "property-required-added", Breaking / NonBreaking, "writers that omit it are refused";
    PropertyRequiredRemoved = "property-required-removed", NonBreaking / Breaking, "readers that rely on it find it missing";
    EnumValueAdded = "enum-value-added", NonBreaking / Breaking, "readers meet a value they do not know";
    EnumValueRemoved = "enum-value-removed", Breaking / NonBreaking, "writers using it are refused";
    EnumAdded = "enum-added", Breaking / NonBreaking, "only listed values are allowed now";
    EnumRemoved = "enum-removed", NonBreaking / Breaking, "any value is allowed now";
    ConstChanged = "const-changed", Breaking / Breaking, "the one allowed value is another";
    ConstraintTightened = "constraint-tightened", Breaking / NonBreaking, "fewer values are allowed";
    ConstraintLoosened = "constraint-loosened", NonBreaking / Breaking, "more values are allowed";
    ConstraintChanged = "constraint-changed", Breaking / Breaking, "other values are allowed, neither more nor fewer";
    AdditionalPropertiesClosed = "additional-properties-closed", Breaking / NonBreaking, "writers adding other properties are refused";
    AdditionalPropertiesOpened = "additional-properties-opened", NonBreaking / Breaking, "readers that refuse unknown properties meet them";
    VariantAdded = "variant-added", NonBreaking / Breaking, "readers meet a shape they do not know";
    VariantRemoved = "variant-removed", Breaking / NonBreaking, "writers using that shape are refused";
    DiscriminatorChanged = "discriminator-changed", Breaking / Breaking, "messages are told apart by another property";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for rule in RULES {
            assert!(seen.insert(rule.id), "{} twice", rule.id);
            assert!(rule.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{}", rule.id);
        }
    }

    #[test]
    fn direction_picks_the_class_and_both_or_none_take_the_stricter() {
        let rule = R::PropertyRequiredAdded.rule();
        assert_eq!(rule.class(Flow::RECEIVED), Class::Breaking);
        assert_eq!(rule.class(Flow::SENT), Class::NonBreaking);
        assert_eq!(rule.class(Flow::BOTH), Class::Breaking);
        assert_eq!(rule.class(Flow::NONE), Class::Breaking);
        assert_eq!(rule.class(Flow::SENT.negated()), Class::Breaking);
        assert_eq!(rule.class(Flow::RECEIVED.negated()), Class::NonBreaking);
    }
}
