//! Finds and parses the files of one Fern definition folder.
//!
//! A definition is every `.yml`/`.yaml` file under the `definition` folder, as Fern's
//! own CLI reads it. Each file is a namespace of its own; its *package path* (the
//! folders plus the file name, with `__package__.yml` standing for its folder) is what
//! Fern's SDKs nest clients under, and what this loader uses to tell apart types of
//! the same name from different files.

use std::fs;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Location};
use crate::source::{self, Node, Value};

/// One parsed file of the definition.
pub struct FernFile {
    /// The path relative to the definition folder, with `/` separators.
    pub rel: String,
    /// The package path: folders, then the file stem unless it is `__package__` or `api`.
    pub package: Vec<String>,
    /// The parsed document; an empty file is an empty mapping.
    pub root: Node,
}

/// Finds the definition folder for `dir`: the folder itself when it holds `api.yml`,
/// else its `definition` subfolder (so the `fern/` folder is accepted too).
pub fn definition_dir(dir: &Path) -> Option<PathBuf> {
    if dir.join("api.yml").is_file() {
        return Some(dir.to_path_buf());
    }
    let nested = dir.join("definition");
    nested.join("api.yml").is_file().then_some(nested)
}

/// Parses every file of the definition in `dir`, sorted by relative path (`api.yml`
/// first). Files that cannot be parsed are left out; their faults are diagnostics.
pub fn collect(dir: &Path, diags: &mut Vec<Diagnostic>) -> Vec<FernFile> {
    let mut rels = Vec::new();
    walk(dir, "", &mut rels, diags);
    rels.sort_by(|a, b| (a != "api.yml", a).cmp(&(b != "api.yml", b)));
    let mut files = Vec::new();
    for rel in rels {
        let parsed = source::parse_file(&dir.join(&rel));
        diags.extend(parsed.diagnostics);
        let root = match parsed.root {
            Some(root) if root.is_map() || root.is_null() => root,
            Some(root) => {
                diags.push(root.type_error("a Fern definition file", "a mapping"));
                continue;
            }
            None => continue,
        };
        let root = if root.is_null() {
            Node {
                value: Value::Map(Vec::new()),
                pos: root.pos,
            }
        } else {
            root
        };
        files.push(FernFile {
            package: package_of(&rel),
            rel,
            root,
        });
    }
    files
}

/// Turns a path relative to the definition folder into its package path.
fn package_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel.split('/').map(str::to_owned).collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file
        .strip_suffix(".yml")
        .or_else(|| file.strip_suffix(".yaml"))
        .unwrap_or(&file);
    if stem != "__package__" && !(parts.is_empty() && stem == "api") {
        parts.push(stem.to_owned());
    }
    parts
}

fn walk(dir: &Path, prefix: &str, rels: &mut Vec<String>, diags: &mut Vec<Diagnostic>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            diags.push(Diagnostic::error(
                "F0001",
                format!("cannot read the folder `{}`: {err}", dir.display()),
                Location {
                    file: dir.to_path_buf(),
                    line: 1,
                    column: 1,
                },
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let path = entry.path();
        let rel = format!("{prefix}{name}");
        if path.is_dir() {
            walk(&path, &format!("{rel}/"), rels, diags);
        } else if name.ends_with(".yml") || name.ends_with(".yaml") {
            rels.push(rel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_paths() {
        let check = |rel: &str, expected: &[&str]| assert_eq!(package_of(rel), expected, "{rel}");
        check("api.yml", &[]);
        check("__package__.yml", &[]);
        check("realtime.yml", &["realtime"]);
        check("empathic-voice/__package__.yml", &["empathic-voice"]);
        check("empathic-voice/chat.yml", &["empathic-voice", "chat"]);
        check("a/api.yml", &["a", "api"]);
    }
}
