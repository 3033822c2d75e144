//! TSDoc comments and TypeScript literals: the only places spec text enters the code,
//! so escaping lives here.

use serde_json::Value;

use crate::writer::Writer;

/// A TSDoc comment under construction: the spec's docs plus notes this backend adds.
#[derive(Debug, Default)]
pub struct Doc {
    paragraphs: Vec<String>,
    deprecated: bool,
}

impl Doc {
    pub fn new(docs: Option<&str>) -> Doc {
        let mut doc = Doc::default();
        if let Some(text) = docs {
            doc = doc.note(text);
        }
        doc
    }

    /// Adds a paragraph (ignored when blank).
    pub fn note(mut self, text: &str) -> Doc {
        let text = text.trim();
        if !text.is_empty() {
            self.paragraphs.push(text.to_owned());
        }
        self
    }

    pub fn deprecated(mut self, deprecated: bool) -> Doc {
        self.deprecated = deprecated;
        self
    }

    /// Writes the comment, or nothing when it is empty.
    pub fn write(&self, w: &mut Writer) {
        let mut lines: Vec<String> = Vec::new();
        for (index, paragraph) in self.paragraphs.iter().enumerate() {
            if index > 0 {
                lines.push(String::new());
            }
            lines.extend(paragraph.lines().map(|l| escape(l.trim_end())));
        }
        if self.deprecated {
            lines.push("@deprecated".to_owned());
        }
        match lines.as_slice() {
            [] => {}
            [one] => {
                w.line(format!("/** {one} */"));
            }
            many => {
                w.line("/**");
                for line in many {
                    if line.is_empty() {
                        w.line(" *");
                    } else {
                        w.line(format!(" * {line}"));
                    }
                }
                w.line(" */");
            }
        }
    }
}

/// Keeps spec text from ending the comment early.
fn escape(line: &str) -> String {
    line.replace("*/", "*\\/")
}

/// A string literal (JSON escaping is valid TypeScript).
pub fn string(text: &str) -> String {
    Value::from(text).to_string()
}

/// An object key: bare when it is an identifier, quoted otherwise.
pub fn key(wire: &str) -> String {
    if is_identifier(wire) {
        wire.to_owned()
    } else {
        string(wire)
    }
}

/// A property access: `.name` for identifiers, `["na-me"]` otherwise.
pub fn access(wire: &str) -> String {
    if is_identifier(wire) {
        format!(".{wire}")
    } else {
        format!("[{}]", string(wire))
    }
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_escape_and_wrap() {
        let mut w = Writer::new("  ");
        Doc::new(Some("Ends */ early.\nSecond line."))
            .note("Note.")
            .deprecated(true)
            .write(&mut w);
        Doc::new(Some("One.")).write(&mut w);
        Doc::new(None).write(&mut w);
        assert_eq!(
            w.finish(),
            "/**\n * Ends *\\/ early.\n * Second line.\n *\n * Note.\n * @deprecated\n */\n/** One. */\n"
        );
    }

    #[test]
    fn keys_quote_only_when_needed() {
        assert_eq!(key("channel_id"), "channel_id");
        assert_eq!(key("x-api-key"), "\"x-api-key\"");
        assert_eq!(key("2fa"), "\"2fa\"");
        assert_eq!(access("a\"b"), "[\"a\\\"b\"]");
    }
}
