//! A small indenting writer that every language backend emits code through.

use std::fmt::Write as _;

/// Accumulates lines of code at the current indentation.
#[derive(Debug)]
pub struct Writer {
    out: String,
    depth: usize,
    indent: &'static str,
}

impl Writer {
    /// `indent` is one level of indentation, e.g. `"  "` or `"    "`.
    pub fn new(indent: &'static str) -> Writer {
        Writer {
            out: String::new(),
            depth: 0,
            indent,
        }
    }

    /// Writes one line at the current indentation (an empty `text` writes a blank line).
    pub fn line(&mut self, text: impl AsRef<str>) -> &mut Self {
        let text = text.as_ref();
        if !text.is_empty() {
            for _ in 0..self.depth {
                self.out.push_str(self.indent);
            }
            self.out.push_str(text);
        }
        self.out.push('\n');
        self
    }

    /// Writes each line of a multi-line `text` at the current indentation.
    pub fn lines(&mut self, text: &str) -> &mut Self {
        for line in text.lines() {
            self.line(line);
        }
        self
    }

    /// Writes `open`, runs `body` one level deeper, then writes `close`.
    pub fn block(&mut self, open: &str, close: &str, body: impl FnOnce(&mut Writer)) -> &mut Self {
        self.line(open);
        self.depth += 1;
        body(self);
        self.depth -= 1;
        if !close.is_empty() {
            self.line(close);
        }
        self
    }

    /// Runs `body` one level deeper, without opening or closing lines (for bodies whose
    /// opening line was written on its own, such as a signature split over lines).
    pub fn indent(&mut self, body: impl FnOnce(&mut Writer)) -> &mut Self {
        self.depth += 1;
        body(self);
        self.depth -= 1;
        self
    }

    /// Writes formatted text without a newline or indentation (for building one line).
    pub fn raw(&mut self, args: std::fmt::Arguments<'_>) -> &mut Self {
        let _ = self.out.write_fmt(args);
        self
    }

    /// The current nesting level (for backends that keep lines within a width).
    pub fn depth(&self) -> usize {
        self.depth
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::Writer;

    #[test]
    fn nests_blocks() {
        let mut w = Writer::new("  ");
        w.block("a {", "}", |w| {
            w.line("b;");
            w.line("");
            w.block("c {", "}", |w| {
                w.line("d;");
            });
        });
        assert_eq!(w.finish(), "a {\n  b;\n\n  c {\n    d;\n  }\n}\n");
    }
}
