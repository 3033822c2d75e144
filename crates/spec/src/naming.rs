//! Identifier forms for every name in the IR, decided once for all target languages.
//!
//! A [`Name`] keeps the original wire text and three identifier forms. Each form is a
//! valid identifier in TypeScript, Python and Rust alike: non-identifier characters are
//! dropped at word boundaries, a leading digit gets a `_` prefix, and a reserved word of
//! any of the three languages gets a `_` suffix (`type` → `type_`, `Self` → `Self_`).
//! [`Scope`] then keeps names unique within one namespace (the types of an API, the
//! properties of an object, ...) by appending a number, so generators never collide.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// An identifier: its text on the wire plus safe PascalCase, camelCase and snake_case forms.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Name {
    pub wire: String,
    pub pascal: String,
    pub camel: String,
    pub snake: String,
}

impl Name {
    /// Derives the identifier forms of `wire`. A name with no letters or digits at all
    /// (say `"/"`) becomes `fallback` in its identifier forms while keeping its wire text.
    pub fn new(wire: &str) -> Name {
        Name::with_fallback(wire, "value")
    }

    pub fn with_fallback(wire: &str, fallback: &str) -> Name {
        let base = if wire.chars().any(|c| c.is_ascii_alphanumeric()) {
            wire
        } else {
            fallback
        };
        let forms = crate::case::forms(base);
        Name {
            wire: wire.to_owned(),
            pascal: safe(forms.pascal),
            camel: safe(forms.camel),
            snake: safe(forms.snake),
        }
    }

    /// The same wire text with every identifier form suffixed by `n` (for de-duplication).
    fn numbered(&self, n: usize) -> Name {
        Name {
            wire: self.wire.clone(),
            pascal: format!("{}{n}", self.pascal.trim_end_matches('_')),
            camel: format!("{}{n}", self.camel.trim_end_matches('_')),
            snake: format!("{}_{n}", self.snake.trim_end_matches('_')),
        }
    }
}

/// The method that sends a message: the message's own name when it already starts with
/// the word `send` (`SendChat` → `sendChat`, not `sendSendChat`), else `send` + its name
/// (`chat` → `sendChat`). A message called just `send` gives `sendSend`, since `send` is
/// every socket's own method.
pub fn send_method(message: &Name) -> Name {
    let snake = message.snake.trim_end_matches('_');
    if snake.starts_with("send_") {
        Name::new(snake)
    } else {
        Name::new(&format!("send_{snake}"))
    }
}

/// Makes one identifier form valid and unreserved in every target language. Most
/// forms are already made of ASCII letters, digits and `_`, and are kept as they are.
fn safe(ident: String) -> String {
    let mut out = if ident
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        ident
    } else {
        ident
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    if out.is_empty() {
        out.push_str("value");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if is_reserved(&out) {
        out.push('_');
    }
    out
}

/// Words that cannot be identifiers (or shadow something essential) in TypeScript,
/// Python or Rust. Checked case-sensitively, as each language does.
pub fn is_reserved(ident: &str) -> bool {
    RESERVED.binary_search(&ident).is_ok()
}

/// Sorted, so [`is_reserved`] can binary-search it.
const RESERVED: &[&str] = &[
    "Any",
    "Box",
    "Err",
    "False",
    "None",
    "Ok",
    "Option",
    "Result",
    "Self",
    "Some",
    "String",
    "True",
    "Vec",
    "abstract",
    "and",
    "any",
    "arguments",
    "as",
    "assert",
    "async",
    "await",
    "become",
    "bigint",
    "boolean",
    "box",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "constructor",
    "continue",
    "crate",
    "debugger",
    "declare",
    "def",
    "default",
    "del",
    "delete",
    "do",
    "dyn",
    "elif",
    "else",
    "enum",
    "eval",
    "except",
    "export",
    "extends",
    "extern",
    "false",
    "final",
    "finally",
    "fn",
    "for",
    "from",
    "function",
    "global",
    "if",
    "impl",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "is",
    "lambda",
    "let",
    "loop",
    "macro",
    "match",
    "mod",
    "module",
    "move",
    "mut",
    "namespace",
    "never",
    "new",
    "nonlocal",
    "not",
    "null",
    "number",
    "object",
    "or",
    "override",
    "package",
    "pass",
    "priv",
    "private",
    "protected",
    "pub",
    "public",
    "raise",
    "readonly",
    "ref",
    "require",
    "return",
    "self",
    "static",
    "string",
    "struct",
    "super",
    "switch",
    "symbol",
    "this",
    "throw",
    "trait",
    "true",
    "try",
    "type",
    "typeof",
    "undefined",
    "union",
    "unique",
    "unknown",
    "unsafe",
    "unsized",
    "use",
    "var",
    "virtual",
    "void",
    "where",
    "while",
    "with",
    "yield",
];

/// One namespace in which every name must be distinct in every identifier form.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    pub fn new() -> Scope {
        Scope::default()
    }

    /// Marks `ident` as taken without naming anything (e.g. a generated local variable
    /// or method such as `send`, `close`, `on`).
    pub fn reserve(&mut self, ident: &str) {
        self.taken.insert(ident.to_ascii_lowercase());
    }

    /// Returns `name` unchanged if none of its forms is taken yet, or else the first
    /// numbered variant (`Chat2`, `chat_2`) that is free; then marks it taken.
    pub fn claim(&mut self, name: Name) -> Name {
        // Each form's key is computed once (the three are usually the same key).
        let wanted = keys(&name);
        if !self.is_taken(&wanted) {
            self.taken.extend(wanted);
            return name;
        }
        let mut n = 2;
        loop {
            let candidate = name.numbered(n);
            let numbered = keys(&candidate);
            if !self.is_taken(&numbered) {
                self.taken.extend(numbered);
                return candidate;
            }
            n += 1;
        }
    }

    fn is_taken(&self, keys: &[String]) -> bool {
        keys.iter().any(|k| self.taken.contains(k))
    }
}

/// The distinct clash keys of a name's forms. They are nearly always one key, so the
/// snake form's key is built and the other forms are only compared with it.
fn keys(name: &Name) -> Vec<String> {
    let mut keys = Vec::with_capacity(3);
    keys.push(key(&name.snake));
    for form in [&name.pascal, &name.camel] {
        if !keys.iter().any(|k| has_key(form, k)) {
            keys.push(key(form));
        }
    }
    keys
}

/// Whether `form`'s clash key is `key`, without building it.
fn has_key(form: &str, key: &str) -> bool {
    form.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .eq(key.chars())
}

/// Two forms clash when they differ only in case or underscores (`fooBar`, `foo_bar`).
fn key(form: &str) -> String {
    let mut key = String::with_capacity(form.len());
    for c in form.chars().filter(|c| *c != '_') {
        key.push(c.to_ascii_lowercase());
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(wire: &str, expected: [&str; 3]) {
        let name = Name::new(wire);
        assert_eq!(
            [&*name.pascal, &*name.camel, &*name.snake],
            expected,
            "{wire}"
        );
        assert_eq!(name.wire, wire);
    }

    #[test]
    fn cases_and_escapes() {
        check("channel_id", ["ChannelId", "channelId", "channel_id"]);
        check("SendChat", ["SendChat", "sendChat", "send_chat"]);
        check("type", ["Type", "type_", "type_"]);
        check("self", ["Self_", "self_", "self_"]);
        check("2fa-code", ["_2faCode", "_2faCode", "_2fa_code"]);
        check("x-api-key", ["XApiKey", "xApiKey", "x_api_key"]);
        check("/", ["Value", "value", "value"]);
        check("$ref", ["Ref", "ref_", "ref_"]);
    }

    #[test]
    fn send_methods_do_not_double_the_verb() {
        let method = |wire: &str| send_method(&Name::new(wire)).camel;
        assert_eq!(method("SendChat"), "sendChat");
        assert_eq!(method("chat"), "sendChat");
        assert_eq!(method("send"), "sendSend");
        assert_eq!(method("sender"), "sendSender");
        assert_eq!(method("type"), "sendType");
        assert_eq!(send_method(&Name::new("send_audio")).snake, "send_audio");
    }

    #[test]
    fn reserved_list_is_sorted() {
        let mut sorted = RESERVED.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, RESERVED);
    }

    #[test]
    fn scope_dedups_across_forms() {
        let mut scope = Scope::new();
        assert_eq!(scope.claim(Name::new("fooBar")).snake, "foo_bar");
        let second = scope.claim(Name::new("foo_bar"));
        assert_eq!([second.pascal, second.snake], ["FooBar2", "foo_bar_2"]);
        scope.reserve("send");
        assert_eq!(scope.claim(Name::new("send")).camel, "send2");
    }
}
