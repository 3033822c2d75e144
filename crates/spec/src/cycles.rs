//! Marks the type definitions that take part in a reference cycle, so generators know
//! where to box. Language-neutral: any loader calls [`mark_cycles`] once its type
//! table is complete.
//!
//! A definition is cyclic when it can reach itself through [`Type::Ref`]s: it lies in
//! a strongly connected component of more than one node, or refers to itself. The
//! components come from an iterative Tarjan walk, so deep graphs cannot overflow the
//! stack.
//!
//! A cycle with nothing but aliases and `allOf` parts on it (`A = B`, `B = A`, or
//! `A = allOf[A]`) is different: no value has that shape and no language can declare
//! it, so [`unguarded_cycles`] finds them for the loaders to report as errors.

use std::collections::BTreeMap;

use crate::ir::{AdditionalProperties, Type, TypeDef, TypeId, TypeKind};

/// Sets [`TypeDef::cyclic`] on every definition in `types`.
pub fn mark_cycles(types: &mut BTreeMap<TypeId, TypeDef>) {
    let ids: Vec<&TypeId> = types.keys().collect();
    let index_of = |id: &TypeId| ids.binary_search(&id).ok();
    let edges: Vec<Vec<usize>> = types
        .values()
        .map(|def| {
            let mut refs = Vec::new();
            kind_refs(&def.kind, &mut refs);
            refs.iter().filter_map(|id| index_of(id)).collect()
        })
        .collect();
    let cyclic = cyclic_nodes(&edges);
    for (def, is_cyclic) in types.values_mut().zip(cyclic) {
        def.cyclic = is_cyclic;
    }
}

/// The definitions that reach themselves through aliases and `allOf` parts alone, with
/// no object, union, array or map in between.
pub fn unguarded_cycles(types: &BTreeMap<TypeId, TypeDef>) -> Vec<&TypeId> {
    let ids: Vec<&TypeId> = types.keys().collect();
    let index_of = |id: &TypeId| ids.binary_search(&id).ok();
    let edges: Vec<Vec<usize>> = types
        .values()
        .map(|def| {
            let direct: Vec<&Type> = match &def.kind {
                TypeKind::Alias { target } => vec![target],
                TypeKind::AllOf { parts } => parts.iter().collect(),
                TypeKind::Object(_) | TypeKind::Enum(_) | TypeKind::Union(_) => Vec::new(),
            };
            direct
                .into_iter()
                .filter_map(|ty| match ty {
                    Type::Ref(id) => index_of(id),
                    _ => None,
                })
                .collect()
        })
        .collect();
    ids.iter()
        .zip(cyclic_nodes(&edges))
        .filter_map(|(id, cyclic)| cyclic.then_some(*id))
        .collect()
}

/// The ids a definition refers to directly.
fn kind_refs<'a>(kind: &'a TypeKind, out: &mut Vec<&'a TypeId>) {
    match kind {
        TypeKind::Object(object) => {
            for property in &object.properties {
                type_refs(&property.ty, out);
            }
            if let AdditionalProperties::Typed(ty) = &object.additional {
                type_refs(ty, out);
            }
        }
        TypeKind::Enum(_) => {}
        TypeKind::Union(union) => {
            for variant in &union.variants {
                type_refs(&variant.ty, out);
            }
        }
        TypeKind::AllOf { parts } => {
            for part in parts {
                type_refs(part, out);
            }
        }
        TypeKind::Alias { target } => type_refs(target, out),
    }
}

fn type_refs<'a>(ty: &'a Type, out: &mut Vec<&'a TypeId>) {
    match ty {
        Type::Ref(id) => out.push(id),
        Type::Array(inner) | Type::Set(inner) | Type::Map(inner) => type_refs(inner, out),
        Type::Primitive(_) | Type::Literal(_) | Type::Any => {}
    }
}

/// For each node, whether it lies on a cycle (iterative Tarjan SCC).
fn cyclic_nodes(edges: &[Vec<usize>]) -> Vec<bool> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut cyclic = vec![false; n];
    let mut next = 0;
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        // (node, position of the next edge to look at)
        let mut work = vec![(start, 0)];
        index[start] = next;
        low[start] = next;
        next += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (v, ref mut edge)) = work.last_mut() {
            if let Some(&w) = edges[v].get(*edge) {
                *edge += 1;
                if w == v {
                    cyclic[v] = true;
                }
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    for w in component {
                        cyclic[w] = true;
                    }
                }
            }
        }
    }
    cyclic
}

#[cfg(test)]
mod tests {
    use super::cyclic_nodes;

    #[test]
    fn finds_self_loops_and_components() {
        // 0 → 1 → 2 → 1, 3 → 3, 4 alone
        let edges = vec![vec![1], vec![2], vec![1], vec![3], vec![]];
        assert_eq!(cyclic_nodes(&edges), [false, true, true, true, false]);
    }
}
