//! The "type, or a mapping with `type` and details" shape that Fern uses for
//! properties, parameters, headers, aliases and bodies:
//! `name: optional<string>` or `name: {type: optional<string>, docs: ..., default: ...}`.

use serde_json::Value;

use crate::diagnostics::Diagnostic;
use crate::ir::{Primitive, Type};
use crate::source::Node;

use super::resolve::Symbols;
use super::type_expr::TypeExpr;

/// One declaration, read but not yet resolved.
pub struct Declared<'a> {
    /// The node that holds the type text (for diagnostics).
    pub type_node: &'a Node,
    /// `None` when the type text was malformed (already diagnosed).
    pub expr: Option<TypeExpr>,
    pub docs: Option<String>,
    pub default: Option<Value>,
    pub availability: Option<String>,
    /// Fern's `name:`, the identifier SDKs use instead of the wire name.
    pub sdk_name: Option<String>,
    /// Query parameters: `allow-multiple: true` makes the value a list.
    pub allow_multiple: bool,
    /// `validation: {format: ...}` on a `string`.
    pub format: Option<String>,
}

/// A declaration resolved to an IR type, with its top-level modifiers.
pub struct Typed {
    pub ty: Type,
    pub optional: bool,
    pub nullable: bool,
}

impl Declared<'_> {
    pub fn deprecated(&self) -> bool {
        self.availability.as_deref() == Some("deprecated")
    }
}

/// Reads `node` as a declaration; `what` names it in diagnostics. `None` (with a
/// diagnostic) when it is neither a type string nor a mapping with a `type`.
pub fn read<'a>(node: &'a Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<Declared<'a>> {
    if let Some(text) = node.as_str() {
        return Some(Declared {
            type_node: node,
            expr: parse(text, node, diags),
            docs: None,
            default: None,
            availability: None,
            sdk_name: None,
            allow_multiple: false,
            format: None,
        });
    }
    if !node.is_map() {
        diags.push(node.type_error(what, "a type or a mapping with `type`"));
        return None;
    }
    let type_node = node.get("type");
    let expr = match type_node {
        Some(t) => match t.as_str() {
            Some(text) => parse(text, t, diags),
            None => {
                diags.push(t.type_error(&format!("the `type` of {what}"), "a string"));
                None
            }
        },
        None => {
            diags.push(node.missing("type"));
            None
        }
    };
    Some(Declared {
        type_node: type_node.unwrap_or(node),
        expr,
        docs: node.str_field("docs", diags).map(str::to_owned),
        default: node.get("default").map(Node::to_json),
        availability: availability(node, diags),
        sdk_name: node.str_field("name", diags).map(str::to_owned),
        allow_multiple: node.bool_field("allow-multiple", diags).unwrap_or(false),
        format: node
            .get("validation")
            .and_then(|v| v.str_field("format", diags))
            .map(str::to_owned),
    })
}

/// `availability: deprecated` or `availability: {status: deprecated, message: ...}`.
pub fn availability(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let value = node.get("availability")?;
    if let Some(text) = value.as_str() {
        return Some(text.to_owned());
    }
    if value.is_map() {
        return value.str_field("status", diags).map(str::to_owned);
    }
    diags.push(value.type_error("`availability`", "a string or a mapping with `status`"));
    None
}

/// Parses type text, reporting a malformed one as `F0101`.
pub fn parse(text: &str, node: &Node, diags: &mut Vec<Diagnostic>) -> Option<TypeExpr> {
    match TypeExpr::parse(text) {
        Ok(expr) => Some(expr),
        Err(err) => {
            diags.push(
                Diagnostic::error(
                    "F0101",
                    format!(
                        "malformed type `{text}`: {} (at character {})",
                        err.message,
                        err.offset + 1
                    ),
                    node.location(),
                )
                .with_hint(
                    "types are primitives (`string`, `integer`, ...), names (`Foo`, \
                     `root.Foo`) or containers (`optional<T>`, `list<T>`, `map<K, V>`, \
                     `literal<\"x\">`)",
                ),
            );
            None
        }
    }
}

impl Declared<'_> {
    /// Resolves the declared type in `file`. A malformed type is [`Type::Any`].
    pub fn resolve(&self, symbols: &Symbols, file: &str, diags: &mut Vec<Diagnostic>) -> Typed {
        let Some(expr) = &self.expr else {
            return Typed {
                ty: Type::Any,
                optional: false,
                nullable: false,
            };
        };
        let (inner, optional, nullable) = expr.unwrap_modifiers();
        let mut ty = symbols.to_type(file, inner, self.type_node, diags);
        if ty == Type::Primitive(Primitive::String) {
            ty = Type::Primitive(match self.format.as_deref() {
                Some("binary" | "byte") => Primitive::Bytes,
                Some("uuid") => Primitive::Uuid,
                Some("date-time") => Primitive::DateTime,
                Some("date") => Primitive::Date,
                _ => Primitive::String,
            });
        }
        if self.allow_multiple {
            ty = Type::Array(Box::new(ty));
        }
        Typed {
            ty,
            optional,
            nullable,
        }
    }
}
