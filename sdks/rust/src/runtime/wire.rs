//! Serde helpers for the shapes generated models cannot express with derives alone:
//! fixed (literal) values, and unions told apart by a tag property that keep unknown
//! variants instead of failing.

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// Serializes the literal whose JSON text is `json`.
pub fn serialize_literal<S: Serializer>(json: &str, serializer: S) -> Result<S::Ok, S::Error> {
    let value: Value = serde_json::from_str(json).map_err(S::Error::custom)?;
    value.serialize(serializer)
}

/// Reads a value, checks that it is the literal whose JSON text is `json`, and returns
/// `marker` (the unit type standing for that literal).
pub fn deserialize_literal<'de, D: Deserializer<'de>, T>(
    json: &str,
    deserializer: D,
    marker: T,
) -> Result<T, D::Error> {
    let found = Value::deserialize(deserializer)?;
    let expected: Value = serde_json::from_str(json).map_err(D::Error::custom)?;
    if found == expected {
        Ok(marker)
    } else {
        Err(D::Error::custom(format!("expected {json}, found {found}")))
    }
}

/// Serializes one variant of a tagged union: the variant's own fields with the tag
/// property added when the variant does not already carry it.
pub fn serialize_tagged<S: Serializer, T: Serialize>(
    property: &str,
    tag: &str,
    variant: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut value = serde_json::to_value(variant).map_err(S::Error::custom)?;
    if let Value::Object(fields) = &mut value {
        fields
            .entry(property)
            .or_insert_with(|| Value::String(tag.to_owned()));
    }
    value.serialize(serializer)
}

/// The tag of a received value: the string at `property`, when there is one.
pub fn tag<'v>(value: &'v Value, property: &str) -> Option<&'v str> {
    value.get(property).and_then(Value::as_str)
}

/// Reads one variant of a tagged union from an already parsed value and wraps it.
pub fn variant<T, U, E>(value: Value, wrap: fn(T) -> U) -> Result<U, E>
where
    T: serde::de::DeserializeOwned,
    E: serde::de::Error,
{
    serde_json::from_value(value).map(wrap).map_err(E::custom)
}
