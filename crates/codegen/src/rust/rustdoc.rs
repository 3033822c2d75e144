//! Doc comments and literals: spec text made safe to put in Rust source.
//!
//! Spec docs are Markdown of any quality. Lines are trimmed (an indented line would
//! otherwise become a doctest), tabs become spaces, and every code fence is marked
//! `text` so rustdoc never compiles it.

use crate::writer::Writer;

/// Writes `docs` as `///` lines; nothing when there are none.
pub fn doc(w: &mut Writer, docs: Option<&str>) {
    if let Some(docs) = docs.filter(|d| !d.trim().is_empty()) {
        lines(w, "///", docs);
    }
}

/// Writes `text` as comment lines starting with `prefix` (`///` or `//!`).
pub fn lines(w: &mut Writer, prefix: &str, text: &str) {
    let mut in_fence = false;
    for line in text.trim().lines() {
        let line = line.trim().replace('\t', "    ");
        if line.starts_with("```") {
            in_fence = !in_fence;
            w.line(format!(
                "{prefix} {}",
                if in_fence { "```text" } else { "```" }
            ));
        } else if line.is_empty() {
            w.line(prefix);
        } else {
            w.line(format!("{prefix} {line}"));
        }
    }
    if in_fence {
        w.line(format!("{prefix} ```"));
    }
}

/// A one-line version of `text` for titles.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` as inline Markdown code, with a fence long enough for any backticks inside.
pub fn code(text: &str) -> String {
    let text = one_line(text);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// A Rust string literal holding `text`.
pub fn lit(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_never_become_doctests() {
        let mut w = Writer::new("    ");
        doc(&mut w, Some("Sends it.\n\n    let x = 1;\n```js\nsend()\n"));
        assert_eq!(
            w.finish(),
            "/// Sends it.\n///\n/// let x = 1;\n/// ```text\n/// send()\n/// ```\n"
        );
    }

    #[test]
    fn literals_and_code_spans_escape() {
        assert_eq!(lit("a\"b\\c\nd\u{1}"), r#""a\"b\\c\nd\u{1}""#);
        assert_eq!(code("x`y"), "``x`y``");
        assert_eq!(code("`x"), "`` `x ``");
    }
}
