//! Fern type expressions: the strings in `types:`, properties, parameters and bodies,
//! such as `optional<list<map<string, root.Foo>>>` or `literal<"assistant_end">`.
//!
//! Parsing is separate from resolution: this module only turns text into a
//! [`TypeExpr`] tree and reports malformed text with the byte offset of the fault.
//! Which type a name such as `root.Foo` refers to is decided by `resolve`.

use std::fmt;

use serde_json::Value;

use crate::ir::Primitive;

/// A parsed type expression.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeExpr {
    Primitive(Primitive),
    /// `unknown`: any JSON value.
    Unknown,
    /// A user-defined type: `Foo`, or `alias.Foo` for a type in an imported file.
    Named {
        import: Option<String>,
        name: String,
    },
    Optional(Box<TypeExpr>),
    Nullable(Box<TypeExpr>),
    List(Box<TypeExpr>),
    Set(Box<TypeExpr>),
    /// `map<K, V>`; JSON object keys are always strings, so only `V` is kept.
    Map(Box<TypeExpr>, Box<TypeExpr>),
    /// `literal<"text">`, `literal<true>` or `literal<false>`.
    Literal(Value),
}

/// A malformed type expression: what is wrong, and the byte offset where it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub offset: usize,
    pub message: String,
}

/// The built-in scalar types of the Fern Definition and what they become in the IR.
/// `bigint` travels as a string in Fern's JSON; `uint` and `uint64` need 64 bits to
/// hold every value (`uint64` beyond 2^63 is out of reach of the IR's `int64`).
pub const PRIMITIVES: &[(&str, Option<Primitive>)] = &[
    ("string", Some(Primitive::String)),
    ("integer", Some(Primitive::Int32)),
    ("long", Some(Primitive::Int64)),
    ("uint", Some(Primitive::Int64)),
    ("uint64", Some(Primitive::Int64)),
    ("bigint", Some(Primitive::String)),
    ("double", Some(Primitive::Double)),
    ("float", Some(Primitive::Float)),
    ("boolean", Some(Primitive::Boolean)),
    ("datetime", Some(Primitive::DateTime)),
    ("date", Some(Primitive::Date)),
    ("uuid", Some(Primitive::Uuid)),
    ("base64", Some(Primitive::Bytes)),
    ("unknown", None),
];

/// Container keywords and how many type arguments each takes.
const CONTAINERS: &[(&str, usize)] = &[
    ("optional", 1),
    ("nullable", 1),
    ("list", 1),
    ("set", 1),
    ("map", 2),
    ("literal", 1),
];

impl TypeExpr {
    /// Parses a whole type expression; trailing text is an error.
    pub fn parse(text: &str) -> Result<TypeExpr, ExprError> {
        let mut parser = Parser { text, pos: 0 };
        let expr = parser.expr(0)?;
        parser.skip_ws();
        if parser.pos < text.len() {
            return Err(parser.error(format!(
                "unexpected `{}` after the type",
                parser.rest_token()
            )));
        }
        Ok(expr)
    }

    /// Strips `optional<>` and `nullable<>` at the top: the inner type, whether the
    /// value may be absent, and whether it may be `null`.
    pub fn unwrap_modifiers(&self) -> (&TypeExpr, bool, bool) {
        let (mut expr, mut optional, mut nullable) = (self, false, false);
        loop {
            match expr {
                TypeExpr::Optional(inner) => {
                    optional = true;
                    expr = inner;
                }
                TypeExpr::Nullable(inner) => {
                    nullable = true;
                    expr = inner;
                }
                _ => return (expr, optional, nullable),
            }
        }
    }
}

/// Prints the expression back in Fern syntax (used in messages and tests).
impl fmt::Display for TypeExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeExpr::Primitive(p) => {
                let name = PRIMITIVES
                    .iter()
                    .find(|(_, prim)| *prim == Some(*p))
                    .map_or("?", |(name, _)| *name);
                f.write_str(name)
            }
            TypeExpr::Unknown => f.write_str("unknown"),
            TypeExpr::Named {
                import: Some(import),
                name,
            } => write!(f, "{import}.{name}"),
            TypeExpr::Named { import: None, name } => f.write_str(name),
            TypeExpr::Optional(inner) => write!(f, "optional<{inner}>"),
            TypeExpr::Nullable(inner) => write!(f, "nullable<{inner}>"),
            TypeExpr::List(inner) => write!(f, "list<{inner}>"),
            TypeExpr::Set(inner) => write!(f, "set<{inner}>"),
            TypeExpr::Map(key, value) => write!(f, "map<{key}, {value}>"),
            TypeExpr::Literal(value) => write!(f, "literal<{value}>"),
        }
    }
}

/// Deeper nesting than this is refused, so hostile input cannot overflow the stack.
const MAX_NESTING: usize = 64;

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn expr(&mut self, depth: usize) -> Result<TypeExpr, ExprError> {
        if depth > MAX_NESTING {
            return Err(self.error(format!("type nests deeper than {MAX_NESTING} levels")));
        }
        self.skip_ws();
        let start = self.pos;
        let word = self.word();
        if word.is_empty() {
            return Err(if self.pos >= self.text.len() {
                self.error("expected a type, found the end of the text".into())
            } else {
                self.error(format!("expected a type, found `{}`", self.rest_token()))
            });
        }
        self.skip_ws();
        let has_args = self.peek() == Some('<');
        if let Some(&(keyword, arity)) = CONTAINERS.iter().find(|(k, _)| *k == word) {
            if !has_args {
                return Err(ExprError {
                    offset: start,
                    message: format!("`{keyword}` needs {} in angle brackets", args(arity)),
                });
            }
            self.pos += 1;
            let expr = if keyword == "literal" {
                self.literal()?
            } else {
                let mut list = vec![self.expr(depth + 1)?];
                while arity > list.len() {
                    self.expect(',')?;
                    list.push(self.expr(depth + 1)?);
                }
                container(keyword, list)
            };
            self.skip_ws();
            if self.peek() == Some(',') {
                return Err(self.error(format!("`{keyword}` takes {}", args(arity))));
            }
            self.expect('>')?;
            return Ok(expr);
        }
        if has_args {
            return Err(ExprError {
                offset: start,
                message: format!(
                    "`{word}` is not a generic container; generic types are not supported"
                ),
            });
        }
        if let Some((_, prim)) = PRIMITIVES.iter().find(|(name, _)| *name == word) {
            return Ok(prim.map_or(TypeExpr::Unknown, TypeExpr::Primitive));
        }
        let mut parts = word.split('.');
        let (import, name) = match (parts.next(), parts.next(), parts.next()) {
            (Some(name), None, _) => (None, name),
            (Some(import), Some(name), None) if !import.is_empty() && !name.is_empty() => {
                (Some(import.to_owned()), name)
            }
            _ => {
                return Err(ExprError {
                    offset: start,
                    message: format!(
                        "`{word}` is not a type name; expected `Name` or `import.Name`"
                    ),
                });
            }
        };
        Ok(TypeExpr::Named {
            import,
            name: name.to_owned(),
        })
    }

    /// The argument of `literal<...>`: a double-quoted string, `true` or `false`.
    fn literal(&mut self) -> Result<TypeExpr, ExprError> {
        self.skip_ws();
        if self.peek() == Some('"') {
            let start = self.pos;
            self.pos += 1;
            let mut value = String::new();
            let mut chars = self.text[self.pos..].char_indices();
            loop {
                match chars.next() {
                    Some((i, '"')) => {
                        self.pos += i + 1;
                        return Ok(TypeExpr::Literal(Value::String(value)));
                    }
                    Some((_, '\\')) => match chars.next() {
                        Some((_, c)) => value.push(c),
                        None => break,
                    },
                    Some((_, c)) => value.push(c),
                    None => break,
                }
            }
            return Err(ExprError {
                offset: start,
                message: "the string of `literal<\"...\">` is not closed".into(),
            });
        }
        let start = self.pos;
        match self.word() {
            "true" => Ok(TypeExpr::Literal(Value::Bool(true))),
            "false" => Ok(TypeExpr::Literal(Value::Bool(false))),
            _ => Err(ExprError {
                offset: start,
                message: "`literal<>` takes a double-quoted string, `true` or `false`".into(),
            }),
        }
    }

    fn word(&mut self) -> &'a str {
        let start = self.pos;
        let len = self.text[start..]
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .unwrap_or(self.text.len() - start);
        self.pos += len;
        &self.text[start..start + len]
    }

    fn expect(&mut self, c: char) -> Result<(), ExprError> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            return Ok(());
        }
        Err(match self.peek() {
            None => self.error(format!("expected `{c}`, found the end of the text")),
            Some(_) => self.error(format!("expected `{c}`, found `{}`", self.rest_token())),
        })
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// The next token, for messages: a word, or else one character.
    fn rest_token(&self) -> &'a str {
        let rest = &self.text[self.pos..];
        let word = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let len = if word > 0 {
            word
        } else {
            rest.chars().next().map_or(0, char::len_utf8)
        };
        &rest[..len]
    }

    fn error(&self, message: String) -> ExprError {
        ExprError {
            offset: self.pos,
            message,
        }
    }
}

fn args(arity: usize) -> &'static str {
    if arity == 1 {
        "one type argument"
    } else {
        "two type arguments"
    }
}

fn container(keyword: &str, mut list: Vec<TypeExpr>) -> TypeExpr {
    let last = Box::new(list.pop().unwrap_or(TypeExpr::Unknown));
    match keyword {
        "optional" => TypeExpr::Optional(last),
        "nullable" => TypeExpr::Nullable(last),
        "list" => TypeExpr::List(last),
        "set" => TypeExpr::Set(last),
        _ => TypeExpr::Map(Box::new(list.pop().unwrap_or(TypeExpr::Unknown)), last),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text` and compares its printed form (or `error@offset: message`).
    fn check(text: &str, expected: &str) {
        let got = match TypeExpr::parse(text) {
            Ok(expr) => expr.to_string(),
            Err(err) => format!("error@{}: {}", err.offset, err.message),
        };
        assert_eq!(got, expected, "{text}");
    }

    #[test]
    fn primitives_and_names() {
        check("string", "string");
        check("  long ", "long");
        check("base64", "base64");
        check("unknown", "unknown");
        check("Foo", "Foo");
        check("root.ConnectSessionSettings", "root.ConnectSessionSettings");
        check("send_snake_case", "send_snake_case");
        assert_eq!(
            TypeExpr::parse("uint64").unwrap(),
            TypeExpr::Primitive(Primitive::Int64)
        );
        assert_eq!(
            TypeExpr::parse("integer").unwrap(),
            TypeExpr::Primitive(Primitive::Int32)
        );
    }

    #[test]
    fn containers_nest() {
        check(
            "optional<list<map<string, Foo>>>",
            "optional<list<map<string, Foo>>>",
        );
        check("set< root.Tag >", "set<root.Tag>");
        check("map<string,unknown>", "map<string, unknown>");
        check("nullable<optional<double>>", "nullable<optional<double>>");
        let expr = TypeExpr::parse("optional<nullable<list<string>>>").unwrap();
        let (inner, optional, nullable) = expr.unwrap_modifiers();
        assert_eq!(
            (inner.to_string().as_str(), optional, nullable),
            ("list<string>", true, true)
        );
    }

    #[test]
    fn literals() {
        check("literal<\"assistant_end\">", "literal<\"assistant_end\">");
        check(
            "optional<literal<\"tool_call\">>",
            "optional<literal<\"tool_call\">>",
        );
        check("literal<true>", "literal<true>");
        check(r#"literal<"a\"b">"#, r#"literal<"a\"b">"#);
        check(
            "literal<x>",
            "error@8: `literal<>` takes a double-quoted string, `true` or `false`",
        );
        check(
            "literal<\"open",
            "error@8: the string of `literal<\"...\">` is not closed",
        );
    }

    #[test]
    fn malformed() {
        check("", "error@0: expected a type, found the end of the text");
        check(
            "list<string",
            "error@11: expected `>`, found the end of the text",
        );
        check(
            "list",
            "error@0: `list` needs one type argument in angle brackets",
        );
        check("map<string>", "error@10: expected `,`, found `>`");
        check(
            "list<string, integer>",
            "error@11: `list` takes one type argument",
        );
        check("optional<>", "error@9: expected a type, found `>`");
        check("string extra", "error@7: unexpected `extra` after the type");
        check(
            "a.b.c",
            "error@0: `a.b.c` is not a type name; expected `Name` or `import.Name`",
        );
        check(
            "Page<string>",
            "error@0: `Page` is not a generic container; generic types are not supported",
        );
        let deep = format!("{}string{}", "list<".repeat(100), ">".repeat(100));
        assert!(
            TypeExpr::parse(&deep)
                .unwrap_err()
                .message
                .contains("deeper")
        );
    }
}
