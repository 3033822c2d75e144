//! JSON Schema (as AsyncAPI uses it) → IR types, the way typify does it.
//!
//! A `$ref` never makes the converter descend: the target gets a [`TypeId`]
//! (`file#/pointer`) and a name the moment it is first seen, goes on a worklist, and the
//! ref becomes [`Type::Ref`]. So forward and circular refs resolve, and conversion depth
//! is bounded by the document's own nesting. Inline objects, multi-value enums, unions
//! and unmergeable `allOf`s become anonymous definitions named from their parent
//! (`ChatMessage` + `author` → `ChatMessageAuthor`); everything else is a type expression.

use std::path::Path;

use serde_json::Value as Json;

use crate::diagnostics::Diagnostic;
use crate::ir::{
    AdditionalProperties, Enum, EnumValue, Object, Primitive, Property, Type, TypeDef, TypeId,
    TypeKind, Union, UnionMode, Variant,
};
use crate::naming::{Name, Scope};
use crate::source::{Node, Value, escape_pointer_token};

use super::Loader;

/// How deep `allOf` chains are flattened before they are kept as a composition.
const MAX_ALLOF_DEPTH: usize = 16;

/// A schema node together with its JSON pointer in its own file.
#[derive(Debug, Clone)]
pub(crate) struct At<'a> {
    pub node: &'a Node,
    pub pointer: String,
}

impl<'a> At<'a> {
    pub fn new(node: &'a Node, pointer: impl Into<String>) -> At<'a> {
        At {
            node,
            pointer: pointer.into(),
        }
    }

    /// The child under `key` (a mapping key or a sequence index), if present.
    pub fn child(&self, key: &str) -> Option<At<'a>> {
        let node = match &self.node.value {
            Value::Seq(items) => items.get(key.parse::<usize>().ok()?)?,
            _ => self.node.get(key)?,
        };
        Some(At {
            node,
            pointer: format!("{}/{}", self.pointer, escape_pointer_token(key)),
        })
    }

    /// The items of a sequence child, each with its pointer.
    pub fn items(&self, key: &str) -> Vec<At<'a>> {
        let Some(seq) = self.child(key) else {
            return Vec::new();
        };
        let Some(items) = seq.node.as_seq() else {
            return Vec::new();
        };
        (0..items.len())
            .filter_map(|i| seq.child(&i.to_string()))
            .collect()
    }

    /// The entries of a mapping child, each value with its pointer.
    pub fn entries(&self, key: &str) -> Vec<(&'a str, At<'a>)> {
        let Some(map) = self.child(key) else {
            return Vec::new();
        };
        map.node
            .entries()
            .iter()
            .map(|e| {
                (
                    e.key.as_str(),
                    At {
                        node: &e.value,
                        pointer: format!("{}/{}", map.pointer, escape_pointer_token(&e.key)),
                    },
                )
            })
            .collect()
    }
}

impl<'a> Loader<'a> {
    /// The type of a schema: a ref, an anonymous definition named from `hint`, or an
    /// expression.
    pub fn schema_type(&mut self, at: &At<'a>, hint: &str) -> Type {
        let node = at.node;
        match &node.value {
            Value::Bool(_) => return Type::Any,
            Value::Map(_) => {}
            _ => {
                self.diags.push(node.type_error("a schema", "a mapping"));
                return Type::Any;
            }
        }
        if let Some(reference) = node.get("$ref") {
            return self.schema_ref(reference);
        }
        if self.needs_definition(node) {
            let id = self.id_of(at);
            if !self.types.contains_key(&id) {
                let name = self.claim_type_name(node, hint);
                self.define(id.clone(), at, name, false);
            }
            return Type::Ref(id);
        }
        self.expression(at, hint)
    }

    /// A `$ref` to a schema: registers the target as a named type on first sight.
    pub fn schema_ref(&mut self, reference: &'a Node) -> Type {
        let Some(text) = reference.as_str() else {
            self.diags.push(reference.type_error("`$ref`", "a string"));
            return Type::Any;
        };
        let target = match self.files.resolve(text, reference) {
            Ok(target) => target,
            Err(diag) => {
                self.diags.push(diag);
                return Type::Any;
            }
        };
        let id = TypeId(self.files.id(target.file, &target.pointer));
        if !self.types.contains_key(&id) {
            let last = target.pointer.rsplit('/').next().unwrap_or("");
            let last = crate::source::unescape_pointer_token(last);
            let wire = if last.is_empty() || last.chars().all(|c| c.is_ascii_digit()) {
                target
                    .node
                    .get("title")
                    .and_then(Node::as_str)
                    .unwrap_or("Schema")
            } else {
                &last
            };
            let name = self.type_scope.claim(Name::new(wire));
            let at = At::new(target.node, target.pointer.clone());
            self.types
                .insert(id.clone(), placeholder(id.clone(), name, true));
            self.pending.push_back((id.clone(), at));
        }
        Type::Ref(id)
    }

    /// Converts the named definitions waiting on the worklist, until none is left.
    pub fn drain_pending(&mut self) {
        while let Some((id, at)) = self.pending.pop_front() {
            let name = self.types[&id].name.clone();
            self.define(id, &at, name, true);
        }
    }

    /// Whether `node` is `null`-able: `nullable: true`, `type: [x, "null"]`, a `null`
    /// enum value, or a `{type: "null"}` branch of `oneOf`/`anyOf`.
    pub fn is_nullable(&self, node: &Node) -> bool {
        if node.get("nullable").and_then(Node::as_bool) == Some(true) {
            return true;
        }
        if let Some(types) = node.get("type").and_then(Node::as_seq)
            && types.iter().any(|t| t.as_str() == Some("null"))
        {
            return true;
        }
        if let Some(values) = node.get("enum").and_then(Node::as_seq)
            && values.iter().any(Node::is_null)
        {
            return true;
        }
        ["oneOf", "anyOf"].iter().any(|key| {
            node.get(key)
                .and_then(Node::as_seq)
                .is_some_and(|vs| vs.iter().any(is_null_schema))
        })
    }

    fn id_of(&self, at: &At<'_>) -> TypeId {
        TypeId(self.files.id(&at.node.pos.file, &at.pointer))
    }

    /// `Name::new(wire)`, built once per distinct wire text.
    fn name(&mut self, wire: &str) -> Name {
        if let Some(name) = self.names.get(wire) {
            return name.clone();
        }
        let name = Name::new(wire);
        self.names.insert(wire.to_owned(), name.clone());
        name
    }

    fn enumeration(&mut self, values: &[Node]) -> Enum {
        let mut scope = Scope::new();
        let values = values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| {
                let value = v.to_json();
                let text = match &value {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                };
                EnumValue {
                    name: scope.claim(self.name(&text)),
                    value,
                    docs: None,
                }
            })
            .collect();
        Enum { values }
    }

    fn claim_type_name(&mut self, node: &Node, hint: &str) -> Name {
        let _ = node;
        self.type_scope.claim(Name::new(hint))
    }

    /// Whether a schema needs a definition of its own rather than an expression.
    fn needs_definition(&self, node: &Node) -> bool {
        if node.get("const").is_some() {
            return false;
        }
        if let Some(values) = node.get("enum").and_then(Node::as_seq) {
            return values.iter().filter(|v| !v.is_null()).count() > 1;
        }
        if node.get("allOf").is_some() {
            return true;
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(variants) = node.get(key).and_then(Node::as_seq) {
                return variants.iter().filter(|v| !is_null_schema(v)).count() > 1;
            }
        }
        node.get("properties").is_some_and(Node::is_map)
    }

    /// Writes the definition of `id` (named `name`) from the schema at `at`.
    fn define(&mut self, id: TypeId, at: &At<'a>, name: Name, named: bool) {
        self.types
            .insert(id.clone(), placeholder(id.clone(), name.clone(), named));
        let node = at.node;
        let kind = if let Some(values) = node.get("enum").and_then(Node::as_seq)
            && node.get("const").is_none()
            && values.iter().filter(|v| !v.is_null()).count() > 1
        {
            TypeKind::Enum(self.enumeration(values))
        } else if node.get("allOf").is_some() && node.get("const").is_none() {
            self.all_of(at, &name)
        } else if let Some((mode, key)) = union_key(node)
            && node
                .get(key)
                .and_then(Node::as_seq)
                .is_some_and(|vs| vs.iter().filter(|v| !is_null_schema(v)).count() > 1)
        {
            TypeKind::Union(self.union(at, key, mode, &name))
        } else if node.get("properties").is_some_and(Node::is_map) {
            TypeKind::Object(self.object(std::slice::from_ref(at), &name))
        } else {
            TypeKind::Alias {
                target: self.expression(at, &name.wire),
            }
        };
        let def = self.types.get_mut(&id).expect("placeholder inserted above");
        def.kind = kind;
        def.docs = docs(node);
        def.deprecated = node.get("deprecated").and_then(Node::as_bool) == Some(true);
    }

    /// Types that need no definition: primitives, arrays, maps, literals, any.
    fn expression(&mut self, at: &At<'a>, hint: &str) -> Type {
        let node = at.node;
        if let Some(reference) = node.get("$ref") {
            return self.schema_ref(reference);
        }
        if let Some(value) = node.get("const") {
            return Type::Literal(value.to_json());
        }
        if let Some(values) = node.get("enum") {
            let Some(values) = values.as_seq() else {
                self.diags.push(values.type_error("`enum`", "a sequence"));
                return Type::Any;
            };
            let mut non_null = values.iter().filter(|v| !v.is_null());
            if let (Some(only), None) = (non_null.next(), non_null.next()) {
                return Type::Literal(only.to_json());
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(variants) = node.get(key).and_then(Node::as_seq) {
                let mut non_null = (0..variants.len()).filter(|&i| !is_null_schema(&variants[i]));
                if let (Some(i), None) = (non_null.next(), non_null.next()) {
                    let child = at.child(key).and_then(|c| c.child(&i.to_string()));
                    return child.map_or(Type::Any, |c| self.schema_type(&c, hint));
                }
                return Type::Any;
            }
        }
        let ty = match node.get("type") {
            None => None,
            Some(t) => match &t.value {
                Value::String(s) => Some(s.as_str()),
                Value::Seq(items) => {
                    let names: Vec<&str> = items
                        .iter()
                        .filter_map(Node::as_str)
                        .filter(|s| *s != "null")
                        .collect();
                    match names.as_slice() {
                        [one] => Some(*one),
                        [] => Some("null"),
                        _ => return Type::Any,
                    }
                }
                _ => {
                    self.diags
                        .push(t.type_error("`type`", "a string or a sequence of strings"));
                    return Type::Any;
                }
            },
        };
        let format = node.get("format").and_then(Node::as_str).unwrap_or("");
        let implied = if node.get("items").is_some() {
            Some("array")
        } else if node.get("properties").is_some() || node.get("additionalProperties").is_some() {
            Some("object")
        } else {
            None
        };
        match ty.or(implied) {
            Some("string") => Type::Primitive(match format {
                "date-time" => Primitive::DateTime,
                "date" => Primitive::Date,
                "uuid" => Primitive::Uuid,
                "byte" | "binary" => Primitive::Bytes,
                _ => Primitive::String,
            }),
            Some("integer") => Type::Primitive(match format {
                "int32" => Primitive::Int32,
                _ => Primitive::Int64,
            }),
            Some("number") => Type::Primitive(match format {
                "float" => Primitive::Float,
                "int32" => Primitive::Int32,
                "int64" => Primitive::Int64,
                _ => Primitive::Double,
            }),
            Some("boolean") => Type::Primitive(Primitive::Boolean),
            Some("null") => Type::Literal(Json::Null),
            Some("array") => {
                let items = match at.child("items") {
                    Some(items) if items.node.is_map() => {
                        self.schema_type(&items, &format!("{hint}Item"))
                    }
                    _ => Type::Any,
                };
                if node.get("uniqueItems").and_then(Node::as_bool) == Some(true) {
                    Type::Set(Box::new(items))
                } else {
                    Type::Array(Box::new(items))
                }
            }
            Some("object") => match at.child("additionalProperties") {
                Some(extra) if extra.node.is_map() => {
                    Type::Map(Box::new(self.schema_type(&extra, &format!("{hint}Value"))))
                }
                _ => Type::Map(Box::new(Type::Any)),
            },
            Some(other) => {
                if let Some(t) = node.get("type") {
                    self.diags.push(
                        Diagnostic::error(
                            "E0103",
                            format!("unknown schema type `{other}`"),
                            t.location(),
                        )
                        .with_hint(
                            "use one of string, number, integer, boolean, array, object, null",
                        ),
                    );
                }
                Type::Any
            }
            None => {
                if format == "date-time" {
                    Type::Primitive(Primitive::DateTime)
                } else {
                    Type::Any
                }
            }
        }
    }

    /// An object from one or more schema parts (the parts of a merged `allOf`).
    fn object(&mut self, parts: &[At<'a>], name: &Name) -> Object {
        let mut properties: Vec<Property> = Vec::new();
        let mut scope = Scope::new();
        let mut required: Vec<String> = Vec::new();
        let mut additional = AdditionalProperties::Any;
        for part in parts {
            if let Some(list) = part.node.get("required") {
                match list.as_seq() {
                    Some(items) => {
                        required.extend(items.iter().filter_map(Node::as_str).map(str::to_owned))
                    }
                    None => self
                        .diags
                        .push(list.type_error("`required`", "a sequence of property names")),
                }
            }
            for (key, prop) in part.entries("properties") {
                let prop_name = self.name(key);
                let hint = format!("{}{}", name.pascal, prop_name.pascal);
                let ty = self.schema_type(&prop, &hint);
                let mut property = Property {
                    name: prop_name,
                    ty,
                    required: false,
                    nullable: self.is_nullable(prop.node),
                    default: prop.node.get("default").map(Node::to_json),
                    docs: docs(prop.node),
                    deprecated: prop.node.get("deprecated").and_then(Node::as_bool) == Some(true),
                };
                if let Some(existing) = properties.iter_mut().find(|p| p.name.wire == key) {
                    property.name = existing.name.clone();
                    *existing = property;
                } else {
                    property.name = scope.claim(property.name);
                    properties.push(property);
                }
            }
            if let Some(extra) = part.child("additionalProperties") {
                match &extra.node.value {
                    Value::Bool(false) => additional = AdditionalProperties::Forbidden,
                    Value::Bool(true) => {}
                    Value::Map(_) => {
                        let hint = format!("{}Value", name.pascal);
                        additional =
                            AdditionalProperties::Typed(Box::new(self.schema_type(&extra, &hint)));
                    }
                    _ => self.diags.push(
                        extra
                            .node
                            .type_error("`additionalProperties`", "a boolean or a schema"),
                    ),
                }
            }
        }
        for property in &mut properties {
            property.required = required.contains(&property.name.wire);
        }
        Object {
            properties,
            additional,
        }
    }

    /// `allOf`: one object when every part is (or refers to) an object schema,
    /// otherwise a composition of the parts.
    fn all_of(&mut self, at: &At<'a>, name: &Name) -> TypeKind {
        let mut parts = Vec::new();
        if self.object_parts(at, &mut parts, 0) {
            return TypeKind::Object(self.object(&parts, name));
        }
        let parts = at
            .items("allOf")
            .iter()
            .enumerate()
            .map(|(i, part)| self.schema_type(part, &format!("{}Part{}", name.pascal, i + 1)))
            .collect();
        TypeKind::AllOf { parts }
    }

    /// Collects the object schemas an `allOf` is made of, following refs and nested
    /// `allOf`s. False when some part is not an object.
    fn object_parts(&mut self, at: &At<'a>, out: &mut Vec<At<'a>>, depth: usize) -> bool {
        if depth > MAX_ALLOF_DEPTH {
            return false;
        }
        let at = match self.files.follow(at.node) {
            Ok((node, Some(target))) => At::new(node, target.pointer),
            Ok((_, None)) => at.clone(),
            Err(_) => return false,
        };
        let node = at.node;
        if union_key(node).is_some() || node.get("enum").is_some() || node.get("const").is_some() {
            return false;
        }
        let typed = node.get("type").map(|t| t.as_str() == Some("object"));
        if typed == Some(false) {
            return false;
        }
        let own = node.get("properties").is_some() || typed == Some(true);
        if let Some(parts) = node.get("allOf") {
            if parts.as_seq().is_none() {
                return false;
            }
            if own {
                out.push(at.clone());
            }
            return at
                .items("allOf")
                .iter()
                .all(|part| self.object_parts(part, out, depth + 1));
        }
        out.push(at);
        own
    }

    fn union(&mut self, at: &At<'a>, key: &str, mode: UnionMode, name: &Name) -> Union {
        let explicit = match at.node.get("discriminator") {
            Some(d) => match &d.value {
                Value::String(s) => Some(s.clone()),
                Value::Map(_) => d
                    .get("propertyName")
                    .and_then(Node::as_str)
                    .map(str::to_owned),
                _ => {
                    self.diags
                        .push(d.type_error("`discriminator`", "a property name"));
                    None
                }
            },
            None => None,
        };
        let members: Vec<At<'a>> = at
            .items(key)
            .into_iter()
            .filter(|v| !is_null_schema(v.node))
            .collect();
        let tags: Vec<Vec<(String, Json)>> =
            members.iter().map(|m| self.const_properties(m)).collect();
        let discriminator = explicit.or_else(|| common_tag(&tags));
        let mut scope = Scope::new();
        let mut variants = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let tag = discriminator
                .as_ref()
                .and_then(|d| tags[i].iter().find(|(p, _)| p == d).map(|(_, v)| v.clone()));
            let wire = variant_name(member.node, tag.as_ref(), i);
            let member_name = self.name(&wire);
            let ty = self.schema_type(member, &format!("{}{}", name.pascal, member_name.pascal));
            variants.push(Variant {
                name: scope.claim(member_name),
                ty,
                tag,
                docs: docs(member.node),
            });
        }
        Union {
            mode,
            discriminator,
            variants,
        }
    }

    /// The required properties of an object schema (through refs and `allOf`) that
    /// hold a single constant value.
    fn const_properties(&mut self, at: &At<'a>) -> Vec<(String, Json)> {
        let mut parts = Vec::new();
        self.object_parts(at, &mut parts, 0);
        let mut required = Vec::new();
        for part in &parts {
            if let Some(items) = part.node.get("required").and_then(Node::as_seq) {
                required.extend(items.iter().filter_map(Node::as_str));
            }
        }
        let mut found = Vec::new();
        for part in &parts {
            for entry in part
                .node
                .get("properties")
                .map(Node::entries)
                .unwrap_or(&[])
            {
                let prop = match self.files.follow(&entry.value) {
                    Ok((node, _)) => node,
                    Err(_) => continue,
                };
                if required.contains(&entry.key.as_str())
                    && let Some(value) = constant(prop)
                {
                    found.push((entry.key.clone(), value));
                }
            }
        }
        found
    }
}

/// The single value a schema allows, from `const` or a one-value `enum`.
pub(crate) fn constant(node: &Node) -> Option<Json> {
    if let Some(value) = node.get("const") {
        return Some(value.to_json());
    }
    match node.get("enum")?.as_seq()? {
        [only] => Some(only.to_json()),
        _ => None,
    }
}

/// The first property every variant fixes to a constant, with pairwise distinct values.
fn common_tag(tags: &[Vec<(String, Json)>]) -> Option<String> {
    let first = tags.first()?;
    first
        .iter()
        .map(|(p, _)| p)
        .find(|prop| {
            let values: Vec<&Json> = tags
                .iter()
                .filter_map(|t| t.iter().find(|(p, _)| p == *prop).map(|(_, v)| v))
                .collect();
            values.len() == tags.len()
                && values
                    .iter()
                    .enumerate()
                    .all(|(i, v)| !values[..i].contains(v))
        })
        .cloned()
}

fn variant_name(node: &Node, tag: Option<&Json>, index: usize) -> String {
    if let Some(reference) = node.get("$ref").and_then(Node::as_str) {
        let last = reference.rsplit(['/', '#']).next().unwrap_or("");
        let last = crate::source::unescape_pointer_token(last);
        let stem = Path::new(last.as_ref())
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !stem.is_empty() {
            return stem;
        }
    }
    if let Some(title) = node.get("title").and_then(Node::as_str) {
        return title.to_owned();
    }
    match tag {
        Some(Json::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => format!("Variant{}", index + 1),
    }
}

fn union_key(node: &Node) -> Option<(UnionMode, &'static str)> {
    if node.get("oneOf").is_some() {
        Some((UnionMode::OneOf, "oneOf"))
    } else if node.get("anyOf").is_some() {
        Some((UnionMode::AnyOf, "anyOf"))
    } else {
        None
    }
}

fn is_null_schema(node: &Node) -> bool {
    node.get("type").and_then(Node::as_str) == Some("null") && node.entries().len() == 1
}

/// A schema's documentation: its `description`, else its `title`.
pub(crate) fn docs(node: &Node) -> Option<String> {
    node.get("description")
        .or_else(|| node.get("title"))
        .and_then(Node::as_str)
        .map(|s| s.trim_end().to_owned())
        .filter(|s| !s.is_empty())
}

fn placeholder(id: TypeId, name: Name, named: bool) -> TypeDef {
    TypeDef {
        id,
        name,
        named,
        docs: None,
        deprecated: false,
        cyclic: false,
        kind: TypeKind::Alias { target: Type::Any },
    }
}
