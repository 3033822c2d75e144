//! AsyncAPI 2.x channels: each Channel Item with its `publish` (the client sends) and
//! `subscribe` (the client receives) operations.

use crate::ir::{Channel, Direction, Message};
use crate::naming::{Name, Scope};
use crate::source::Node;

use super::Loader;
use super::schema::{At, docs};
use super::servers::Servers;

impl<'a> Loader<'a> {
    pub fn channels_v2(&mut self, root: &At<'a>, servers: &Servers) -> Vec<Channel> {
        let Some(map) = root.node.get("channels") else {
            self.diags.push(root.node.missing("channels"));
            return Vec::new();
        };
        if !map.is_map() {
            self.diags.push(map.type_error("`channels`", "a mapping"));
            return Vec::new();
        }
        let mut scope = Scope::new();
        let mut channels = Vec::new();
        for (address, at) in root.entries("channels") {
            let Some(item) = self.follow_at(&at) else {
                continue;
            };
            if !item.node.is_map() {
                self.diags
                    .push(item.node.type_error("a channel", "a mapping"));
                continue;
            }
            let name = scope.claim(Name::with_fallback(address, "root"));
            let mut params = self.channel_params(&item, address, &name.pascal);
            self.ws_binding_params(&item, &name.pascal, &mut params);
            let channel_servers: Vec<String> = item
                .node
                .seq_field("servers", &mut self.diags)
                .unwrap_or(&[])
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect();
            let mut auth = channel_auth(servers, &channel_servers);
            let send = self.operation(&item, "publish", Direction::Send, &mut auth);
            let receive = self.operation(&item, "subscribe", Direction::Receive, &mut auth);
            let close_codes = self.close_codes(item.node);
            channels.push(Channel {
                name,
                namespace: Vec::new(),
                docs: docs(item.node),
                address: address.to_owned(),
                base_url: None,
                servers: channel_servers,
                path_params: params.path,
                query: params.query,
                headers: params.headers,
                auth,
                send,
                receive,
                receive_discriminator: None,
                examples: Vec::new(),
                deprecated: item.node.get("deprecated").and_then(Node::as_bool) == Some(true),
                availability: None,
                close_codes,
            });
        }
        channels
    }

    /// The messages of a `publish` or `subscribe` operation (`message` is one message
    /// or `{oneOf: [...]}`).
    fn operation(
        &mut self,
        item: &At<'a>,
        key: &str,
        direction: Direction,
        auth: &mut Vec<String>,
    ) -> Vec<Message> {
        let Some(op) = item.child(key).and_then(|op| self.follow_at(&op)) else {
            return Vec::new();
        };
        if !op.node.is_map() {
            self.diags
                .push(op.node.type_error(&format!("`{key}`"), "a mapping"));
            return Vec::new();
        }
        if let Some(id) = self.operation_id(op.node) {
            self.unique_id("operationId", id);
        }
        for scheme in self.security_requirements(op.node) {
            if !auth.contains(&scheme) {
                auth.push(scheme);
            }
        }
        let Some(message) = op.child("message").and_then(|m| self.follow_at(&m)) else {
            return Vec::new();
        };
        let members = if message.node.get("oneOf").is_some() {
            message.items("oneOf")
        } else {
            vec![message]
        };
        let mut scope = Scope::new();
        let mut out = Vec::new();
        for member in members {
            if let Some(mut msg) = self.message(&member, direction, None) {
                msg.name = scope.claim(msg.name);
                out.push(msg);
            }
        }
        out
    }
}

impl<'a> Loader<'a> {
    /// The `operationId` an operation ends up with: 2.x traits are merged into the
    /// operation (JSON Merge Patch, in order), so the last trait that sets one wins.
    /// (A broken trait `$ref` is reported where refs are checked, not here.)
    fn operation_id(&self, op: &'a Node) -> Option<&'a Node> {
        let mut id = op.get("operationId");
        for t in op.get("traits").and_then(Node::as_seq).unwrap_or(&[]) {
            let target = self.files.follow(t).map_or(t, |(target, _)| target);
            if let Some(trait_id) = target.get("operationId") {
                id = Some(trait_id);
            }
        }
        id
    }
}

/// The security schemes of the servers a channel is available on (all servers when
/// the channel names none).
pub(crate) fn channel_auth(servers: &Servers, names: &[String]) -> Vec<String> {
    let mut auth = Vec::new();
    for (server, schemes) in &servers.security {
        if names.is_empty() || names.contains(server) {
            for scheme in schemes {
                if !auth.contains(scheme) {
                    auth.push(scheme.clone());
                }
            }
        }
    }
    auth
}
