//! AsyncAPI Message objects → IR [`Message`]s: name, payload type, docs, examples.
//!
//! Message traits are applied underneath the message (the message's own fields win).
//! A payload in a schema format other than JSON Schema (Avro, RAML, ...) is kept as
//! `any` with a warning, because nothing here can read it.

use crate::diagnostics::Diagnostic;
use crate::ir::{Direction, Message, Recognition, Type};
use crate::naming::Name;
use crate::source::Node;

use super::Loader;
use super::schema::At;

/// Schema formats whose payloads are JSON Schema (as AsyncAPI uses it).
fn is_json_schema_format(format: &str) -> bool {
    format.starts_with("application/vnd.aai.asyncapi")
        || format.starts_with("application/schema+json")
        || format.starts_with("application/schema+yaml")
        || format.starts_with("application/vnd.oai.openapi")
}

impl<'a> Loader<'a> {
    /// Converts the message at `at` (a Message object or a `$ref` to one). `name` is
    /// the name the caller knows it by (3.0: its key in the channel), if any.
    pub fn message(
        &mut self,
        at: &At<'a>,
        direction: Direction,
        name: Option<&str>,
    ) -> Option<Message> {
        let component = at
            .node
            .get("$ref")
            .and_then(Node::as_str)
            .and_then(|r| r.rsplit('/').next())
            .map(|s| crate::source::unescape_pointer_token(s).into_owned());
        let at = self.follow_at(at)?;
        let node = at.node;
        if !node.is_map() {
            self.diags.push(node.type_error("a message", "a mapping"));
            return None;
        }
        let traits: Vec<&'a Node> = node
            .seq_field("traits", &mut self.diags)
            .unwrap_or(&[])
            .iter()
            .filter_map(|t| self.follow(t))
            .collect();
        let field = |key: &str| {
            node.get(key)
                .or_else(|| traits.iter().find_map(|t| t.get(key)))
        };
        if let Some(id) = node.get("messageId") {
            self.unique_id("messageId", id);
        }
        let wire = name
            .map(str::to_owned)
            .or_else(|| field("messageId").and_then(Node::as_str).map(str::to_owned))
            .or_else(|| field("name").and_then(Node::as_str).map(str::to_owned))
            .or(component)
            .or_else(|| field("title").and_then(Node::as_str).map(str::to_owned))
            .unwrap_or_else(|| "message".to_owned());
        let message_name = Name::new(&wire);
        let payload = self.payload(&at, &traits, &message_name);
        let examples = field("examples")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|e| e.get("payload").map(Node::to_json))
            .collect();
        let text = |key: &str| {
            field(key)
                .and_then(Node::as_str)
                .map(|s| s.trim_end().to_owned())
        };
        Some(Message {
            name: message_name,
            method: None,
            direction,
            title: text("title"),
            docs: text("description").or_else(|| text("summary")),
            payload,
            examples,
            recognition: Recognition::Only,
            deprecated: field("deprecated").and_then(Node::as_bool) == Some(true),
        })
    }

    fn payload(&mut self, at: &At<'a>, traits: &[&'a Node], name: &Name) -> Type {
        let mut format = at
            .node
            .get("schemaFormat")
            .or_else(|| traits.iter().find_map(|t| t.get("schemaFormat")));
        let Some(mut payload) = at.child("payload") else {
            return Type::Any;
        };
        // 3.0 Multi Format Schema: `payload: {schemaFormat, schema}`.
        if self.v3
            && let (Some(f), Some(schema)) =
                (payload.node.get("schemaFormat"), payload.child("schema"))
        {
            format = Some(f);
            payload = schema;
        }
        if let Some(format) = format {
            let text = format.as_str().unwrap_or("");
            if !is_json_schema_format(text) {
                self.diags.push(
                    Diagnostic::warning(
                        "W0504",
                        format!("payload schema format `{text}` is not JSON Schema; the payload is typed as any"),
                        format.location(),
                    )
                    .with_hint("describe the payload with JSON Schema to get typed messages"),
                );
                return Type::Any;
            }
        }
        self.schema_type(&payload, &name.pascal)
    }
}
