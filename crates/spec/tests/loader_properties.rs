//! Property tests of the loaders on documents shaped like real ones: arbitrary AsyncAPI
//! trees (any version, channels, operations, messages, schemas, `$ref`s into the same
//! file, into a second file that refers back, to nowhere and in cycles), arbitrary Fern
//! definition folders (type expressions, imports that loop), deep nesting in every
//! place a schema can nest, and huge documents. The loader must return, never panic,
//! and keep its contract: no IR only with an error, and the same input gives the same
//! diagnostics. `robustness.rs` covers raw YAML text; this file covers shapes.
//!
//! Case counts are bounded so the file runs in seconds in a debug build.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use duplex_spec::Loaded;
use duplex_spec::cycles::unguarded_cycles;
use duplex_spec::source::MAX_DEPTH;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// A fresh, empty folder for one case.
fn scratch() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "duplex-spec-properties-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Writes `files` (name, text) into a fresh folder, loads `entry` from it twice and
/// checks the loader's contract.
fn check(files: &[(&str, String)], entry: &str) -> Result<Loaded, TestCaseError> {
    let dir = scratch();
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("a subfolder");
        }
        std::fs::write(&path, text).expect("write a case file");
    }
    let path = dir.join(entry);
    let first = duplex_spec::load(&path);
    let again = duplex_spec::load(&path);
    let _ = std::fs::remove_dir_all(&dir);
    prop_assert!(
        first.api.is_some() || first.has_errors(),
        "no IR and no error: {:?}",
        first.diagnostics
    );
    let messages = |loaded: &Loaded| -> Vec<String> {
        loaded.diagnostics.iter().map(|d| d.to_string()).collect()
    };
    prop_assert_eq!(
        messages(&first),
        messages(&again),
        "loading is not deterministic"
    );
    if let Some(api) = first.api.as_ref().filter(|_| !first.has_errors()) {
        let circular = unguarded_cycles(&api.types);
        prop_assert!(
            circular.is_empty(),
            "loaded without error, yet {circular:?} is only an alias of itself"
        );
    }
    Ok(first)
}

const SCHEMAS: usize = 4;
const MESSAGES: usize = 3;

/// `$ref` targets: defined, undefined, malformed, inside a definition, and in the
/// second file (which refers back).
fn reference() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..SCHEMAS + 1).prop_map(|i| format!("#/components/schemas/S{i}")),
        (0..MESSAGES + 1).prop_map(|i| format!("#/components/messages/M{i}")),
        (0..SCHEMAS).prop_map(|i| format!("other.json#/components/schemas/S{i}")),
        (0..SCHEMAS).prop_map(|i| format!("#/components/schemas/S{i}/properties/a")),
        Just("#/channels/c0".to_owned()),
        Just("#".to_owned()),
        Just("#/".to_owned()),
        Just("#/components/schemas/~1x~0".to_owned()),
        Just("missing.json#/x".to_owned()),
        Just("other.json".to_owned()),
        ".{0,12}",
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,16}".prop_map(Value::from),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec!["a", "b", "type", "id", "$ref", "name", "x-y"])
            .prop_map(str::to_owned),
        1 => ".{0,8}",
    ]
}

/// A JSON Schema, or anything standing where one should.
fn schema() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        prop::sample::select(vec![
            "string", "integer", "number", "boolean", "null", "object", "array", "weird"
        ])
        .prop_map(|t| json!({ "type": t })),
        reference().prop_map(|r| json!({ "$ref": r })),
        scalar(),
        Just(json!({})),
        prop::collection::vec(scalar(), 0..4).prop_map(|v| json!({ "enum": v })),
    ];
    leaf.prop_recursive(6, 48, 5, |inner| {
        prop_oneof![
            prop::collection::btree_map(key(), inner.clone(), 0..5).prop_map(|props| {
                json!({"type": "object", "properties": props, "required": props.keys().take(1).collect::<Vec<_>>()})
            }),
            inner.clone().prop_map(|items| json!({"type": "array", "items": items})),
            (
                prop::sample::select(vec!["oneOf", "anyOf", "allOf"]),
                prop::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(|(k, v)| json!({ k: v })),
            inner.clone().prop_map(|s| json!({"type": "object", "additionalProperties": s})),
            (reference(), inner.clone()).prop_map(|(r, s)| json!({"$ref": r, "description": s})),
            prop::collection::vec(inner, 0..4).prop_map(Value::Array),
        ]
    })
}

/// A message: a payload, a `$ref`, a `oneOf` of either, or junk.
fn message() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => (schema(), ".{0,8}").prop_map(|(payload, name)| json!({"payload": payload, "name": name})),
        2 => reference().prop_map(|r| json!({ "$ref": r })),
        1 => prop::collection::vec(reference(), 0..3)
            .prop_map(|refs| json!({"oneOf": refs.iter().map(|r| json!({"$ref": r})).collect::<Vec<_>>()})),
        1 => scalar(),
    ]
}

/// A channel in the 2.x or the 3.0 shape (whatever the document's version says).
fn channel() -> impl Strategy<Value = Value> {
    prop_oneof![
        (message(), message()).prop_map(|(sub, publ)| {
            json!({"subscribe": {"message": sub}, "publish": {"message": publ}})
        }),
        (
            prop::option::of("/[a-z{}]{0,8}"),
            prop::collection::btree_map("[a-z]{1,4}", message(), 0..3)
        )
            .prop_map(|(address, messages)| json!({"address": address, "messages": messages})),
        reference().prop_map(|r| json!({ "$ref": r })),
        scalar(),
    ]
}

fn operation() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["send", "receive", "publish", ""]),
        reference(),
        prop::collection::vec(reference(), 0..3),
    )
        .prop_map(|(action, channel, messages)| {
            json!({
                "action": action,
                "channel": {"$ref": channel},
                "messages": messages.iter().map(|r| json!({"$ref": r})).collect::<Vec<_>>(),
            })
        })
}

/// A whole AsyncAPI document with components `S0..` and `M0..` for refs to land on.
fn document() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec![
            "3.0.0", "2.6.0", "2.0.0", "2.4.0", "1.2.0", "3.1.0", "x",
        ]),
        prop::collection::btree_map("c[0-3]", channel(), 0..4),
        prop::collection::btree_map("o[0-2]", operation(), 0..3),
        prop::collection::vec(schema(), SCHEMAS),
        prop::collection::vec(message(), MESSAGES),
    )
        .prop_map(|(version, channels, operations, schemas, messages)| {
            let named = |prefix: &str, values: Vec<Value>| -> Map<String, Value> {
                values
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{prefix}{i}"), v))
                    .collect()
            };
            json!({
                "asyncapi": version,
                "info": {"title": "t", "version": "1"},
                "channels": channels,
                "operations": operations,
                "components": {"schemas": named("S", schemas), "messages": named("M", messages)},
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn asyncapi_documents_of_any_shape_load(doc in document(), other in document()) {
        // `other.json` refers back into `doc.json`, so refs can loop across files.
        let other = other.to_string().replace("other.json#", "doc.json#");
        check(&[("doc.json", doc.to_string()), ("other.json", other)], "doc.json")?;
    }

    #[test]
    fn fern_definitions_of_any_shape_load(files in fern_files()) {
        let files: Vec<(&str, String)> = files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
        check(&files, "definition")?;
    }
}

/// A Fern type expression: primitives, containers, local and imported names, junk.
fn type_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        prop::sample::select(vec![
            "string",
            "integer",
            "double",
            "boolean",
            "unknown",
            "T0",
            "T1",
            "T2",
            "b.T0",
            "a.T1",
            "missing.T",
            "literal<\"x\">",
            "optional<>",
            "list<",
            ""
        ])
        .prop_map(str::to_owned),
        ".{0,10}",
    ];
    leaf.prop_recursive(4, 16, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| format!("optional<{t}>")),
            inner.clone().prop_map(|t| format!("list<{t}>")),
            inner.clone().prop_map(|t| format!("set<{t}>")),
            (inner.clone(), inner).prop_map(|(k, v)| format!("map<{k}, {v}>")),
        ]
    })
}

fn fern_type() -> impl Strategy<Value = Value> {
    prop_oneof![
        type_expr().prop_map(Value::from),
        prop::collection::btree_map(key(), type_expr(), 0..4)
            .prop_map(|props| json!({ "properties": props })),
        (prop::collection::vec(type_expr(), 0..3), type_expr())
            .prop_map(|(extends, t)| json!({"extends": extends, "properties": {"a": t}})),
        prop::collection::btree_map("[a-z]{1,3}", type_expr(), 0..3)
            .prop_map(|members| json!({ "union": members })),
        prop::collection::vec("[A-Z]{0,3}", 0..3).prop_map(|values| json!({ "enum": values })),
        scalar(),
    ]
}

/// A Fern channel: its path and its messages (id, origin, body type).
type FernChannel = (String, Vec<(String, &'static str, String)>);

/// One Fern file: its types, maybe a channel, and whether it imports the other file.
#[derive(Debug, Clone)]
struct FernFile {
    types: std::collections::BTreeMap<String, Value>,
    channel: Option<FernChannel>,
    imports: bool,
}

fn fern_file() -> impl Strategy<Value = FernFile> {
    let message = (
        "[a-z]{1,4}",
        prop::sample::select(vec!["client", "server", "both"]),
        type_expr(),
    );
    (
        prop::collection::btree_map("T[0-3]", fern_type(), 0..4),
        prop::option::of(("/[a-z]{0,6}", prop::collection::vec(message, 0..3))),
        any::<bool>(),
    )
        .prop_map(|(types, channel, imports)| FernFile {
            types,
            channel,
            imports,
        })
}

impl FernFile {
    fn render(&self, other: &str) -> String {
        let mut file = json!({ "types": self.types });
        if self.imports {
            file["imports"] = json!({ other.trim_end_matches(".yml"): other });
        }
        if let Some((path, messages)) = &self.channel {
            let messages: Map<String, Value> = messages
                .iter()
                .map(|(id, origin, body)| (id.clone(), json!({"origin": origin, "body": body})))
                .collect();
            file["channel"] = json!({"path": path, "messages": messages});
        }
        file.to_string()
    }
}

/// `api.yml` and two files `a.yml`, `b.yml` that may import each other.
fn fern_files() -> impl Strategy<Value = Vec<(String, String)>> {
    (fern_file(), fern_file(), ".{0,10}").prop_map(|(a, b, name)| {
        vec![
            (
                "definition/api.yml".to_owned(),
                json!({ "name": name }).to_string(),
            ),
            ("definition/a.yml".to_owned(), a.render("b.yml")),
            ("definition/b.yml".to_owned(), b.render("a.yml")),
        ]
    })
}

/// Nesting `depth` schemas deep through `properties`, `items`, `allOf` and
/// `additionalProperties`, in a 3.0 document and a 2.6 one, built as text (a
/// `serde_json::Value` that deep would overflow the test's own stack when dropped).
#[test]
fn deep_schemas_are_refused_or_loaded_never_overflowed() {
    let wrappers = [
        (r#"{"type": "object", "properties": {"a": "#, "}}"),
        (r#"{"type": "array", "items": "#, "}"),
        (r#"{"allOf": ["#, "]}"),
        (r#"{"additionalProperties": "#, "}"),
    ];
    for depth in [
        10,
        MAX_DEPTH / 2 - 2,
        MAX_DEPTH / 2 + 2,
        MAX_DEPTH + 1,
        20_000,
    ] {
        for (open, close) in wrappers {
            let schema = format!(
                "{}{{\"type\": \"string\"}}{}",
                open.repeat(depth),
                close.repeat(depth)
            );
            for text in [
                format!(
                    r#"{{"asyncapi": "3.0.0", "info": {{"title": "t", "version": "1"}}, "channels": {{"c": {{"address": "/", "messages": {{"m": {{"payload": {schema}}}}}}}}}}}"#
                ),
                format!(
                    r#"{{"asyncapi": "2.6.0", "info": {{"title": "t", "version": "1"}}, "channels": {{"/": {{"subscribe": {{"message": {{"payload": {schema}}}}}}}}}}}"#
                ),
            ] {
                check(&[("deep.json", text)], "deep.json")
                    .unwrap_or_else(|err| panic!("depth {depth}, {open}: {err}"));
            }
        }
    }
}

/// Block-style YAML nesting (indentation, not brackets), just under and over the limit.
#[test]
fn deep_block_yaml_is_refused_or_loaded() {
    for depth in [MAX_DEPTH - 10, MAX_DEPTH + 10, 1_000] {
        let mut text = String::from("asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nx-deep:\n");
        for level in 1..=depth {
            text.push_str(&" ".repeat(level));
            text.push_str("a:\n");
        }
        text.push_str(&" ".repeat(depth + 1));
        text.push_str("b: 1\n");
        check(&[("deep.yml", text)], "deep.yml")
            .unwrap_or_else(|err| panic!("depth {depth}: {err}"));
    }
}

/// Every schema refers to the next, the last to the first, across two files, plus a
/// schema whose only content is a ref to itself and an `allOf` of itself.
#[test]
fn ref_cycles_across_files_terminate() {
    let ring = |file: &str, other: &str| {
        let schemas: Map<String, Value> = (0..50)
            .map(|i| {
                let next = if i == 49 {
                    format!("{other}#/components/schemas/S0")
                } else {
                    format!("#/components/schemas/S{}", i + 1)
                };
                (
                    format!("S{i}"),
                    json!({"type": "object", "properties": {"next": {"$ref": next}}}),
                )
            })
            .chain([
                (
                    "Self".to_owned(),
                    json!({"$ref": "#/components/schemas/Self"}),
                ),
                (
                    "AllSelf".to_owned(),
                    json!({"allOf": [{"$ref": "#/components/schemas/AllSelf"}]}),
                ),
                (
                    "Back".to_owned(),
                    json!({"$ref": format!("{other}#/components/schemas/Back")}),
                ),
            ])
            .collect();
        json!({
            "asyncapi": "3.0.0",
            "info": {"title": file, "version": "1"},
            "channels": {"c": {"address": "/", "messages": {
                "m": {"payload": {"$ref": "#/components/schemas/S0"}},
                "n": {"payload": {"$ref": "#/components/schemas/Self"}},
                "o": {"payload": {"$ref": "#/components/schemas/AllSelf"}},
                "p": {"payload": {"$ref": "#/components/schemas/Back"}},
            }}},
            "operations": {"o": {"action": "send", "channel": {"$ref": "#/channels/c"}}},
            "components": {"schemas": schemas},
        })
        .to_string()
    };
    let loaded = check(
        &[
            ("a.json", ring("a", "b.json")),
            ("b.json", ring("b", "a.json")),
        ],
        "a.json",
    )
    .unwrap_or_else(|err| panic!("{err}"));
    let circular: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == "E0203")
        .map(|d| d.message.clone())
        .collect();
    for name in [
        "schemas/Self`",
        "schemas/AllSelf`",
        "a.json#/components/schemas/Back`",
    ] {
        assert!(
            circular.iter().any(|m| m.contains(name)),
            "{name} is not reported: {circular:?}"
        );
    }
}

/// Fern aliases that loop (`T0: T1`, `T1: T0`, `T2: T2`, and across files) are errors.
#[test]
fn fern_alias_cycles_are_errors() {
    let loaded = check(
        &[
            ("definition/api.yml", "name: loops\n".to_owned()),
            (
                "definition/a.yml",
                "imports:\n  b: b.yml\ntypes:\n  T0: T1\n  T1: T0\n  T2: T2\n  T3: b.U\nchannel:\n  path: /a\n  messages:\n    m: {origin: server, body: T0}\n    n: {origin: server, body: T2}\n    o: {origin: server, body: T3}\n".to_owned(),
            ),
            (
                "definition/b.yml",
                "imports:\n  a: a.yml\ntypes:\n  U: a.T3\n".to_owned(),
            ),
        ],
        "definition",
    )
    .unwrap_or_else(|err| panic!("{err}"));
    let circular: Vec<&str> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == "F0110")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(circular.len(), 5, "{circular:?}");
}

/// Big documents: many channels and schemas, a huge enum, a multi-megabyte string,
/// and an anchor bomb.
#[test]
fn huge_documents_load() {
    let channels: Map<String, Value> = (0..3_000)
        .map(|i| {
            (
                format!("c{i}"),
                json!({"address": format!("/c{i}"), "messages": {"m": {"payload": {"$ref": format!("#/components/schemas/S{}", i % 500)}}}}),
            )
        })
        .collect();
    let schemas: Map<String, Value> = (0..500)
        .map(|i| {
            (
                format!("S{i}"),
                json!({"type": "object", "properties": {"n": {"type": "integer"}, "e": {"enum": (0..200).map(|j| format!("v{j}")).collect::<Vec<_>>()}}}),
            )
        })
        .collect();
    let many = json!({
        "asyncapi": "3.0.0",
        "info": {"title": "t", "version": "1", "description": "d".repeat(4 << 20)},
        "channels": channels,
        "components": {"schemas": schemas},
    });
    let loaded = check(&[("many.json", many.to_string())], "many.json")
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(loaded.api.map(|api| api.channels.len()), Some(3_000));

    let mut bomb = String::from(
        "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nx-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for level in 1..12 {
        let prev = format!("*a{}", level - 1);
        bomb.push_str(&format!(
            "x-a{level}: &a{level} [{}]\n",
            vec![prev; 10].join(", ")
        ));
    }
    check(&[("bomb.yml", bomb)], "bomb.yml").unwrap_or_else(|err| panic!("{err}"));
}
