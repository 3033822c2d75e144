//! One file's `channel:` block: address, parameters, headers, auth, messages and
//! examples. Messages with `origin: client` are what the client sends
//! ([`Direction::Send`]); `origin: server`, what it receives.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diagnostics::Diagnostic;
use crate::ir::{
    Channel, ChannelExample, Direction, ExampleMessage, Message, Name, Param, Recognition, Type,
    TypeId,
};
use crate::source::Node;

use super::api_yml::ApiYml;
use super::declared::{self, availability};
use super::files::FernFile;
use super::resolve::Symbols;
use super::types::{Drafts, NameHint, Reader};

/// Everything a channel is read with.
pub struct Context<'a> {
    pub file: &'a FernFile,
    pub api: &'a ApiYml<'a>,
    pub symbols: &'a Symbols,
    /// `api.yml`'s `headers`, read once: every channel sends them.
    pub global_headers: &'a [Param],
    pub drafts: &'a mut Drafts,
    pub diags: &'a mut Vec<Diagnostic>,
}

impl Context<'_> {
    /// Reads the `channel:` block `node`, named `name` under `namespace`.
    pub fn channel(&mut self, node: &Node, name: Name, namespace: Vec<Name>) -> Channel {
        let diags = &mut *self.diags;
        let address = node.required_str("path", diags).unwrap_or("").to_owned();
        let base_url = node.str_field("url", diags).map(str::to_owned);
        if let (Some(url), Some(at)) = (&base_url, node.get("url"))
            && !self.api.url_names.contains(url)
        {
            let known = self.api.url_names.join("`, `");
            diags.push(
                Diagnostic::error(
                    "F0204",
                    format!("`url: {url}` names no URL of the environments"),
                    at.location(),
                )
                .with_hint(if known.is_empty() {
                    "declare `environments: {Prod: {urls: {<name>: wss://...}}}` in api.yml"
                        .to_owned()
                } else {
                    format!("the environments declare `{known}`")
                }),
            );
        }
        let auth = match node.get("auth") {
            None => Vec::new(),
            Some(a) => match a.as_bool() {
                Some(true) => self.api.default_auth.clone(),
                Some(false) => Vec::new(),
                None => {
                    diags.push(a.type_error("`auth`", "`true` or `false`"));
                    Vec::new()
                }
            },
        };
        let availability = availability(node, diags);
        let docs = node.str_field("docs", diags).map(str::to_owned);
        let mut headers = Vec::new();
        if let Some(own) = node.map_field("headers", self.diags) {
            headers = self.params(own, &self.file.rel.clone(), "header");
        }
        for header in self.global_headers {
            if !headers
                .iter()
                .any(|h: &Param| h.name.wire.eq_ignore_ascii_case(&header.name.wire))
            {
                headers.push(header.clone());
            }
        }
        let query = match node.map_field("query-parameters", self.diags) {
            Some(q) => self.params(q, &self.file.rel.clone(), "query parameter"),
            None => Vec::new(),
        };
        let path_params = self.path_params(node, &address);
        let (send, receive) = self.messages(node, &name);
        let examples = match node.seq_field("examples", self.diags) {
            Some(list) => list
                .iter()
                .filter_map(|e| self.example(e, &send, &receive))
                .collect(),
            None => Vec::new(),
        };
        Channel {
            name,
            namespace,
            docs,
            address,
            base_url,
            servers: Vec::new(),
            path_params,
            query,
            headers,
            auth,
            send,
            receive,
            receive_discriminator: None,
            examples,
            deprecated: availability.as_deref() == Some("deprecated"),
            availability,
            close_codes: Vec::new(),
        }
    }

    fn params(&mut self, node: &Node, file: &str, what: &str) -> Vec<Param> {
        params(node, file, what, self.symbols, self.diags)
    }

    /// Declared path parameters, checked against the `{placeholders}` of the path:
    /// one used but not declared is an error (and is taken as a string), one declared
    /// but not used is a warning (and is left out, as it cannot be sent).
    fn path_params(&mut self, node: &Node, address: &str) -> Vec<Param> {
        let used = placeholders(address);
        let declared_node = node.map_field("path-parameters", self.diags);
        let mut declared = match declared_node {
            Some(p) => self.params(p, &self.file.rel.clone(), "path parameter"),
            None => Vec::new(),
        };
        for param in &mut declared {
            param.required = true;
        }
        for entry in declared_node.map(Node::entries).unwrap_or_default() {
            if !used.contains(&entry.key.as_str()) {
                self.diags.push(
                    Diagnostic::warning(
                        "F0202",
                        format!(
                            "path parameter `{}` is declared but the path `{address}` does not use it",
                            entry.key
                        ),
                        entry.key_pos.location(),
                    )
                    .with_hint(format!("add `{{{}}}` to the path, or remove the parameter", entry.key)),
                );
            }
        }
        declared.retain(|p| used.contains(&p.name.wire.as_str()));
        let mut out = Vec::new();
        for name in used {
            if let Some(i) = declared.iter().position(|p| p.name.wire == name) {
                out.push(declared.remove(i));
                continue;
            }
            let at = node.get("path").unwrap_or(node);
            self.diags.push(
                Diagnostic::error(
                    "F0201",
                    format!(
                        "the path uses `{{{name}}}`, but `{name}` is not a declared path parameter"
                    ),
                    at.location(),
                )
                .with_hint(format!("declare it: `path-parameters: {{{name}: string}}`")),
            );
            out.push(Param {
                name: Name::new(name),
                ty: Type::Primitive(crate::ir::Primitive::String),
                required: true,
                default: None,
                docs: None,
                deprecated: false,
            });
        }
        out
    }

    fn messages(&mut self, node: &Node, channel: &Name) -> (Vec<Message>, Vec<Message>) {
        let (mut send, mut receive) = (Vec::new(), Vec::new());
        let Some(messages) = node.map_field("messages", self.diags) else {
            return (send, receive);
        };
        for entry in messages.entries() {
            let m = &entry.value;
            if !m.is_map() {
                self.diags
                    .push(m.type_error(&format!("message `{}`", entry.key), "a mapping"));
                continue;
            }
            let direction = match m.required_str("origin", self.diags) {
                Some("client") => Direction::Send,
                Some("server") => Direction::Receive,
                Some(other) => {
                    self.diags.push(
                        Diagnostic::error(
                            "F0205",
                            format!("`origin: {other}` must be `client` or `server`"),
                            m.get("origin").unwrap_or(m).location(),
                        )
                        .with_hint("`client` for messages the client sends, `server` for those it receives"),
                    );
                    continue;
                }
                None => continue,
            };
            let (payload, body_docs) = match m.get("body") {
                Some(body) => self.body(body, channel, &entry.key),
                None => {
                    self.diags.push(m.missing("body"));
                    (Type::Any, None)
                }
            };
            let message = Message {
                name: Name::new(&entry.key),
                method: m.str_field("method-name", self.diags).map(Name::new),
                direction,
                title: m.str_field("display-name", self.diags).map(str::to_owned),
                docs: m
                    .str_field("docs", self.diags)
                    .map(str::to_owned)
                    .or(body_docs),
                payload,
                examples: Vec::new(),
                recognition: Recognition::Only,
                deprecated: availability(m, self.diags).as_deref() == Some("deprecated"),
            };
            match direction {
                Direction::Send => send.push(message),
                Direction::Receive => receive.push(message),
            }
        }
        (send, receive)
    }

    /// `body: Type`, `body: {type: Type, docs}` or an inline object
    /// `body: {name?, extends?, properties}`.
    fn body(&mut self, body: &Node, channel: &Name, key: &str) -> (Type, Option<String>) {
        let inline = body.is_map()
            && (body.get("properties").is_some()
                || body.get("name").is_some()
                || body.get("extends").is_some());
        if !inline {
            let Some(decl) = declared::read(body, "a message `body`", self.diags) else {
                return (Type::Any, None);
            };
            let ty = decl.resolve(self.symbols, &self.file.rel, self.diags).ty;
            return (ty, decl.docs.clone());
        }
        let id = TypeId(format!("{}#channel/messages/{key}", self.file.rel));
        let hint = match body.str_field("name", self.diags) {
            Some(name) => {
                if self
                    .file
                    .root
                    .get("types")
                    .and_then(|t| t.entry(name))
                    .is_some()
                {
                    self.diags.push(
                        Diagnostic::error(
                            "F0105",
                            format!("the inline body `{name}` has the name of a type of this file"),
                            body.get("name").unwrap_or(body).location(),
                        )
                        .with_hint("rename the inline body, or use `body: <the type>`"),
                    );
                }
                NameHint::Named {
                    fern: name.to_owned(),
                    package: self.file.package.clone(),
                }
            }
            None => NameHint::Fixed(format!("{} {key} body", channel.pascal)),
        };
        let reader = Reader {
            file: self.file,
            symbols: self.symbols,
            diags: &mut *self.diags,
        };
        let draft = reader.shape(hint, body);
        self.drafts.insert(id.clone(), draft);
        (Type::Ref(id), None)
    }

    fn example(
        &mut self,
        node: &Node,
        send: &[Message],
        receive: &[Message],
    ) -> Option<ChannelExample> {
        if !node.is_map() {
            self.diags.push(node.type_error("an example", "a mapping"));
            return None;
        }
        let mut messages = Vec::new();
        for m in node.seq_field("messages", self.diags).unwrap_or_default() {
            let Some(kind) = m.required_str("type", self.diags) else {
                continue;
            };
            let direction = if send.iter().any(|s| s.name.wire == kind) {
                Direction::Send
            } else if receive.iter().any(|r| r.name.wire == kind) {
                Direction::Receive
            } else {
                let known: Vec<&str> = send
                    .iter()
                    .chain(receive)
                    .map(|x| x.name.wire.as_str())
                    .collect();
                let mut diag = Diagnostic::warning(
                    "F0206",
                    format!(
                        "example message `type: {kind}` is not a message of this channel; it is left out"
                    ),
                    m.get("type").unwrap_or(m).location(),
                );
                if let Some(close) = super::resolve::closest(kind, known.iter().copied()) {
                    diag = diag.with_hint(format!("did you mean `{close}`?"));
                } else if !known.is_empty() {
                    diag = diag.with_hint(format!("the messages are `{}`", known.join("`, `")));
                }
                self.diags.push(diag);
                continue;
            };
            messages.push(ExampleMessage {
                direction,
                message: kind.to_owned(),
                body: m.get("body").map_or(Value::Null, Node::to_json),
            });
        }
        Some(ChannelExample {
            name: node.str_field("name", self.diags).map(str::to_owned),
            docs: node.str_field("docs", self.diags).map(str::to_owned),
            path_params: json_map(node.get("path-parameters")),
            query: json_map(node.get("query-parameters")),
            headers: json_map(node.get("headers")),
            messages,
        })
    }
}

/// Parameters or headers: `name: type` or `name: {type, docs, default, name, ...}`.
/// `file` is where their types resolve (`api.yml` for global headers).
pub fn params(
    node: &Node,
    file: &str,
    what: &str,
    symbols: &Symbols,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Param> {
    let mut out = Vec::new();
    for entry in node.entries() {
        let label = format!("{what} `{}`", entry.key);
        let Some(decl) = declared::read(&entry.value, &label, diags) else {
            continue;
        };
        let typed = decl.resolve(symbols, file, diags);
        out.push(Param {
            name: super::types::sdk_named(&entry.key, decl.sdk_name.as_deref()),
            ty: typed.ty,
            required: !typed.optional,
            default: decl.default.clone(),
            docs: decl.docs.clone(),
            deprecated: decl.deprecated(),
        });
    }
    out
}

fn json_map(node: Option<&Node>) -> BTreeMap<String, Value> {
    node.map(|n| {
        n.entries()
            .iter()
            .map(|e| (e.key.clone(), e.value.to_json()))
            .collect()
    })
    .unwrap_or_default()
}

/// The `{name}` placeholders of a path, in order, without duplicates.
pub fn placeholders(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
        rest = &after[close + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn path_placeholders() {
        assert_eq!(placeholders("/realtime/{session_id}"), ["session_id"]);
        assert_eq!(placeholders("/a/{x}/b/{y}/{x}"), ["x", "y"]);
        assert!(placeholders("/v3/ws").is_empty());
        assert!(placeholders("/broken/{x").is_empty());
    }
}
