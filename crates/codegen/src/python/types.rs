//! Type expressions, and `types.py`: one pydantic model or type alias per IR type.
//!
//! Models subclass the runtime's `WireModel` (unknown fields kept, fill by Python or
//! wire name, constants always sent). Each field whose Python name differs from its wire
//! name carries the wire name as its validation and serialization alias, so mypy sees
//! the Python names in `__init__`. The module uses postponed annotations, so models may
//! refer to each other in any order (cycles included); aliases are evaluated at import,
//! so inside them every reference is quoted, and `model_rebuild()` at the end resolves
//! everything once all names exist.

use std::collections::BTreeSet;

use duplex_spec::ir::{Api, Object, Primitive, Property, Type, TypeDef, TypeId, TypeKind, Union};
use serde_json::Value;

use super::imports::Imports;
use super::names::Names;
use super::pystr;
use crate::writer::Writer;

/// Where a type expression appears, which decides how references and unions are spelt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    /// A postponed annotation in `types.py`: bare names, `A | B`.
    Annotation,
    /// An alias value in `types.py`, evaluated at import: references not yet defined are
    /// quoted, and a union with a quoted member is spelt `Union[...]`.
    Alias,
    /// Another module, after `types` is loaded: `types.Name`, `A | B`.
    Outside,
}

/// Renders IR type expressions as Python, recording what they import.
#[derive(Debug)]
pub struct Render<'a> {
    pub api: &'a Api,
    pub names: &'a Names,
    pub imports: Imports,
    /// Types already defined above the alias being written.
    defined: BTreeSet<TypeId>,
}

impl<'a> Render<'a> {
    pub fn new(api: &'a Api, names: &'a Names) -> Render<'a> {
        Render {
            api,
            names,
            imports: Imports::default(),
            defined: BTreeSet::new(),
        }
    }

    pub fn ty(&mut self, ty: &Type, ctx: Ctx) -> String {
        match ty {
            Type::Primitive(p) => self.primitive(*p).to_owned(),
            Type::Ref(id) => {
                let name = self.names.type_name(id);
                match ctx {
                    Ctx::Annotation => name.to_owned(),
                    Ctx::Alias if self.defined.contains(id) => name.to_owned(),
                    Ctx::Alias => pystr::string(name),
                    Ctx::Outside => format!("types.{name}"),
                }
            }
            Type::Array(item) | Type::Set(item) => format!("list[{}]", self.ty(item, ctx)),
            Type::Map(value) => format!("dict[str, {}]", self.ty(value, ctx)),
            Type::Literal(value) if pystr::is_literal_value(value) => {
                if value.is_null() {
                    return "None".to_owned();
                }
                self.imports.add("typing", "Literal");
                format!("Literal[{}]", pystr::literal(value))
            }
            Type::Literal(_) | Type::Any => self.any(),
        }
    }

    /// A union of already rendered members; `members` may repeat.
    pub fn union(&mut self, members: Vec<String>, ctx: Ctx) -> String {
        let mut unique: Vec<String> = Vec::new();
        for member in members {
            if !unique.contains(&member) {
                unique.push(member);
            }
        }
        if unique.len() == 1 {
            return unique.remove(0);
        }
        if ctx == Ctx::Alias && unique.iter().any(|m| m.starts_with('"')) {
            self.imports.add("typing", "Union");
            return format!("Union[{}]", unique.join(", "));
        }
        unique.join(" | ")
    }

    /// `ty` or None.
    pub fn optional(&mut self, ty: &Type, ctx: Ctx) -> String {
        let rendered = self.ty(ty, ctx);
        self.union(vec![rendered, "None".to_owned()], ctx)
    }

    pub fn any(&mut self) -> String {
        self.imports.add("typing", "Any");
        "Any".to_owned()
    }

    fn primitive(&mut self, p: Primitive) -> &'static str {
        match p {
            Primitive::String | Primitive::Bytes => "str",
            Primitive::Date => {
                self.imports.add("datetime", "date");
                "date"
            }
            Primitive::DateTime => {
                self.imports.add("datetime", "datetime");
                "datetime"
            }
            Primitive::Uuid => {
                self.imports.add("uuid", "UUID");
                "UUID"
            }
            Primitive::Int32 | Primitive::Int64 => "int",
            Primitive::Float | Primitive::Double => "float",
            Primitive::Boolean => "bool",
        }
    }

    /// Whether `value` is a valid default for `ty` as mypy sees it.
    pub fn default_fits(&self, ty: &Type, value: &Value) -> bool {
        match (self.resolve(ty), value) {
            (Type::Primitive(Primitive::String | Primitive::Bytes), Value::String(_)) => true,
            (Type::Primitive(Primitive::Int32 | Primitive::Int64), Value::Number(n)) => {
                n.is_i64() || n.is_u64()
            }
            (Type::Primitive(Primitive::Float | Primitive::Double), Value::Number(_)) => true,
            (Type::Primitive(Primitive::Boolean), Value::Bool(_)) => true,
            (Type::Literal(expected), value) => expected == value && pystr::is_literal_value(value),
            (Type::Any, v) => !v.is_array() && !v.is_object(),
            (Type::Ref(id), v) => match self.api.type_def(id).map(|d| &d.kind) {
                Some(TypeKind::Enum(e)) => {
                    e.values.iter().all(|ev| pystr::is_literal_value(&ev.value))
                        && e.values.iter().any(|ev| &ev.value == v)
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Follows aliases to the type they stand for.
    pub fn resolve<'t>(&'t self, ty: &'t Type) -> &'t Type {
        let mut current = ty;
        for _ in 0..32 {
            match current {
                Type::Ref(id) => match self.api.type_def(id).map(|d| &d.kind) {
                    Some(TypeKind::Alias { target }) => current = target,
                    _ => return current,
                },
                _ => return current,
            }
        }
        current
    }

    /// The object a type stands for, through aliases.
    pub fn object(&self, ty: &Type) -> Option<(&'a TypeDef, &'a Object)> {
        match self.resolve(ty) {
            Type::Ref(id) => {
                let def = self.api.type_def(id)?;
                match &def.kind {
                    TypeKind::Object(object) => Some((def, object)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// The contents of `src/<package>/types.py`.
pub fn file(api: &Api, names: &Names) -> String {
    let mut r = Render::new(api, names);
    let mut body = Writer::new("    ");
    let mut models = Vec::new();
    for def in api.types.values() {
        if let TypeKind::Object(object) = &def.kind {
            body.line("");
            body.line("");
            model(&mut r, &mut body, def, object);
            models.push(names.type_name(&def.id).to_owned());
            r.defined.insert(def.id.clone());
        }
    }
    for id in alias_order(api) {
        body.line("");
        if !models.is_empty() || !r.defined.is_empty() {
            body.line("");
        }
        alias(&mut r, &mut body, &api.types[&id]);
        r.defined.insert(id);
    }
    if !models.is_empty() {
        body.line("");
        body.line("");
        body.line("# Every name exists now: resolve the references between models.");
        for model in &models {
            body.line(format!("{model}.model_rebuild()"));
        }
    }
    let mut w = Writer::new("    ");
    pystr::docstring(
        &mut w,
        &format!(
            "The messages and types of {}, as pydantic models.",
            api.title
        ),
    );
    w.line("");
    if !models.is_empty() {
        r.imports.local("from . import _runtime as _rt");
    }
    r.imports.write(&mut w);
    let mut out = w.finish();
    out.push_str(&body.finish());
    out
}

/// The non-object types, each after the aliases it refers to (cycles broken anywhere).
fn alias_order(api: &Api) -> Vec<TypeId> {
    fn refs(ty: &Type, out: &mut Vec<TypeId>) {
        match ty {
            Type::Ref(id) => out.push(id.clone()),
            Type::Array(t) | Type::Set(t) | Type::Map(t) => refs(t, out),
            Type::Primitive(_) | Type::Literal(_) | Type::Any => {}
        }
    }
    fn visit(api: &Api, id: &TypeId, seen: &mut BTreeSet<TypeId>, out: &mut Vec<TypeId>) {
        let Some(def) = api.type_def(id) else { return };
        if matches!(def.kind, TypeKind::Object(_)) || !seen.insert(id.clone()) {
            return;
        }
        let mut deps = Vec::new();
        match &def.kind {
            TypeKind::Union(u) => u.variants.iter().for_each(|v| refs(&v.ty, &mut deps)),
            TypeKind::Alias { target } => refs(target, &mut deps),
            TypeKind::Object(_) | TypeKind::Enum(_) | TypeKind::AllOf { .. } => {}
        }
        for dep in &deps {
            visit(api, dep, seen, out);
        }
        out.push(id.clone());
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for id in api.types.keys() {
        visit(api, id, &mut seen, &mut out);
    }
    out
}

fn model(r: &mut Render<'_>, w: &mut Writer, def: &TypeDef, object: &Object) {
    let name = r.names.type_name(&def.id).to_owned();
    let fields = r.names.fields.get(&def.id).cloned().unwrap_or_default();
    w.block(&format!("class {name}(_rt.WireModel):"), "", |w| {
        let docs = docs_with_deprecation(def.docs.as_deref(), def.deprecated);
        pystr::docstring(w, &docs);
        if object.properties.is_empty() && docs.trim().is_empty() {
            w.line("pass");
        }
        for (property, field) in object.properties.iter().zip(&fields) {
            let line = field_line(r, property, field);
            w.line(line);
        }
    });
}

fn field_line(r: &mut Render<'_>, p: &Property, field: &str) -> String {
    let mut args: Vec<String> = Vec::new();
    let constant = match &p.ty {
        Type::Literal(v) if pystr::is_literal_value(v) && !v.is_null() => Some(v.clone()),
        _ => None,
    };
    let optional = p.nullable || (!p.required && constant.is_none());
    let annotation = if optional {
        r.optional(&p.ty, Ctx::Annotation)
    } else {
        r.ty(&p.ty, Ctx::Annotation)
    };
    let default = if let Some(value) = &constant {
        Some(pystr::literal(value))
    } else if !p.required {
        Some(match &p.default {
            Some(value) if r.default_fits(&p.ty, value) => pystr::literal(value),
            _ => "None".to_owned(),
        })
    } else {
        None
    };
    if let Some(default) = &default {
        args.push(format!("default={default}"));
    }
    if field != p.name.wire {
        let wire = pystr::string(&p.name.wire);
        args.push(format!("validation_alias={wire}"));
        args.push(format!("serialization_alias={wire}"));
    }
    let mut docs = docs_with_deprecation(p.docs.as_deref(), p.deprecated);
    if let Some(value) = &p.default
        && default.as_deref() == Some("None")
    {
        docs = format!(
            "{}{}Defaults to `{value}` on the server.",
            docs.trim_end(),
            if docs.trim().is_empty() { "" } else { " " }
        );
    }
    let docs = pystr::doc_lines(&docs).join("\n");
    if !docs.is_empty() {
        args.push(format!("description={}", pystr::string(&docs)));
    }
    match (default, args.len()) {
        (None, 0) => format!("{field}: {annotation}"),
        (Some(default), 1) => format!("{field}: {annotation} = {default}"),
        _ => {
            r.imports.add("pydantic", "Field");
            format!("{field}: {annotation} = Field({})", args.join(", "))
        }
    }
}

fn alias(r: &mut Render<'_>, w: &mut Writer, def: &TypeDef) {
    let name = r.names.type_name(&def.id).to_owned();
    let mut docs = docs_with_deprecation(def.docs.as_deref(), def.deprecated);
    let value = match &def.kind {
        TypeKind::Object(_) => unreachable!("objects are models"),
        TypeKind::Enum(e)
            if e.values.iter().all(|v| pystr::is_literal_value(&v.value))
                && !e.values.is_empty() =>
        {
            r.imports.add("typing", "Literal");
            let values: Vec<String> = e.values.iter().map(|v| pystr::literal(&v.value)).collect();
            format!("Literal[{}]", values.join(", "))
        }
        TypeKind::Enum(_) => r.any(),
        TypeKind::Union(union) => union_value(r, union),
        TypeKind::AllOf { parts } => {
            let parts: Vec<String> = parts.iter().map(|p| describe(r, p)).collect();
            docs = format!(
                "{}\n\nAll of: {} (these could not be merged into one model).",
                docs.trim_end(),
                parts.join(", ")
            );
            r.any()
        }
        TypeKind::Alias { target } => r.ty(target, Ctx::Alias),
    };
    r.imports.add("typing", "TypeAlias");
    pystr::comment(w, &docs);
    w.line(format!("{name}: TypeAlias = {value}"));
}

fn union_value(r: &mut Render<'_>, union: &Union) -> String {
    let members: Vec<String> = union
        .variants
        .iter()
        .map(|v| r.ty(&v.ty, Ctx::Alias))
        .collect();
    let plain = r.union(members.clone(), Ctx::Alias);
    let Some(field) = discriminator_field(r, union) else {
        return plain;
    };
    if !(plain.starts_with("Union[") || plain.contains(" | ")) {
        return plain;
    }
    r.imports.add("typing", "Annotated");
    r.imports.add("pydantic", "Field");
    format!(
        "Annotated[{plain}, Field(discriminator={})]",
        pystr::string(&field)
    )
}

/// The Python field name pydantic can discriminate the union on: every variant is a model
/// with that field holding a distinct constant, under the same Python name.
fn discriminator_field(r: &Render<'_>, union: &Union) -> Option<String> {
    let wire = union.discriminator.as_deref()?;
    let mut field_name: Option<String> = None;
    let mut seen: Vec<&Value> = Vec::new();
    for variant in &union.variants {
        let Type::Ref(id) = &variant.ty else {
            return None;
        };
        let def = r.api.type_def(id)?;
        let TypeKind::Object(object) = &def.kind else {
            return None;
        };
        let index = object.properties.iter().position(|p| p.name.wire == wire)?;
        let Type::Literal(value) = &object.properties[index].ty else {
            return None;
        };
        if !value.is_string() || seen.contains(&value) {
            return None;
        }
        seen.push(value);
        let name = r.names.fields.get(id)?.get(index)?.clone();
        match &field_name {
            Some(existing) if *existing != name => return None,
            _ => field_name = Some(name),
        }
    }
    field_name
}

/// A short description of a type for docs.
fn describe(r: &Render<'_>, ty: &Type) -> String {
    match ty {
        Type::Ref(id) => format!("`{}`", r.names.type_name(id)),
        other => format!("`{}`", serde_json::to_string(other).unwrap_or_default()),
    }
}

pub fn docs_with_deprecation(docs: Option<&str>, deprecated: bool) -> String {
    let docs = docs.unwrap_or("").trim().to_owned();
    if !deprecated {
        return docs;
    }
    if docs.is_empty() {
        "Deprecated.".to_owned()
    } else {
        format!("Deprecated. {docs}")
    }
}
