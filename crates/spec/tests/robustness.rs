//! Property tests: no input makes the loader panic or hang. Arbitrary YAML-ish text,
//! deep nesting and self-referencing documents all end in an IR or diagnostics.

use std::path::Path;
use std::sync::Arc;

use duplex_spec::source::{MAX_DEPTH, parse_str};
use proptest::prelude::*;

/// Writes `text` to a temporary file and loads it; only "it returns" is checked.
fn check(name: &str, text: &str) -> duplex_spec::Loaded {
    let dir = std::env::temp_dir().join(format!("duplex-spec-robustness-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    duplex_spec::load(&path)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_yamlish_text_never_panics(text in "[a-z:{}\\[\\]\\-,'\"#&*!|>$/ \n]{0,200}") {
        let parsed = parse_str(&text, Arc::from(Path::new("fuzz.yml")));
        prop_assert!(parsed.root.is_some() || !parsed.diagnostics.is_empty());
    }

    #[test]
    fn documents_with_random_bodies_load(body in "[a-z:{}\\[\\]\\-, \n$#/]{0,120}") {
        let text = format!("asyncapi: 3.0.0\ninfo: {{title: t, version: '1'}}\n{body}\n");
        check("random.yml", &text);
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    for depth in [MAX_DEPTH - 1, MAX_DEPTH + 1, 100_000] {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let parsed = parse_str(&text, Arc::from(Path::new("deep.yml")));
        assert_eq!(parsed.root.is_some(), depth < MAX_DEPTH, "depth {depth}");
    }
}

#[test]
fn self_referencing_refs_terminate() {
    let loaded = check(
        "loop.yml",
        "asyncapi: 2.6.0\ninfo: {title: t, version: '1'}\nchannels:\n  /a:\n    subscribe:\n      message: {$ref: '#/components/messages/m'}\ncomponents:\n  messages:\n    m: {$ref: '#/components/messages/n'}\n    n: {$ref: '#/components/messages/m'}\n",
    );
    let codes: Vec<&str> = loaded.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"E0203"), "{codes:?}");
}
