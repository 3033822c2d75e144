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

/// The fields of a Message Example (2.0 has `headers` and `payload`; 2.1 added the
/// other two; extensions `x-...` are allowed too).
const EXAMPLE_FIELDS: [&str; 4] = ["headers", "payload", "name", "summary"];

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
        for t in &traits {
            self.trait_examples(t);
        }
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

    /// A Message Trait's `examples` are examples of the message, as a Message Object's
    /// are: each one a mapping of `headers`, `payload`, `name` and `summary` (which the
    /// Message Object's schema checks, and the trait's does not). A trait shared by
    /// several messages is reported once.
    fn trait_examples(&mut self, message_trait: &Node) {
        for example in message_trait
            .get("examples")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            for entry in example.entries() {
                if EXAMPLE_FIELDS.contains(&entry.key.as_str()) || entry.key.starts_with("x-") {
                    continue;
                }
                let at = entry.key_pos.location();
                if self
                    .diags
                    .iter()
                    .any(|d| d.code == "E0112" && d.location == at)
                {
                    continue;
                }
                self.diags.push(
                    Diagnostic::error(
                        "E0112",
                        format!(
                            "`{}` is not a field of a message example; it takes {}",
                            entry.key,
                            EXAMPLE_FIELDS.map(|f| format!("`{f}`")).join(", ")
                        ),
                        at,
                    )
                    .with_hint(format!(
                        "put the example message under `payload:` (`- payload: {{{}: ...}}`)",
                        entry.key
                    )),
                );
            }
        }
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
