//! `$ref` resolution over a set of files: local pointers, relative file refs and
//! JSON pointers with `~0`/`~1` escapes.
//!
//! Every file a document refers to (transitively) is parsed once, up front, into
//! [`Files`]; after that the set never changes, so resolution hands out plain `&Node`
//! borrows and never touches the disk. Resolution never recurses through targets:
//! [`Files::follow`] walks `$ref` chains with a step limit, so `a → b → a` is reported,
//! not looped on. Recursive *schemas* are no problem either, because the schema
//! converter turns a ref into a [`crate::ir::Type::Ref`] by id instead of descending.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::diagnostics::Diagnostic;
use crate::source::{self, Node, Value};

/// How many `$ref` hops a chain may take before it is called circular.
const MAX_HOPS: usize = 64;

/// The main document and every file it refers to, parsed.
#[derive(Debug)]
pub(crate) struct Files {
    main: PathBuf,
    /// The main document's folder: ids are spelled relative to it.
    base: PathBuf,
    /// The main document as it was given (its nodes carry this path), before `main`
    /// normalised it.
    main_given: PathBuf,
    /// Each file by normalised path. A list, compared by bytes: there are few files,
    /// and hashing or ordering paths component by component cost more than the rest
    /// of a local `$ref` lookup.
    roots: Vec<(PathBuf, Node)>,
    /// Warnings found while resolving (resolution itself only returns errors).
    warnings: RefCell<Vec<Diagnostic>>,
    /// [`Files::display`] of every path asked so far: every `$ref` makes an id, and
    /// normalising its path each time was a tenth of a Deepgram load.
    displays: RefCell<HashMap<PathBuf, String>>,
}

/// Where a `$ref` leads: the node, and a stable id `file#/pointer` for it.
#[derive(Debug, Clone)]
pub(crate) struct Target<'a> {
    pub node: &'a Node,
    /// The target's pointer within its file (`/components/schemas/Chat`), decoded.
    pub pointer: String,
    pub file: &'a Path,
}

impl Files {
    /// Takes the parsed main document and loads every file its `$ref`s reach.
    /// Problems reading those files are reported where they are referenced.
    pub fn load(main: &Path, root: Node, diags: &mut Vec<Diagnostic>) -> Files {
        let main_given = main.to_path_buf();
        let main = normalize(main);
        let base = main.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut files = Files {
            main: main.clone(),
            main_given,
            base,
            roots: Vec::new(),
            warnings: RefCell::new(Vec::new()),
            displays: RefCell::new(HashMap::new()),
        };
        let mut todo = vec![(main, root)];
        while let Some((path, root)) = todo.pop() {
            for (file, at) in external_refs(&path, &root) {
                if files.root(&file).is_some() || todo.iter().any(|(p, _)| *p == file) {
                    continue;
                }
                if !file.is_file() {
                    // Reported when resolved (with the ref's position); nothing to load.
                    continue;
                }
                let parsed = source::parse_file(&file);
                diags.extend(parsed.diagnostics);
                match parsed.root {
                    Some(node) => todo.push((file, node)),
                    None => diags.push(Diagnostic::error(
                        "E0201",
                        format!(
                            "the file `{}` referenced here cannot be read",
                            file.display()
                        ),
                        at,
                    )),
                }
            }
            files.roots.push((path, root));
        }
        files
    }

    pub fn main_root(&self) -> &Node {
        self.root(&self.main)
            .map(|(_, node)| node)
            .expect("the main document is loaded first")
    }

    /// The file at `path` (normalised, or the main document as given) and its root.
    fn root(&self, path: &Path) -> Option<(&Path, &Node)> {
        let path = if path.as_os_str() == self.main_given.as_os_str() {
            &self.main
        } else {
            path
        };
        self.roots
            .iter()
            .find(|(p, _)| p.as_os_str() == path.as_os_str())
            .map(|(p, node)| (p.as_path(), node))
    }

    /// The id prefix of a file: its path relative to the main document's folder.
    pub fn display(&self, file: &Path) -> String {
        if let Some(shown) = self.displays.borrow().get(file) {
            return shown.clone();
        }
        let normal = normalize(file);
        let rel = relative_to(&normal, &normalize(&self.base));
        let shown = rel.to_string_lossy().replace('\\', "/");
        self.displays
            .borrow_mut()
            .insert(file.to_path_buf(), shown.clone());
        shown
    }

    /// The stable id of a node inside a file: `file#/pointer`.
    pub fn id(&self, file: &Path, pointer: &str) -> String {
        format!("{}#{pointer}", self.display(file))
    }

    /// Resolves one `$ref` string found at `at` (whose file is the base).
    pub fn resolve<'a>(&'a self, reference: &str, at: &Node) -> Result<Target<'a>, Diagnostic> {
        let (file_part, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        if file_part.contains("://") {
            return Err(Diagnostic::error(
                "E0202",
                format!("remote `$ref` `{reference}` is not supported"),
                at.location(),
            )
            .with_hint("download the referenced document and refer to it by a relative path"));
        }
        let pointer = percent_decode(pointer);
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(Diagnostic::error(
                "E0202",
                format!(
                    "`$ref` `{reference}`: the part after `#` must be a JSON pointer starting with `/`"
                ),
                at.location(),
            ));
        }
        // A local ref (the common case) names the file its node is in, which is
        // already a key: skip building and normalising a path.
        let local = if file_part.is_empty() {
            self.root(&at.pos.file)
        } else {
            None
        };
        let (file, root) = match local {
            Some(found) => found,
            None => {
                let file = if file_part.is_empty() {
                    normalize(&at.pos.file)
                } else {
                    let dir = at.pos.file.parent().unwrap_or(Path::new(""));
                    normalize(&dir.join(file_part))
                };
                let Some(found) = self.root(&file) else {
                    return Err(Diagnostic::error(
                        "E0201",
                        format!(
                            "`$ref` `{reference}`: the file `{}` does not exist",
                            file.display()
                        ),
                        at.location(),
                    ));
                };
                found
            }
        };
        let found = root
            .pointer(&pointer)
            .map(|n| (n, pointer.clone()))
            .or_else(|| {
                let (node, canonical) = lenient_pointer(root, &pointer)?;
                self.warn_unescaped(reference, at);
                Some((node, canonical))
            });
        let Some((node, pointer)) = found else {
            return Err(Diagnostic::error(
                "E0201",
                format!(
                    "`$ref` `{reference}` points to nothing: `{pointer}` is not in `{}`",
                    self.display(file)
                ),
                at.location(),
            )
            .with_hint(missing_hint(root, &pointer)));
        };
        Ok(Target {
            node,
            pointer,
            file,
        })
    }

    /// The warnings found while resolving, once loading is done.
    pub fn take_warnings(&self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.warnings.borrow_mut())
    }

    /// Warns (once per file) that refs spell a `/` inside a key as `/`, not `~1`.
    fn warn_unescaped(&self, reference: &str, at: &Node) {
        let mut warnings = self.warnings.borrow_mut();
        if warnings
            .iter()
            .any(|w| w.code == "W0201" && w.location.file == *at.pos.file)
        {
            return;
        }
        warnings.push(
            Diagnostic::warning(
                "W0201",
                format!("`$ref` `{reference}` writes a `/` inside a key unescaped; it was read leniently (this file may do so elsewhere too)"),
                at.location(),
            )
            .with_hint("in a JSON pointer, write `/` inside a key as `~1` (and `~` as `~0`)"),
        );
    }

    /// Follows `node` while it is a `{$ref: ...}` mapping; returns the final node and,
    /// when at least one ref was followed, the last target's id. A chain longer than
    /// [`MAX_HOPS`] (a cycle of pure refs) is an error.
    pub fn follow<'a>(
        &'a self,
        node: &'a Node,
    ) -> Result<(&'a Node, Option<Target<'a>>), Diagnostic> {
        let mut current = node;
        let mut last = None;
        for _ in 0..MAX_HOPS {
            let Some(reference) = current.get("$ref") else {
                return Ok((current, last));
            };
            let Some(text) = reference.as_str() else {
                return Err(reference.type_error("`$ref`", "a string"));
            };
            let target = self.resolve(text, reference)?;
            current = target.node;
            last = Some(target);
        }
        Err(Diagnostic::error(
            "E0203",
            "circular `$ref`: this chain of references never reaches a value",
            node.location(),
        ))
    }
}

/// Follows a pointer whose keys may contain unescaped `/`: where a token is not a key,
/// it is joined with the next tokens until it is. Returns the node and the properly
/// escaped pointer.
fn lenient_pointer<'a>(root: &'a Node, pointer: &str) -> Option<(&'a Node, String)> {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| source::unescape_pointer_token(t).into_owned())
        .collect();
    let mut node = root;
    let mut canonical = String::new();
    let mut i = 0;
    while i < tokens.len() {
        let (next, used) = (i + 1..=tokens.len()).find_map(|j| {
            let key = tokens[i..j].join("/");
            match &node.value {
                Value::Seq(items) if j == i + 1 => {
                    key.parse::<usize>().ok().and_then(|k| items.get(k))
                }
                _ => node.get(&key),
            }
            .map(|n| (n, key))
        })?;
        canonical.push('/');
        canonical.push_str(&source::escape_pointer_token(&used));
        i += used.split('/').count();
        node = next;
    }
    Some((node, canonical))
}

/// Turns a path into a key: `a/./b/../c` becomes `a/c`, without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to the folder `base`, with `..` for the folders it leaves (a `$ref`
/// to `../common/schemas.yaml` is shown so, never as an absolute path).
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let parts: Vec<Component<'_>> = path.components().collect();
    let base: Vec<Component<'_>> = base.components().collect();
    let common = parts.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    out.extend(&parts[common..]);
    out
}

/// `%20` and friends in a pointer (allowed in URI fragments).
fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Names the deepest part of `pointer` that does exist, to help fix a typo.
fn missing_hint(root: &Node, pointer: &str) -> String {
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    let mut node = root;
    let mut found = String::new();
    for token in tokens {
        let key = source::unescape_pointer_token(token);
        let Some(next) = node.get(&key) else {
            let keys: Vec<&str> = node
                .entries()
                .iter()
                .map(|e| e.key.as_str())
                .take(8)
                .collect();
            return if keys.is_empty() {
                format!(
                    "`{}` exists but has no `{key}`",
                    if found.is_empty() { "#" } else { &found }
                )
            } else {
                format!("`#{found}` has no `{key}`; it has: {}", keys.join(", "))
            };
        };
        found.push('/');
        found.push_str(token);
        node = next;
    }
    "check the spelling; `/` inside a key is written `~1` and `~` is `~0`".to_owned()
}

/// Every relative file a document's `$ref`s name, with where each is named.
fn external_refs(path: &Path, root: &Node) -> Vec<(PathBuf, crate::diagnostics::Location)> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut found = Vec::new();
    let mut todo = vec![root];
    while let Some(node) = todo.pop() {
        match &node.value {
            Value::Map(entries) => {
                for entry in entries {
                    if entry.key == "$ref"
                        && let Some(text) = entry.value.as_str()
                    {
                        let file = text.split('#').next().unwrap_or("");
                        if !file.is_empty() && !file.contains("://") {
                            found.push((normalize(&dir.join(file)), entry.value.location()));
                        }
                    }
                    todo.push(&entry.value);
                }
            }
            Value::Seq(items) => todo.extend(items),
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::relative_to;

    #[test]
    fn ids_name_files_relative_to_the_main_folder() {
        let base = Path::new("/corpus/social-media/backend");
        let shown = |file: &str| relative_to(Path::new(file), base);
        assert_eq!(
            shown("/corpus/social-media/backend/a/b.yaml"),
            PathBuf::from("a/b.yaml")
        );
        assert_eq!(
            shown("/corpus/social-media/common/schemas.yaml"),
            PathBuf::from("../common/schemas.yaml")
        );
        assert_eq!(shown("/x.yaml"), PathBuf::from("../../../x.yaml"));
    }
}
