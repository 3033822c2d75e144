//! The import block of a generated module, laid out exactly as ruff's isort wants it.
//!
//! Sections: `__future__`, the standard library, third-party packages, then the
//! package's own modules. Within a section, `import x` lines come before `from x import`
//! lines, modules sorted by name; imported names sorted constants, then classes, then
//! the rest. A line longer than 88 characters is split one name per line.

use std::collections::{BTreeMap, BTreeSet};

use crate::writer::Writer;

const THIRD_PARTY: &[&str] = &["pydantic", "websockets"];

/// The names a module imports: `from module import name`, or `import module` when the
/// name is empty.
#[derive(Debug, Default)]
pub struct Imports {
    from: BTreeMap<&'static str, BTreeSet<&'static str>>,
    /// Local lines such as `from . import types`, written last, in order.
    local: BTreeSet<String>,
}

impl Imports {
    pub fn add(&mut self, module: &'static str, name: &'static str) {
        self.from.entry(module).or_default().insert(name);
    }

    pub fn local(&mut self, line: impl Into<String>) {
        self.local.insert(line.into());
    }

    pub fn write(&self, w: &mut Writer) {
        w.line("from __future__ import annotations");
        let (third, std): (Vec<_>, Vec<_>) = self
            .from
            .iter()
            .partition(|(module, _)| THIRD_PARTY.contains(&module.split('.').next().unwrap_or("")));
        for section in [std, third] {
            if section.is_empty() {
                continue;
            }
            w.line("");
            for (module, names) in &section {
                if names.contains("") {
                    w.line(format!("import {module}"));
                }
            }
            for (module, names) in &section {
                let mut names: Vec<&str> =
                    names.iter().copied().filter(|n| !n.is_empty()).collect();
                if names.is_empty() {
                    continue;
                }
                names.sort_by_key(|n| (kind(n), *n));
                from_line(w, module, &names);
            }
        }
        if !self.local.is_empty() {
            w.line("");
            for line in &self.local {
                w.line(line);
            }
        }
    }
}

/// Writes `from module import a, b`, split one per line when too long.
pub fn from_line(w: &mut Writer, module: &str, names: &[&str]) {
    let one = format!("from {module} import {}", names.join(", "));
    if one.len() <= 88 {
        w.line(one);
        return;
    }
    w.block(&format!("from {module} import ("), ")", |w| {
        for name in names {
            w.line(format!("{name},"));
        }
    });
}

/// isort's order-by-type: CONSTANTS, then Classes, then everything else.
fn kind(name: &str) -> u8 {
    if name.len() > 1
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        0
    } else if name.starts_with(|c: char| c.is_ascii_uppercase()) {
        1
    } else {
        2
    }
}
