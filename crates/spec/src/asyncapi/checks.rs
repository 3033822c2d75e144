//! Precise checks the AsyncAPI JSON Schemas cannot express (or express with a vague
//! message): component keys, duplicate tags, a schema's `discriminator` that is not one
//! of its `required` properties, and security requirements that name unknown schemes
//! or list scopes for schemes that have none.

use crate::diagnostics::Diagnostic;
use crate::source::{Node, Value};

use super::Loader;
use super::schema::At;

/// Security scheme types whose requirements may list scopes.
const SCOPED: &[&str] = &["oauth2", "openIdConnect"];

impl<'a> Loader<'a> {
    pub fn document_checks(&mut self, root: &At<'a>) {
        self.component_keys(root.node);
        self.tree_checks(root.node);
        self.pattern_checks(root.node);
        if !self.v3 {
            self.security_requirement_checks(root.node);
        }
    }

    /// Component names must match `^[a-zA-Z0-9.\-_]+$`.
    fn component_keys(&mut self, root: &Node) {
        let Some(components) = root.get("components") else {
            return;
        };
        for section in components.entries() {
            for entry in section.value.entries() {
                let ok = !entry.key.is_empty()
                    && entry
                        .key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
                if ok {
                    continue;
                }
                let message = format!(
                    "`{}` is not a valid name in `components.{}`",
                    entry.key, section.key
                );
                let hint = "component names may use letters, digits, `.`, `-` and `_` only";
                let only_slash = entry
                    .key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'));
                // Fern's AsyncAPI export names components `subpackage_x/y`: common
                // enough in real documents to warn about rather than reject.
                let diag = if only_slash {
                    Diagnostic::warning("W0105", message, entry.key_pos.location())
                } else {
                    Diagnostic::error("E0105", message, entry.key_pos.location())
                };
                self.diags.push(diag.with_hint(hint));
            }
        }
    }

    /// One walk over the main file for the checks that apply wherever their object
    /// sits: every `tags` list names each tag once, and a schema's `discriminator`.
    fn tree_checks(&mut self, root: &Node) {
        let mut todo = vec![root];
        while let Some(node) = todo.pop() {
            match &node.value {
                Value::Map(entries) => {
                    for entry in entries {
                        if entry.key == "discriminator" {
                            self.discriminator_required(node, &entry.value);
                        }
                        if entry.key == "tags"
                            && let Some(tags) = entry.value.as_seq()
                        {
                            let names: Vec<&Node> =
                                tags.iter().filter_map(|t| t.get("name")).collect();
                            for (i, name) in names.iter().enumerate() {
                                if let Some(first) = names[..i]
                                    .iter()
                                    .find(|n| n.as_str().is_some() && n.as_str() == name.as_str())
                                {
                                    self.diags.push(Diagnostic::error(
                                        "E0301",
                                        format!(
                                            "duplicate tag `{}` (first at line {})",
                                            name.as_str().unwrap_or(""),
                                            first.pos.line
                                        ),
                                        name.location(),
                                    ));
                                }
                            }
                        }
                        todo.push(&entry.value);
                    }
                }
                Value::Seq(items) => todo.extend(items),
                _ => {}
            }
        }
    }

    /// A schema's `discriminator` (a property name) must be one of its own
    /// `properties` that it lists in `required`: every value must carry it. Checked
    /// where the schema declares the property itself (a `oneOf` with a discriminator
    /// leaves `required` to its members).
    fn discriminator_required(&mut self, schema: &Node, discriminator: &Node) {
        let Some(name) = discriminator.as_str() else {
            return;
        };
        if schema.get("properties").and_then(|p| p.get(name)).is_none() {
            return;
        }
        let required = schema
            .get("required")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .any(|r| r.as_str() == Some(name));
        if !required {
            self.diags.push(
                Diagnostic::error(
                    "E0113",
                    format!("the discriminator `{name}` is not a required property of this schema"),
                    discriminator.location(),
                )
                .with_hint(format!("add `{name}` to the schema's `required` list")),
            );
        }
    }

    /// 2.x security requirements: the scheme must exist, and only OAuth2/OpenID
    /// Connect schemes take scopes.
    fn security_requirement_checks(&mut self, root: &'a Node) {
        let schemes = root
            .get("components")
            .and_then(|c| c.get("securitySchemes"));
        let mut lists: Vec<&'a Node> = root.get("security").into_iter().collect();
        for server in root.get("servers").map(Node::entries).unwrap_or(&[]) {
            lists.extend(server.value.get("security"));
        }
        for list in lists {
            for requirement in list.as_seq().unwrap_or(&[]) {
                for entry in requirement.entries() {
                    let Some(scheme) = schemes.and_then(|s| s.get(&entry.key)) else {
                        self.diags.push(
                            Diagnostic::error(
                                "E0106",
                                format!("security requirement names `{}`, which is not in `components.securitySchemes`", entry.key),
                                entry.key_pos.location(),
                            )
                            .with_hint("declare the scheme under `components.securitySchemes` or fix the name"),
                        );
                        continue;
                    };
                    let scheme = self.follow(scheme).unwrap_or(scheme);
                    let kind = scheme.get("type").and_then(Node::as_str).unwrap_or("");
                    let scoped = entry.value.as_seq().is_some_and(|s| !s.is_empty());
                    if scoped && !SCOPED.contains(&kind) {
                        self.diags.push(
                            Diagnostic::error(
                                "E0107",
                                format!("security scheme `{}` (type `{kind}`) takes no scopes; its requirement must be `[]`", entry.key),
                                entry.value.location(),
                            )
                            .with_hint("only oauth2 and openIdConnect requirements list scopes"),
                        );
                    }
                }
            }
        }
    }
}
