//! Finds the API definitions in a folder tree, so tests and tools can walk a corpus.
//!
//! An AsyncAPI document is a `.yml`, `.yaml` or `.json` file with a top-level
//! `asyncapi` key. A Fern definition is a folder named `definition` (with `api.yml`);
//! it is one API however many files it holds. Fern's own `generators.yml` and override
//! files, and AsyncAPI fragments without an `asyncapi` key, are not documents.

use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DocumentKind {
    AsyncApi,
    Fern,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Document {
    pub kind: DocumentKind,
    /// The file (AsyncAPI) or the `definition` folder (Fern).
    pub path: PathBuf,
}

/// Every document under `root`, sorted by path. Unreadable entries are skipped.
pub fn documents(root: &Path) -> Vec<Document> {
    let mut found = Vec::new();
    walk(root, &mut found);
    found.sort();
    found
}

fn walk(dir: &Path, found: &mut Vec<Document>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "definition") && path.join("api.yml").is_file()
            {
                found.push(Document {
                    kind: DocumentKind::Fern,
                    path,
                });
            } else {
                walk(&path, found);
            }
        } else if is_asyncapi(&path) {
            found.push(Document {
                kind: DocumentKind::AsyncApi,
                path,
            });
        }
    }
}

fn is_asyncapi(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !matches!(ext, "yml" | "yaml" | "json") {
        return false;
    }
    let Ok(text) = fs::read_to_string(path) else {
        return false;
    };
    text.lines().any(|line| {
        let line = line.trim_start_matches('{').trim_start();
        line.starts_with("asyncapi:") || line.starts_with("\"asyncapi\"")
    })
}
