//! AsyncAPI servers → [`Server`]s, with their variables and security requirements.
//!
//! 2.x servers carry a full `url`; 3.0 servers split it into `host` and `pathname`.
//! Either way the IR gets one URL with `{variable}` placeholders. A server whose
//! protocol is not `ws`/`wss` is kept (it is part of the document) but warned about.

use crate::diagnostics::Diagnostic;
use crate::ir::{Server, ServerVariable};
use crate::naming::{Name, Scope};
use crate::source::Node;

use super::Loader;
use super::schema::{At, docs};

/// A server together with the security schemes its `security` requirements name.
#[derive(Debug)]
pub(crate) struct Servers {
    pub list: Vec<Server>,
    /// `(server name, scheme names)` for every server, in document order.
    pub security: Vec<(String, Vec<String>)>,
}

impl<'a> Loader<'a> {
    pub fn servers(&mut self, root: &At<'a>) -> Servers {
        let mut servers = Servers {
            list: Vec::new(),
            security: Vec::new(),
        };
        if let Some(node) = root.node.get("servers")
            && !node.is_map()
        {
            self.diags.push(node.type_error("`servers`", "a mapping"));
            return servers;
        }
        let mut scope = Scope::new();
        for (key, at) in root.entries("servers") {
            let Some(server) = self.follow(at.node) else {
                continue;
            };
            if !server.is_map() {
                self.diags.push(server.type_error("a server", "a mapping"));
                continue;
            }
            let v3_style = !self.v3 && server.get("url").is_none() && server.get("host").is_some();
            let protocol = if v3_style {
                server
                    .str_field("protocol", &mut self.diags)
                    .unwrap_or("wss")
            } else {
                server
                    .required_str("protocol", &mut self.diags)
                    .unwrap_or("")
            }
            .to_ascii_lowercase();
            let url = if self.v3 || v3_style {
                let host = server.required_str("host", &mut self.diags).unwrap_or("");
                let path = server.str_field("pathname", &mut self.diags).unwrap_or("");
                format!("{protocol}://{host}{path}")
            } else {
                let url = server.required_str("url", &mut self.diags).unwrap_or("");
                if url.contains("://") || url.is_empty() {
                    url.to_owned()
                } else {
                    format!("{protocol}://{url}")
                }
            };
            if v3_style {
                self.v3_style_server(key, server, &url, &protocol);
            }
            if !matches!(protocol.as_str(), "ws" | "wss" | "") {
                let at = server.get("protocol").unwrap_or(server);
                self.diags.push(
                    Diagnostic::warning(
                        "W0501",
                        format!("server `{key}` uses protocol `{protocol}`, not WebSocket (`ws`/`wss`)"),
                        at.location(),
                    )
                    .with_hint("Duplex generates WebSocket clients; this server is kept but clients cannot connect to it"),
                );
            }
            let variables = self.server_variables(server);
            let schemes = self.security_requirements(server);
            servers.security.push((key.to_owned(), schemes));
            servers.list.push(Server {
                name: scope.claim(Name::new(key)),
                url,
                urls: Default::default(),
                protocol,
                docs: docs(server),
                variables,
            });
        }
        servers
    }

    /// A 2.x server written the 3.0 way (`host` instead of `url`), as Fern's users and
    /// the product seed write it: read, with a warning, and kept from the backstop.
    fn v3_style_server(&mut self, key: &str, server: &Node, url: &str, protocol: &str) {
        let at = server
            .entry("host")
            .map_or_else(|| server.location(), |e| e.key_pos.location());
        let assumed = if server.get("protocol").is_none() {
            ", and no `protocol` is given, so `wss` is assumed"
        } else {
            ""
        };
        self.diags.push(
            Diagnostic::warning(
                "W0507",
                format!(
                    "server `{key}` uses `host`, which is AsyncAPI 3.0 style; 2.x servers take `url` and `protocol`{assumed}; read as `{url}`"
                ),
                at,
            )
            .with_hint(format!("write `url: {url}` and `protocol: {protocol}` instead of `host`")),
        );
        self.v3_style_servers.push(key.to_owned());
    }

    fn server_variables(&mut self, server: &'a Node) -> Vec<ServerVariable> {
        let Some(vars) = server.map_field("variables", &mut self.diags) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for entry in vars.entries() {
            let Some(var) = self.follow(&entry.value) else {
                continue;
            };
            let allowed = var
                .seq_field("enum", &mut self.diags)
                .unwrap_or(&[])
                .iter()
                .map(scalar_text)
                .collect();
            self.variable_examples(&entry.key, var);
            out.push(ServerVariable {
                name: Name::new(&entry.key),
                default: var.get("default").map(scalar_text),
                allowed,
                docs: docs(var),
            });
        }
        out
    }

    /// A variable's `examples` must be values it can take: one of its `enum`, if any.
    fn variable_examples(&mut self, name: &str, var: &Node) {
        let Some(allowed) = var.get("enum").and_then(Node::as_seq) else {
            return;
        };
        for example in var.get("examples").and_then(Node::as_seq).unwrap_or(&[]) {
            if allowed.iter().any(|a| a.value == example.value) {
                continue;
            }
            let listed: Vec<String> = allowed.iter().map(scalar_text).collect();
            self.diags.push(
                Diagnostic::error(
                    "E0111",
                    format!(
                        "example `{}` of server variable `{name}` is not one of its `enum` values ({})",
                        scalar_text(example),
                        listed.join(", ")
                    ),
                    example.location(),
                )
                .with_hint("an example must be a value the variable can take; fix it or add it to `enum`"),
            );
        }
    }

    /// The scheme names of a `security` list: 2.x Security Requirement objects
    /// (`[{ApiKey: []}, {Token: []}]`), 3.0 refs to Security Schemes
    /// (`[$ref: '#/components/securitySchemes/ApiKey']`).
    pub fn security_requirements(&mut self, node: &'a Node) -> Vec<String> {
        let mut names = Vec::new();
        for requirement in node.seq_field("security", &mut self.diags).unwrap_or(&[]) {
            if self.v3 {
                if let Some(name) = self.scheme_ref_name(requirement) {
                    names.push(name);
                }
                continue;
            }
            let Some(requirement) = self.follow(requirement) else {
                continue;
            };
            if requirement.is_map() {
                names.extend(requirement.entries().iter().map(|e| e.key.clone()));
            } else {
                self.diags
                    .push(requirement.type_error("a security requirement", "a mapping"));
            }
        }
        names
    }

    /// 3.0: the `components.securitySchemes` key a security list item names. The
    /// item must be (or lead by `$ref` to) one of the declared schemes: the IR names
    /// schemes by that key, and an inline scheme has none.
    fn scheme_ref_name(&mut self, requirement: &'a Node) -> Option<String> {
        let (target, _) = match self.files.follow(requirement) {
            Ok(found) => found,
            Err(diag) => {
                self.diags.push(diag);
                return None;
            }
        };
        let declared = self
            .files
            .main_root()
            .get("components")
            .and_then(|c| c.get("securitySchemes"))
            .map(Node::entries)
            .unwrap_or(&[]);
        for entry in declared {
            let same = std::ptr::eq(&entry.value, target)
                || matches!(self.files.follow(&entry.value), Ok((node, _)) if std::ptr::eq(node, target));
            if same {
                return Some(entry.key.clone());
            }
        }
        self.diags.push(
            Diagnostic::warning(
                "W0506",
                "this security scheme is not one of `components.securitySchemes`, so no channel can name it",
                requirement.location(),
            )
            .with_hint("declare it under `components.securitySchemes` and write `$ref: '#/components/securitySchemes/<name>'` here"),
        );
        None
    }
}

/// A scalar as text (`1` → `"1"`), for server variable values.
fn scalar_text(node: &Node) -> String {
    match node.as_str() {
        Some(s) => s.to_owned(),
        None => node.to_json().to_string(),
    }
}
