//! AsyncAPI 3.0 channels and operations. Channels declare messages; operations say
//! which way they travel: `action: receive` (the application receives) is what the
//! client sends, `action: send` is what the client receives, and an operation's
//! `reply` travels the other way.
//!
//! Channels with the same address are one WebSocket connection, so they are merged
//! into one IR channel (Kraken declares `ping`, `subscribe`, ... all at `/`).

use crate::diagnostics::Diagnostic;
use crate::ir::{Channel, Direction};
use crate::naming::{Name, Scope};
use crate::source::{Node, unescape_pointer_token};

use super::Loader;
use super::channels_v2::channel_auth;
use super::schema::{At, docs};
use super::servers::Servers;

/// A 3.0 channel while operations are being assigned to it.
#[derive(Debug)]
struct Shell<'a> {
    id: String,
    at: At<'a>,
    address: String,
    /// `(key, message, the message after following refs)`.
    messages: Vec<(String, At<'a>, &'a Node)>,
    send: Vec<usize>,
    receive: Vec<usize>,
    auth: Vec<String>,
    servers: Vec<String>,
}

impl<'a> Loader<'a> {
    pub fn channels_v3(&mut self, root: &At<'a>, servers: &Servers) -> Vec<Channel> {
        let mut shells = self.shells(root, servers);
        for (op_id, at) in root.entries("operations") {
            let Some(op) = self.follow_at(&at) else {
                continue;
            };
            self.assign_operation(op_id, &op, &mut shells);
        }
        self.build_channels(shells)
    }

    fn shells(&mut self, root: &At<'a>, servers: &Servers) -> Vec<Shell<'a>> {
        if let Some(map) = root.node.get("channels")
            && !map.is_map()
        {
            self.diags.push(map.type_error("`channels`", "a mapping"));
            return Vec::new();
        }
        let mut shells = Vec::new();
        for (id, at) in root.entries("channels") {
            let Some(channel) = self.follow_at(&at) else {
                continue;
            };
            if !channel.node.is_map() {
                self.diags
                    .push(channel.node.type_error("a channel", "a mapping"));
                continue;
            }
            let address = match channel.node.get("address") {
                None => String::new(),
                Some(a) if a.is_null() => String::new(),
                Some(a) => match a.as_str() {
                    Some(s) => s.to_owned(),
                    None => {
                        self.diags
                            .push(a.type_error("`address`", "a string or null"));
                        String::new()
                    }
                },
            };
            let mut messages = Vec::new();
            for (key, message) in channel.entries("messages") {
                if let Some(node) = self.follow(message.node) {
                    messages.push((key.to_owned(), message, node));
                }
            }
            let server_names: Vec<String> = channel
                .items("servers")
                .iter()
                .filter_map(|s| s.node.get("$ref").and_then(Node::as_str))
                .filter_map(|r| r.rsplit('/').next())
                .map(|s| unescape_pointer_token(s).into_owned())
                .collect();
            shells.push(Shell {
                id: id.to_owned(),
                auth: channel_auth(servers, &server_names),
                servers: server_names,
                at: channel,
                address,
                messages,
                send: Vec::new(),
                receive: Vec::new(),
            });
        }
        shells
    }

    fn assign_operation(&mut self, op_id: &str, op: &At<'a>, shells: &mut [Shell<'a>]) {
        let node = op.node;
        if !node.is_map() {
            self.diags
                .push(node.type_error("an operation", "a mapping"));
            return;
        }
        let direction = match node.required_str("action", &mut self.diags) {
            Some("receive") => Direction::Send,
            Some("send") => Direction::Receive,
            Some(other) => {
                let at = node.get("action").unwrap_or(node);
                self.diags.push(
                    Diagnostic::error(
                        "E0103",
                        format!("operation `{op_id}`: unknown action `{other}`"),
                        at.location(),
                    )
                    .with_hint("`action` is `send` or `receive`"),
                );
                return;
            }
            None => return,
        };
        let Some(channel) = node.get("channel") else {
            self.diags.push(node.missing("channel"));
            return;
        };
        let Some(index) = self.shell_of(channel, shells) else {
            return;
        };
        let schemes = self.security_requirements(node);
        let shell = &mut shells[index];
        for scheme in schemes {
            if !shell.auth.contains(&scheme) {
                shell.auth.push(scheme);
            }
        }
        self.assign_messages(op.child("messages"), index, direction, shells);
        if let Some(reply) = op.child("reply").and_then(|r| self.follow_at(&r)) {
            let reply_index = match reply.node.get("channel") {
                Some(channel) => self.shell_of(channel, shells),
                None => Some(index),
            };
            let opposite = match direction {
                Direction::Send => Direction::Receive,
                Direction::Receive => Direction::Send,
            };
            if let Some(reply_index) = reply_index {
                self.assign_messages(reply.child("messages"), reply_index, opposite, shells);
            }
        }
    }

    /// The shell a `channel: {$ref}` points at.
    fn shell_of(&mut self, channel: &'a Node, shells: &[Shell<'a>]) -> Option<usize> {
        let target = self.follow(channel)?;
        let found = shells.iter().position(|s| std::ptr::eq(s.at.node, target));
        if found.is_none() {
            self.diags.push(
                Diagnostic::error(
                    "E0304",
                    "this operation's channel is not one of the document's `channels`",
                    channel.location(),
                )
                .with_hint("refer to a channel as `$ref: '#/channels/<id>'`"),
            );
        }
        found
    }

    /// Adds an operation's (or reply's) messages to a channel; no `messages` list
    /// means all of the channel's messages.
    fn assign_messages(
        &mut self,
        list: Option<At<'a>>,
        index: usize,
        direction: Direction,
        shells: &mut [Shell<'a>],
    ) {
        let chosen: Vec<usize> = match list {
            None => (0..shells[index].messages.len()).collect(),
            Some(list) => {
                let Some(items) = list.node.as_seq() else {
                    self.diags
                        .push(list.node.type_error("`messages`", "a sequence"));
                    return;
                };
                let mut chosen = Vec::new();
                for item in items {
                    let Some(target) = self.follow(item) else {
                        continue;
                    };
                    match shells[index]
                        .messages
                        .iter()
                        .position(|(_, _, m)| std::ptr::eq(*m, target))
                    {
                        Some(i) => chosen.push(i),
                        None => self.diags.push(
                            Diagnostic::error(
                                "E0304",
                                format!(
                                    "this message is not one of the messages of channel `{}`",
                                    shells[index].id
                                ),
                                item.location(),
                            )
                            .with_hint(format!(
                                "refer to `#/channels/{}/messages/<name>`",
                                shells[index].id
                            )),
                        ),
                    }
                }
                chosen
            }
        };
        let shell = &mut shells[index];
        let side = match direction {
            Direction::Send => &mut shell.send,
            Direction::Receive => &mut shell.receive,
        };
        for i in chosen {
            if !side.contains(&i) {
                side.push(i);
            }
        }
    }

    fn build_channels(&mut self, shells: Vec<Shell<'a>>) -> Vec<Channel> {
        let mut groups: Vec<Vec<Shell<'a>>> = Vec::new();
        for shell in shells {
            match groups
                .iter_mut()
                .find(|g| g[0].address == shell.address && g[0].servers == shell.servers)
            {
                Some(group) => group.push(shell),
                None => groups.push(vec![shell]),
            }
        }
        let mut scope = Scope::new();
        let mut channels = Vec::new();
        for group in groups {
            let name = if group.len() == 1 {
                Name::new(&group[0].id)
            } else {
                Name::with_fallback(&group[0].address, "root")
            };
            let name = scope.claim(name);
            let address = group[0].address.clone();
            let mut channel = Channel {
                name: name.clone(),
                namespace: Vec::new(),
                docs: if group.len() == 1 {
                    docs(group[0].at.node)
                } else {
                    None
                },
                address: address.clone(),
                base_url: None,
                servers: group[0].servers.clone(),
                path_params: Vec::new(),
                query: Vec::new(),
                headers: Vec::new(),
                auth: Vec::new(),
                send: Vec::new(),
                receive: Vec::new(),
                receive_discriminator: None,
                examples: Vec::new(),
                deprecated: false,
                availability: None,
                close_codes: Vec::new(),
            };
            let mut send_scope = Scope::new();
            let mut receive_scope = Scope::new();
            for shell in &group {
                let mut params = self.channel_params(&shell.at, &address, &name.pascal);
                self.ws_binding_params(&shell.at, &name.pascal, &mut params);
                for (into, from) in [
                    (&mut channel.path_params, params.path),
                    (&mut channel.query, params.query),
                    (&mut channel.headers, params.headers),
                ] {
                    for param in from {
                        if !into.iter().any(|p| p.name.wire == param.name.wire) {
                            into.push(param);
                        }
                    }
                }
                for code in self.close_codes(shell.at.node) {
                    if !channel.close_codes.iter().any(|c| c.code == code.code) {
                        channel.close_codes.push(code);
                    }
                }
                for scheme in &shell.auth {
                    if !channel.auth.contains(scheme) {
                        channel.auth.push(scheme.clone());
                    }
                }
                for (direction, indices, scope) in [
                    (Direction::Send, &shell.send, &mut send_scope),
                    (Direction::Receive, &shell.receive, &mut receive_scope),
                ] {
                    for &i in indices {
                        let (key, at, _) = &shell.messages[i];
                        let list = match direction {
                            Direction::Send => &mut channel.send,
                            Direction::Receive => &mut channel.receive,
                        };
                        if list.iter().any(|m| m.name.wire == *key) {
                            continue;
                        }
                        if let Some(mut message) = self.message(at, direction, Some(key)) {
                            message.name = scope.claim(message.name);
                            list.push(message);
                        }
                    }
                }
            }
            channel.close_codes.sort_by_key(|c| c.code);
            channels.push(channel);
        }
        channels
    }
}
