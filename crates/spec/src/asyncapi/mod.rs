//! The AsyncAPI 2.0–2.6 and 3.0 loader: one document (plus the files its `$ref`s
//! reach) in, one [`Api`] and its diagnostics out.
//!
//! # Layout
//! - [`refs`]: the file set and `$ref` resolution.
//! - [`schema`]: JSON Schema → IR types (typify-style ids, worklist, naming).
//! - [`servers`], [`security`]: servers, variables and security schemes.
//! - [`channels_v2`] (`publish`/`subscribe`), [`channels_v3`] (`operations`): channels
//!   and which way each message travels; [`messages`] and [`params`] are shared.
//! - [`checks`], [`patterns`]: precise checks of what the JSON Schemas leave out.
//! - [`validate`]: the official AsyncAPI JSON Schemas as a backstop behind our own,
//!   more precise checks.
//!
//! Direction rules (from the client's side): in 2.x a channel's `publish` operation
//! is what the client sends and `subscribe` what it receives; in 3.0 `action: receive`
//! is what the client sends and `action: send` what it receives.

mod channels_v2;
mod channels_v3;
mod checks;
mod close_codes;
mod messages;
mod params;
mod patterns;
mod refs;
mod schema;
mod security;
mod servers;
mod validate;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;

use crate::Loaded;
use crate::diagnostics::Diagnostic;
use crate::ir::{Api, IR_VERSION, SourceFormat, TypeDef, TypeId};
use crate::naming::{Name, Scope};
use crate::source::Node;

use refs::Files;
use schema::At;

/// The AsyncAPI versions this loader reads.
const SUPPORTED: &[&str] = &[
    "2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0", "2.5.0", "2.6.0", "3.0.0",
];

/// The state of one load: the files, the type table under construction, and the
/// diagnostics so far.
#[derive(Debug)]
pub(crate) struct Loader<'a> {
    files: &'a Files,
    v3: bool,
    diags: Vec<Diagnostic>,
    types: BTreeMap<TypeId, TypeDef>,
    type_scope: Scope,
    /// Named definitions seen (by `$ref`) but not converted yet.
    pending: VecDeque<(TypeId, At<'a>)>,
    /// JSON pointers (in the main file) whose faults a precise diagnostic already
    /// explains; the JSON Schema backstop stays quiet below them.
    covered: Vec<String>,
    /// Ids seen so far (`operationId`, `messageId`), for duplicate detection.
    ids: Vec<SeenId>,
    /// 2.x servers written with 3.0's `host` (W0507), which the backstop sees as if
    /// they had been written with `url` and `protocol`.
    v3_style_servers: Vec<String>,
    /// `x-duplex-first-message.resume.message` values and where they were written,
    /// checked against the channels' received messages once those are loaded.
    resumes: Vec<(String, crate::diagnostics::Location)>,
    /// `Name::new` of every wire text met so far (property names and enum values repeat
    /// a lot, and the case conversions were a fifth of a load).
    names: HashMap<String, Name>,
}

#[derive(Debug)]
struct SeenId {
    kind: &'static str,
    value: String,
    /// Where the id is declared; the same object reached twice is not a duplicate.
    line: u32,
    column: u32,
    file: std::sync::Arc<Path>,
}

/// Loads the AsyncAPI document at `path`, already parsed into `root`.
pub(crate) fn load(path: &Path, root: Node) -> Loaded {
    let mut diags = Vec::new();
    let Some(version) = check_version(&root, &mut diags) else {
        return Loaded {
            api: None,
            diagnostics: diags,
        };
    };
    let files = Files::load(path, root, &mut diags);
    // A pre-release suffix (`2.0.0-rc2`, valid per the TCK) is read as its release.
    let prerelease = version.contains('-');
    let version = version.split('-').next().unwrap_or_default().to_owned();
    let mut loader = Loader {
        files: &files,
        v3: version.starts_with('3'),
        diags,
        types: BTreeMap::new(),
        type_scope: Scope::new(),
        pending: VecDeque::new(),
        covered: if prerelease {
            vec!["/asyncapi".to_owned()]
        } else {
            Vec::new()
        },
        ids: Vec::new(),
        v3_style_servers: Vec::new(),
        resumes: Vec::new(),
        names: HashMap::new(),
    };
    let root = At::new(files.main_root(), "");
    let (title, api_version, api_docs) = loader.info(&root);
    loader.document_checks(&root);
    let servers = loader.servers(&root);
    let auth = loader.security_schemes(&root);
    let mut channels = if loader.v3 {
        loader.channels_v3(&root, &servers)
    } else {
        loader.channels_v2(&root, &servers)
    };
    loader.drain_pending();
    for channel in &mut channels {
        crate::recognize::recognize(channel, &loader.types);
    }
    crate::cycles::mark_cycles(&mut loader.types);
    for id in crate::cycles::unguarded_cycles(&loader.types) {
        let at = files
            .resolve(&id.0, files.main_root())
            .map_or_else(|_| files.main_root().location(), |t| t.node.location());
        loader.diags.push(
            Diagnostic::error(
                "E0203",
                format!("circular schema `{}`: it is only an alias or `allOf` of itself, so no value has its shape", id.0),
                at,
            )
            .with_hint("put an object, array or union between the schema and its own `$ref`, or remove the reference"),
        );
    }
    check_resumes(&loader.resumes, &channels, &mut loader.diags);
    let schema_diags =
        validate::validate(&files, &version, &loader.covered, &loader.v3_style_servers);
    let mut diagnostics = loader.diags;
    diagnostics.extend(files.take_warnings());
    for diag in schema_diags {
        // A warning explains no error (W0403 and an E0402 may share a line).
        let explained = diagnostics.iter().any(|d| {
            d.location.file == diag.location.file
                && d.location.line == diag.location.line
                && (d.is_error() || !diag.is_error())
        });
        if !explained {
            diagnostics.push(diag);
        }
    }
    let api = Api {
        ir_version: IR_VERSION,
        name: Name::new(&title),
        title,
        version: api_version,
        docs: api_docs,
        source: SourceFormat::AsyncApi { version },
        servers: servers.list,
        auth,
        channels,
        types: loader.types,
    };
    Loaded {
        api: Some(api),
        diagnostics,
    }
}

/// Each session-resume message must be one a client receives and can recognise on its
/// own: told apart by a field, or the only message its channel receives.
fn check_resumes(
    resumes: &[(String, crate::diagnostics::Location)],
    channels: &[crate::ir::Channel],
    diags: &mut Vec<Diagnostic>,
) {
    use crate::ir::Recognition;
    for (message, location) in resumes {
        let found = channels
            .iter()
            .flat_map(|c| &c.receive)
            .filter(|m| m.name.wire == *message);
        let mut any = false;
        let mut recognisable = false;
        for m in found {
            any = true;
            recognisable |= matches!(m.recognition, Recognition::Field { .. } | Recognition::Only);
        }
        if !recognisable {
            let what = if any {
                "is received, but not told apart from its siblings by a constant field"
            } else {
                "is not a message any channel receives"
            };
            diags.push(
                Diagnostic::error(
                    "E0108",
                    format!("`x-duplex-first-message.resume.message`: `{message}` {what}"),
                    location.clone(),
                )
                .with_hint(
                    "name a received message (its key under the channel's `messages`) whose \
                     payload has a `const` property such as `type: {const: connected}`",
                ),
            );
        }
    }
}

/// The `asyncapi` version, when it is present, a string, and one we read.
fn check_version(root: &Node, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let node = root.get("asyncapi")?;
    let Some(version) = node.as_str() else {
        diags.push(
            node.type_error("`asyncapi`", "a version string")
                .with_hint("quote it: `asyncapi: '2.6.0'`"),
        );
        return None;
    };
    let release = version.split('-').next().unwrap_or_default();
    if !SUPPORTED.contains(&release) {
        diags.push(
            Diagnostic::error(
                "E0102",
                format!("unsupported AsyncAPI version `{version}`"),
                node.location(),
            )
            .with_hint(format!("supported versions: {}", SUPPORTED.join(", "))),
        );
        return None;
    }
    Some(version.to_owned())
}

impl<'a> Loader<'a> {
    /// Follows `$ref`s from `node`; a broken ref is reported and gives `None`.
    fn follow(&mut self, node: &'a Node) -> Option<&'a Node> {
        match self.files.follow(node) {
            Ok((node, _)) => Some(node),
            Err(diag) => {
                self.diags.push(diag);
                None
            }
        }
    }

    /// Like [`Loader::follow`], keeping the pointer of where the refs led.
    fn follow_at(&mut self, at: &At<'a>) -> Option<At<'a>> {
        match self.files.follow(at.node) {
            Ok((node, Some(target))) => Some(At::new(node, target.pointer)),
            Ok((_, None)) => Some(at.clone()),
            Err(diag) => {
                self.diags.push(diag);
                None
            }
        }
    }

    /// The `info` object: title, version and description.
    fn info(&mut self, root: &At<'a>) -> (String, String, Option<String>) {
        let Some(info) = root.node.get("info") else {
            self.diags.push(root.node.missing("info"));
            return (String::new(), String::new(), None);
        };
        if !info.is_map() {
            self.diags.push(info.type_error("`info`", "a mapping"));
            return (String::new(), String::new(), None);
        }
        let title = info.required_str("title", &mut self.diags).unwrap_or("");
        let version = info.required_str("version", &mut self.diags).unwrap_or("");
        (title.to_owned(), version.to_owned(), docs_only(info))
    }

    /// Records an id (`operationId`, `messageId`, ...) and reports a duplicate.
    fn unique_id(&mut self, kind: &'static str, node: &Node) {
        let Some(value) = node.as_str() else {
            self.diags
                .push(node.type_error(&format!("`{kind}`"), "a string"));
            return;
        };
        let pos = &node.pos;
        let same_place =
            |s: &SeenId| s.line == pos.line && s.column == pos.column && s.file == pos.file;
        if self.ids.iter().any(same_place) {
            return;
        }
        if let Some(first) = self.ids.iter().find(|s| s.kind == kind && s.value == value) {
            self.diags.push(
                Diagnostic::error(
                    "E0301",
                    format!(
                        "duplicate {kind} `{value}` (first used at line {})",
                        first.line
                    ),
                    node.location(),
                )
                .with_hint(format!("every {kind} must be unique in the document")),
            );
        }
        self.ids.push(SeenId {
            kind,
            value: value.to_owned(),
            line: pos.line,
            column: pos.column,
            file: pos.file.clone(),
        });
    }
}

/// `description` only (not `title`), for objects whose title is used elsewhere.
fn docs_only(node: &Node) -> Option<String> {
    node.get("description")
        .and_then(Node::as_str)
        .map(|s| s.trim_end().to_owned())
        .filter(|s| !s.is_empty())
}
