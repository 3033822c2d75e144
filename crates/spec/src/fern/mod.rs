//! The Fern Definition loader: a `definition` folder (with `api.yml`, any number of
//! files and `__package__.yml` packages) becomes one [`Api`].
//!
//! # Layout
//! - `files`: finds and parses the folder's files, and their package paths.
//! - `type_expr`: parses type expressions (`optional<list<root.Foo>>`).
//! - `resolve`: which definition a name in a given file refers to (`imports:`).
//! - `declared`: the "type, or `{type, docs, default, ...}`" shape used everywhere.
//! - `api_yml`: name, docs, auth schemes, environments, global headers.
//! - `types`: `types:` into drafts; `shape`: flattens `extends`, synthesizes
//!   discriminated-union variants, infers discriminators of undiscriminated unions.
//! - `channel`: `channel:` blocks.
//! - `finish`: keeps the types channels use, names everything once, marks cycles.
//!
//! Send-method names and message recognition come from the format-neutral
//! [`crate::recognize`], as for AsyncAPI, so both formats decide them alike.
//!
//! The passes run in that order, and none stops at a fault: each reports diagnostics
//! and carries on with a placeholder (an unresolvable type becomes `any`), so one
//! broken file does not hide the faults of the next.

mod api_yml;
mod channel;
mod declared;
mod files;
mod finish;
mod resolve;
mod shape;
mod type_expr;
mod types;

use std::collections::BTreeMap;
use std::path::Path;

use crate::Loaded;
use crate::diagnostics::{Diagnostic, Location};
use crate::ir::{Api, IR_VERSION, Name, SourceFormat};
use crate::naming::Scope;

use files::FernFile;
use resolve::Symbols;
use types::Drafts;

/// Loads the Fern definition in `dir`: a `definition` folder (holding `api.yml`), or
/// the `fern` folder above it.
pub(crate) fn load_definition(dir: &Path) -> Loaded {
    let Some(root) = files::definition_dir(dir) else {
        return Loaded {
            api: None,
            diagnostics: vec![
                Diagnostic::error(
                    "F0001",
                    format!(
                        "`{}` is not a Fern definition: it has no `api.yml`",
                        dir.display()
                    ),
                    Location {
                        file: dir.to_path_buf(),
                        line: 1,
                        column: 1,
                    },
                )
                .with_hint("pass the `definition` folder (or the `fern` folder that holds it)"),
            ],
        };
    };
    let mut diags = Vec::new();
    let files = files::collect(&root, &mut diags);
    let Some(api_file) = files.iter().find(|f| f.rel == "api.yml") else {
        // `api.yml` exists but could not be parsed: its diagnostics say why.
        return Loaded {
            api: None,
            diagnostics: diags,
        };
    };
    let api_yml = api_yml::read(&api_file.root, &mut diags);
    let symbols = Symbols::collect(&files, &mut diags);
    let mut drafts = Drafts::new();
    types::collect(&files, &symbols, &mut drafts, &mut diags);

    let global_headers = match api_yml.headers {
        Some(node) => channel::params(node, "api.yml", "header", &symbols, &mut diags),
        None => Vec::new(),
    };
    let mut channels = Vec::new();
    for (file, (name, namespace)) in channel_names(&files, &mut diags) {
        let Some(node) = file.root.get("channel") else {
            continue;
        };
        if !node.is_map() {
            diags.push(node.type_error("`channel`", "a mapping"));
            continue;
        }
        let mut ctx = channel::Context {
            file,
            api: &api_yml,
            symbols: &symbols,
            global_headers: &global_headers,
            drafts: &mut drafts,
            diags: &mut diags,
        };
        channels.push(ctx.channel(node, name, namespace));
    }

    let shaped = shape::shape(&drafts, &mut diags);
    let types = finish::finish(shaped, &channels);
    for id in crate::cycles::unguarded_cycles(&types) {
        diags.push(circular_alias(&files, &root, &id.0));
    }
    for channel in &mut channels {
        crate::recognize::recognize(channel, &types);
    }
    let api = Api {
        ir_version: IR_VERSION,
        name: Name::new(&api_yml.name),
        title: api_yml.title,
        version: String::new(),
        docs: api_yml.docs,
        source: SourceFormat::Fern,
        servers: api_yml.servers,
        auth: api_yml.auth,
        channels,
        types,
    };
    diags.sort_by(|a, b| a.location.cmp(&b.location));
    Loaded {
        api: Some(api),
        diagnostics: diags,
    }
}

/// F0110 for a type that is only an alias of itself (`A: B`, `B: A`), at its declaration.
fn circular_alias(files: &[FernFile], root: &Path, id: &str) -> Diagnostic {
    let (rel, name) = id.split_once("#types/").unwrap_or((id, ""));
    let file = files.iter().find(|f| f.rel == rel);
    let at = file
        .and_then(|f| f.root.get("types")?.entry(name))
        .map(|entry| entry.key_pos.location())
        .or_else(|| file.map(|f| f.root.location()))
        .unwrap_or_else(|| Location {
            file: root.join(rel),
            line: 1,
            column: 1,
        });
    Diagnostic::error(
        "F0110",
        format!(
            "`{name}` is an alias of itself (through other aliases), so no value has its shape"
        ),
        at,
    )
    .with_hint("make one type of the loop an object, list or union, or point an alias elsewhere")
}

/// The name and namespace of the channel in each file that has one. A channel is
/// named after its file (`realtime.yml` → `realtime`) and nested under its folders,
/// as Fern's SDKs do (`empathic-voice/chat.yml` → `client.empathicVoice.chat`). When
/// two files share a name, their channels are named after the whole package path
/// (`empathicVoiceChat`), so the name alone is unique too.
fn channel_names<'a>(
    files: &'a [FernFile],
    diags: &mut Vec<Diagnostic>,
) -> Vec<(&'a FernFile, (Name, Vec<Name>))> {
    let mut with_channel: Vec<&FernFile> = Vec::new();
    for file in files {
        let Some(channel) = file.root.entry("channel") else {
            continue;
        };
        if file.package.is_empty() {
            diags.push(
                Diagnostic::error(
                    "F0208",
                    format!(
                        "`{}` cannot hold a channel: it has no package name",
                        file.rel
                    ),
                    channel.key_pos.location(),
                )
                .with_hint("move the channel into a file of its own, such as `chat.yml`"),
            );
        } else {
            with_channel.push(file);
        }
    }
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for file in &with_channel {
        if let Some(last) = file.package.last() {
            *uses.entry(last).or_default() += 1;
        }
    }
    let mut scope = Scope::new();
    with_channel
        .into_iter()
        .map(|file| {
            let (dirs, stem) = file.package.split_at(file.package.len() - 1);
            let stem = &stem[0];
            let text = if uses.get(stem.as_str()) > Some(&1) {
                file.package.join(" ")
            } else {
                stem.clone()
            };
            let mut name = Name::new(&text);
            name.wire = stem.clone();
            let namespace = dirs.iter().map(|d| Name::new(d)).collect();
            (file, (scope.claim(name), namespace))
        })
        .collect()
}
