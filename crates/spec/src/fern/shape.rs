//! Finishes the drafts into IR type definitions.
//!
//! - `extends` is flattened: an object's properties are those of every type it extends
//!   (in order, recursively), then its own. A property defined twice is an error, and
//!   so is a cycle of `extends`.
//! - A discriminated union gets one synthesized object per variant, holding the
//!   discriminant as a [`Type::Literal`] property, the union's `base-properties`, and
//!   the variant type's properties (an object type is spread in; any other type is
//!   wrapped under the variant's `key`, default `value`), so generators can build
//!   tagged unions without knowing Fern's rules.
//! - An undiscriminated union whose variants are all objects with a literal property
//!   of the same name and distinct values gets that property as its discriminator: it
//!   is discriminated in fact, if not in name. Literals are found by
//!   [`crate::recognize::literal_fields`], the rule message recognition uses too.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diagnostics::{Diagnostic, Location};
use crate::ir::{
    AdditionalProperties, Name, Object, Property, Type, TypeDef, TypeId, TypeKind, Union,
    UnionMode, Variant,
};

use super::types::{Body, Draft, Drafts, NameHint, Prop, TaggedVariant};

/// The finished definitions, and the hints their final names will come from.
pub struct Shaped {
    pub defs: BTreeMap<TypeId, TypeDef>,
    pub hints: BTreeMap<TypeId, NameHint>,
}

pub fn shape(drafts: &Drafts, diags: &mut Vec<Diagnostic>) -> Shaped {
    let mut flat: BTreeMap<TypeId, Vec<Prop>> = BTreeMap::new();
    let ids: Vec<TypeId> = drafts.keys().cloned().collect();
    for id in &ids {
        let mut visiting = Vec::new();
        flatten(drafts, id, &mut flat, &mut visiting, diags);
    }
    let mut out = Shaped {
        defs: BTreeMap::new(),
        hints: BTreeMap::new(),
    };
    for (id, draft) in drafts {
        let kind = match &draft.body {
            Body::Object { .. } => TypeKind::Object(object(flat.get(id))),
            Body::Tagged {
                discriminant,
                base,
                variants,
            } => {
                let mut union = Union {
                    mode: UnionMode::OneOf,
                    discriminator: Some(discriminant.clone()),
                    variants: Vec::new(),
                };
                for variant in variants {
                    let child = TypeId(format!("{}/{}", id.0, variant.tag));
                    let props = variant_props(drafts, &flat, discriminant, base, variant);
                    let def = skeleton(&child, None, false, TypeKind::Object(object(Some(&props))));
                    let hint = NameHint::Child {
                        parent: id.clone(),
                        suffix: variant.name.pascal.clone(),
                    };
                    out.defs.insert(child.clone(), def);
                    out.hints.insert(child.clone(), hint);
                    union.variants.push(Variant {
                        name: variant.name.clone(),
                        ty: Type::Ref(child),
                        tag: Some(Value::String(variant.tag.clone())),
                        docs: variant.docs.clone(),
                    });
                }
                TypeKind::Union(union)
            }
            Body::Done(kind) => kind.clone(),
        };
        let def = skeleton(id, draft.docs.clone(), draft.deprecated, kind);
        out.defs.insert(id.clone(), def);
        out.hints.insert(id.clone(), draft.hint.clone());
    }
    infer_discriminators(&mut out.defs);
    out
}

/// A definition whose name is decided later.
pub fn skeleton(id: &TypeId, docs: Option<String>, deprecated: bool, kind: TypeKind) -> TypeDef {
    TypeDef {
        id: id.clone(),
        name: Name::new(&id.0),
        named: false,
        docs,
        deprecated,
        cyclic: false,
        kind,
    }
}

fn object(props: Option<&Vec<Prop>>) -> Object {
    Object {
        properties: props
            .map(|p| p.iter().map(|p| p.property.clone()).collect())
            .unwrap_or_default(),
        additional: AdditionalProperties::Any,
    }
}

/// Follows aliases from `id` to the definition they end at.
fn through_aliases<'a>(drafts: &'a Drafts, id: &'a TypeId) -> Option<(&'a TypeId, &'a Draft)> {
    let mut seen = BTreeSet::new();
    let mut current = id;
    loop {
        let draft = drafts.get(current)?;
        match &draft.body {
            Body::Done(TypeKind::Alias {
                target: Type::Ref(next),
            }) => {
                if !seen.insert(current) {
                    return None;
                }
                current = next;
            }
            _ => return Some((current, draft)),
        }
    }
}

/// Computes the flattened properties of object `id` into `flat` (memoized).
fn flatten(
    drafts: &Drafts,
    id: &TypeId,
    flat: &mut BTreeMap<TypeId, Vec<Prop>>,
    visiting: &mut Vec<TypeId>,
    diags: &mut Vec<Diagnostic>,
) {
    if flat.contains_key(id) {
        return;
    }
    let Some(Draft {
        body: Body::Object { props, extends },
        ..
    }) = drafts.get(id)
    else {
        return;
    };
    visiting.push(id.clone());
    let mut out: Vec<Prop> = Vec::new();
    for (parent, at) in extends {
        let Some((target, draft)) = through_aliases(drafts, parent) else {
            continue;
        };
        if visiting.contains(target) {
            diags.push(Diagnostic::error(
                "F0109",
                format!("`{}` extends itself through `{}`", short(id), short(parent)),
                at.clone(),
            ));
            continue;
        }
        if !matches!(draft.body, Body::Object { .. }) {
            diags.push(Diagnostic::error(
                "F0107",
                format!(
                    "`extends` must name an object type; `{}` is not one",
                    short(parent)
                ),
                at.clone(),
            ));
            continue;
        }
        flatten(drafts, target, flat, visiting, diags);
        for prop in flat.get(target).into_iter().flatten() {
            add(&mut out, prop.property.clone(), at, diags);
        }
    }
    for prop in props {
        add(&mut out, prop.property.clone(), &prop.location, diags);
    }
    visiting.pop();
    flat.insert(id.clone(), out);
}

fn add(out: &mut Vec<Prop>, property: Property, at: &Location, diags: &mut Vec<Diagnostic>) {
    if out
        .iter()
        .any(|p| p.property.name.wire == property.name.wire)
    {
        diags.push(
            Diagnostic::error(
                "F0106",
                format!("property `{}` is defined twice", property.name.wire),
                at.clone(),
            )
            .with_hint("an object may not redefine a property of a type it extends"),
        );
        return;
    }
    out.push(Prop {
        property,
        location: at.clone(),
    });
}

/// The properties of one synthesized variant object.
fn variant_props(
    drafts: &Drafts,
    flat: &BTreeMap<TypeId, Vec<Prop>>,
    discriminant: &str,
    base: &[Prop],
    variant: &TaggedVariant,
) -> Vec<Prop> {
    let tag = Property {
        name: Name::new(discriminant),
        ty: Type::Literal(Value::String(variant.tag.clone())),
        required: true,
        nullable: false,
        default: None,
        docs: None,
        deprecated: false,
    };
    let mut props = vec![Prop {
        property: tag,
        location: variant.location.clone(),
    }];
    props.extend(base.iter().map(|p| Prop {
        property: p.property.clone(),
        location: p.location.clone(),
    }));
    let spread = match &variant.ty {
        Some(Type::Ref(target)) => through_aliases(drafts, target)
            .filter(|(_, d)| matches!(d.body, Body::Object { .. }))
            .map(|(t, _)| flat.get(t).map(Vec::as_slice).unwrap_or_default()),
        _ => None,
    };
    match (spread, &variant.ty) {
        (Some(spread), _) => {
            for prop in spread {
                // The discriminant always wins over a same-named property of the variant.
                if !props
                    .iter()
                    .any(|p| p.property.name.wire == prop.property.name.wire)
                {
                    props.push(Prop {
                        property: prop.property.clone(),
                        location: prop.location.clone(),
                    });
                }
            }
        }
        (None, Some(ty)) => props.push(Prop {
            property: Property {
                name: Name::new(&variant.key),
                ty: ty.clone(),
                required: true,
                nullable: false,
                default: None,
                docs: None,
                deprecated: false,
            },
            location: variant.location.clone(),
        }),
        (None, None) => {}
    }
    props
}

/// Picks a property that all `members` hold as a literal, with pairwise distinct
/// values; `type` is preferred, then the first in declaration order.
fn common_tag(members: &[Vec<(String, Value)>]) -> Option<String> {
    let first = members.first()?;
    let mut candidates: Vec<&str> = first.iter().map(|(k, _)| k.as_str()).collect();
    candidates.sort_by_key(|k| *k != "type");
    candidates
        .into_iter()
        .find(|key| {
            let mut values = Vec::new();
            members
                .iter()
                .all(|m| match m.iter().find(|(k, _)| k == key) {
                    Some((_, v)) if !values.contains(&v) => {
                        values.push(v);
                        true
                    }
                    _ => false,
                })
        })
        .map(str::to_owned)
}

fn infer_discriminators(types: &mut BTreeMap<TypeId, TypeDef>) {
    let mut found = Vec::new();
    for (id, def) in types.iter() {
        let TypeKind::Union(union) = &def.kind else {
            continue;
        };
        if union.discriminator.is_some() || union.variants.len() < 2 {
            continue;
        }
        let members: Option<Vec<_>> = union
            .variants
            .iter()
            .map(|v| object_literals(types, &v.ty))
            .collect();
        let Some(members) = members else { continue };
        if let Some(tag) = common_tag(&members) {
            let tags: Vec<Value> = members
                .iter()
                .filter_map(|m| m.iter().find(|(k, _)| *k == tag).map(|(_, v)| v.clone()))
                .collect();
            found.push((id.clone(), tag, tags));
        }
    }
    for (id, tag, tags) in found {
        if let Some(TypeDef {
            kind: TypeKind::Union(union),
            ..
        }) = types.get_mut(&id)
        {
            union.discriminator = Some(tag);
            for (variant, value) in union.variants.iter_mut().zip(tags) {
                variant.tag = Some(value);
            }
        }
    }
}

/// The literal properties of the object `ty` refers to; `None` when it is not
/// an object (a union variant that is a string, say, leaves the union undiscriminated).
fn object_literals(types: &BTreeMap<TypeId, TypeDef>, ty: &Type) -> Option<Vec<(String, Value)>> {
    let Type::Ref(id) = ty else { return None };
    let mut def = types.get(id)?;
    for _ in 0..16 {
        match &def.kind {
            TypeKind::Object(_) => return Some(crate::recognize::literal_fields(ty, types)),
            TypeKind::Alias {
                target: Type::Ref(next),
            } => def = types.get(next)?,
            _ => return None,
        }
    }
    None
}

/// The type name part of an id, for messages.
fn short(id: &TypeId) -> &str {
    id.0.rsplit('/').next().unwrap_or(&id.0)
}
