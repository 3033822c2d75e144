//! The backstop: the official AsyncAPI JSON Schemas (vendored from `@asyncapi/specs`,
//! see `schemas/README.md`), run after our own checks.
//!
//! Our own diagnostics are more precise, so this only reports what they missed, as
//! `E0401` at the line of the offending node. Each schema error's instance path is a
//! JSON pointer into the document, which [`Node::pointer`] maps back to a position.
//! For `oneOf`/`anyOf` failures, the deepest error of any branch is reported, which
//! is nearly always the real fault rather than "matches none of the alternatives".
//! The 2.x schemas leave binding objects open; [`bindings`] checks those (`E0402`).

mod bindings;

use std::collections::HashSet;
use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, ValidationError, Validator};

use serde_json::Value as Json;

use crate::diagnostics::Diagnostic;
use crate::source::{Node, Value, unescape_pointer_token};

use super::refs::Files;

/// At most this many schema errors are reported per document.
const MAX_ERRORS: usize = 20;

/// How many nodes `$ref` inlining may produce before refs are left as they are.
const INLINE_BUDGET: usize = 200_000;

const SCHEMAS: &[(&str, &str)] = &[
    ("2.0.0", include_str!("../../schemas/asyncapi-2.0.0.json")),
    ("2.1.0", include_str!("../../schemas/asyncapi-2.1.0.json")),
    ("2.2.0", include_str!("../../schemas/asyncapi-2.2.0.json")),
    ("2.3.0", include_str!("../../schemas/asyncapi-2.3.0.json")),
    ("2.4.0", include_str!("../../schemas/asyncapi-2.4.0.json")),
    ("2.5.0", include_str!("../../schemas/asyncapi-2.5.0.json")),
    ("2.6.0", include_str!("../../schemas/asyncapi-2.6.0.json")),
    ("3.0.0", include_str!("../../schemas/asyncapi-3.0.0.json")),
];

/// Compiled validators, one per version, built on first use.
static VALIDATORS: [OnceLock<Option<Validator>>; 8] = [const { OnceLock::new() }; 8];

/// Validates `root` against the schema of `version`. Errors at or below a pointer in
/// `covered` are left out: a precise diagnostic already explains them. The 2.x
/// `v3_style_servers` (W0507) are validated as if written with `url` and `protocol`.
pub(super) fn validate(
    files: &Files,
    version: &str,
    covered: &[String],
    v3_style_servers: &[String],
) -> Vec<Diagnostic> {
    let root = files.main_root();
    let Some(index) = SCHEMAS.iter().position(|(v, _)| *v == version) else {
        return Vec::new();
    };
    let validator = VALIDATORS[index].get_or_init(|| {
        let schema: serde_json::Value = serde_json::from_str(SCHEMAS[index].1).ok()?;
        jsonschema::options()
            .with_draft(Draft::Draft7)
            .should_validate_formats(true)
            .build(&schema)
            .ok()
    });
    let Some(validator) = validator else {
        return Vec::new();
    };
    // The schemas expect `$ref`s already resolved, as AsyncAPI parsers do.
    let mut inliner = Inliner {
        files,
        v3: version.starts_with('3'),
        inlined: HashSet::new(),
        path: Vec::new(),
        budget: INLINE_BUDGET,
    };
    let mut instance = inliner.inline(root);
    for key in v3_style_servers {
        as_url_server(&mut instance, key);
    }
    let mut out: Vec<Diagnostic> = Vec::new();
    for error in validator.iter_errors(&instance) {
        let error = deepest(&error);
        // The AsyncAPI schemas' `oneOf`s overlap (a `$ref` matches several branches):
        // matching more than one is not a fault of the document.
        if matches!(error.kind(), ValidationErrorKind::OneOfMultipleValid { .. }) {
            continue;
        }
        let pointer = error.instance_path().as_str().to_owned();
        if is_covered(covered, &pointer) {
            continue;
        }
        let diag = diagnostic(locate(files, root, &pointer), &pointer, error);
        if out.iter().any(|d| d.location == diag.location) {
            continue;
        }
        out.push(diag);
        if out.len() >= MAX_ERRORS {
            return out;
        }
    }
    if !inliner.v3 {
        for fault in bindings::check(&instance) {
            if is_covered(covered, &fault.pointer) {
                continue;
            }
            let node = locate(files, root, &fault.pointer);
            let location = fault
                .key
                .as_deref()
                .and_then(|key| node.entry(key))
                .map_or_else(|| node.location(), |e| e.key_pos.location());
            let diag = if fault.warning {
                Diagnostic::warning("W0403", fault.message, location)
                    .with_hint("use a `bindingVersion` the binding's specification lists")
            } else {
                Diagnostic::error("E0402", fault.message, location)
                    .with_hint("see the binding's specification (github.com/asyncapi/bindings)")
            };
            if out.iter().any(|d| d.location == diag.location) {
                continue;
            }
            out.push(diag);
            if out.len() >= MAX_ERRORS {
                break;
            }
        }
    }
    out
}

/// Whether `pointer` is at or below a place a precise diagnostic already explains.
fn is_covered(covered: &[String], pointer: &str) -> bool {
    covered.iter().any(|c| {
        pointer
            .strip_prefix(c.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Rewrites the 2.x server `key`, written with 3.0's `host` (and `pathname`), into
/// the `url` + `protocol` form its schema wants, so that W0507 is its only diagnostic.
fn as_url_server(instance: &mut Json, key: &str) {
    let Some(server) = instance
        .get_mut("servers")
        .and_then(|s| s.get_mut(key))
        .and_then(Json::as_object_mut)
    else {
        return;
    };
    let host = server.remove("host");
    let path = server.remove("pathname");
    let text = |v: &Option<Json>| v.as_ref().and_then(Json::as_str).unwrap_or("").to_owned();
    server.insert("url".to_owned(), Json::String(text(&host) + &text(&path)));
    server
        .entry("protocol")
        .or_insert_with(|| Json::String("wss".to_owned()));
}

/// For `oneOf`/`anyOf` failures, the error that got deepest into the document.
pub(super) fn deepest<'e>(error: &'e ValidationError<'e>) -> &'e ValidationError<'e> {
    let context = match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            context
        }
        _ => return error,
    };
    let depth = |e: &ValidationError<'_>| e.instance_path().as_str().matches('/').count();
    let mut best: &ValidationError<'_> = error;
    for branch in context {
        for candidate in branch {
            let candidate = deepest(candidate);
            if depth(candidate) > depth(best) {
                best = candidate;
            }
        }
    }
    best
}

/// Builds the document as JSON with the first resolvable `$ref` to each target
/// replaced by that target, except in the 3.0 slots that must hold a Reference Object
/// (an operation's `channel` and `messages`, a channel's `servers`). Later refs to the
/// same target, circular ones included, become the Reference Object `{"$ref": "#"}`;
/// remote or broken refs stay as they are.
struct Inliner<'a> {
    files: &'a Files,
    v3: bool,
    /// Targets inlined once already. Later refs to them (circular ones included) stay
    /// Reference Objects, which the schemas accept: validating the same object again
    /// finds nothing new, and Deepgram's shared schemas would otherwise be copied and
    /// checked hundreds of times.
    inlined: HashSet<*const Node>,
    /// The instance path being built (3.0 only: only [`Inliner::reference_slot`] reads
    /// it; `None` stands for a sequence index).
    path: Vec<Option<&'a str>>,
    budget: usize,
}

impl<'a> Inliner<'a> {
    fn inline(&mut self, node: &'a Node) -> Json {
        self.budget = self.budget.saturating_sub(1);
        match &node.value {
            Value::Map(entries) => {
                if self.budget > 0
                    && !self.reference_slot()
                    && let Some(Ok((target, Some(_)))) =
                        node.get("$ref").map(|_| self.files.follow(node))
                {
                    if !self.inlined.insert(target) {
                        // The ref's text was never checked where it was inlined
                        // either (and `{` from a channel address is no URI reference).
                        return serde_json::json!({ "$ref": "#" });
                    }
                    return self.inline(target);
                }
                let mut out = serde_json::Map::with_capacity(entries.len());
                for entry in entries {
                    if self.v3 {
                        self.path.push(Some(&entry.key));
                    }
                    out.insert(entry.key.clone(), self.inline(&entry.value));
                    if self.v3 {
                        self.path.pop();
                    }
                }
                Json::Object(out)
            }
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if self.v3 {
                        self.path.push(None);
                    }
                    out.push(self.inline(item));
                    if self.v3 {
                        self.path.pop();
                    }
                }
                Json::Array(out)
            }
            _ => node.to_json(),
        }
    }

    /// Whether the current position must stay a Reference Object (3.0 only).
    fn reference_slot(&self) -> bool {
        if !self.v3 {
            return false;
        }
        match self.path.as_slice() {
            [.., Some("channel")] => true,
            [.., Some(list), None] => *list == "messages" || *list == "servers",
            _ => false,
        }
    }
}

/// The node an instance path of the inlined document stands for, following `$ref`s
/// (so a fault inside a referenced file is reported in that file).
fn locate<'a>(files: &'a Files, root: &'a Node, pointer: &str) -> &'a Node {
    let mut node = root;
    for token in pointer.split('/').skip(1) {
        node = files.follow(node).map_or(node, |(n, _)| n);
        let key = unescape_pointer_token(token);
        let next = match &node.value {
            Value::Seq(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => node.get(&key),
        };
        match next {
            Some(next) => node = next,
            None => break,
        }
    }
    files.follow(node).map_or(node, |(n, _)| n)
}

fn diagnostic(node: &Node, pointer: &str, error: &ValidationError<'_>) -> Diagnostic {
    let shown = if pointer.is_empty() {
        "the document"
    } else {
        pointer
    };
    let (location, message) = match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let key = unexpected.first().map(String::as_str).unwrap_or("");
            let at = node
                .entry(key)
                .map_or_else(|| node.location(), |e| e.key_pos.location());
            (at, format!("`{key}` is not allowed in {shown}"))
        }
        ValidationErrorKind::Required { property } => (
            node.location(),
            format!("{shown} is missing the required field {property}"),
        ),
        _ => (
            node.location(),
            format!("{shown} does not match the AsyncAPI schema: {error}"),
        ),
    };
    Diagnostic::error("E0401", message, location)
        .with_hint("see the AsyncAPI specification for the fields this object takes")
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;

    const SEED: &str = "asyncapi: 2.6.0\ninfo: {title: Chat, version: '1'}\n\
        servers:\n  production:\n    host: wss.chat.com\nchannels: {}\n";

    fn backstop(v3_style_servers: &[String]) -> Vec<String> {
        let file: Arc<Path> = Arc::from(Path::new("seed.yml"));
        let root = crate::source::parse_str(SEED, file.clone())
            .root
            .expect("parses");
        let mut diags = Vec::new();
        let files = Files::load(&file, root, &mut diags);
        validate(&files, "2.6.0", &[], v3_style_servers)
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn a_host_server_breaks_the_2x_schema() {
        assert!(!backstop(&[]).is_empty());
    }

    #[test]
    fn a_host_server_read_as_url_passes_the_2x_schema() {
        assert_eq!(backstop(&["production".to_owned()]), Vec::<String>::new());
    }
}
