//! Security schemes, every type the specification defines.

use indexmap::IndexMap;

crate::model::node::spec_enum! {
    /// The kind of a security scheme.
    pub enum SecuritySchemeType = "one of userPassword, apiKey, X509, symmetricEncryption, asymmetricEncryption, httpApiKey, http, oauth2, openIdConnect, plain, scramSha256, scramSha512, gssapi" {
        /// User name and password.
        "userPassword" => UserPassword,
        /// An API key in the user or password field.
        "apiKey" => ApiKey,
        /// An X.509 client certificate.
        "X509" => X509,
        /// Symmetric encryption.
        "symmetricEncryption" => SymmetricEncryption,
        /// Asymmetric encryption.
        "asymmetricEncryption" => AsymmetricEncryption,
        /// An API key in an HTTP query parameter, header or cookie.
        "httpApiKey" => HttpApiKey,
        /// HTTP authentication (`Authorization` header), such as bearer.
        "http" => Http,
        /// OAuth 2.
        "oauth2" => OAuth2,
        /// OpenID Connect discovery.
        "openIdConnect" => OpenIdConnect,
        /// SASL PLAIN.
        "plain" => Plain,
        /// SASL SCRAM-SHA-256.
        "scramSha256" => ScramSha256,
        /// SASL SCRAM-SHA-512.
        "scramSha512" => ScramSha512,
        /// SASL GSSAPI.
        "gssapi" => Gssapi,
    }
}

crate::model::node::spec_enum! {
    /// Where an `httpApiKey` travels.
    pub enum HttpApiKeyLocation = "`query`, `header` or `cookie`" {
        /// A query parameter of the handshake URL.
        "query" => Query,
        /// An HTTP header of the handshake.
        "header" => Header,
        /// A cookie sent with the handshake.
        "cookie" => Cookie,
    }
}

crate::model::node::spec_enum! {
    /// Where an `apiKey` travels.
    pub enum ApiKeyLocation = "`user` or `password`" {
        /// In the user field.
        "user" => User,
        /// In the password field.
        "password" => Password,
    }
}

crate::model::node::spec_object! { extensible;
    /// A way of proving who the client is. Which fields are required depends on `type`,
    /// and validation checks them.
    pub struct SecurityScheme = "a Security Scheme Object" {
        /// The kind of scheme.
        "type" => scheme_type: SecuritySchemeType,
        /// What the scheme is.
        "description" => description: Option<String>,
        /// For `httpApiKey`: the name of the header, query parameter or cookie.
        "name" => name: Option<String>,
        /// For `apiKey` (`user`, `password`) and `httpApiKey` (`query`, `header`, `cookie`).
        "in" => location: Option<String>,
        /// For `http`: the authorization scheme, such as `bearer`.
        "scheme" => scheme: Option<String>,
        /// For `http` bearer: a hint about the token's format, such as `JWT`.
        "bearerFormat" => bearer_format: Option<String>,
        /// For `oauth2`: the flows supported.
        "flows" => flows: Option<OAuthFlows>,
        /// For `openIdConnect`: the discovery URL.
        "openIdConnectUrl" => open_id_connect_url: Option<String>,
        /// For `oauth2` and `openIdConnect`: the scopes required.
        "scopes" => scopes: Vec<String>,
    }
}

crate::model::node::spec_object! { extensible;
    /// The OAuth flows a scheme supports.
    pub struct OAuthFlows = "an OAuth Flows Object" {
        /// The implicit flow.
        "implicit" => implicit: Option<OAuthFlow>,
        /// The resource owner password flow.
        "password" => password: Option<OAuthFlow>,
        /// The client credentials flow.
        "clientCredentials" => client_credentials: Option<OAuthFlow>,
        /// The authorization code flow.
        "authorizationCode" => authorization_code: Option<OAuthFlow>,
    }
}

crate::model::node::spec_object! { extensible;
    /// One OAuth flow.
    pub struct OAuthFlow = "an OAuth Flow Object" {
        /// The authorization URL (implicit, authorization code).
        "authorizationUrl" => authorization_url: Option<String>,
        /// The token URL (password, client credentials, authorization code).
        "tokenUrl" => token_url: Option<String>,
        /// The URL for refreshing tokens.
        "refreshUrl" => refresh_url: Option<String>,
        /// The scopes, each with a short description.
        "availableScopes" => available_scopes: IndexMap<String, String>,
    }
}
