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

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> PathBuf {
    manifest_dir().join("../../../shared/corpus")
}

/// The seed's Chat API, with the `protocol: wss` its server lacks (a required field).
fn seed_chat() -> PathBuf {
    manifest_dir().join("tests/rust_live/seed-chat.yml")
}

/// Fern's `realtime.yml` with its `api.yml` in a folder of their own: the corpus folder
/// also holds `realtime.older-*.yml`, which refers to a type that no longer exists.
fn fern_realtime() -> tempfile::TempDir {
    let source = corpus().join("fern/test-definitions/fern/apis/websocket/definition");
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["api.yml", "realtime.yml"] {
        std::fs::copy(source.join(name), dir.path().join(name)).expect("copy Fern definition");
    }
    dir
}

fn load(path: &Path) -> Api {
    let loaded = duplex_spec::load(path);
    assert!(
        !loaded.has_errors(),
        "{}: {:#?}",
        path.display(),
        loaded.diagnostics
    );
    loaded.api.expect("an API")
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

fn write_crate(dir: &Path, files: &[GeneratedFile]) {
    for file in files {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.contents).unwrap();
    }
}

/// Runs `command`, failing the test with its output when it fails.
fn run(command: &mut Command) {
    let shown: String = format!("{command:?}").chars().take(300).collect();
    let output = command.output().unwrap_or_else(|e| panic!("{shown}: {e}"));
    let shorten = |bytes: &[u8]| -> String {
        String::from_utf8_lossy(bytes)
            .chars()
            .take(20_000)
            .collect()
    };
    assert!(
        output.status.success(),
        "{shown} failed:\n{}\n{}",
        shorten(&output.stdout),
        shorten(&output.stderr)
    );
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

/// Generates the seed Chat API, Fern's realtime channel and every corpus API into one
/// workspace, with a crate of live tests that uses the first two; then runs rustfmt,
/// `cargo check`, `cargo clippy -D warnings` over all of it and the live tests.
#[test]
fn generated_crates_compile_lint_and_run_live() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let root = workspace.path();
    let mut members = Vec::new();
    let mut sources = Vec::new();
    let fern = fern_realtime();
    let named = [
        ("chat-api", load(&seed_chat())),
        ("fern-websocket", load(fern.path())),
    ];
    let corpus = corpus_apis();
    let corpus_named = corpus
        .iter()
        .enumerate()
        .map(|(i, (_, api))| (format!("corpus-{i:03}"), api.clone()));
    for (name, api) in named
        .map(|(n, a)| (n.to_owned(), a))
        .into_iter()
        .chain(corpus_named)
    {
        let files = generate(&api, &name);
        write_crate(&root.join(&name), &files);
        sources.extend(
            files
                .iter()
                .filter(|f| f.path.ends_with("src/lib.rs"))
                .map(|f| root.join(&name).join(&f.path)),
        );
        members.push(name);
    }
    let live = root.join("live");
    std::fs::create_dir_all(live.join("tests")).unwrap();
    std::fs::copy(
        manifest_dir().join("tests/rust_live/live.rs"),
        live.join("tests/live.rs"),
    )
    .unwrap();
    std::fs::copy(
        manifest_dir().join("tests/rust_live/Cargo.toml.in"),
        live.join("Cargo.toml"),
    )
    .unwrap();
    std::fs::create_dir_all(live.join("src")).unwrap();
    std::fs::write(live.join("src/lib.rs"), "//! Only tests live here.\n").unwrap();
    members.push("live".to_owned());
    let member_list: Vec<String> = members.iter().map(|m| format!("{m:?}")).collect();
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            member_list.join(", ")
        ),
    )
    .unwrap();
    // One lock file, kept with the target folder, so runs agree on dependency versions.
    let target = std::env::var_os("DUPLEX_RS_SDK_TARGET").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/duplex/target-rs-corpus"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&target).unwrap();
    let lock = target.join("Cargo.lock");
    if lock.exists() {
        std::fs::copy(&lock, root.join("Cargo.lock")).unwrap();
    }

    // rustfmt follows `mod` items, so each crate's `lib.rs` covers all of its files.
    run(Command::new("rustfmt")
        .args(["--check", "--edition", "2024"])
        .args(&sources));
    let cargo = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO"));
        command
            .args(args)
            .current_dir(root)
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS");
        command
    };
    run(&mut cargo(&["check", "--workspace", "--quiet"]));
    std::fs::copy(root.join("Cargo.lock"), &lock).unwrap();
    run(&mut cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ]));
    run(&mut cargo(&["test", "-p", "live", "--quiet"]));
}
