//! AsyncAPI security schemes → [`AuthScheme`]s and where their credential travels.
//!
//! `httpApiKey` carries a key in a header, query parameter or cookie; `apiKey` in the
//! user or password of the connection; `http` bearer/basic and `userPassword` use the
//! `Authorization` header; `oauth2` and `openIdConnect` end up as bearer tokens.
//! Anything else (X509, SASL, encryption schemes) is kept as `Unsupported`.
//!
//! AsyncAPI has no way to say "send the credential as the first message", which many
//! WebSocket APIs (the Connic connector among them) accept. A scheme may therefore add
//! that carrier with the extension `x-duplex-first-message: {field: <name>}`: the
//! credential is then also accepted as `{"<name>": "<credential>"}`, sent first.

use crate::diagnostics::Diagnostic;
use crate::ir::{AuthCarrier, AuthKind, AuthScheme};
use crate::naming::Name;

use super::Loader;
use super::schema::{At, docs};

/// The security scheme extension that adds a first-message carrier.
const FIRST_MESSAGE: &str = "x-duplex-first-message";

impl<'a> Loader<'a> {
    pub fn security_schemes(&mut self, root: &At<'a>) -> Vec<AuthScheme> {
        let Some(components) = root.child("components") else {
            return Vec::new();
        };
        let mut schemes = Vec::new();
        for (key, at) in components.entries("securitySchemes") {
            let Some(node) = self.follow(at.node) else {
                continue;
            };
            let Some(kind) = node.required_str("type", &mut self.diags) else {
                continue;
            };
            let name = node.str_field("name", &mut self.diags).unwrap_or("");
            let place = if matches!(kind, "httpApiKey" | "apiKey") {
                node.required_str("in", &mut self.diags).unwrap_or("")
            } else {
                node.str_field("in", &mut self.diags).unwrap_or("")
            };
            let bearer = || AuthCarrier::Header {
                name: "Authorization".to_owned(),
                prefix: Some("Bearer ".to_owned()),
            };
            let (auth_kind, mut carriers) = match kind {
                "httpApiKey" => {
                    let carrier = match place {
                        "header" => AuthCarrier::Header {
                            name: name.to_owned(),
                            prefix: None,
                        },
                        "query" => AuthCarrier::Query {
                            name: name.to_owned(),
                        },
                        "" => continue,
                        _ => {
                            self.unsupported_place(node, key, place);
                            continue;
                        }
                    };
                    (AuthKind::ApiKey, vec![carrier])
                }
                "apiKey" => (
                    AuthKind::ApiKey,
                    vec![AuthCarrier::Header {
                        name: "Authorization".to_owned(),
                        prefix: None,
                    }],
                ),
                "http" => match node
                    .str_field("scheme", &mut self.diags)
                    .map(str::to_ascii_lowercase)
                    .as_deref()
                {
                    Some("basic") => (
                        AuthKind::Basic,
                        vec![AuthCarrier::Header {
                            name: "Authorization".to_owned(),
                            prefix: Some("Basic ".to_owned()),
                        }],
                    ),
                    Some("bearer") => (AuthKind::Bearer, vec![bearer()]),
                    other => (
                        AuthKind::Unsupported {
                            scheme: format!("http {}", other.unwrap_or("")),
                        },
                        Vec::new(),
                    ),
                },
                "userPassword" => (
                    AuthKind::Basic,
                    vec![AuthCarrier::Header {
                        name: "Authorization".to_owned(),
                        prefix: Some("Basic ".to_owned()),
                    }],
                ),
                "oauth2" | "openIdConnect" => (AuthKind::Bearer, vec![bearer()]),
                other => (
                    AuthKind::Unsupported {
                        scheme: other.to_owned(),
                    },
                    Vec::new(),
                ),
            };
            if let Some(carrier) = self.first_message_carrier(node) {
                carriers.push(carrier);
            }
            schemes.push(AuthScheme {
                name: Name::new(key),
                docs: docs(node),
                kind: auth_kind,
                carriers,
            });
        }
        schemes
    }

    /// The `x-duplex-first-message: {field: <name>}` extension of a security scheme.
    fn first_message_carrier(&mut self, scheme: &crate::source::Node) -> Option<AuthCarrier> {
        let ext = scheme.map_field(FIRST_MESSAGE, &mut self.diags)?;
        let field = ext.required_str("field", &mut self.diags)?;
        if field.is_empty() {
            let at = ext.get("field").unwrap_or(ext);
            self.diags.push(
                Diagnostic::error(
                    "E0103",
                    format!("`{FIRST_MESSAGE}.field` is empty"),
                    at.location(),
                )
                .with_hint("name the JSON field that carries the credential, e.g. `field: secret`"),
            );
            return None;
        }
        Some(AuthCarrier::FirstMessage {
            field: field.to_owned(),
        })
    }

    fn unsupported_place(&mut self, node: &crate::source::Node, key: &str, place: &str) {
        let at = node.get("in").unwrap_or(node);
        self.diags.push(
            Diagnostic::warning(
                "W0503",
                format!("security scheme `{key}` carries its key in `{place}`, which a WebSocket client cannot set"),
                at.location(),
            )
            .with_hint("use `in: header` or `in: query`"),
        );
    }
}
