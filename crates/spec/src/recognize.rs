//! Language-neutral finishing passes over a loaded channel: the names of the methods
//! that send messages, and how a client tells received messages apart.
//!
//! A message is recognised by a property that holds one constant value (a `const`, a
//! one-value enum, a literal type). When every message of a direction has such a
//! property under the same name with distinct values, that property is the channel's
//! discriminator. Otherwise each message whose constant property value no sibling
//! shares is still recognised by it, and the rest are honestly
//! [`Recognition::Ambiguous`], with the reason; a client tries the recognised ones
//! first.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::ir::{Channel, Message, Recognition, Type, TypeDef, TypeId, TypeKind};
use crate::naming::Scope;

/// Names the send methods and works out recognition for both directions.
pub fn recognize(channel: &mut Channel, types: &BTreeMap<TypeId, TypeDef>) {
    assign_methods(&mut channel.send);
    recognize_side(&mut channel.send, types);
    channel.receive_discriminator = recognize_side(&mut channel.receive, types);
}

/// The message's send method ([`crate::naming::send_method`]: `chat` → `sendChat`,
/// `SendChat` → `sendChat`), unique within the channel. A method name given by the spec
/// (Fern `method-name`) is kept.
fn assign_methods(messages: &mut [Message]) {
    let mut scope = Scope::new();
    for reserved in ["send", "close", "on", "connect"] {
        scope.reserve(reserved);
    }
    for message in messages {
        let wanted = match &message.method {
            Some(method) => method.clone(),
            None => crate::naming::send_method(&message.name),
        };
        message.method = Some(scope.claim(wanted));
    }
}

/// Sets each message's recognition; returns the shared discriminator, if any.
fn recognize_side(messages: &mut [Message], types: &BTreeMap<TypeId, TypeDef>) -> Option<String> {
    if let [only] = messages {
        only.recognition = Recognition::Only;
        return None;
    }
    if messages.is_empty() {
        return None;
    }
    let tags: Vec<Vec<(String, Value)>> = messages
        .iter()
        .map(|m| literal_fields(&m.payload, types))
        .collect();
    let common = tags[0].iter().map(|(p, _)| p).find(|prop| {
        let values: Vec<&Value> = tags
            .iter()
            .filter_map(|t| t.iter().find(|(p, _)| p == *prop).map(|(_, v)| v))
            .collect();
        values.len() == tags.len()
            && values
                .iter()
                .enumerate()
                .all(|(i, v)| !values[..i].contains(v))
    });
    if let Some(prop) = common.cloned() {
        for (message, tags) in messages.iter_mut().zip(&tags) {
            let value = tags
                .iter()
                .find(|(p, _)| *p == prop)
                .map(|(_, v)| v.clone());
            message.recognition = Recognition::Field {
                property: prop.clone(),
                value: value.unwrap_or(Value::Null),
            };
        }
        return Some(prop);
    }
    let count = messages.len();
    for (i, message) in messages.iter_mut().enumerate() {
        // A constant (property, value) that no sibling declares with the same value.
        let own = tags[i].iter().find(|(prop, value)| {
            tags.iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .all(|(_, other)| other.iter().all(|(p, v)| p != prop || v != value))
        });
        message.recognition = match own {
            Some((property, value)) => Recognition::Field {
                property: property.clone(),
                value: value.clone(),
            },
            None if tags[i].is_empty() => Recognition::Ambiguous {
                reason: format!(
                    "the payload of `{}` has no property with a constant value",
                    message.name.wire
                ),
            },
            None => Recognition::Ambiguous {
                reason: format!(
                    "its constant properties do not tell it apart from the other {} messages",
                    count - 1
                ),
            },
        };
    }
    None
}

/// The properties of a payload that hold one constant value (required or not: a
/// `type: {enum: [hello]}` left optional is still a tag in practice), looking
/// through refs, aliases and `allOf` compositions.
pub fn literal_fields(ty: &Type, types: &BTreeMap<TypeId, TypeDef>) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut todo = vec![ty];
    let mut steps = 0;
    while let Some(ty) = todo.pop() {
        steps += 1;
        if steps > 64 {
            break;
        }
        let Type::Ref(id) = ty else {
            continue;
        };
        let Some(def) = types.get(id) else {
            continue;
        };
        match &def.kind {
            TypeKind::Object(object) => {
                for property in &object.properties {
                    if let Some(value) = literal_value(&property.ty, types) {
                        out.push((property.name.wire.clone(), value));
                    }
                }
            }
            TypeKind::Alias { target } => todo.push(target),
            TypeKind::AllOf { parts } => todo.extend(parts),
            TypeKind::Enum(_) | TypeKind::Union(_) => {}
        }
    }
    out
}

/// The one value a type allows: a literal, possibly behind an alias.
fn literal_value(ty: &Type, types: &BTreeMap<TypeId, TypeDef>) -> Option<Value> {
    let mut ty = ty;
    for _ in 0..16 {
        match ty {
            Type::Literal(value) => return Some(value.clone()),
            Type::Ref(id) => match &types.get(id)?.kind {
                TypeKind::Alias { target } => ty = target,
                TypeKind::Enum(e) if e.values.len() == 1 => return Some(e.values[0].value.clone()),
                _ => return None,
            },
            _ => return None,
        }
    }
    None
}
