//! AsyncAPI security schemes → [`AuthScheme`]s and where their credential travels.
//!
//! `httpApiKey` carries a key in a header, query parameter or cookie; `apiKey` in the
//! user or password of the connection; `http` bearer/basic and `userPassword` use the
//! `Authorization` header; `oauth2` and `openIdConnect` end up as bearer tokens.
//! Anything else (X509, SASL, encryption schemes) is kept as `Unsupported`.

use crate::diagnostics::Diagnostic;
use crate::ir::{AuthCarrier, AuthKind, AuthScheme};
use crate::naming::Name;

use super::Loader;
use super::schema::{At, docs};

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
            let (auth_kind, carriers) = match kind {
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
            schemes.push(AuthScheme {
                name: Name::new(key),
                docs: docs(node),
                kind: auth_kind,
                carriers,
            });
        }
        schemes
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
