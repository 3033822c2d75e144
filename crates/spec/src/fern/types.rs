//! Converts the `types:` of every file into draft type definitions.
//!
//! A draft is a type whose references are resolved but whose final shape is not yet
//! known: objects still list what they `extends`, and discriminated unions still hold
//! the variants to be synthesized. `shape` finishes them once every draft exists.

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostic, Location};
use crate::ir::{
    Enum, EnumValue, Name, Property, Type, TypeId, TypeKind, Union, UnionMode, Variant,
};
use crate::source::Node;

use super::declared::{self, availability};
use super::files::FernFile;
use super::resolve::{Symbols, type_id};

/// Every draft of the API, by id.
pub type Drafts = BTreeMap<TypeId, Draft>;

pub struct Draft {
    pub hint: NameHint,
    pub docs: Option<String>,
    pub deprecated: bool,
    pub body: Body,
}

/// Where a type's final name comes from; names are decided last, for reachable types.
#[derive(Debug, Clone)]
pub enum NameHint {
    /// A named Fern type; `package` prefixes it when another file uses the same name.
    Named { fern: String, package: Vec<String> },
    /// A type made up by the loader, named after its parent (`Animal` + `dog`).
    Child { parent: TypeId, suffix: String },
    /// An anonymous type with a name chosen up front (inline message bodies).
    Fixed(String),
}

pub enum Body {
    Object {
        props: Vec<Prop>,
        extends: Vec<(TypeId, Location)>,
    },
    /// A discriminated union, before its variant objects are synthesized.
    Tagged {
        discriminant: String,
        base: Vec<Prop>,
        variants: Vec<TaggedVariant>,
    },
    /// Enums, aliases and undiscriminated unions: already final.
    Done(TypeKind),
}

pub struct Prop {
    pub property: Property,
    pub location: Location,
}

pub struct TaggedVariant {
    /// The discriminant value, which is also the variant's key in the definition.
    pub tag: String,
    pub name: Name,
    /// `None` for a variant with no data beyond the discriminant.
    pub ty: Option<Type>,
    /// The property that holds a non-object variant's value (`key:`, default `value`).
    pub key: String,
    pub docs: Option<String>,
    pub location: Location,
}

/// A name whose wire text is `wire` and whose identifier forms come from Fern's
/// `name:` override when there is one.
pub fn sdk_named(wire: &str, sdk: Option<&str>) -> Name {
    let mut name = Name::new(sdk.unwrap_or(wire));
    name.wire = wire.to_owned();
    name
}

/// Reads the `types:` of every file into `drafts`.
pub fn collect(
    files: &[FernFile],
    symbols: &Symbols,
    drafts: &mut Drafts,
    diags: &mut Vec<Diagnostic>,
) {
    for file in files {
        let Some(types) = file.root.get("types") else {
            continue;
        };
        for entry in types.entries() {
            let reader = Reader {
                file,
                symbols,
                diags: &mut *diags,
            };
            let draft = reader.type_decl(&entry.key, &entry.value);
            drafts.insert(type_id(&file.rel, &entry.key), draft);
        }
    }
}

/// Converts declarations of one file.
pub struct Reader<'a> {
    pub file: &'a FernFile,
    pub symbols: &'a Symbols,
    pub diags: &'a mut Vec<Diagnostic>,
}

impl Reader<'_> {
    fn type_decl(self, name: &str, node: &Node) -> Draft {
        let hint = NameHint::Named {
            fern: name.to_owned(),
            package: self.file.package.clone(),
        };
        self.shape(hint, node)
    }

    /// Converts one type declaration (the value under its name) into a draft.
    pub fn shape(mut self, hint: NameHint, node: &Node) -> Draft {
        let docs = node.str_field("docs", self.diags).map(str::to_owned);
        let deprecated = availability(node, self.diags).as_deref() == Some("deprecated");
        let body = if node.as_str().is_some() {
            self.alias(node)
        } else if !node.is_map() {
            self.diags.push(node.type_error(
                "a type declaration",
                "a type or a mapping with `properties`, `union`, `enum` or `type`",
            ));
            Body::Done(TypeKind::Alias { target: Type::Any })
        } else if node.get("union").is_some() {
            self.union(node)
        } else if let Some(values) = node.get("enum") {
            Body::Done(TypeKind::Enum(self.enumeration(values)))
        } else if node.get("properties").is_some() || node.get("extends").is_some() {
            self.object(node)
        } else if node.get("type").is_some() {
            self.alias(node)
        } else {
            self.object(node)
        };
        Draft {
            hint,
            docs,
            deprecated,
            body,
        }
    }

    fn alias(&mut self, node: &Node) -> Body {
        let target = declared::read(node, "an alias", self.diags).map_or(Type::Any, |d| {
            d.resolve(self.symbols, &self.file.rel, self.diags).ty
        });
        Body::Done(TypeKind::Alias { target })
    }

    /// `properties` and `extends` (a name or a list of names).
    pub fn object(&mut self, node: &Node) -> Body {
        let mut extends = Vec::new();
        if let Some(list) = node.get("extends") {
            let items: Vec<&Node> = match list.as_seq() {
                Some(items) => items.iter().collect(),
                None => vec![list],
            };
            for item in items {
                if let Some(id) = self.named_ref(item, "`extends`") {
                    extends.push((id, item.location()));
                }
            }
        }
        let props = match node.map_field("properties", self.diags) {
            Some(props) => self.properties(props),
            None => Vec::new(),
        };
        Body::Object { props, extends }
    }

    /// A reference that must be a plain type name (`extends`).
    fn named_ref(&mut self, node: &Node, what: &str) -> Option<TypeId> {
        let Some(text) = node.as_str() else {
            self.diags.push(node.type_error(what, "a type name"));
            return None;
        };
        match declared::parse(text, node, self.diags)? {
            super::type_expr::TypeExpr::Named { import, name } => {
                self.symbols
                    .lookup(&self.file.rel, import.as_deref(), &name, node, self.diags)
            }
            other => {
                self.diags.push(Diagnostic::error(
                    "F0107",
                    format!("{what} must name an object type, found `{other}`"),
                    node.location(),
                ));
                None
            }
        }
    }

    pub fn properties(&mut self, props: &Node) -> Vec<Prop> {
        let mut out = Vec::new();
        for entry in props.entries() {
            let what = format!("property `{}`", entry.key);
            let Some(decl) = declared::read(&entry.value, &what, self.diags) else {
                continue;
            };
            let typed = decl.resolve(self.symbols, &self.file.rel, self.diags);
            out.push(Prop {
                property: Property {
                    name: sdk_named(&entry.key, decl.sdk_name.as_deref()),
                    ty: typed.ty,
                    required: !typed.optional,
                    nullable: typed.nullable,
                    default: decl.default.clone(),
                    docs: decl.docs.clone(),
                    deprecated: decl.deprecated(),
                },
                location: entry.key_pos.location(),
            });
        }
        out
    }

    /// `enum: [a, {value: b, name: B, docs: ...}]`.
    fn enumeration(&mut self, values: &Node) -> Enum {
        let Some(items) = values.as_seq() else {
            self.diags
                .push(values.type_error("`enum`", "a list of values"));
            return Enum { values: Vec::new() };
        };
        let mut out: Vec<EnumValue> = Vec::new();
        for item in items {
            let (value, sdk, docs) = if let Some(text) = item.as_str() {
                (text.to_owned(), None, None)
            } else if item.is_map() {
                let Some(value) = item.required_str("value", self.diags) else {
                    continue;
                };
                (
                    value.to_owned(),
                    item.str_field("name", self.diags).map(str::to_owned),
                    item.str_field("docs", self.diags).map(str::to_owned),
                )
            } else {
                self.diags
                    .push(item.type_error("an enum value", "a string or a mapping with `value`"));
                continue;
            };
            if out.iter().any(|v| v.value == value.as_str()) {
                self.diags.push(Diagnostic::error(
                    "F0105",
                    format!("duplicate enum value `{value}`"),
                    item.location(),
                ));
                continue;
            }
            out.push(EnumValue {
                name: sdk_named(&value, sdk.as_deref()),
                value: serde_json::Value::String(value),
                docs,
            });
        }
        Enum { values: out }
    }

    fn union(&mut self, node: &Node) -> Body {
        let union = node.get("union").unwrap_or(node);
        let discriminated = node.bool_field("discriminated", self.diags).unwrap_or(true);
        if let Some(items) = union.as_seq() {
            return Body::Done(TypeKind::Union(self.undiscriminated(items)));
        }
        if !union.is_map() {
            self.diags.push(union.type_error(
                "`union`",
                "a mapping of variants (or, with `discriminated: false`, a list)",
            ));
            return Body::Done(TypeKind::Alias { target: Type::Any });
        }
        if !discriminated {
            self.diags.push(
                Diagnostic::error(
                    "F0108",
                    "an undiscriminated union lists its variants as a sequence",
                    union.location(),
                )
                .with_hint("write `union: [TypeA, TypeB]`, or drop `discriminated: false`"),
            );
        }
        let discriminant = match node.get("discriminant") {
            None => "type".to_owned(),
            Some(d) if d.as_str().is_some() => d.as_str().unwrap_or("type").to_owned(),
            Some(d) if d.is_map() => d
                .required_str("value", self.diags)
                .unwrap_or("type")
                .to_owned(),
            Some(d) => {
                self.diags
                    .push(d.type_error("`discriminant`", "a string or `{value, name}`"));
                "type".to_owned()
            }
        };
        let base = match node.map_field("base-properties", self.diags) {
            Some(props) => self.properties(props),
            None => Vec::new(),
        };
        let mut variants = Vec::new();
        for entry in union.entries() {
            let value = &entry.value;
            let (ty, key, sdk, docs) = if value.as_str().is_some() {
                let decl = declared::read(value, "a union variant", self.diags);
                let ty = decl.map(|d| d.resolve(self.symbols, &self.file.rel, self.diags).ty);
                (ty, None, None, None)
            } else if value.is_map() {
                let ty = match value.get("type") {
                    Some(t) => declared::read(t, "a union variant's `type`", self.diags)
                        .map(|d| d.resolve(self.symbols, &self.file.rel, self.diags).ty),
                    None => None,
                };
                (
                    ty,
                    value.str_field("key", self.diags).map(str::to_owned),
                    value.str_field("name", self.diags).map(str::to_owned),
                    value.str_field("docs", self.diags).map(str::to_owned),
                )
            } else {
                self.diags
                    .push(value.type_error("a union variant", "a type or a mapping with `type`"));
                continue;
            };
            variants.push(TaggedVariant {
                tag: entry.key.clone(),
                name: sdk_named(&entry.key, sdk.as_deref()),
                ty,
                key: key.unwrap_or_else(|| "value".to_owned()),
                docs,
                location: entry.key_pos.location(),
            });
        }
        Body::Tagged {
            discriminant,
            base,
            variants,
        }
    }

    /// `union: [TypeA, {type: TypeB, docs: ...}]`. Variants are named after their
    /// type here; `finish` renames those that refer to a named type.
    fn undiscriminated(&mut self, items: &[Node]) -> Union {
        let mut variants = Vec::new();
        for item in items {
            let Some(decl) = declared::read(item, "a union variant", self.diags) else {
                continue;
            };
            let label = decl
                .expr
                .as_ref()
                .map_or_else(|| "variant".to_owned(), ToString::to_string);
            let ty = decl.resolve(self.symbols, &self.file.rel, self.diags).ty;
            variants.push(Variant {
                name: Name::new(&label),
                ty,
                tag: None,
                docs: decl.docs.clone(),
            });
        }
        Union {
            mode: UnionMode::OneOf,
            discriminator: None,
            variants,
        }
    }
}
