//! The import block of a generated module, laid out exactly as ruff's isort wants it.
//!
//! Sections: `__future__`, the standard library, third-party packages, then the
//! package's own modules. Within a section, `import x` lines come before `from x import`
//! lines, modules sorted by name; imported names sorted constants, then classes, then
//! the rest. A line longer than 88 characters is split one name per line.

use std::cmp::Ordering;
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
                names.sort_by(|a, b| member_order(a, b));
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

/// The order ruff's isort gives imported names: by kind (see [`kind`]), then naturally
/// (digit runs as numbers) ignoring case, then by exact text.
pub fn member_order(a: &str, b: &str) -> Ordering {
    kind(a)
        .cmp(&kind(b))
        .then_with(|| natural(&a.to_lowercase(), &b.to_lowercase()))
        .then_with(|| a.cmp(b))
}

/// Compares text with runs of digits taken as numbers (`a2` before `a10`).
fn natural(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (a.peek().copied(), b.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let run = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                    let mut digits = String::new();
                    while let Some(c) = it.peek().copied().filter(char::is_ascii_digit) {
                        digits.push(c);
                        it.next();
                    }
                    digits.trim_start_matches('0').to_owned()
                };
                let (x, y) = (run(&mut a), run(&mut b));
                let order = x.len().cmp(&y.len()).then_with(|| x.cmp(&y));
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(&y);
                }
                a.next();
                b.next();
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::member_order;

    #[test]
    fn names_sort_like_ruff() {
        let mut names = vec![
            "LightTurnOff",
            "overload",
            "UUID",
            "AsyncX",
            "LightingMeasured",
            "Send10",
            "Send2",
        ];
        names.sort_by(|a, b| member_order(a, b));
        assert_eq!(
            names,
            [
                "UUID",
                "AsyncX",
                "LightingMeasured",
                "LightTurnOff",
                "Send2",
                "Send10",
                "overload"
            ]
        );
    }
}
