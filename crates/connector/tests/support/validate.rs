//! Checks messages the server sent against `docs/connector.asyncapi.yaml`, so the
//! document and the server cannot drift apart.
//!
//! The messages of the document's `send` operations (what a client receives) are found
//! through their `$ref`s; each is told apart by the `const` of its payload's `type`
//! property, and its payload schema is compiled with `jsonschema` against the whole
//! document, so `#/components/...` references resolve as they do for any AsyncAPI tool.
//! Include it with `#[path = "support/validate.rs"] mod validate;`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

/// Server-message schemas by `type`, loaded from the protocol document.
#[derive(Debug)]
pub struct Validator {
    document: PathBuf,
    by_type: BTreeMap<String, Schema>,
}

#[derive(Debug)]
struct Schema {
    /// The message's key under `components/messages`.
    message: String,
    validator: jsonschema::Validator,
}

impl Validator {
    /// The validator for `docs/connector.asyncapi.yaml`; panics, saying why, when the
    /// document cannot be used.
    pub fn protocol() -> Validator {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/connector.asyncapi.yaml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        Validator::from_yaml(&path, &text).unwrap_or_else(|error| panic!("{error}"))
    }

    /// Builds the validator from an AsyncAPI 3.0 document's text; `path` names it in errors.
    pub fn from_yaml(path: &Path, text: &str) -> Result<Validator, String> {
        let parsed = duplex_spec::source::parse_str(text, Arc::from(path));
        let root = parsed
            .root
            .ok_or_else(|| format!("{} is not YAML: {:?}", path.display(), parsed.diagnostics))?;
        let document = root.to_json();
        let mut by_type = BTreeMap::new();
        let operations = document
            .get("operations")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("{} has no `operations`", path.display()))?;
        for (operation, body) in operations {
            if body.get("action").and_then(Value::as_str) != Some("send") {
                continue;
            }
            let refs = body
                .get("messages")
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    format!(
                        "{}: operation `{operation}` lists no messages",
                        path.display()
                    )
                })?;
            for reference in refs {
                let (pointer, message) = follow(&document, reference).map_err(|error| {
                    format!("{}: operation `{operation}`: {error}", path.display())
                })?;
                let name = pointer.rsplit('/').next().unwrap_or(&pointer).to_owned();
                let payload = message.get("payload").ok_or_else(|| {
                    format!("{}: message `{name}` has no payload", path.display())
                })?;
                let (payload_pointer, schema) = match payload.get("$ref") {
                    Some(_) => follow(&document, payload).map_err(|error| {
                        format!("{}: message `{name}`: {error}", path.display())
                    })?,
                    None => (format!("{pointer}/payload"), payload),
                };
                let kind = schema
                    .pointer("/properties/type/const")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        format!(
                            "{}: message `{name}`'s payload has no `properties.type.const`, so it \
                             cannot be told apart from the others",
                            path.display()
                        )
                    })?
                    .to_owned();
                let validator = compile(&document, &payload_pointer)
                    .map_err(|error| format!("{}: message `{name}`: {error}", path.display()))?;
                let clash = by_type.insert(
                    kind.clone(),
                    Schema {
                        message: name.clone(),
                        validator,
                    },
                );
                if let Some(other) = clash.filter(|other| other.message != name) {
                    return Err(format!(
                        "{}: messages `{}` and `{name}` both have `type: {kind}`",
                        path.display(),
                        other.message
                    ));
                }
            }
        }
        if by_type.is_empty() {
            return Err(format!(
                "{} has no `send` operation with messages",
                path.display()
            ));
        }
        Ok(Validator {
            document: path.to_path_buf(),
            by_type,
        })
    }

    /// The `type`s of the server messages the document defines.
    pub fn types(&self) -> impl Iterator<Item = &str> {
        self.by_type.keys().map(String::as_str)
    }

    /// Checks one text frame the server sent. On failure the error names the message, the
    /// document, every violation with its place in the message, and the frame itself.
    pub fn check(&self, frame: &str) -> Result<(), String> {
        let value: Value = serde_json::from_str(frame).map_err(|error| {
            format!("the server sent a frame that is not JSON ({error}): {frame}")
        })?;
        let Some(kind) = value.get("type").and_then(Value::as_str) else {
            return Err(format!(
                "the server sent a message without a string `type`: {frame}"
            ));
        };
        let Some(schema) = self.by_type.get(kind) else {
            return Err(format!(
                "the server sent `type: {kind}`, which {} does not define (it defines: {}): {frame}",
                self.document.display(),
                self.types().collect::<Vec<_>>().join(", ")
            ));
        };
        let violations: Vec<String> = schema
            .validator
            .iter_errors(&value)
            .map(|error| {
                let at = error.instance_path().as_str();
                format!("  at `{}`: {error}", if at.is_empty() { "/" } else { at })
            })
            .collect();
        if violations.is_empty() {
            return Ok(());
        }
        Err(format!(
            "server message `{kind}` does not match message `{}` of {}:\n{}\nmessage: {frame}",
            schema.message,
            self.document.display(),
            violations.join("\n")
        ))
    }

    /// [`Validator::check`], panicking with its error.
    #[track_caller]
    pub fn assert_valid(&self, frame: &str) {
        if let Err(error) = self.check(frame) {
            panic!("{error}");
        }
    }
}

/// Follows a `{"$ref": "#/..."}` (and any `$ref` it lands on) to the value it names.
fn follow<'d>(document: &'d Value, reference: &'d Value) -> Result<(String, &'d Value), String> {
    let mut current = reference;
    let mut pointer = String::new();
    for _ in 0..16 {
        let Some(target) = current.get("$ref") else {
            return Ok((pointer, current));
        };
        let target = target.as_str().ok_or("`$ref` is not a string")?;
        let local = target
            .strip_prefix('#')
            .ok_or_else(|| format!("`$ref: {target}` points outside the document"))?;
        current = document
            .pointer(local)
            .ok_or_else(|| format!("`$ref: {target}` points at nothing"))?;
        pointer = target.to_owned();
    }
    Err(format!(
        "`$ref` chain through `{pointer}` is too long (a cycle?)"
    ))
}

/// A validator for the schema at `pointer` (`#/...`) in `document`: the document is the
/// schema resource, so its internal references resolve.
fn compile(document: &Value, pointer: &str) -> Result<jsonschema::Validator, String> {
    let mut resource = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$ref": pointer,
    });
    if let (Some(resource), Some(components)) =
        (resource.as_object_mut(), document.get("components"))
    {
        resource.insert("components".into(), components.clone());
    }
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&resource)
        .map_err(|error| format!("its schema does not compile: {error}"))
}
