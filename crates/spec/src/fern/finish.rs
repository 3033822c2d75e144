//! The last steps before the IR is handed out: keep the types the channels use, give
//! every type, property, enum value and variant its final unique name, and mark the
//! definitions that take part in a cycle.
//!
//! Only types reachable from a channel stay: a Fern definition also describes REST
//! endpoints, whose types a WebSocket client has no use for. Every file's types are
//! still checked, reachable or not.
//!
//! Type names are unique per API ([`Scope::claim`]). Fern scopes names per file, so the
//! same name in two files is legal there; here each such type is prefixed with its
//! package path (`SubscribeEvent` in `empathic-voice/__package__.yml` becomes
//! `EmpathicVoiceSubscribeEvent`), keeping its Fern name as the wire name.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Channel, Name, Type, TypeDef, TypeId, TypeKind};
use crate::naming::Scope;

use super::shape::Shaped;
use super::types::NameHint;

pub fn finish(shaped: Shaped, channels: &[Channel]) -> BTreeMap<TypeId, TypeDef> {
    let Shaped { mut defs, hints } = shaped;
    let keep = reachable(&defs, channels);
    defs.retain(|id, _| keep.contains(id));
    name_types(&mut defs, &hints);
    for def in defs.values_mut() {
        name_members(def);
    }
    name_variants(&mut defs);
    crate::cycles::mark_cycles(&mut defs);
    defs
}

/// Every type a channel's parameters, headers or messages reach.
fn reachable(defs: &BTreeMap<TypeId, TypeDef>, channels: &[Channel]) -> BTreeSet<TypeId> {
    let mut todo = Vec::new();
    for channel in channels {
        let params = channel
            .path_params
            .iter()
            .chain(&channel.query)
            .chain(&channel.headers);
        for param in params {
            refs(&param.ty, &mut todo);
        }
        for message in channel.send.iter().chain(&channel.receive) {
            refs(&message.payload, &mut todo);
        }
    }
    let mut seen = BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        if let Some(def) = defs.get(&id) {
            kind_refs(&def.kind, &mut todo);
        }
    }
    seen
}

/// The ids a type expression refers to directly.
pub fn refs(ty: &Type, out: &mut Vec<TypeId>) {
    match ty {
        Type::Ref(id) => out.push(id.clone()),
        Type::Array(inner) | Type::Set(inner) | Type::Map(inner) => refs(inner, out),
        Type::Primitive(_) | Type::Literal(_) | Type::Any => {}
    }
}

fn kind_refs(kind: &TypeKind, out: &mut Vec<TypeId>) {
    match kind {
        TypeKind::Object(object) => {
            for p in &object.properties {
                refs(&p.ty, out);
            }
            if let crate::ir::AdditionalProperties::Typed(ty) = &object.additional {
                refs(ty, out);
            }
        }
        TypeKind::Union(union) => {
            for v in &union.variants {
                refs(&v.ty, out);
            }
        }
        TypeKind::AllOf { parts } => {
            for p in parts {
                refs(p, out);
            }
        }
        TypeKind::Alias { target } => refs(target, out),
        TypeKind::Enum(_) => {}
    }
}

fn name_types(defs: &mut BTreeMap<TypeId, TypeDef>, hints: &BTreeMap<TypeId, NameHint>) {
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for id in defs.keys() {
        if let Some(NameHint::Named { fern, .. }) = hints.get(id) {
            *uses.entry(fern).or_default() += 1;
        }
    }
    let mut scope = Scope::new();
    let mut decided: BTreeMap<TypeId, Name> = BTreeMap::new();
    for id in defs.keys() {
        if let Some(NameHint::Named { fern, package }) = hints.get(id) {
            let text = if uses.get(fern.as_str()) > Some(&1) && !package.is_empty() {
                format!("{} {fern}", package.join(" "))
            } else {
                fern.clone()
            };
            let mut name = Name::new(&text);
            name.wire = fern.clone();
            decided.insert(id.clone(), scope.claim(name));
        }
    }
    for id in defs.keys() {
        let text = match hints.get(id) {
            Some(NameHint::Child { parent, suffix }) => {
                let parent = decided.get(parent).map_or("", |n| n.pascal.as_str());
                format!("{parent}{suffix}")
            }
            Some(NameHint::Fixed(text)) => text.clone(),
            _ => continue,
        };
        let mut name = Name::new(&text);
        name.wire = name.pascal.clone();
        decided.insert(id.clone(), scope.claim(name));
    }
    for (id, def) in defs.iter_mut() {
        def.named = matches!(hints.get(id), Some(NameHint::Named { .. }));
        if let Some(name) = decided.remove(id) {
            def.name = name;
        }
    }
}

/// Makes property and enum value names unique within their type.
fn name_members(def: &mut TypeDef) {
    let mut scope = Scope::new();
    match &mut def.kind {
        TypeKind::Object(object) => {
            for p in &mut object.properties {
                p.name = scope.claim(p.name.clone());
            }
        }
        TypeKind::Enum(e) => {
            for v in &mut e.values {
                v.name = scope.claim(v.name.clone());
            }
        }
        _ => {}
    }
}

/// Makes variant names unique within their union. Variants of undiscriminated unions
/// are named after the type they hold, now that those types have their final names;
/// those of discriminated unions keep their tag's name.
fn name_variants(defs: &mut BTreeMap<TypeId, TypeDef>) {
    let names: BTreeMap<TypeId, Name> = defs
        .iter()
        .map(|(id, d)| (id.clone(), d.name.clone()))
        .collect();
    for def in defs.values_mut() {
        let TypeKind::Union(union) = &mut def.kind else {
            continue;
        };
        let prefix = format!("{}/", def.id.0);
        let mut scope = Scope::new();
        for v in &mut union.variants {
            if let Type::Ref(id) = &v.ty
                && !id.0.starts_with(&prefix)
                && let Some(name) = names.get(id)
            {
                v.name = Name::new(&name.pascal);
            }
            v.name = scope.claim(v.name.clone());
        }
    }
}
