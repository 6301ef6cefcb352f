//! The root object and the small objects shared by many others.

use indexmap::IndexMap;

use super::{Channel, Components, Operation, RefOr, Server};

crate::model::node::spec_object! { extensible;
    /// The root of an AsyncAPI document.
    pub struct AsyncApi = "an AsyncAPI document (an object)" {
        /// The version of the specification the document uses, such as `3.0.0`.
        "asyncapi" => asyncapi: String,
        /// The identifier of the application the document describes, as a URI.
        "id" => id: Option<String>,
        /// Metadata about the application.
        "info" => info: Info,
        /// The servers the application connects to or serves on, by name.
        "servers" => servers: IndexMap<String, RefOr<Server>>,
        /// The content type assumed for messages that name none, such as `application/json`.
        "defaultContentType" => default_content_type: Option<String>,
        /// The channels the application uses, by identifier.
        "channels" => channels: IndexMap<String, RefOr<Channel>>,
        /// What the application does on those channels, by identifier.
        "operations" => operations: IndexMap<String, RefOr<Operation>>,
        /// Reusable objects, referred to by `$ref` from elsewhere.
        "components" => components: Option<Components>,
    }
}

crate::model::node::spec_object! { extensible;
    /// Metadata about the application.
    pub struct Info = "an Info Object" {
        /// The application's title.
        "title" => title: String,
        /// The version of the application's API (not of the specification).
        "version" => version: String,
        /// A longer description; CommonMark is allowed.
        "description" => description: Option<String>,
        /// A URL to the terms of service.
        "termsOfService" => terms_of_service: Option<String>,
        /// Who to contact about the API.
        "contact" => contact: Option<Contact>,
        /// The API's license.
        "license" => license: Option<License>,
        /// Tags for grouping applications.
        "tags" => tags: Vec<RefOr<Tag>>,
        /// More documentation elsewhere.
        "externalDocs" => external_docs: Option<RefOr<ExternalDocs>>,
    }
}

crate::model::node::spec_object! { extensible;
    /// Contact details for the API.
    pub struct Contact = "a Contact Object" {
        /// A person or organisation.
        "name" => name: Option<String>,
        /// A URL for contact information.
        "url" => url: Option<String>,
        /// An email address.
        "email" => email: Option<String>,
    }
}

crate::model::node::spec_object! { extensible;
    /// The license of the API.
    pub struct License = "a License Object" {
        /// The license's name.
        "name" => name: String,
        /// A URL to the license text.
        "url" => url: Option<String>,
    }
}

crate::model::node::spec_object! { extensible;
    /// A tag for grouping.
    pub struct Tag = "a Tag Object" {
        /// The tag's name.
        "name" => name: String,
        /// What the tag means; CommonMark is allowed.
        "description" => description: Option<String>,
        /// More documentation about the tag.
        "externalDocs" => external_docs: Option<RefOr<ExternalDocs>>,
    }
}

crate::model::node::spec_object! { extensible;
    /// A pointer to documentation elsewhere.
    pub struct ExternalDocs = "an External Documentation Object" {
        /// What the target holds; CommonMark is allowed.
        "description" => description: Option<String>,
        /// The URL of the documentation.
        "url" => url: String,
    }
}
