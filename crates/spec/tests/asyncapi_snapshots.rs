//! insta snapshots of the IR (as JSON, with diagnostics) for real AsyncAPI documents
//! and for one fixture per tricky case (`tests/fixtures/asyncapi/`).
//!
//! Update with `INSTA_UPDATE=always cargo test -p duplex-spec --test asyncapi_snapshots`
//! (or `cargo insta review`). Paths in snapshots are relative, never absolute.

use std::path::{Path, PathBuf};

use duplex_spec::diagnostics::Severity;
use serde_json::json;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> PathBuf {
    manifest_dir().join("../../../shared/corpus")
}

fn fixtures() -> PathBuf {
    manifest_dir().join("tests/fixtures")
}

/// Loads `base/relative` and snapshots its IR and diagnostics as `name`.
fn check(name: &str, base: &Path, relative: &str) {
    let loaded = duplex_spec::load(&base.join(relative));
    let diagnostics: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| {
            let file = d
                .location
                .file
                .strip_prefix(base)
                .unwrap_or(&d.location.file);
            let severity = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            format!(
                "{}:{}:{}: {severity}[{}]: {}",
                file.display(),
                d.location.line,
                d.location.column,
                d.code,
                d.message
            )
        })
        .collect();
    insta::assert_json_snapshot!(
        name,
        json!({ "diagnostics": diagnostics, "ir": loaded.api })
    );
}

#[test]
fn websocket_gemini_2_6() {
    check(
        "gemini-2.6",
        &corpus(),
        "asyncapi-spec/v2.6.0/examples/websocket-gemini.yml",
    );
}

#[test]
fn websocket_gemini_3_0() {
    check(
        "gemini-3.0",
        &corpus(),
        "asyncapi-spec/v3.0.0/examples/websocket-gemini-asyncapi.yml",
    );
}

#[test]
fn kraken_request_reply() {
    check(
        "kraken-3.0",
        &corpus(),
        "asyncapi-spec/v3.0.0/examples/kraken-websocket-request-reply-multiple-channels-asyncapi.yml",
    );
}

#[test]
fn slack_rtm() {
    check(
        "slack-rtm-2.6",
        &corpus(),
        "asyncapi-spec/v2.6.0/examples/slack-rtm.yml",
    );
}

#[test]
fn assemblyai_2_6() {
    check(
        "assemblyai-2.6",
        &corpus(),
        "realworld/assemblyai/asyncapi.yml",
    );
}

#[test]
fn seed_chat() {
    check("seed-chat", &fixtures(), "seed-chat.yml");
}

#[test]
fn circular_refs() {
    check("circular", &fixtures(), "asyncapi/circular.yml");
}

#[test]
fn pointer_escapes() {
    check(
        "pointer-escapes",
        &fixtures(),
        "asyncapi/pointer-escapes.yml",
    );
}

#[test]
fn cross_file_refs() {
    check("cross-file", &fixtures(), "asyncapi/cross-file/api.yml");
}

#[test]
fn name_collisions_and_keywords() {
    check("collisions", &fixtures(), "asyncapi/collisions.yml");
}

#[test]
fn channel_auth_3_0() {
    check("auth-3.0", &fixtures(), "asyncapi/auth-3.0.yml");
}

#[test]
fn channel_auth_2_6() {
    check("auth-2.6", &fixtures(), "asyncapi/auth-2.6.yml");
}
