//! Python source text for values: string literals, JSON as Python literals, docstrings.

use serde_json::Value;

use crate::writer::Writer;

/// A double-quoted Python string literal holding exactly `text`.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON value as the equal Python literal (`true` → `True`, objects → dicts).
pub fn literal(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(literal).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", string(k), literal(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// Whether `value` can stand in `typing.Literal[...]` (strings, integers, booleans, None).
pub fn is_literal_value(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => true,
        Value::Number(n) => n.is_i64() || n.is_u64(),
        Value::Array(_) | Value::Object(_) => false,
    }
}

/// Writes `text` as a docstring at the writer's indentation; nothing when `text` is blank.
pub fn docstring(w: &mut Writer, text: &str) {
    let lines = doc_lines(text);
    match lines.as_slice() {
        [] => {}
        [one] => {
            w.line(format!("\"\"\"{}\"\"\"", escape_doc(one, true)));
        }
        [first, rest @ ..] => {
            w.line(format!("\"\"\"{}", escape_doc(first, false)));
            for line in rest {
                w.line(escape_doc(line, false));
            }
            w.line("\"\"\"");
        }
    }
}

/// The lines of a doc text, trimmed at the end, without leading or trailing blank lines.
pub fn doc_lines(text: &str) -> Vec<String> {
    let lines: Vec<String> = text.lines().map(|l| l.trim_end().to_owned()).collect();
    let start = lines.iter().position(|l| !l.is_empty());
    let end = lines.iter().rposition(|l| !l.is_empty());
    match (start, end) {
        (Some(s), Some(e)) => lines[s..=e].to_vec(),
        _ => Vec::new(),
    }
}

/// Escapes a docstring line; `closing` when `"""` follows directly on the same line.
fn escape_doc(line: &str, closing: bool) -> String {
    let mut out = line.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"");
    if closing && out.ends_with('"') {
        out.pop();
        out.push_str("\\\"");
    }
    if out.starts_with('"') {
        out.insert(0, ' ');
    }
    out
}

/// Docs as `#` comment lines (for module-level aliases, which cannot carry docstrings).
pub fn comment(w: &mut Writer, text: &str) {
    for line in doc_lines(text) {
        if line.is_empty() {
            w.line("#:");
        } else {
            w.line(format!("#: {line}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn strings_and_literals() {
        assert_eq!(string("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(
            literal(&json!({"a": [1, true, null, "x"], "b": 1.5})),
            r#"{"a": [1, True, None, "x"], "b": 1.5}"#
        );
        assert!(is_literal_value(&json!(3)) && !is_literal_value(&json!(1.5)));
    }

    #[test]
    fn docstrings_escape_their_delimiters() {
        let mut w = Writer::new("    ");
        docstring(&mut w, "Says \"hi\"");
        docstring(&mut w, "\n  Two \\ lines\n\nhere \"\"\" ok\n\n");
        assert_eq!(
            w.finish(),
            "\"\"\"Says \"hi\\\"\"\"\"\n\"\"\"  Two \\\\ lines\n\nhere \\\"\\\"\\\" ok\n\"\"\"\n"
        );
    }
}
