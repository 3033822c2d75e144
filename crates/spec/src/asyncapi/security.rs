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
//! With `resume: {message, property, field}` the first message also resumes a session:
//! the client remembers `property` of the last received `message` and sends it back as
//! `field` in the first message of every later (re)connect. Such a carrier comes first
//! among the scheme's carriers, since only it can resume.

use crate::diagnostics::Diagnostic;
use crate::ir::{AuthCarrier, AuthKind, AuthScheme, Resume};
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
            match self.first_message_carrier(node) {
                Some(
                    carrier @ AuthCarrier::FirstMessage {
                        resume: Some(_), ..
                    },
                ) => carriers.insert(0, carrier),
                Some(carrier) => carriers.push(carrier),
                None => {}
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

    /// The `x-duplex-first-message: {field: <name>, resume: {..}}` extension of a
    /// security scheme.
    fn first_message_carrier(&mut self, scheme: &crate::source::Node) -> Option<AuthCarrier> {
        let ext = scheme.map_field(FIRST_MESSAGE, &mut self.diags)?;
        let field = self.non_empty(
            ext,
            "field",
            "the JSON field that carries the credential, e.g. `field: secret`",
        )?;
        let resume = match ext.map_field("resume", &mut self.diags) {
            Some(node) => Some(self.resume(node)?),
            None => None,
        };
        Some(AuthCarrier::FirstMessage {
            field: field.to_owned(),
            resume,
        })
    }

    /// `resume: {message, property, field}`; `field` defaults to `property`.
    fn resume(&mut self, node: &crate::source::Node) -> Option<Resume> {
        let message = self.non_empty(
            node,
            "message",
            "the received message that carries the session id, e.g. `message: connected`",
        );
        let property = self.non_empty(
            node,
            "property",
            "that message's property holding the session id, e.g. `property: session_id`",
        );
        let field = match node.get("field") {
            Some(_) => self.non_empty(node, "field", "the first message's field that sends the session id back, e.g. `field: session_id`"),
            None => property,
        };
        let (message, property, field) = (message?, property?, field?);
        self.resumes.push((message.to_owned(), node.location()));
        Some(Resume {
            message: message.to_owned(),
            property: property.to_owned(),
            field: field.to_owned(),
            name: Name::new(field),
        })
    }

    /// The string under `key` of the extension, required and not empty.
    fn non_empty<'n>(
        &mut self,
        node: &'n crate::source::Node,
        key: &str,
        what: &str,
    ) -> Option<&'n str> {
        let value = node.required_str(key, &mut self.diags)?;
        if value.is_empty() {
            let at = node.get(key).unwrap_or(node);
            self.diags.push(
                Diagnostic::error(
                    "E0103",
                    format!("`{FIRST_MESSAGE}` has an empty `{key}`"),
                    at.location(),
                )
                .with_hint(format!("name {what}")),
            );
            return None;
        }
        Some(value)
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
