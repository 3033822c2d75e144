//! The models module (`src/types.rs`): one Rust item per IR type definition, plus a
//! unit "marker" type for every literal value the API uses.
//!
//! | IR | Rust |
//! |---|---|
//! | object | struct; optional properties are `Option` with `skip_serializing_if` |
//! | object without properties | `serde_json::Map` (or a typed `BTreeMap`) |
//! | string enum | enum with a `rename` per value; other enums are `serde_json::Value` |
//! | union with a string tag | enum with hand-written serde (tag lookup) and `Unknown(Value)` |
//! | other union | `#[serde(untagged)]` enum, variants tried in order |
//! | alias | type alias; a cyclic alias is a `#[serde(transparent)]` newtype |
//! | literal | a unit struct that (de)serializes only that value |
//! | all-of that could not be merged | `serde_json::Value` |
//!
//! References to a cyclic definition are boxed unless a collection already indirects them.

use std::collections::BTreeSet;

use duplex_spec::ir::{
    AdditionalProperties, Api, AuthScheme, Object, Primitive, Type, TypeDef, TypeId, TypeKind,
    Union,
};
use duplex_spec::naming::{Name, Scope};
use serde_json::Value;

use super::rustdoc::{doc, lit};
use crate::writer::Writer;

/// Renders type expressions and collects the items of `src/types.rs`.
#[derive(Debug)]
pub struct Types<'a> {
    api: &'a Api,
    /// The type namespace: every definition's name, plus markers as they are made.
    scope: Scope,
    /// Literal markers in the order they were first needed: (name, value, docs).
    markers: Vec<(String, Value)>,
}

/// Where a type expression is written: inside `types.rs` (bare names, boxing for
/// cycles) or in another module (`crate::types::` paths, no boxing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    Model,
    Outside,
}

impl<'a> Types<'a> {
    pub fn new(api: &'a Api) -> Types<'a> {
        let mut scope = Scope::new();
        for def in api.types.values() {
            scope.reserve(&def.name.pascal);
        }
        Types {
            api,
            scope,
            markers: Vec::new(),
        }
    }

    /// The API's auth schemes (channels look their carriers up here).
    pub fn api_auth(&self) -> &'a [AuthScheme] {
        &self.api.auth
    }

    /// The Rust type of `ty`; `hint` (PascalCase) names a literal marker if one is needed.
    pub fn rust(&mut self, ty: &Type, hint: &str, site: Site) -> String {
        self.render(ty, hint, site, true)
    }

    fn render(&mut self, ty: &Type, hint: &str, site: Site, direct: bool) -> String {
        match ty {
            Type::Primitive(p) => primitive(*p).to_owned(),
            Type::Ref(id) => {
                let def = &self.api.types[id];
                let path = match site {
                    Site::Model => def.name.pascal.clone(),
                    Site::Outside => format!("crate::types::{}", def.name.pascal),
                };
                if site == Site::Model && direct && def.cyclic {
                    format!("::std::boxed::Box<{path}>")
                } else {
                    path
                }
            }
            Type::Array(item) | Type::Set(item) => {
                let item = self.render(item, &format!("{hint}Item"), site, false);
                format!("::std::vec::Vec<{item}>")
            }
            Type::Map(value) => {
                let value = self.render(value, &format!("{hint}Value"), site, false);
                format!("::std::collections::BTreeMap<::std::string::String, {value}>")
            }
            Type::Literal(value) => {
                let name = self.marker(hint, value);
                match site {
                    Site::Model => name,
                    Site::Outside => format!("crate::types::{name}"),
                }
            }
            Type::Any => "::serde_json::Value".to_owned(),
        }
    }

    fn marker(&mut self, hint: &str, value: &Value) -> String {
        let name = self.scope.claim(Name::new(hint)).pascal;
        self.markers.push((name.clone(), value.clone()));
        name
    }

    /// Whether `ty` has a `Default` (so a struct holding it can derive one).
    pub fn defaultable(&self, ty: &Type) -> bool {
        self.defaultable_in(ty, &mut BTreeSet::new())
    }

    fn defaultable_in(&self, ty: &Type, seen: &mut BTreeSet<TypeId>) -> bool {
        let Type::Ref(id) = ty else {
            return true;
        };
        if !seen.insert(id.clone()) {
            return false;
        }
        let def = &self.api.types[id];
        let result = match shape(def) {
            Shape::Struct(object) => object
                .properties
                .iter()
                .all(|p| !p.required || p.nullable || self.defaultable_in(&p.ty, seen)),
            Shape::Alias(target) | Shape::Newtype(target) => self.defaultable_in(target, seen),
            Shape::OpenMap(_) | Shape::ClosedEmpty | Shape::Value => true,
            Shape::StringEnum | Shape::Tagged(_) | Shape::Untagged(_) => false,
        };
        seen.remove(id);
        result
    }

    /// Writes `src/types.rs`.
    pub fn finish(mut self) -> String {
        let api = self.api;
        let mut items = Vec::new();
        for def in api.types.values() {
            let mut w = Writer::new("    ");
            self.definition(&mut w, def);
            items.push(w.finish());
        }
        let mut done = 0;
        while done < self.markers.len() {
            let (name, value) = self.markers[done].clone();
            items.push(marker_item(&name, &value));
            done += 1;
        }
        let mut out =
            String::from("//! The API's models: every message payload and every type they use.\n");
        for item in items {
            out.push('\n');
            out.push_str(&item);
        }
        out
    }

    fn definition(&mut self, w: &mut Writer, def: &TypeDef) {
        doc(w, def.docs.as_deref());
        if def.deprecated {
            w.line("#[deprecated]");
        }
        let name = &def.name.pascal;
        match shape(def) {
            Shape::Struct(object) => self.structure(w, def, object),
            Shape::OpenMap(additional) => {
                let value = match additional {
                    Some(ty) => self.render(ty, &format!("{name}Value"), Site::Model, false),
                    None => "::serde_json::Value".to_owned(),
                };
                let map = if additional.is_some() {
                    format!("::std::collections::BTreeMap<::std::string::String, {value}>")
                } else {
                    format!("::serde_json::Map<::std::string::String, {value}>")
                };
                type_alias(w, name, &map);
            }
            Shape::ClosedEmpty => {
                w.line("#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]");
                w.line("#[serde(deny_unknown_fields)]");
                w.line(format!("pub struct {name} {{}}"));
            }
            Shape::StringEnum => self.string_enum(w, def),
            Shape::Value => type_alias(w, name, "::serde_json::Value"),
            Shape::Tagged(union) => self.tagged(w, name, union),
            Shape::Untagged(union) => self.untagged(w, name, union),
            Shape::Alias(target) => {
                if let Type::Literal(value) = target {
                    w.line(format!("/// Always `{value}` on the wire."));
                    marker_body(w, name, value);
                } else {
                    let target = self.render(target, name, Site::Model, false);
                    type_alias(w, name, &target);
                }
            }
            Shape::Newtype(target) => {
                let derive = if self.defaultable(&Type::Ref(def.id.clone())) {
                    "#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]"
                } else {
                    "#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]"
                };
                w.line(derive);
                w.line("#[serde(transparent)]");
                let target = self.render(target, name, Site::Model, true);
                w.line(format!("pub struct {name}(pub {target});"));
            }
        }
    }

    fn structure(&mut self, w: &mut Writer, def: &TypeDef, object: &Object) {
        let name = &def.name.pascal;
        if self.defaultable(&Type::Ref(def.id.clone())) {
            w.line("#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]");
        } else {
            w.line("#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]");
        }
        let header = format!("pub struct {name} {{");
        let header = if header.len() <= 100 {
            header
        } else {
            format!("pub struct {name}\n{{")
        };
        w.block(&header, "}", |w| {
            for property in &object.properties {
                doc(w, property.docs.as_deref());
                if property.deprecated {
                    w.line("#[deprecated]");
                }
                let hint = format!("{name}{}", property.name.pascal);
                let inner = self.render(&property.ty, &hint, Site::Model, true);
                let optional = !property.required || property.nullable;
                let mut serde = Vec::new();
                if property.name.wire != property.name.snake {
                    serde.push(format!("rename = {}", lit(&property.name.wire)));
                }
                if !property.required {
                    serde.push(
                        "skip_serializing_if = \"::std::option::Option::is_none\"".to_owned(),
                    );
                }
                attribute(w, &serde);
                let ty = if optional {
                    format!("::std::option::Option<{inner}>")
                } else {
                    inner
                };
                field_line(w, &property.name.snake, &ty);
            }
        });
    }

    fn string_enum(&mut self, w: &mut Writer, def: &TypeDef) {
        let TypeKind::Enum(values) = &def.kind else {
            return;
        };
        w.line(
            "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]",
        );
        let mut scope = Scope::new();
        w.block(&format!("pub enum {} {{", def.name.pascal), "}", |w| {
            for value in &values.values {
                let variant = scope.claim(value.name.clone()).pascal;
                doc(w, value.docs.as_deref());
                let wire = value.value.as_str().unwrap_or_default();
                if wire != variant {
                    w.line(format!("#[serde(rename = {})]", lit(wire)));
                }
                w.line(format!("{variant},"));
            }
        });
    }

    fn untagged(&mut self, w: &mut Writer, name: &str, union: &Union) {
        w.line("#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]");
        w.line("#[serde(untagged)]");
        let mut scope = Scope::new();
        w.block(&format!("pub enum {name} {{"), "}", |w| {
            for variant in &union.variants {
                let variant_name = scope.claim(variant.name.clone()).pascal;
                let hint = format!("{name}{variant_name}");
                let ty = self.render(&variant.ty, &hint, Site::Model, true);
                doc(w, variant.docs.as_deref());
                tuple_variant(w, &variant_name, &ty);
            }
        });
    }

    fn tagged(&mut self, w: &mut Writer, name: &str, union: &Union) {
        let property = union.discriminator.as_deref().unwrap_or_default();
        let mut scope = Scope::new();
        scope.reserve("unknown");
        let mut variants = Vec::new();
        for variant in &union.variants {
            let variant_name = scope.claim(variant.name.clone()).pascal;
            let hint = format!("{name}{variant_name}");
            let ty = self.render(&variant.ty, &hint, Site::Model, true);
            let tag = variant
                .tag
                .as_ref()
                .and_then(Value::as_str)
                .unwrap_or_default();
            variants.push((variant_name, ty, tag.to_owned(), variant.docs.clone()));
        }
        w.line("#[derive(Debug, Clone, PartialEq)]");
        w.block(&format!("pub enum {name} {{"), "}", |w| {
            for (variant, ty, _, docs) in &variants {
                doc(w, docs.as_deref());
                tuple_variant(w, variant, ty);
            }
            w.line("/// A variant this SDK does not know, kept as it was.");
            w.line("Unknown(::serde_json::Value),");
        });
        w.line("");
        w.block(&impl_header(" ::serde::Serialize", name), "}", |w| {
            w.line("fn serialize<S: ::serde::Serializer>(");
            w.line("    &self,");
            w.line("    serializer: S,");
            w.line(") -> ::std::result::Result<S::Ok, S::Error> {");
            w.block("    match self {", "    }", |w| {
                for (variant, _, tag, _) in &variants {
                    let pattern = format!("    {name}::{variant}(value) => ");
                    let (property, tag) = (lit(property), lit(tag));
                    arm(
                        w,
                        &pattern,
                        "crate::runtime::wire::serialize_tagged",
                        &[&property, &tag, "value", "serializer"],
                    );
                }
                let pattern = format!("    {name}::Unknown(value) => ");
                arm(
                    w,
                    &pattern,
                    "::serde::Serialize::serialize",
                    &["value", "serializer"],
                );
            });
            w.line("}");
        });
        w.line("");
        w.block(
            &impl_header("<'de> ::serde::Deserialize<'de>", name),
            "}",
            |w| {
                w.line("fn deserialize<D: ::serde::Deserializer<'de>>(");
                w.line("    deserializer: D,");
                w.line(") -> ::std::result::Result<Self, D::Error> {");
                w.line("    let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;");
                w.block(
                    &format!(
                        "    match crate::runtime::wire::tag(&value, {}) {{",
                        lit(property)
                    ),
                    "    }",
                    |w| {
                        for (variant, _, tag, _) in &variants {
                            let pattern = format!("    Some({}) => ", lit(tag));
                            let wrap = format!("{name}::{variant}");
                            arm(w, &pattern, "crate::runtime::wire::variant", &["value", &wrap]);
                        }
                        w.line(format!("    _ => Ok({name}::Unknown(value)),"));
                    },
                );
                w.line("}");
            },
        );
    }
}

/// How a definition is written in Rust.
enum Shape<'t> {
    Struct(&'t Object),
    /// An object with no declared properties: a map, typed when `Some`.
    OpenMap(Option<&'t Type>),
    /// An object with no properties that allows none.
    ClosedEmpty,
    StringEnum,
    /// Written as `serde_json::Value` (non-string enums, unmergeable all-of, empty unions).
    Value,
    Tagged(&'t Union),
    Untagged(&'t Union),
    Alias(&'t Type),
    Newtype(&'t Type),
}

fn shape(def: &TypeDef) -> Shape<'_> {
    match &def.kind {
        TypeKind::Object(object) if object.properties.is_empty() => match &object.additional {
            AdditionalProperties::Any => Shape::OpenMap(None),
            AdditionalProperties::Typed(ty) => Shape::OpenMap(Some(ty)),
            AdditionalProperties::Forbidden => Shape::ClosedEmpty,
        },
        TypeKind::Object(object) => Shape::Struct(object),
        TypeKind::Enum(values)
            if !values.values.is_empty() && values.values.iter().all(|v| v.value.is_string()) =>
        {
            Shape::StringEnum
        }
        TypeKind::Enum(_) | TypeKind::AllOf { .. } => Shape::Value,
        TypeKind::Union(union) if union.variants.is_empty() => Shape::Value,
        TypeKind::Union(union)
            if union.discriminator.is_some()
                && union
                    .variants
                    .iter()
                    .all(|v| v.tag.as_ref().is_some_and(Value::is_string)) =>
        {
            Shape::Tagged(union)
        }
        TypeKind::Union(union) => Shape::Untagged(union),
        TypeKind::Alias { target } if def.cyclic => Shape::Newtype(target),
        TypeKind::Alias { target } => Shape::Alias(target),
    }
}

fn primitive(p: Primitive) -> &'static str {
    match p {
        Primitive::String
        | Primitive::Date
        | Primitive::DateTime
        | Primitive::Uuid
        | Primitive::Bytes => "::std::string::String",
        Primitive::Int32 => "i32",
        Primitive::Int64 => "i64",
        Primitive::Float | Primitive::Double => "f64",
        Primitive::Boolean => "bool",
    }
}

fn type_alias(w: &mut Writer, name: &str, target: &str) {
    let line = format!("pub type {name} = {target};");
    if line.len() <= 100 {
        w.line(line);
    } else {
        w.line(format!("pub type {name} ="));
        w.line(format!("    {target};"));
    }
}

/// `#[serde(...)]` on one line, or one argument per line when it would be too long.
fn attribute(w: &mut Writer, args: &[String]) {
    if args.is_empty() {
        return;
    }
    let line = format!("    #[serde({})]", args.join(", "));
    if line.len() <= 100 && args.join(", ").len() <= 70 {
        w.line(line.trim_start());
    } else {
        w.line("#[serde(");
        for (i, arg) in args.iter().enumerate() {
            let comma = if i + 1 < args.len() { "," } else { "" };
            w.line(format!("    {arg}{comma}"));
        }
        w.line(")]");
    }
}

/// `Variant(Type),` inside an enum, broken the way rustfmt breaks it when too long.
pub fn tuple_variant(w: &mut Writer, variant: &str, ty: &str) {
    let line = format!("{variant}({ty}),");
    if line.len() + w.depth() * 4 <= 100 {
        w.line(line);
    } else {
        w.line(format!("{variant}("));
        w.line(format!("    {ty},"));
        w.line("),");
    }
}

/// A match arm whose body is one call: on the arm's line when it fits, else in a block.
/// `pattern` carries the arm's extra indentation and ends with `=> `.
pub fn arm(w: &mut Writer, pattern: &str, callee: &str, args: &[&str]) {
    let joined = args.join(", ");
    let width = w.depth() * 4;
    let line = format!("{pattern}{callee}({joined}),");
    let indent = " ".repeat(pattern.len() - pattern.trim_start().len());
    let in_block = format!("{indent}    {callee}({joined})");
    if line.len() + width <= 100 && joined.len() <= 60 {
        w.line(line);
    } else if in_block.len() + width <= 100 && joined.len() <= 60 {
        w.line(format!("{pattern}{{"));
        w.line(in_block);
        w.line(format!("{indent}}}"));
    } else if format!("{pattern}{callee}(").len() + width <= 100 {
        w.line(format!("{pattern}{callee}("));
        for arg in args {
            w.line(format!("{indent}    {arg},"));
        }
        w.line(format!("{indent}),"));
    } else {
        w.line(format!("{pattern}{{"));
        call(w, &format!("{indent}    {callee}"), args, "");
        w.line(format!("{indent}}}"));
    }
}

/// `pub field: Type,` broken the way rustfmt breaks it when too long: the type on its
/// own line when it fits there, else an `Option` with its argument on its own line.
pub fn field_line(w: &mut Writer, field: &str, ty: &str) {
    let width = w.depth() * 4;
    let line = format!("pub {field}: {ty},");
    if line.len() + width <= 100 {
        w.line(line);
    } else if ty.len() + 5 + width <= 100 {
        w.line(format!("pub {field}:"));
        w.line(format!("    {ty},"));
    } else if let Some(inner) = ty
        .strip_prefix("::std::option::Option<")
        .and_then(|t| t.strip_suffix('>'))
    {
        w.line(format!("pub {field}: ::std::option::Option<"));
        w.line(format!("    {inner},"));
        w.line(">,");
    } else {
        w.line(line);
    }
}

/// `impl {head} for {name} {`, broken the way rustfmt breaks a long impl header.
pub fn impl_header(head: &str, name: &str) -> String {
    let line = format!("impl{head} for {name} {{");
    if line.len() <= 100 {
        line
    } else {
        format!("impl{head}\n    for {name}\n{{")
    }
}

/// A call statement, on one line when rustfmt would keep it there.
pub fn call(w: &mut Writer, callee: &str, args: &[&str], suffix: &str) {
    let joined = args.join(", ");
    let indent = callee.len() - callee.trim_start().len();
    let line = format!("{callee}({joined}){suffix}");
    if line.len() + w.depth() * 4 <= 100 && joined.len() <= 60 {
        w.line(line);
    } else {
        w.line(format!("{callee}("));
        let pad = " ".repeat(indent + 4);
        for arg in args {
            w.line(format!("{pad}{arg},"));
        }
        w.line(format!("{}){suffix}", " ".repeat(indent)));
    }
}

fn marker_item(name: &str, value: &Value) -> String {
    let mut w = Writer::new("    ");
    w.line(format!("/// Always `{value}` on the wire."));
    marker_body(&mut w, name, value);
    w.finish()
}

fn marker_body(w: &mut Writer, name: &str, value: &Value) {
    let json = lit(&value.to_string());
    w.line("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]");
    w.line(format!("pub struct {name};"));
    w.line("");
    w.block(&impl_header(" ::serde::Serialize", name), "}", |w| {
        w.line("fn serialize<S: ::serde::Serializer>(");
        w.line("    &self,");
        w.line("    serializer: S,");
        w.line(") -> ::std::result::Result<S::Ok, S::Error> {");
        call(
            w,
            "    crate::runtime::wire::serialize_literal",
            &[&json, "serializer"],
            "",
        );
        w.line("}");
    });
    w.line("");
    w.block(
        &impl_header("<'de> ::serde::Deserialize<'de>", name),
        "}",
        |w| {
            w.line("fn deserialize<D: ::serde::Deserializer<'de>>(");
            w.line("    deserializer: D,");
            w.line(") -> ::std::result::Result<Self, D::Error> {");
            call(
                w,
                "    crate::runtime::wire::deserialize_literal",
                &[&json, "deserializer", name],
                "",
            );
            w.line("}");
        },
    );
}
