//! Binding objects (`bindings: {ws: {...}, kafka: {...}}`) of AsyncAPI 2.x documents,
//! checked against the official binding JSON Schemas (vendored from `@asyncapi/specs`
//! 6.11.1 under `schemas/bindings/`, see `schemas/README.md`). The 2.x document schemas
//! leave bindings open; the 3.0 schema already embeds its bindings, so this is 2.x only.
//!
//! The binding objects are found in the backstop's `$ref`-inlined JSON copy, by their
//! place in the document (servers, channels, operations, messages, traits and the
//! `components` maps that hold them), and every schema error comes back as a JSON
//! pointer into that copy, which the backstop maps to a file, line and column.
//!
//! A binding's `bindingVersion` picks its schema. For a binding without a version (the
//! specifications say: the latest), or with one no published schema has (a warning),
//! only what holds in every published version is reported: a fault in a field's value
//! (type, allowed values, length, range) that every version having that field refuses,
//! and, when it names a version, a field no version has. 2.x documents, the AsyncAPI
//! examples among them, often predate the published binding versions, which dropped
//! fields (`http` `type`, `amqp` `replyTo`) and combinations (`amqp` `is: routingKey`
//! with a `queue`). Rules the binding specifications state in prose only are checked
//! too (object schemas for headers and query, MQTT `qos`, Kafka's `key`).

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Retrieve, Uri, ValidationError, Validator};
use serde_json::Value as Json;

use super::deepest;

/// Where a binding object sits, which decides its schema (`channel.json`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Server,
    Channel,
    Operation,
    Message,
}

impl Kind {
    fn file(self) -> &'static str {
        match self {
            Kind::Server => "server",
            Kind::Channel => "channel",
            Kind::Operation => "operation",
            Kind::Message => "message",
        }
    }
}

/// A fault in one binding object.
#[derive(Debug, Clone)]
pub(super) struct Fault {
    /// JSON pointer into the inlined document.
    pub pointer: String,
    /// For an unexpected property: its key (so the diagnostic points at the key).
    pub key: Option<String>,
    pub message: String,
    /// An unknown `bindingVersion` (a warning); everything else is an error.
    pub warning: bool,
}

/// Checks every binding object of the inlined 2.x document `doc`.
pub(super) fn check(doc: &Json) -> Vec<Fault> {
    let mut found = Vec::new();
    find(doc, &mut found);
    let mut faults = Vec::new();
    for (pointer, kind, bindings) in found {
        let Some(bindings) = bindings.as_object() else {
            continue;
        };
        for (protocol, binding) in bindings {
            let at = format!("{pointer}/{}", escape(protocol));
            check_binding(protocol, kind, binding, &at, &mut faults);
            object_schemas(protocol, kind, binding, &at, &mut faults);
            prose_rules(protocol, kind, binding, &at, &mut faults);
        }
    }
    faults
}

/// `(folder, version, kind)` → the tuple of [`SCHEMAS`], with the vendored text.
macro_rules! schema {
    ($folder:literal, $version:literal, $kind:literal) => {
        (
            $folder,
            $version,
            $kind,
            include_str!(concat!(
                "../../../schemas/bindings/",
                $folder,
                "/",
                $version,
                "/",
                $kind,
                ".json"
            )),
        )
    };
}

/// `(version, name)` → the tuple of [`DEFINITIONS`]: its URI and vendored text.
macro_rules! definition {
    ($version:literal, $name:literal) => {
        (
            concat!(
                "http://asyncapi.com/definitions/",
                $version,
                "/",
                $name,
                ".json"
            ),
            include_str!(concat!(
                "../../../schemas/definitions/",
                $version,
                "/",
                $name,
                ".json"
            )),
        )
    };
}

/// (protocol folder, version, kind, schema text) of every vendored binding schema.
const SCHEMAS: &[(&str, &str, &str, &str)] = &[
    schema!("amqp", "0.2.0", "channel"),
    schema!("amqp", "0.2.0", "message"),
    schema!("amqp", "0.2.0", "operation"),
    schema!("amqp", "0.3.0", "channel"),
    schema!("amqp", "0.3.0", "message"),
    schema!("amqp", "0.3.0", "operation"),
    schema!("anypointmq", "0.0.1", "channel"),
    schema!("anypointmq", "0.0.1", "message"),
    schema!("googlepubsub", "0.1.0", "channel"),
    schema!("googlepubsub", "0.1.0", "message"),
    schema!("googlepubsub", "0.2.0", "channel"),
    schema!("googlepubsub", "0.2.0", "message"),
    schema!("http", "0.1.0", "message"),
    schema!("http", "0.1.0", "operation"),
    schema!("http", "0.2.0", "message"),
    schema!("http", "0.2.0", "operation"),
    schema!("http", "0.3.0", "message"),
    schema!("http", "0.3.0", "operation"),
    schema!("ibmmq", "0.1.0", "channel"),
    schema!("ibmmq", "0.1.0", "message"),
    schema!("ibmmq", "0.1.0", "server"),
    schema!("jms", "0.0.1", "channel"),
    schema!("jms", "0.0.1", "message"),
    schema!("jms", "0.0.1", "server"),
    schema!("kafka", "0.1.0", "message"),
    schema!("kafka", "0.1.0", "operation"),
    schema!("kafka", "0.3.0", "channel"),
    schema!("kafka", "0.3.0", "message"),
    schema!("kafka", "0.3.0", "operation"),
    schema!("kafka", "0.3.0", "server"),
    schema!("kafka", "0.4.0", "channel"),
    schema!("kafka", "0.4.0", "message"),
    schema!("kafka", "0.4.0", "operation"),
    schema!("kafka", "0.4.0", "server"),
    schema!("kafka", "0.5.0", "channel"),
    schema!("kafka", "0.5.0", "message"),
    schema!("kafka", "0.5.0", "operation"),
    schema!("kafka", "0.5.0", "server"),
    schema!("mqtt", "0.1.0", "message"),
    schema!("mqtt", "0.1.0", "operation"),
    schema!("mqtt", "0.1.0", "server"),
    schema!("mqtt", "0.2.0", "message"),
    schema!("mqtt", "0.2.0", "operation"),
    schema!("mqtt", "0.2.0", "server"),
    schema!("nats", "0.1.0", "operation"),
    schema!("pulsar", "0.1.0", "channel"),
    schema!("pulsar", "0.1.0", "server"),
    schema!("ros2", "0.1.0", "operation"),
    schema!("ros2", "0.1.0", "server"),
    schema!("sns", "0.1.0", "channel"),
    schema!("sns", "0.1.0", "operation"),
    schema!("sns", "0.2.0", "channel"),
    schema!("sns", "0.2.0", "operation"),
    schema!("solace", "0.2.0", "operation"),
    schema!("solace", "0.2.0", "server"),
    schema!("solace", "0.3.0", "operation"),
    schema!("solace", "0.3.0", "server"),
    schema!("solace", "0.4.0", "operation"),
    schema!("solace", "0.4.0", "server"),
    schema!("sqs", "0.2.0", "channel"),
    schema!("sqs", "0.2.0", "operation"),
    schema!("sqs", "0.3.0", "channel"),
    schema!("sqs", "0.3.0", "operation"),
    schema!("websockets", "0.1.0", "channel"),
];

/// The shared definitions the binding schemas refer to by absolute URI.
const DEFINITIONS: &[(&str, &str)] = &[
    definition!("3.0.0", "Reference"),
    definition!("3.0.0", "ReferenceObject"),
    definition!("3.0.0", "externalDocs"),
    definition!("3.0.0", "schema"),
    definition!("3.0.0", "specificationExtension"),
    definition!("3.1.0", "specificationExtension"),
];

/// Compiled binding validators, built on first use (`None`: the schema does not build,
/// e.g. it refers to a definition that is not vendored).
static VALIDATORS: [OnceLock<Option<Validator>>; SCHEMAS.len()] =
    [const { OnceLock::new() }; SCHEMAS.len()];

fn check_binding(protocol: &str, kind: Kind, binding: &Json, at: &str, faults: &mut Vec<Fault>) {
    // The document key is `ws`; the schemas' folder is `websockets`.
    let folder = if protocol == "ws" {
        "websockets"
    } else {
        protocol
    };
    let mut candidates: Vec<usize> = (0..SCHEMAS.len())
        .filter(|&i| SCHEMAS[i].0 == folder && SCHEMAS[i].2 == kind.file())
        .collect();
    // Newest first.
    candidates.sort_by_key(|&i| std::cmp::Reverse(version_key(SCHEMAS[i].1)));
    if candidates.is_empty() {
        return;
    }
    let declared = binding.get("bindingVersion").and_then(Json::as_str);
    let exact = declared.and_then(|v| candidates.iter().copied().find(|&i| SCHEMAS[i].1 == v));
    if let Some(index) = exact {
        faults.extend(schema_faults(index, protocol, kind, binding, at, true).unwrap_or_default());
        return;
    }
    if let Some(declared) = declared {
        let known: Vec<&str> = candidates.iter().map(|&i| SCHEMAS[i].1).collect();
        faults.push(Fault {
            pointer: format!("{at}/bindingVersion"),
            key: None,
            message: format!(
                "the `{protocol}` {} binding has bindingVersion `{declared}`, which has no \
                 published schema (known: {}); it was checked against each of those",
                kind.file(),
                known.join(", ")
            ),
            warning: true,
        });
    }
    // No version, or an unknown one: 2.x documents often predate the newest binding
    // versions, so only what holds in every version counts: a field's value that each
    // version with that field refuses, and (with a version) a field no version has.
    let mut versions: Vec<(usize, Vec<Fault>)> = Vec::new();
    for index in candidates {
        if let Some(found) = schema_faults(index, protocol, kind, binding, at, false) {
            versions.push((index, found));
        }
    }
    let field_of = |fault: &Fault| -> String {
        let path = fault.pointer.strip_prefix(at).unwrap_or("");
        path.split('/').nth(1).unwrap_or("").to_owned()
    };
    let knows = |index: usize, field: &str| {
        field.is_empty() || fields(index).is_none_or(|known| known.iter().any(|k| k == field))
    };
    let mut reported: Vec<String> = Vec::new();
    for (_, found) in &versions {
        for fault in found {
            let field = field_of(fault);
            if reported.contains(&field) {
                continue;
            }
            let refused_by_all = versions.iter().all(|(other, theirs)| {
                !knows(*other, &field) || theirs.iter().any(|f| field_of(f) == field)
            });
            if refused_by_all {
                faults.extend(
                    found
                        .iter()
                        .filter(|f| field_of(f) == field)
                        .map(Fault::clone),
                );
                reported.push(field);
            }
        }
    }
    // Without a version, the AsyncAPI examples themselves use fields no published
    // version has (`amqp` message `replyTo`, `http` operation `headers`); a binding
    // that names its version claims that version's fields.
    if declared.is_some() {
        unknown_fields(protocol, kind, binding, at, &versions, faults);
    }
}

/// The fields of `binding` (which names a version without a published schema) that no
/// published version has; only when every version lists its fields (takes no others).
fn unknown_fields(
    protocol: &str,
    kind: Kind,
    binding: &Json,
    at: &str,
    versions: &[(usize, Vec<Fault>)],
    faults: &mut Vec<Fault>,
) {
    let (Some(object), false) = (binding.as_object(), versions.is_empty()) else {
        return;
    };
    let mut known: Vec<&str> = Vec::new();
    for (index, _) in versions {
        let Some(listed) = fields(*index) else {
            return;
        };
        known.extend(listed.iter().map(String::as_str));
    }
    let published: Vec<&str> = versions.iter().map(|(i, _)| SCHEMAS[*i].1).collect();
    for key in object.keys() {
        if key.starts_with("x-") || known.contains(&key.as_str()) {
            continue;
        }
        faults.push(Fault {
            pointer: at.to_owned(),
            key: Some(key.clone()),
            message: format!(
                "`{key}` is not a field of the `{protocol}` {} binding in any of its versions ({})",
                kind.file(),
                published.join(", ")
            ),
            warning: false,
        });
    }
}

/// The fields `SCHEMAS[index]` allows (`None`: it takes any field).
fn fields(index: usize) -> Option<&'static [String]> {
    static FIELDS: [OnceLock<Option<Vec<String>>>; SCHEMAS.len()] =
        [const { OnceLock::new() }; SCHEMAS.len()];
    FIELDS[index]
        .get_or_init(|| {
            let schema: Json = serde_json::from_str(SCHEMAS[index].3).ok()?;
            if schema.get("additionalProperties") != Some(&Json::Bool(false)) {
                return None;
            }
            let properties = schema.get("properties")?.as_object()?;
            Some(properties.keys().cloned().collect())
        })
        .as_deref()
}

/// The faults of `binding` against the schema `SCHEMAS[index]` (`None` when that schema
/// does not compile). Unless `strict_version` (the binding's own version is not this
/// schema's), only faults in a field's value count, as those hold in every version: not
/// fields the version lacks or combinations it forbids, nor its `bindingVersion` enum.
fn schema_faults(
    index: usize,
    protocol: &str,
    kind: Kind,
    binding: &Json,
    at: &str,
    strict_version: bool,
) -> Option<Vec<Fault>> {
    let validator = VALIDATORS[index]
        .get_or_init(|| compile(SCHEMAS[index].3))
        .as_ref()?;
    let version = SCHEMAS[index].1;
    let mut faults = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for error in validator.iter_errors(binding) {
        if !strict_version && !about_a_value(&error) {
            continue;
        }
        let error = deepest(&error);
        let path = error.instance_path().as_str().to_owned();
        let kind_of = error.kind();
        if matches!(kind_of, ValidationErrorKind::OneOfMultipleValid { .. })
            || (!strict_version
                && path == "/bindingVersion"
                && matches!(kind_of, ValidationErrorKind::Enum { .. }))
            || seen.contains(&path)
        {
            continue;
        }
        seen.push(path.clone());
        let (key, what) = match kind_of {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let key = unexpected.first().cloned().unwrap_or_default();
                let what = format!("`{key}` is not a field of it");
                (Some(key), what)
            }
            _ => (None, error.to_string()),
        };
        let place = if path.is_empty() {
            String::new()
        } else {
            format!(" at `{}`", &path[1..])
        };
        faults.push(Fault {
            pointer: format!("{at}{path}"),
            key,
            message: format!(
                "the `{protocol}` {} binding (version {version}){place} does not match its \
                 schema: {what}",
                kind.file()
            ),
            warning: false,
        });
    }
    Some(faults)
}

/// The binding fields whose Schema Object must be `type: object` (its properties are the
/// headers or query parameters): the binding specifications say so in prose only, so
/// their JSON Schemas take any schema. (`ws` `query`/`headers` are read, and checked, by
/// the loader itself: `E0305`.)
const OBJECT_SCHEMAS: &[(&str, Kind, &str)] = &[
    ("http", Kind::Message, "headers"),
    ("http", Kind::Operation, "query"),
];

fn object_schemas(protocol: &str, kind: Kind, binding: &Json, at: &str, faults: &mut Vec<Fault>) {
    for (_, _, field) in OBJECT_SCHEMAS
        .iter()
        .filter(|(p, k, _)| *p == protocol && *k == kind)
    {
        let Some(other) = binding
            .get(field)
            .and_then(|schema| schema.get("type"))
            .and_then(Json::as_str)
            .filter(|t| *t != "object")
        else {
            continue;
        };
        faults.push(Fault {
            pointer: format!("{at}/{field}/type"),
            key: None,
            message: format!(
                "the `{protocol}` {} binding's `{field}` must be a schema of `type: object`, \
                 whose properties are the {field}; it has `type: {other}`",
                kind.file()
            ),
            warning: false,
        });
    }
}

/// The JSON Schema keywords (and AsyncAPI's additions) a Schema Object is made of.
const SCHEMA_KEYWORDS: &[&str] = &[
    "$ref",
    "$id",
    "$schema",
    "$comment",
    "type",
    "enum",
    "const",
    "format",
    "title",
    "description",
    "default",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
    "properties",
    "patternProperties",
    "additionalProperties",
    "propertyNames",
    "required",
    "minProperties",
    "maxProperties",
    "dependencies",
    "items",
    "additionalItems",
    "contains",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minLength",
    "maxLength",
    "pattern",
    "contentEncoding",
    "contentMediaType",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "definitions",
    "discriminator",
    "externalDocs",
    "name",
    "namespace",
    "fields",
];

/// Rules the binding specifications state in prose, which their JSON Schemas leave
/// out: MQTT's `qos` is 0, 1 or 2, and Kafka's message `key` is a Schema Object (the
/// schema takes any object there, `{prop: 1}` included; a schema has at least one
/// keyword, or is empty).
fn prose_rules(protocol: &str, kind: Kind, binding: &Json, at: &str, faults: &mut Vec<Fault>) {
    match (protocol, kind) {
        ("mqtt", Kind::Operation) => {
            let Some(qos) = binding.get("qos").and_then(Json::as_i64) else {
                return;
            };
            if !(0..=2).contains(&qos) {
                faults.push(Fault {
                    pointer: format!("{at}/qos"),
                    key: None,
                    message: format!(
                        "the `mqtt` operation binding's `qos` is {qos}; MQTT's quality of service \
                         levels are 0 (at most once), 1 (at least once) and 2 (exactly once)"
                    ),
                    warning: false,
                });
            }
        }
        ("kafka", Kind::Message) => {
            let Some(key) = binding.get("key").and_then(Json::as_object) else {
                return;
            };
            let keyword = key
                .keys()
                .any(|k| k.starts_with("x-") || SCHEMA_KEYWORDS.contains(&k.as_str()));
            if key.is_empty() || keyword {
                return;
            }
            let fields: Vec<String> = key.keys().map(|k| format!("`{k}`")).collect();
            faults.push(Fault {
                pointer: format!("{at}/key"),
                key: None,
                message: format!(
                    "the `kafka` message binding's `key` must be a Schema Object, but none of \
                     its fields ({}) is a JSON Schema keyword",
                    fields.join(", ")
                ),
                warning: false,
            });
        }
        _ => {}
    }
}

/// Whether a schema error is about one value (its type, allowed values, length, range,
/// format), which binding versions agree on, rather than about the object's shape. A
/// `oneOf`/`anyOf` is, when every alternative refuses the value itself that way (`query:
/// 123` where a Schema or a Reference Object must be).
fn about_a_value(error: &ValidationError<'_>) -> bool {
    match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            !context.is_empty()
                && context.iter().all(|branch| {
                    branch
                        .iter()
                        .any(|e| e.instance_path() == error.instance_path() && about_a_value(e))
                })
        }
        kind => matches!(
            kind,
            ValidationErrorKind::Type { .. }
                | ValidationErrorKind::Enum { .. }
                | ValidationErrorKind::Constant { .. }
                | ValidationErrorKind::MinLength { .. }
                | ValidationErrorKind::MaxLength { .. }
                | ValidationErrorKind::Minimum { .. }
                | ValidationErrorKind::Maximum { .. }
                | ValidationErrorKind::ExclusiveMinimum { .. }
                | ValidationErrorKind::ExclusiveMaximum { .. }
                | ValidationErrorKind::MultipleOf { .. }
                | ValidationErrorKind::Format { .. }
                | ValidationErrorKind::Pattern { .. }
                | ValidationErrorKind::MinItems { .. }
                | ValidationErrorKind::MaxItems { .. }
                | ValidationErrorKind::UniqueItems
        ),
    }
}

fn compile(text: &str) -> Option<Validator> {
    let schema: Json = serde_json::from_str(text).ok()?;
    jsonschema::options()
        .with_draft(Draft::Draft7)
        .should_validate_formats(true)
        .with_retriever(Vendored)
        .build(&schema)
        .ok()
}

/// Serves the vendored definitions (and binding schemas) by their `asyncapi.com` URI;
/// nothing is fetched from the network.
struct Vendored;

impl Retrieve for Vendored {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Json, Box<dyn std::error::Error + Send + Sync>> {
        let uri = uri.as_str();
        let bare = uri.split('#').next().unwrap_or(uri);
        let text = DEFINITIONS
            .iter()
            .find(|(u, _)| *u == bare)
            .map(|(_, text)| *text)
            .or_else(|| {
                let rest = bare.strip_prefix("http://asyncapi.com/bindings/")?;
                let mut parts = rest.trim_end_matches(".json").split('/');
                let (folder, version, kind) = (parts.next()?, parts.next()?, parts.next()?);
                SCHEMAS
                    .iter()
                    .find(|s| s.0 == folder && s.1 == version && s.2 == kind)
                    .map(|s| s.3)
            })
            .ok_or_else(|| format!("{bare} is not vendored"))?;
        Ok(serde_json::from_str(text)?)
    }
}

/// `0.10.0` sorts after `0.9.0`.
fn version_key(version: &str) -> Vec<u64> {
    version.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Every `bindings` map of the document, with its JSON pointer and kind.
fn find<'a>(doc: &'a Json, out: &mut Vec<(String, Kind, &'a Json)>) {
    for (name, server) in entries(doc, "servers") {
        push(out, &format!("/servers/{name}"), Kind::Server, server);
    }
    for (name, channel) in entries(doc, "channels") {
        channel_bindings(out, &format!("/channels/{name}"), channel);
    }
    let Some(components) = doc.get("components") else {
        return;
    };
    let c = "/components";
    for (name, server) in entries(components, "servers") {
        push(out, &format!("{c}/servers/{name}"), Kind::Server, server);
    }
    for (name, channel) in entries(components, "channels") {
        channel_bindings(out, &format!("{c}/channels/{name}"), channel);
    }
    for (name, message) in entries(components, "messages") {
        message_bindings(out, &format!("{c}/messages/{name}"), message);
    }
    for (name, tr) in entries(components, "messageTraits") {
        push(out, &format!("{c}/messageTraits/{name}"), Kind::Message, tr);
    }
    for (name, tr) in entries(components, "operationTraits") {
        push(
            out,
            &format!("{c}/operationTraits/{name}"),
            Kind::Operation,
            tr,
        );
    }
    for (map, kind) in [
        ("serverBindings", Kind::Server),
        ("channelBindings", Kind::Channel),
        ("operationBindings", Kind::Operation),
        ("messageBindings", Kind::Message),
    ] {
        for (name, bindings) in entries(components, map) {
            out.push((format!("{c}/{map}/{name}"), kind, bindings));
        }
    }
}

/// The entries of the map `doc[field]`, keys escaped for a JSON pointer.
fn entries<'a>(doc: &'a Json, field: &str) -> Vec<(String, &'a Json)> {
    doc.get(field)
        .and_then(Json::as_object)
        .map(|map| map.iter().map(|(k, v)| (escape(k), v)).collect())
        .unwrap_or_default()
}

/// `{at}/bindings` of `object`, when it has one.
fn push<'a>(out: &mut Vec<(String, Kind, &'a Json)>, at: &str, kind: Kind, object: &'a Json) {
    if let Some(bindings) = object.get("bindings") {
        out.push((format!("{at}/bindings"), kind, bindings));
    }
}

fn channel_bindings<'a>(out: &mut Vec<(String, Kind, &'a Json)>, at: &str, channel: &'a Json) {
    push(out, at, Kind::Channel, channel);
    for op in ["publish", "subscribe"] {
        let Some(operation) = channel.get(op) else {
            continue;
        };
        let at = format!("{at}/{op}");
        push(out, &at, Kind::Operation, operation);
        for (i, tr) in items(operation, "traits") {
            push(out, &format!("{at}/traits/{i}"), Kind::Operation, tr);
        }
        if let Some(message) = operation.get("message") {
            message_bindings(out, &format!("{at}/message"), message);
        }
    }
}

fn message_bindings<'a>(out: &mut Vec<(String, Kind, &'a Json)>, at: &str, message: &'a Json) {
    for (i, one) in items(message, "oneOf") {
        message_bindings(out, &format!("{at}/oneOf/{i}"), one);
    }
    push(out, at, Kind::Message, message);
    for (i, tr) in items(message, "traits") {
        push(out, &format!("{at}/traits/{i}"), Kind::Message, tr);
    }
}

fn items<'a>(object: &'a Json, field: &str) -> Vec<(usize, &'a Json)> {
    object
        .get(field)
        .and_then(Json::as_array)
        .map(|list| list.iter().enumerate().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use crate::asyncapi::refs::Files;

    /// The backstop's diagnostics for a 2.0 document whose channel has `bindings`, as
    /// `line:column code message`.
    fn check(bindings: &str) -> Vec<String> {
        let text = format!(
            "asyncapi: 2.0.0\ninfo: {{title: T, version: '1'}}\nchannels:\n  /a:\n    \
             publish:\n      message: {{payload: {{type: string}}}}\n    bindings:\n{bindings}"
        );
        let file: Arc<Path> = Arc::from(Path::new("doc.yml"));
        let root = crate::source::parse_str(&text, file.clone())
            .root
            .expect("parses");
        let mut diags = Vec::new();
        let files = Files::load(&file, root, &mut diags);
        super::super::validate(&files, "2.0.0", &[], &[])
            .into_iter()
            .map(|d| {
                let (line, column) = (d.location.line, d.location.column);
                format!("{line}:{column} {} {}", d.code, d.message)
            })
            .collect()
    }

    #[test]
    fn a_valid_binding_passes() {
        let ws = "      ws:\n        method: GET\n        bindingVersion: '0.1.0'\n";
        assert_eq!(check(ws), Vec::<String>::new());
    }

    #[test]
    fn a_wrong_value_is_reported_at_the_value() {
        let ws = "      ws:\n        method: OPTIONS\n        bindingVersion: '0.1.0'\n";
        let found = check(ws);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("9:17 E0402 the `ws` channel binding (version 0.1.0) at `method`"),
            "{found:?}"
        );
    }

    #[test]
    fn an_unknown_field_is_reported_at_its_key() {
        let ws = "      ws:\n        verb: GET\n        bindingVersion: '0.1.0'\n";
        let found = check(ws);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("9:9 E0402 "), "{found:?}");
        assert!(
            found[0].contains("`verb` is not a field of it"),
            "{found:?}"
        );
    }

    #[test]
    fn an_unknown_version_warns_and_checks_values_against_every_version() {
        let amqp = "      amqp:\n        is: routingKey\n        exchange: {name: x, durable: qwe}\n        \
                    queue: {name: q}\n        bindingVersion: '0.1.0'\n";
        let found = check(amqp);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("12:25 W0403 "), "{found:?}");
        assert!(
            found[1].starts_with("10:38 E0402 the `amqp` channel binding"),
            "{found:?}"
        );
        assert!(found[1].contains("at `exchange/durable`"), "{found:?}");
    }

    #[test]
    fn a_header_schema_that_is_not_an_object_is_reported_at_its_type() {
        let http = "      http:\n        headers:\n          type: string\n";
        // A channel binding has no `headers`: the same object under a message does.
        assert_eq!(check(http), Vec::<String>::new());
        let message = "asyncapi: 2.0.0\ninfo: {title: T, version: '1'}\nchannels:\n  /a:\n    \
                       publish:\n      message:\n        payload: {type: string}\n        \
                       bindings:\n          http:\n            headers:\n              \
                       type: string\n";
        let file: Arc<Path> = Arc::from(Path::new("doc.yml"));
        let root = crate::source::parse_str(message, file.clone())
            .root
            .expect("parses");
        let files = Files::load(&file, root, &mut Vec::new());
        let found: Vec<String> = super::super::validate(&files, "2.0.0", &[], &[])
            .into_iter()
            .map(|d| {
                format!(
                    "{}:{} {} {}",
                    d.location.line, d.location.column, d.code, d.message
                )
            })
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("11:21 E0402 the `http` message binding's `headers`"),
            "{found:?}"
        );
    }
}
