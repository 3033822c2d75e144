//! Names and addresses the AsyncAPI specification restricts in prose or by a field
//! pattern that its JSON Schemas leave out: server names and channel parameter names
//! match `^[A-Za-z0-9_\-]+$`, and a channel address has no query string or fragment
//! (query parameters belong in the channel's bindings).

use crate::diagnostics::Diagnostic;
use crate::source::Node;

use super::Loader;

impl Loader<'_> {
    pub fn pattern_checks(&mut self, root: &Node) {
        for server in root.get("servers").map(Node::entries).unwrap_or(&[]) {
            self.name_pattern("server name", &server.key, server.key_pos.location());
        }
        for channel in root.get("channels").map(Node::entries).unwrap_or(&[]) {
            let item = self
                .files
                .follow(&channel.value)
                .map_or(&channel.value, |f| f.0);
            let address = if self.v3 {
                item.get("address")
                    .and_then(|a| a.as_str().map(|s| (s, a.location())))
            } else {
                Some((channel.key.as_str(), channel.key_pos.location()))
            };
            if let Some((address, at)) = address
                && let Some(cut) = address.find(['?', '#'])
            {
                let what = if address[cut..].starts_with('?') {
                    "a query string"
                } else {
                    "a fragment"
                };
                self.diags.push(
                    Diagnostic::error(
                        "E0306",
                        format!(
                            "the channel address `{address}` has {what} (`{}`), which a channel address must not have",
                            &address[cut..]
                        ),
                        at,
                    )
                    .with_hint(format!(
                        "use `{}` and declare query parameters in the channel's bindings (`bindings.ws.query`)",
                        &address[..cut]
                    )),
                );
            }
            for param in item.get("parameters").map(Node::entries).unwrap_or(&[]) {
                self.name_pattern("parameter name", &param.key, param.key_pos.location());
            }
        }
    }

    /// `^[A-Za-z0-9_\-]+$`, the pattern of the Servers and Parameters Objects' fields.
    fn name_pattern(&mut self, what: &str, name: &str, at: crate::diagnostics::Location) {
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
        if !ok {
            self.diags.push(
                Diagnostic::error("E0110", format!("`{name}` is not a valid {what}"), at)
                    .with_hint(format!(
                        "a {what} may use letters, digits, `_` and `-` only (`^[A-Za-z0-9_\\-]+$`)"
                    )),
            );
        }
    }
}
