//! The Fern loader on one small fixture per tricky case (`tests/fixtures/fern/<case>`)
//! and on the seed document's `chat.yml`: each snapshot holds the diagnostics (with
//! paths relative to the fixture) and the IR.

#[allow(
    dead_code,
    reason = "each test binary uses a subset of the shared helpers"
)]
mod fern_support;

use fern_support::{fixtures, load_rendered};

/// Loads the fixture `case` and compares it with its snapshot.
fn check(case: &str) {
    let rendered = load_rendered(&fixtures().join("fern").join(case));
    insta::assert_json_snapshot!(case, rendered);
}

#[test]
fn features() {
    check("features");
}

#[test]
fn broken_refs() {
    check("broken-refs");
}

#[test]
fn cycles() {
    check("cycles");
}

#[test]
fn collisions() {
    check("collisions");
}

#[test]
fn empty_channel() {
    check("empty-channel");
}

#[test]
fn malformed() {
    check("malformed");
}

#[test]
fn seed_chat() {
    let rendered = load_rendered(&fixtures().join("seed-chat-fern"));
    insta::assert_json_snapshot!("seed-chat", rendered);
}

#[test]
fn not_a_definition() {
    let loaded = duplex_spec::load(&fixtures().join("fern"));
    assert!(loaded.api.is_none());
    let codes: Vec<&str> = loaded.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["F0001"]);
}
