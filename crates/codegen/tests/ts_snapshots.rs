//! Snapshots of the TypeScript SDK for the seed Chat API and Fern's `realtime.yml`
//! definition, and checks that hold for any generated SDK: determinism, and the runtime
//! copied verbatim. Update with `INSTA_UPDATE=always cargo test -p duplex-codegen --test ts_snapshots`.

mod ts_support;

use std::path::Path;

use ts_support::{fern_websocket, fixture, generate, load_checked};

/// Snapshots every generated file except the runtime copy, and checks determinism.
fn check(name: &str, path: &Path, allow_errors: bool) {
    let api = load_checked(path, allow_errors);
    let files = generate(&api, name);
    assert_eq!(
        files,
        generate(&api, name),
        "generation is not deterministic"
    );
    for file in &files {
        let path = file.path.to_string_lossy().replace('\\', "/");
        if let Some(runtime) = path.strip_prefix("src/runtime/") {
            let source = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("runtime/typescript/src")
                .join(runtime);
            let expected = std::fs::read_to_string(&source).expect("runtime source");
            assert_eq!(
                file.contents, expected,
                "{path} differs from the runtime source"
            );
            continue;
        }
        let snapshot = format!("ts__{name}__{}", path.replace('/', "__"));
        insta::assert_snapshot!(snapshot, &file.contents);
    }
}

#[test]
fn seed_chat() {
    check("seed-chat", &fixture("seed-chat.asyncapi.yml"), false);
}

#[test]
fn fern_realtime() {
    // `realtime.older-1c645a9.yml` in the folder refers to an undeclared type on purpose.
    check("fern-websocket", &fern_websocket(), true);
}

#[test]
fn rooms_with_auth() {
    check("rooms", &fixture("rooms-auth.asyncapi.yml"), false);
}
