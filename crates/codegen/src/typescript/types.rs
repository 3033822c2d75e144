//! `src/types.ts`: one exported interface or type alias per IR type, and the type
//! expressions every other file uses.
//!
//! Objects become interfaces keyed by wire names (the JSON as it travels), enums become
//! string-literal unions, unions with a discriminator become discriminated unions, and
//! maps become `Record<string, T>`. Cycles need no indirection: TypeScript resolves
//! recursive interfaces and aliases by name.

use duplex_spec::ir::{
    AdditionalProperties, Api, Object, Primitive, Type, TypeDef, TypeKind, Union,
};
use serde_json::Value;

use super::names::{Names, api_label};
use super::tsdoc::{self, Doc};
use crate::writer::Writer;

/// The whole `types.ts`.
pub fn file(api: &Api, names: &Names) -> String {
    let mut w = Writer::new("  ");
    w.line(format!(
        "// Types of the {}, generated from its definition. Do not edit.",
        api_label(api)
    ));
    if api.types.is_empty() {
        w.line("");
        w.line("export {};");
    }
    for def in api.types.values() {
        w.line("");
        declaration(&mut w, api, def, names);
    }
    w.finish()
}

/// A TypeScript type expression for `ty`.
pub fn expr(ty: &Type, names: &Names) -> String {
    match ty {
        Type::Primitive(p) => primitive(*p).to_owned(),
        Type::Ref(id) => names.type_name(id).to_owned(),
        Type::Array(item) | Type::Set(item) => {
            let item = expr(item, names);
            if item.contains(" | ") || item.contains(" & ") {
                format!("({item})[]")
            } else {
                format!("{item}[]")
            }
        }
        Type::Map(value) => format!("Record<string, {}>", expr(value, names)),
        Type::Literal(value) => literal(value),
        Type::Any => "unknown".to_owned(),
    }
}

/// Doc notes about how a type is represented in JavaScript, for the property's TSDoc.
pub fn notes(ty: &Type) -> Vec<&'static str> {
    let mut notes = Vec::new();
    collect_notes(ty, &mut notes);
    notes
}

fn collect_notes(ty: &Type, notes: &mut Vec<&'static str>) {
    let note = match ty {
        Type::Primitive(Primitive::Int64) => {
            "A 64-bit integer, typed as `number`: JavaScript numbers are exact only up to 2^53."
        }
        Type::Primitive(Primitive::Date) => "An RFC 3339 date, such as `2024-01-31`.",
        Type::Primitive(Primitive::DateTime) => "An RFC 3339 date-time string.",
        Type::Primitive(Primitive::Bytes) => "Base64-encoded bytes.",
        Type::Primitive(Primitive::Uuid) => "A UUID string.",
        Type::Set(item) => {
            collect_notes(item, notes);
            "Items are unique."
        }
        Type::Array(item) | Type::Map(item) => return collect_notes(item, notes),
        _ => return,
    };
    if !notes.contains(&note) {
        notes.push(note);
    }
}

fn primitive(p: Primitive) -> &'static str {
    match p {
        Primitive::String
        | Primitive::Date
        | Primitive::DateTime
        | Primitive::Uuid
        | Primitive::Bytes => "string",
        Primitive::Int32 | Primitive::Int64 | Primitive::Float | Primitive::Double => "number",
        Primitive::Boolean => "boolean",
    }
}

/// A JSON value as a TypeScript literal type (JSON is valid type syntax).
pub fn literal(value: &Value) -> String {
    value.to_string()
}

fn declaration(w: &mut Writer, api: &Api, def: &TypeDef, names: &Names) {
    let name = names.type_name(&def.id);
    let doc = Doc::new(def.docs.as_deref()).deprecated(def.deprecated);
    match &def.kind {
        TypeKind::Object(object) => {
            doc.write(w);
            object_interface(w, name, object, names);
        }
        TypeKind::Enum(e) => {
            let mut doc = doc;
            for value in &e.values {
                if let Some(docs) = &value.docs {
                    doc = doc.note(&format!("- `{}`: {}", literal(&value.value), docs.trim()));
                }
            }
            doc.write(w);
            let values: Vec<String> = e.values.iter().map(|v| literal(&v.value)).collect();
            alias(w, name, &values);
        }
        TypeKind::Union(union) => {
            doc.write(w);
            union_alias(w, api, name, union, names);
        }
        TypeKind::AllOf { parts } => {
            doc.write(w);
            let parts: Vec<String> = parts.iter().map(|p| expr(p, names)).collect();
            let body = if parts.is_empty() {
                "unknown".to_owned()
            } else {
                parts.join(" & ")
            };
            w.line(format!("export type {name} = {body};"));
        }
        TypeKind::Alias { target } => {
            let mut doc = doc;
            for note in notes(target) {
                doc = doc.note(note);
            }
            doc.write(w);
            w.line(format!("export type {name} = {};", expr(target, names)));
        }
    }
}

fn object_interface(w: &mut Writer, name: &str, object: &Object, names: &Names) {
    w.block(&format!("export interface {name} {{"), "}", |w| {
        for property in &object.properties {
            let mut doc = Doc::new(property.docs.as_deref()).deprecated(property.deprecated);
            for note in notes(&property.ty) {
                doc = doc.note(note);
            }
            if let Some(default) = &property.default {
                doc = doc.note(&format!("Default: `{default}`."));
            }
            doc.write(w);
            let optional = if property.required { "" } else { "?" };
            let null = if property.nullable { " | null" } else { "" };
            w.line(format!(
                "{}{optional}: {}{null};",
                tsdoc::key(&property.name.wire),
                expr(&property.ty, names)
            ));
        }
        match &object.additional {
            AdditionalProperties::Typed(value) if object.properties.is_empty() => {
                w.line(format!("[key: string]: {};", expr(value, names)));
            }
            AdditionalProperties::Typed(_) => {
                w.line("/** Further properties, typed in the spec beyond what TypeScript can check here. */");
                w.line("[key: string]: unknown;");
            }
            AdditionalProperties::Any if object.properties.is_empty() => {
                w.line("[key: string]: unknown;");
            }
            AdditionalProperties::Any | AdditionalProperties::Forbidden => {}
        }
    });
}

fn union_alias(w: &mut Writer, api: &Api, name: &str, union: &Union, names: &Names) {
    if union.variants.is_empty() {
        w.line(format!("export type {name} = never;"));
        return;
    }
    w.block(&format!("export type {name} ="), "", |w| {
        let last = union.variants.len() - 1;
        for (index, variant) in union.variants.iter().enumerate() {
            Doc::new(variant.docs.as_deref()).write(w);
            let ty = match (&union.discriminator, &variant.tag) {
                (Some(property), Some(tag)) => tagged(api, property, tag, &variant.ty, names),
                _ => expr(&variant.ty, names),
            };
            let end = if index == last { ";" } else { "" };
            w.line(format!("| {ty}{end}"));
        }
    });
}

/// One variant of a discriminated union: the variant itself when its object already
/// declares the discriminator, else the discriminator intersected with the object, or
/// (for a non-object variant) `{ <discriminator>: tag; value: T }` as Fern sends it.
fn tagged(api: &Api, property: &str, tag: &Value, ty: &Type, names: &Names) -> String {
    let key = tsdoc::key(property);
    let tag = literal(tag);
    let Some(object) = object_of(api, ty) else {
        return format!("{{ {key}: {tag}; value: {} }}", expr(ty, names));
    };
    if object.properties.iter().any(|p| p.name.wire == property) {
        expr(ty, names)
    } else {
        format!("({{ {key}: {tag} }} & {})", expr(ty, names))
    }
}

/// The object a type refers to, following aliases.
pub fn object_of<'a>(api: &'a Api, ty: &Type) -> Option<&'a Object> {
    let mut ty = ty;
    for _ in 0..api.types.len() + 1 {
        let Type::Ref(id) = ty else { return None };
        match &api.type_def(id)?.kind {
            TypeKind::Object(object) => return Some(object),
            TypeKind::Alias { target } => ty = target,
            _ => return None,
        }
    }
    None
}

fn alias(w: &mut Writer, name: &str, values: &[String]) {
    if values.is_empty() {
        w.line(format!("export type {name} = never;"));
    } else {
        w.line(format!("export type {name} = {};", values.join(" | ")));
    }
}
