//! The spanned document tree every loader reads: YAML or JSON parsed into [`Node`]s
//! that remember the file, line and column they came from.
//!
//! Both formats go through saphyr's YAML 1.2 parser (JSON is YAML's flow subset), so
//! there is one tree, one set of positions and one family of syntax diagnostics. The
//! tree is built from parser events with an explicit stack, never by recursion, and
//! nesting deeper than [`MAX_DEPTH`] is refused with a diagnostic, so a hostile input
//! can neither overflow the stack nor, through anchors, blow up memory.
//!
//! The typed accessors ([`Node::str_field`] and friends) report a field of the wrong
//! type as a diagnostic (`E0103`) at the field's own position and return `None`, so a
//! loader can carry on past the fault.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use saphyr::{Scalar, ScalarStyle, Tag};
use saphyr_parser::{Event, Parser, ScanError};
use serde_json::Value as Json;

use crate::diagnostics::{Diagnostic, Location};

/// The tags of the YAML 1.2 core schema (`tag:yaml.org,2002:<suffix>`, written `!!<suffix>`).
const CORE_TAGS: &[&str] = &["str", "int", "float", "bool", "null", "map", "seq"];

/// The deepest nesting of sequences and mappings a document may have.
pub const MAX_DEPTH: usize = 200;

/// How many nodes anchors may expand into, over a whole file ("billion laughs" guard).
const ALIAS_BUDGET: usize = 100_000;

/// Where a node starts: the file and a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pos {
    pub file: Arc<Path>,
    pub line: u32,
    pub column: u32,
}

/// One value of a document, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    /// Entries in document order; keys are unique (duplicates are diagnosed).
    Map(Vec<Entry>),
}

/// One `key: value` pair of a mapping. The key keeps its own position.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

/// A parsed file: its root node (`None` when it could not be parsed at all) and every
/// diagnostic found on the way.
#[derive(Debug)]
pub struct Parsed {
    pub root: Option<Node>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Pos {
    pub fn location(&self) -> Location {
        Location {
            file: self.file.to_path_buf(),
            line: self.line,
            column: self.column,
        }
    }
}

/// The name of a value's kind, as used in "expected X, found Y" messages.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        })
    }
}

impl Node {
    pub fn location(&self) -> Location {
        self.pos.location()
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value of `key` when this node is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry of `key` (with the key's own position) when this node is a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key == key)
    }

    /// The entries of a mapping, or nothing for any other node.
    pub fn entries(&self) -> &[Entry] {
        self.as_map().unwrap_or(&[])
    }

    /// Follows a JSON pointer (`/components/schemas/a~1b`, `~0` for `~`, `~1` for `/`),
    /// indexing sequences by number. The empty pointer is the node itself.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        rest.split('/').try_fold(self, |node, token| {
            let token = unescape_pointer_token(token);
            match &node.value {
                Value::Map(_) => node.get(&token),
                Value::Seq(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            }
        })
    }

    /// The node as plain JSON, dropping positions (for examples, defaults, consts).
    /// Non-finite floats (`.nan`, `.inf`) become `null`, as JSON has no such numbers.
    pub fn to_json(&self) -> Json {
        match &self.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::String(s) => Json::String(s.clone()),
            Value::Seq(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => Json::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// A wrong-type diagnostic for this node: "`what` must be `expected`, found a sequence".
    pub fn type_error(&self, what: &str, expected: &str) -> Diagnostic {
        Diagnostic::error(
            "E0103",
            format!("{what} must be {expected}, found {}", self.value),
            self.location(),
        )
    }

    /// The string under `key`; absent gives `None` silently, any other type gives
    /// `None` and an `E0103` diagnostic at the value.
    pub fn str_field(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<&str> {
        self.typed_field(key, "a string", diags, Node::as_str)
    }

    pub fn bool_field(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<bool> {
        self.typed_field(key, "a boolean", diags, Node::as_bool)
    }

    /// The sequence under `key` (see [`Node::str_field`]).
    pub fn seq_field(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<&[Node]> {
        self.typed_field(key, "a sequence", diags, Node::as_seq)
    }

    /// The mapping node under `key` (see [`Node::str_field`]).
    pub fn map_field(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<&Node> {
        self.typed_field(key, "a mapping", diags, |n| n.is_map().then_some(n))
    }

    /// Like [`Node::str_field`], but a missing field is an `E0104` diagnostic at this node.
    pub fn required_str(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<&str> {
        if self.get(key).is_none() {
            diags.push(self.missing(key));
            return None;
        }
        self.str_field(key, diags)
    }

    /// A missing-field diagnostic for `key` of this mapping.
    pub fn missing(&self, key: &str) -> Diagnostic {
        Diagnostic::error(
            "E0104",
            format!("missing required field `{key}`"),
            self.location(),
        )
    }

    fn typed_field<'a, T>(
        &'a self,
        key: &str,
        expected: &str,
        diags: &mut Vec<Diagnostic>,
        cast: impl Fn(&'a Node) -> Option<T>,
    ) -> Option<T> {
        let node = self.get(key)?;
        let found = cast(node);
        if found.is_none() {
            diags.push(node.type_error(&format!("`{key}`"), expected));
        }
        found
    }
}

/// Decodes one JSON pointer token: `~1` is `/`, `~0` is `~` (in that order).
pub fn unescape_pointer_token(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Encodes one JSON pointer token: `~` is `~0`, `/` is `~1`.
pub fn escape_pointer_token(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Reads and parses a YAML or JSON file.
pub fn parse_file(path: &Path) -> Parsed {
    let file: Arc<Path> = Arc::from(path);
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => parse_str(&text, file),
            Err(err) => failed(Diagnostic::error(
                "E0002",
                format!("the file is not valid UTF-8: {err}"),
                at(&file, 1, 1),
            )),
        },
        Err(err) => failed(
            Diagnostic::error(
                "E0001",
                format!("cannot read `{}`: {err}", path.display()),
                at(&file, 1, 1),
            )
            .with_hint("check that the path exists and is readable"),
        ),
    }
}

/// Parses YAML or JSON text; `file` is only used for positions.
pub fn parse_str(text: &str, file: Arc<Path>) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut builder = Builder {
        file,
        stack: Vec::new(),
        anchors: Vec::new(),
        root: None,
        documents: 0,
        alias_budget: ALIAS_BUDGET,
        diagnostics: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        match event {
            Ok((event, span)) => {
                let (line, col) = (span.start.line(), span.start.col());
                if let Err(diag) = builder.on_event(event, line, col) {
                    builder.diagnostics.push(diag);
                    builder.root = None;
                    break;
                }
            }
            Err(err) => {
                builder.diagnostics.push(syntax_error(&builder.file, &err));
                builder.root = None;
                break;
            }
        }
    }
    // An empty (or comment-only) file is one `null` document.
    if builder.root.is_none() && !builder.diagnostics.iter().any(Diagnostic::is_error) {
        builder.root = Some(Node {
            value: Value::Null,
            pos: pos(&builder.file, 1, 0),
        });
    }
    Parsed {
        root: builder.root,
        diagnostics: builder.diagnostics,
    }
}

fn failed(diag: Diagnostic) -> Parsed {
    Parsed {
        root: None,
        diagnostics: vec![diag],
    }
}

fn at(file: &Arc<Path>, line: usize, col0: usize) -> Location {
    pos(file, line, col0).location()
}

fn pos(file: &Arc<Path>, line: usize, col0: usize) -> Pos {
    Pos {
        file: file.clone(),
        line: u32::try_from(line.max(1)).unwrap_or(u32::MAX),
        column: u32::try_from(col0 + 1).unwrap_or(u32::MAX),
    }
}

fn syntax_error(file: &Arc<Path>, err: &ScanError) -> Diagnostic {
    let mark = err.marker();
    Diagnostic::error(
        "E0002",
        format!("syntax error: {}", err.info()),
        at(file, mark.line(), mark.col()),
    )
    .with_hint("the file must be well-formed YAML or JSON")
}

/// A container under construction.
enum Open {
    Seq {
        node: Node,
        anchor: usize,
    },
    Map {
        node: Node,
        anchor: usize,
        /// The key read but whose value has not arrived yet.
        key: Option<(String, Pos)>,
    },
}

struct Builder {
    file: Arc<Path>,
    stack: Vec<Open>,
    /// Anchor id to the completed node, for aliases.
    anchors: Vec<(usize, Node)>,
    root: Option<Node>,
    documents: usize,
    alias_budget: usize,
    diagnostics: Vec<Diagnostic>,
}

impl Builder {
    fn on_event(&mut self, event: Event<'_>, line: usize, col: usize) -> Result<(), Diagnostic> {
        let here = pos(&self.file, line, col);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents == 2 {
                    self.diagnostics.push(Diagnostic::warning(
                        "W0003",
                        "the file holds more than one YAML document; only the first is read",
                        here.location(),
                    ));
                }
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.check_tag(tag.as_deref(), &here);
                if let Some(Open::Map {
                    key: key @ None, ..
                }) = self.stack.last_mut()
                {
                    *key = Some((text.into_owned(), here));
                    return Ok(());
                }
                let value = scalar(text, style, tag.as_ref());
                self.complete(Node { value, pos: here }, anchor)
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                self.check_tag(tag.as_deref(), &here);
                if self.is_at_key() {
                    return Err(Diagnostic::error(
                        "E0002",
                        "a mapping key must be a plain value, not a sequence or mapping",
                        here.location(),
                    ));
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(Diagnostic::error(
                        "E0004",
                        format!("the document nests deeper than {MAX_DEPTH} levels"),
                        here.location(),
                    ));
                }
                let seq = matches!(event, Event::SequenceStart(..));
                self.stack.push(if seq {
                    Open::Seq {
                        node: Node {
                            value: Value::Seq(Vec::new()),
                            pos: here,
                        },
                        anchor,
                    }
                } else {
                    Open::Map {
                        node: Node {
                            value: Value::Map(Vec::new()),
                            pos: here,
                        },
                        anchor,
                        key: None,
                    }
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Open::Seq { node, anchor } | Open::Map { node, anchor, .. }) => {
                    self.complete(node, anchor)
                }
                None => Ok(()),
            },
            Event::Alias(id) => {
                let Some(node) = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n.clone())
                else {
                    return Err(Diagnostic::error(
                        "E0002",
                        "alias to an anchor that is not defined before it",
                        here.location(),
                    ));
                };
                let size = count_nodes(&node);
                if size > self.alias_budget {
                    return Err(Diagnostic::error(
                        "E0004",
                        "YAML aliases expand to too many nodes",
                        here.location(),
                    ));
                }
                self.alias_budget -= size;
                if let Some(Open::Map {
                    key: key @ None, ..
                }) = self.stack.last_mut()
                {
                    let text = node.as_str().map(str::to_owned).unwrap_or_default();
                    *key = Some((text, here));
                    return Ok(());
                }
                self.complete(node, 0)
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => Ok(()),
        }
    }

    /// API definitions are JSON data: a YAML tag other than the core schema's
    /// (`!!str`, `!!int`, ...) names a type no JSON value has (`!!js/function`), so the
    /// value would not mean what the file says. It is read as untagged, with an error.
    fn check_tag(&mut self, tag: Option<&Tag>, here: &Pos) {
        let Some(tag) = tag else {
            return;
        };
        let core = tag.is_yaml_core_schema() && CORE_TAGS.contains(&tag.suffix.as_str());
        // `!` alone is the non-specific tag: "a string", which the core schema allows.
        if core || (tag.handle == "!" && tag.suffix.is_empty()) {
            return;
        }
        let shown = if tag.is_yaml_core_schema() {
            format!("!!{}", tag.suffix)
        } else {
            format!("{}{}", tag.handle, tag.suffix)
        };
        self.diagnostics.push(
            Diagnostic::error(
                "E0005",
                format!("the YAML tag `{shown}` is not one of the core schema's tags"),
                here.location(),
            )
            .with_hint(format!(
                "remove `{shown}`; only `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map` and `!!seq` mean something in JSON data"
            )),
        );
    }

    fn is_at_key(&self) -> bool {
        matches!(self.stack.last(), Some(Open::Map { key: None, .. }))
    }

    /// Attaches a finished node to its parent, or makes it the root.
    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), Diagnostic> {
        if anchor != 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => {
                if self.documents <= 1 {
                    self.root = Some(node);
                }
            }
            Some(Open::Seq { node: parent, .. }) => {
                if let Value::Seq(items) = &mut parent.value {
                    items.push(node);
                }
            }
            Some(Open::Map {
                node: parent, key, ..
            }) => {
                let Some((key, key_pos)) = key.take() else {
                    return Ok(());
                };
                let Value::Map(entries) = &mut parent.value else {
                    return Ok(());
                };
                if key == "<<" && !matches!(node.value, Value::String(_)) {
                    merge_keys(entries, node);
                } else if let Some(first) = entries.iter().find(|e| e.key == key) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "E0003",
                            format!(
                                "duplicate key `{key}` (first defined at line {})",
                                first.key_pos.line
                            ),
                            key_pos.location(),
                        )
                        .with_hint("keys of a mapping must be unique; remove or rename one"),
                    );
                } else {
                    entries.push(Entry {
                        key,
                        key_pos,
                        value: node,
                    });
                }
            }
        }
        Ok(())
    }
}

/// YAML merge keys (`<<: *base`): entries of the merged mapping(s) the map lacks.
fn merge_keys(entries: &mut Vec<Entry>, merged: Node) {
    let sources = match merged.value {
        Value::Map(from) => vec![from],
        Value::Seq(items) => items
            .into_iter()
            .filter_map(|n| match n.value {
                Value::Map(from) => Some(from),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    for entry in sources.into_iter().flatten() {
        if !entries.iter().any(|e| e.key == entry.key) {
            entries.push(entry);
        }
    }
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0;
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        count += 1;
        match &n.value {
            Value::Seq(items) => todo.extend(items),
            Value::Map(entries) => todo.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    count
}

/// Resolves a scalar with the YAML 1.2 core schema; quoted scalars are strings.
fn scalar(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Cow<'_, Tag>>) -> Value {
    // Only a tag can make resolution fail (`!!int abc`), so only then is the text kept
    // aside (copying every scalar was 2% of a load).
    let kept = tag.map(|_| text.clone());
    match Scalar::parse_from_cow_and_metadata(text, style, tag) {
        Some(Scalar::Null) => Value::Null,
        Some(Scalar::Boolean(b)) => Value::Bool(b),
        Some(Scalar::Integer(i)) => Value::Int(i),
        Some(Scalar::FloatingPoint(f)) => Value::Float(f.into_inner()),
        Some(Scalar::String(s)) => Value::String(s.into_owned()),
        None => Value::String(kept.unwrap_or_default().into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Parsed {
        parse_str(text, Arc::from(Path::new("t.yml")))
    }

    /// Parses `text`, then checks the rendered diagnostics (one per line).
    fn check_diags(text: &str, expected: &[&str]) {
        let parsed = parse(text);
        let got: Vec<String> = parsed
            .diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{}:{} {} {}",
                    d.location.line, d.location.column, d.code, d.message
                )
            })
            .collect();
        assert_eq!(got, expected, "{text}");
    }

    #[test]
    fn positions_of_nodes_and_keys() {
        let parsed = parse("a:\n  b: [1, 2.5, x]\n  \"c\": {d: null}\n");
        let root = parsed.root.unwrap();
        let a = root.entry("a").unwrap();
        assert_eq!((a.key_pos.line, a.key_pos.column), (1, 1));
        let b = a.value.get("b").unwrap();
        assert_eq!((b.pos.line, b.pos.column), (2, 6));
        let items = b.as_seq().unwrap();
        assert_eq!(items[1].value, Value::Float(2.5));
        assert_eq!((items[2].pos.line, items[2].pos.column), (2, 15));
        assert_eq!(root.pointer("/a/c/d").unwrap().value, Value::Null);
        assert_eq!(root.pointer("/a/b/0").unwrap().value, Value::Int(1));
    }

    #[test]
    fn json_goes_through_the_same_parser() {
        let parsed = parse("{\n  \"x\": [true, \"1\", -3],\n  \"y/z\": {\"~k\": 1}\n}");
        let root = parsed.root.unwrap();
        assert_eq!(
            root.to_json(),
            serde_json::json!({"x": [true, "1", -3], "y/z": {"~k": 1}})
        );
        assert_eq!(root.pointer("/y~1z/~0k").unwrap().pos.line, 3);
    }

    #[test]
    fn syntax_errors_have_positions() {
        check_diags(
            "a: [1, 2\nb: 3\n",
            &["2:2 E0002 syntax error: illegal placement of ':' indicator"],
        );
        check_diags(
            "a: 1\na: 2\n",
            &["2:1 E0003 duplicate key `a` (first defined at line 1)"],
        );
    }

    #[test]
    fn typed_fields_report_the_wrong_type() {
        let root = parse("title: [x]\nversion: '1'\n").root.unwrap();
        let mut diags = Vec::new();
        assert_eq!(root.str_field("title", &mut diags), None);
        assert_eq!(root.str_field("version", &mut diags), Some("1"));
        assert_eq!(root.required_str("info", &mut diags), None);
        let got: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "t.yml:1:8: error[E0103]: `title` must be a string, found a sequence",
                "t.yml:1:1: error[E0104]: missing required field `info`",
            ]
        );
    }

    #[test]
    fn anchors_merge_keys_and_depth() {
        let root = parse("base: &b {x: 1}\nuse: {<<: *b, y: 2}\n")
            .root
            .unwrap();
        assert_eq!(
            root.get("use").unwrap().to_json(),
            serde_json::json!({"y": 2, "x": 1})
        );
        let deep = "[".repeat(MAX_DEPTH + 1);
        let parsed = parse(&deep);
        assert!(parsed.root.is_none());
        assert_eq!(parsed.diagnostics[0].code, "E0004");
    }
}
