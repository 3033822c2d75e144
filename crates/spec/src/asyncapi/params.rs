//! Channel parameters: path parameters from the address, and query parameters and
//! headers from the WebSocket channel binding (`bindings.ws.query` / `.headers`).
//!
//! The address and the declared parameters should agree: a `{name}` with no
//! declaration and a declaration with no `{name}` are both reported. They are warnings,
//! not errors, because the AsyncAPI TCK rules both documents valid
//! (`valid-parameter-not-defined`, `valid-extra-parameter`); `--strict` fails on
//! them. One lenient exception, taken
//! from Fern's importer: a 3.0 parameter with a `location` that is not in the address
//! is read as a query parameter, with a warning.

use crate::diagnostics::Diagnostic;
use crate::ir::{Param, Primitive, Type};
use crate::naming::{Name, Scope};
use crate::source::{Node, Value};

use super::Loader;
use super::schema::{At, constant, docs};

/// The `{name}` placeholders of an address, in order.
pub(crate) fn placeholders(address: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = address;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    out
}

/// The parameters of one channel, by where they go.
#[derive(Debug, Default)]
pub(crate) struct ChannelParams {
    pub path: Vec<Param>,
    pub query: Vec<Param>,
    pub headers: Vec<Param>,
}

impl<'a> Loader<'a> {
    /// Path parameters declared under `parameters`, checked against `address`;
    /// `channel` names the channel for generated type names.
    pub fn channel_params(&mut self, channel: &At<'a>, address: &str, hint: &str) -> ChannelParams {
        let mut params = ChannelParams::default();
        let used = placeholders(address);
        let mut scope = Scope::new();
        if let Some(node) = channel.node.get("parameters")
            && !node.is_map()
        {
            self.diags
                .push(node.type_error("`parameters`", "a mapping"));
            return params;
        }
        for (key, at) in channel.entries("parameters") {
            let Some(param) = self.follow_at(&at) else {
                continue;
            };
            let type_hint = format!("{hint}{}", Name::new(key).pascal);
            let ty = self.param_type(&param, &type_hint);
            let entry_key = channel
                .node
                .get("parameters")
                .and_then(|p| p.entry(key))
                .map(|e| e.key_pos.location())
                .unwrap_or_else(|| at.node.location());
            let in_address = used.contains(&key);
            if !in_address && self.v3 && param.node.get("location").is_some() {
                self.diags.push(
                    Diagnostic::warning(
                        "W0505",
                        format!("parameter `{key}` is not in the address `{address}`; it is read as a query parameter"),
                        entry_key,
                    )
                    .with_hint(format!("channel parameters fill `{{{key}}}` in the address; declare query parameters in `bindings.ws.query`")),
                );
                self.covered.push(at.pointer.clone());
            } else if !in_address {
                self.diags.push(
                    Diagnostic::warning(
                        "W0303",
                        format!("parameter `{key}` is declared but the address `{address}` has no `{{{key}}}`"),
                        entry_key,
                    )
                    .with_hint(format!("remove the parameter or use `{{{key}}}` in the address")),
                );
            }
            self.check_param_examples(&param, key);
            let param_out = Param {
                name: scope.claim(Name::new(key)),
                ty,
                required: in_address,
                default: param.node.get("default").map(Node::to_json),
                docs: docs(param.node),
                deprecated: param.node.get("deprecated").and_then(Node::as_bool) == Some(true),
            };
            if in_address {
                params.path.push(param_out);
            } else {
                params.query.push(param_out);
            }
        }
        for name in used {
            if channel
                .node
                .get("parameters")
                .and_then(|p| p.get(name))
                .is_none()
            {
                let at = channel.node.get("address").unwrap_or(channel.node);
                self.diags.push(
                    Diagnostic::warning(
                        "W0302",
                        format!("the address `{address}` uses `{{{name}}}` but no parameter `{name}` is declared"),
                        at.location(),
                    )
                    .with_hint(format!("declare it under `parameters: {{{name}: ...}}`")),
                );
                params.path.push(Param {
                    name: scope.claim(Name::new(name)),
                    ty: Type::Primitive(Primitive::String),
                    required: true,
                    default: None,
                    docs: None,
                    deprecated: false,
                });
            }
        }
        params
    }

    /// 2.x parameters carry a `schema`; 3.0 ones are strings with an optional `enum`.
    fn param_type(&mut self, param: &At<'a>, hint: &str) -> Type {
        if let Some(schema) = param.child("schema") {
            return self.schema_type(&schema, hint);
        }
        if self.v3 {
            if let Some(value) = constant(param.node) {
                return Type::Literal(value);
            }
            if param.node.get("enum").is_some() {
                return self.schema_type(param, hint);
            }
        }
        Type::Primitive(Primitive::String)
    }

    /// AsyncAPI 3.0 parameter `examples` must be strings; real documents often use
    /// numbers. That is worth a warning, not a failed check.
    fn check_param_examples(&mut self, param: &At<'a>, key: &str) {
        if !self.v3 {
            return;
        }
        for example in param.items("examples") {
            if !matches!(example.node.value, Value::String(_)) {
                self.diags.push(
                    Diagnostic::warning(
                        "W0502",
                        format!(
                            "example of parameter `{key}` is {}, but AsyncAPI 3.0 requires strings",
                            example.node.value
                        ),
                        example.node.location(),
                    )
                    .with_hint("quote the example"),
                );
                self.covered.push(example.pointer.clone());
            }
        }
    }

    /// `bindings.ws.query` and `bindings.ws.headers`: object schemas whose properties
    /// become parameters.
    pub fn ws_binding_params(&mut self, channel: &At<'a>, hint: &str, params: &mut ChannelParams) {
        let Some(ws) = channel
            .child("bindings")
            .and_then(|b| self.follow_at(&b))
            .and_then(|b| b.child("ws"))
            .and_then(|ws| self.follow_at(&ws))
        else {
            return;
        };
        for (key, suffix) in [("query", "Query"), ("headers", "Headers")] {
            let Some(schema) = ws.child(key).and_then(|s| self.follow_at(&s)) else {
                continue;
            };
            let kind = schema.node.get("type");
            if let Some(other) = kind.and_then(Node::as_str).filter(|t| *t != "object") {
                let what = if key == "query" {
                    "query parameters"
                } else {
                    "headers"
                };
                self.diags.push(
                    Diagnostic::error(
                        "E0305",
                        format!(
                            "`bindings.ws.{key}` must be a schema of `type: object`, whose \
                             properties are the {what}; it has `type: {other}`"
                        ),
                        kind.map_or_else(|| schema.node.location(), Node::location),
                    )
                    .with_hint(format!(
                        "write `{key}: {{type: object, properties: {{...}}}}`"
                    )),
                );
                continue;
            }
            let mut scope = Scope::new();
            let required: Vec<&str> = schema
                .node
                .get("required")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(Node::as_str)
                .collect();
            let mut out = Vec::new();
            for (name, prop) in schema.entries("properties") {
                let ty =
                    self.schema_type(&prop, &format!("{hint}{suffix}{}", Name::new(name).pascal));
                let target = self.follow(prop.node).unwrap_or(prop.node);
                out.push(Param {
                    name: scope.claim(Name::new(name)),
                    ty,
                    required: required.contains(&name),
                    default: prop
                        .node
                        .get("default")
                        .or_else(|| target.get("default"))
                        .map(Node::to_json),
                    docs: docs(prop.node),
                    deprecated: prop.node.get("deprecated").and_then(Node::as_bool) == Some(true),
                });
            }
            if key == "query" {
                params.query.extend(out);
            } else {
                params.headers.extend(out);
            }
        }
    }
}
