//! Name resolution: which definition a type name in a given file refers to.
//!
//! Every file is its own namespace. A bare `Foo` names a type of the same file;
//! `root.Foo` names a type of the file imported as `root` (`imports: {root:
//! __package__.yml}`, a path relative to the importing file). Every named type gets its
//! [`TypeId`] (`file.yml#types/Foo`) before any type is converted, so forward and
//! circular references resolve.

use std::collections::BTreeMap;

use crate::diagnostics::Diagnostic;
use crate::ir::{Type, TypeId};
use crate::source::Node;

use super::files::FernFile;
use super::type_expr::{PRIMITIVES, TypeExpr};

/// The named types of every file, and each file's imports.
#[derive(Default)]
pub struct Symbols {
    /// File (relative path) → type name → id.
    types: BTreeMap<String, BTreeMap<String, TypeId>>,
    /// File → import alias → the imported file, or `None` when that file is missing.
    imports: BTreeMap<String, BTreeMap<String, Option<String>>>,
}

/// The id of the named type `name` declared in `file`.
pub fn type_id(file: &str, name: &str) -> TypeId {
    TypeId(format!("{file}#types/{name}"))
}

impl Symbols {
    /// Declares every key under each file's `types:` and reads each file's `imports:`.
    pub fn collect(files: &[FernFile], diags: &mut Vec<Diagnostic>) -> Symbols {
        let mut symbols = Symbols::default();
        for file in files {
            let names = symbols.types.entry(file.rel.clone()).or_default();
            if let Some(types) = file.root.map_field("types", diags) {
                for entry in types.entries() {
                    names.insert(entry.key.clone(), type_id(&file.rel, &entry.key));
                }
            }
        }
        for file in files {
            let mut aliases = BTreeMap::new();
            if let Some(imports) = file.root.map_field("imports", diags) {
                for entry in imports.entries() {
                    let Some(target) = entry.value.as_str() else {
                        diags.push(entry.value.type_error(
                            &format!("import `{}`", entry.key),
                            "a file path such as `__package__.yml`",
                        ));
                        continue;
                    };
                    let resolved = join(&file.rel, target);
                    let found = resolved
                        .as_ref()
                        .filter(|rel| symbols.types.contains_key(rel.as_str()));
                    if found.is_none() {
                        diags.push(
                            Diagnostic::warning(
                                "F0104",
                                format!(
                                    "imported file `{target}` is not part of this definition; \
                                     types named `{}.*` are treated as `unknown`",
                                    entry.key
                                ),
                                entry.value.location(),
                            )
                            .with_hint(
                                "imports are paths relative to the importing file, inside the \
                                 `definition` folder",
                            ),
                        );
                    }
                    aliases.insert(entry.key.clone(), found.cloned());
                }
            }
            symbols.imports.insert(file.rel.clone(), aliases);
        }
        symbols
    }

    /// Converts a parsed expression written in `file` (at `node`) into an IR type.
    /// `optional<>`/`nullable<>` inside containers are dropped (the IR has no optional
    /// item types); callers strip the top-level ones first with
    /// [`TypeExpr::unwrap_modifiers`]. Unresolvable names become [`Type::Any`] with a
    /// diagnostic.
    pub fn to_type(
        &self,
        file: &str,
        expr: &TypeExpr,
        node: &Node,
        diags: &mut Vec<Diagnostic>,
    ) -> Type {
        match expr {
            TypeExpr::Primitive(p) => Type::Primitive(*p),
            TypeExpr::Unknown => Type::Any,
            TypeExpr::Literal(value) => Type::Literal(value.clone()),
            TypeExpr::Optional(inner) | TypeExpr::Nullable(inner) => {
                self.to_type(file, inner, node, diags)
            }
            TypeExpr::List(inner) => Type::Array(Box::new(self.to_type(file, inner, node, diags))),
            TypeExpr::Set(inner) => Type::Set(Box::new(self.to_type(file, inner, node, diags))),
            TypeExpr::Map(_, value) => Type::Map(Box::new(self.to_type(file, value, node, diags))),
            TypeExpr::Named { import, name } => self
                .lookup(file, import.as_deref(), name, node, diags)
                .map_or(Type::Any, Type::Ref),
        }
    }

    /// Resolves a type name; reports unknown names and imports.
    pub fn lookup(
        &self,
        file: &str,
        import: Option<&str>,
        name: &str,
        node: &Node,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<TypeId> {
        let target = match import {
            None => file,
            Some(alias) => match self.imports.get(file).and_then(|a| a.get(alias)) {
                Some(Some(target)) => target.as_str(),
                // A missing imported file has been reported once, at its import.
                Some(None) => return None,
                None => {
                    let known: Vec<&str> = self
                        .imports
                        .get(file)
                        .map(|a| a.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let mut diag = Diagnostic::error(
                        "F0103",
                        format!("`{alias}.{name}` uses `{alias}`, which this file does not import"),
                        node.location(),
                    );
                    diag = match closest(alias, known.iter().copied()) {
                        Some(close) => diag.with_hint(format!("did you mean `{close}.{name}`?")),
                        None => diag.with_hint(format!(
                            "add `imports: {{{alias}: <file>.yml}}` at the top of this file"
                        )),
                    };
                    diags.push(diag);
                    return None;
                }
            },
        };
        if let Some(id) = self.types.get(target).and_then(|t| t.get(name)) {
            return Some(id.clone());
        }
        let shown = import.map_or_else(|| name.to_owned(), |a| format!("{a}.{name}"));
        let mut diag =
            Diagnostic::error("F0102", format!("unknown type `{shown}`"), node.location());
        let candidates = self.visible(file);
        diag = match closest(&shown, candidates.iter().map(String::as_str)) {
            Some(close) => diag.with_hint(format!("did you mean `{close}`?")),
            None if import.is_none() => diag
                .with_hint("types of other files need an import and a prefix, such as `root.Foo`"),
            None => diag,
        };
        diags.push(diag);
        None
    }

    /// Every name a type expression in `file` may use: primitives, local types, and
    /// the types of imported files with their prefix.
    fn visible(&self, file: &str) -> Vec<String> {
        let mut names: Vec<String> = PRIMITIVES.iter().map(|(n, _)| (*n).to_owned()).collect();
        if let Some(local) = self.types.get(file) {
            names.extend(local.keys().cloned());
        }
        for (alias, target) in self.imports.get(file).into_iter().flatten() {
            if let Some(types) = target.as_ref().and_then(|t| self.types.get(t)) {
                names.extend(types.keys().map(|n| format!("{alias}.{n}")));
            }
        }
        names
    }
}

/// Resolves `target` relative to the folder of `from` (both relative to the definition
/// folder). `None` when it climbs out of the definition folder.
fn join(from: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// The candidate closest to `name`, when it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Edit distance over characters, counting a swap of neighbours as one edit
/// (optimal string alignment), so `sned` is one edit from `send`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_imports() {
        assert_eq!(
            join("a/chat.yml", "__package__.yml").as_deref(),
            Some("a/__package__.yml")
        );
        assert_eq!(join("a/b/x.yml", "../y.yml").as_deref(), Some("a/y.yml"));
        assert_eq!(join("x.yml", "./sub/y.yml").as_deref(), Some("sub/y.yml"));
        assert_eq!(join("x.yml", "../y.yml"), None);
    }

    #[test]
    fn typos_are_matched() {
        let names = ["SendEvent", "ReceiveEvent", "root.SubscribeEvent", "string"];
        assert_eq!(closest("SendEvnt", names.into_iter()), Some("SendEvent"));
        assert_eq!(closest("strin", names.into_iter()), Some("string"));
        assert_eq!(
            closest("root.SubscribeEvents", names.into_iter()),
            Some("root.SubscribeEvent")
        );
        assert_eq!(closest("Model", names.into_iter()), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("sned", "send"), 1);
    }
}
