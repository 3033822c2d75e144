//! The Rust backend end to end: snapshots of generated crates, determinism, and every
//! corpus SDK compiled, linted and format-checked in one Cargo workspace, together with
//! live tokio tests that drive generated SDKs against a real WebSocket server.
//!
//! All generated crates share one workspace and one target folder
//! (`$DUPLEX_RS_SDK_TARGET`, default `~/.cache/duplex/target-rs-corpus`), so their
//! dependencies compile once and stay compiled across runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use duplex_codegen::{GeneratedFile, Options};
use duplex_spec::discover::documents;
use duplex_spec::ir::Api;
use sdk_support::{corpus, fern_realtime, load, manifest_dir, run, write};

mod sdk_support;

/// The seed's Chat API, with the `protocol: wss` its server lacks (a required field).
fn seed_chat() -> PathBuf {
    manifest_dir().join("tests/rust_live/seed-chat.yml")
}

fn generate(api: &Api, package_name: &str) -> Vec<GeneratedFile> {
    let options = Options {
        package_name: Some(package_name.to_owned()),
        ..Options::default()
    };
    duplex_codegen::rust::generate(api, &options)
}

/// Every generated file but the runtime copy (which is tested where it lives).
fn snapshot_text(files: &[GeneratedFile]) -> String {
    files
        .iter()
        .filter(|f| !f.path.starts_with("src/runtime"))
        .map(|f| format!("=== {} ===\n{}", f.path.display(), f.contents))
        .collect()
}

#[test]
fn seed_chat_api_snapshot() {
    let files = generate(&load(&seed_chat()), "chat-api");
    insta::assert_snapshot!("rust_seed_chat", snapshot_text(&files));
}

#[test]
fn fern_realtime_snapshot() {
    let dir = fern_realtime();
    let files = generate(&load(dir.path()), "websocket");
    insta::assert_snapshot!("rust_fern_realtime", snapshot_text(&files));
}

/// The corpus documents that load without errors and have channels: all of them when
/// `DUPLEX_RS_FULL_CORPUS=1`, else the real-world, Fern and AsyncAPI 3.0 examples (the
/// TCK and 2.x copies repeat the same shapes many times over).
fn corpus_apis() -> Vec<(PathBuf, Api)> {
    let full = std::env::var_os("DUPLEX_RS_FULL_CORPUS").is_some_and(|v| v == "1");
    let fixed_set = ["realworld/", "fern/", "asyncapi-spec/v3.0.0/"];
    documents(&corpus())
        .into_iter()
        .filter(|doc| {
            let path = doc.path.to_string_lossy();
            full || fixed_set.iter().any(|part| path.contains(part))
        })
        .filter_map(|doc| {
            let loaded = duplex_spec::load(&doc.path);
            let errors = loaded.has_errors();
            let api = loaded.api.filter(|_| !errors)?;
            (!api.channels.is_empty()).then_some((doc.path, api))
        })
        .collect()
}

#[test]
fn generation_is_deterministic() {
    let apis = corpus_apis();
    assert!(apis.len() > 5, "only {} corpus APIs loaded", apis.len());
    for (path, api) in &apis {
        let first = generate(api, "sdk");
        let second = generate(&api.clone(), "sdk");
        assert!(
            first == second,
            "{}: output differs between runs",
            path.display()
        );
    }
}

/// Makes a generated crate a member of the test workspace: its own `[workspace]` table
/// (which lets it build alone anywhere) would make it a workspace root of its own.
fn as_member(mut files: Vec<GeneratedFile>) -> Vec<GeneratedFile> {
    for file in files.iter_mut().filter(|f| f.path.ends_with("Cargo.toml")) {
        let table = "\n[workspace]\n";
        assert!(
            file.contents.contains(table),
            "the SDK builds alone anywhere"
        );
        file.contents = file.contents.replacen(table, "\n", 1);
    }
    files
}

/// The shared target folder of the generated crates (`$DUPLEX_RS_SDK_TARGET`).
fn sdk_target() -> PathBuf {
    std::env::var_os("DUPLEX_RS_SDK_TARGET").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/duplex/target-rs-corpus"),
        PathBuf::from,
    )
}

/// Generates the seed Chat API, Fern's realtime channel and every corpus API into one
/// workspace, with a crate of live tests that uses the first two; then runs rustfmt,
/// `cargo check`, `cargo clippy -D warnings` over all of it and the live tests. One
/// more copy of the seed SDK, exactly as generated, sits inside the workspace's folder
/// without being a member: it must build on its own there, as in a user's repository.
#[test]
fn generated_crates_compile_lint_and_run_live() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let root = workspace.path();
    let fern = fern_realtime();
    let named = [
        ("chat-api".to_owned(), load(&seed_chat())),
        ("fern-websocket".to_owned(), load(fern.path())),
    ];
    let corpus = corpus_apis()
        .into_iter()
        .enumerate()
        .map(|(i, (_, api))| (format!("corpus-{i:03}"), api));
    let mut members = Vec::new();
    let mut sources = Vec::new();
    for (name, api) in named.into_iter().chain(corpus) {
        write(&as_member(generate(&api, &name)), &root.join(&name));
        // rustfmt follows `mod` items, so each crate's `lib.rs` covers all of its files.
        sources.push(root.join(&name).join("src/lib.rs"));
        members.push(format!("{name:?}"));
    }
    let live = root.join("live");
    std::fs::create_dir_all(live.join("tests")).unwrap();
    std::fs::create_dir_all(live.join("src")).unwrap();
    let rust_live = manifest_dir().join("tests/rust_live");
    std::fs::copy(rust_live.join("live.rs"), live.join("tests/live.rs")).unwrap();
    std::fs::copy(rust_live.join("Cargo.toml.in"), live.join("Cargo.toml")).unwrap();
    std::fs::write(live.join("src/lib.rs"), "//! Only tests live here.\n").unwrap();
    members.push("\"live\"".to_owned());
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .unwrap();
    let alone = root.join("nested/chat-api");
    write(&generate(&load(&seed_chat()), "chat-api"), &alone);

    // One lock file, kept with the target folder, so runs agree on dependency versions.
    let target = sdk_target();
    std::fs::create_dir_all(&target).unwrap();
    let lock = target.join("Cargo.lock");
    if lock.exists() {
        std::fs::copy(&lock, root.join("Cargo.lock")).unwrap();
    }
    let cargo = |dir: &Path, args: &[&str]| {
        let mut command = Command::new(env!("CARGO"));
        command
            .args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS");
        command
    };

    run(
        Command::new("rustfmt")
            .args(["--check", "--edition", "2024"])
            .args(&sources),
        "rustfmt --check",
    );
    // clippy type-checks every crate exactly as `cargo check` does and then lints it,
    // so one clippy run is the check and the lint (a separate check would type-check
    // every crate twice, which for the full corpus costs minutes).
    let clippy = ["clippy", "--workspace", "--all-targets", "--quiet"];
    run(
        cargo(root, &clippy).args(["--", "-D", "warnings"]),
        "cargo clippy -D warnings (which includes cargo check)",
    );
    std::fs::copy(root.join("Cargo.lock"), &lock).unwrap();
    std::fs::copy(&lock, alone.join("Cargo.lock")).unwrap();
    run(
        &mut cargo(&alone, &["check", "--quiet"]),
        "cargo check of an SDK inside another workspace's folder",
    );
    run(
        &mut cargo(root, &["test", "-p", "live", "--quiet"]),
        "the live tests",
    );
}
