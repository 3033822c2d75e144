//! The Python backend end to end: snapshots of generated packages, `mypy --strict` and
//! `ruff check` over an SDK for every corpus document with channels, and live pytest
//! suites that drive generated SDKs against a real WebSocket server.
//!
//! Python tools come from the project venv (`$DUPLEX_VENV`, default
//! `~/.cache/duplex/venv`, made by `scripts/setup.sh`); a missing tool fails the test
//! with that hint rather than skipping it.

use std::path::{Path, PathBuf};
use std::process::Command;

use duplex_codegen::{GeneratedFile, Options};
use duplex_spec::ir::Api;
use sdk_support::{corpus, fern_realtime, load, manifest_dir, run, write};

mod sdk_support;

fn seed_chat() -> PathBuf {
    manifest_dir().join("tests/python/fixtures/seed-chat.yml")
}

/// A tool from the venv, or a panic that says how to install it.
fn venv_tool(name: &str) -> PathBuf {
    let venv = std::env::var_os("DUPLEX_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/duplex/venv")
        });
    let tool = venv.join("bin").join(name);
    assert!(
        tool.exists(),
        "{} is missing: run `bash scripts/setup.sh` to create the Python venv",
        tool.display()
    );
    tool
}

fn generate(api: &Api, package_name: Option<&str>) -> Vec<GeneratedFile> {
    let options = Options {
        package_name: package_name.map(str::to_owned),
        ..Options::default()
    };
    duplex_codegen::python::generate(api, &options)
}

/// The generated files of a package (without the copied runtime) as one snapshot text.
fn snapshot_text(files: &[GeneratedFile]) -> String {
    files
        .iter()
        .filter(|f| !f.path.to_string_lossy().contains("/_runtime/"))
        .map(|f| format!("=== {} ===\n{}", f.path.display(), f.contents))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Snapshots a package, checks it generates byte-identically twice, and that it passes
/// `ruff check`, `ruff format --check`-independent lint, and `mypy --strict`.
fn check_package(name: &str, spec: &Path) {
    let api = load(spec);
    let files = generate(&api, None);
    assert_eq!(
        files,
        generate(&api, None),
        "{name}: output is not deterministic"
    );
    insta::assert_snapshot!(name, snapshot_text(&files));
    let dir = tempfile::tempdir().expect("temp dir");
    write(&files, dir.path());
    run(
        Command::new(venv_tool("ruff"))
            .arg("check")
            .arg("--no-cache")
            .arg(dir.path()),
        &format!("ruff check {name}"),
    );
    run(
        Command::new(venv_tool("mypy"))
            .args(["--strict", "--no-incremental", "--cache-dir=/dev/null"])
            .arg(dir.path().join("src")),
        &format!("mypy --strict {name}"),
    );
}

#[test]
fn seed_chat_api() {
    check_package("seed_chat_api", &seed_chat());
}

#[test]
fn fern_realtime_api() {
    let definition = fern_realtime();
    check_package("fern_realtime_api", definition.path());
}

/// Every corpus document that loads to an API with channels (Fern definitions and
/// AsyncAPI documents alike, even those with diagnostics) gets an SDK, and all of them
/// pass `ruff check` and `mypy --strict` in one run of each. Packages are named
/// `sdk_<n>` so their modules never clash in that one mypy run. The output folder and
/// mypy's cache live in cargo's test scratch folder, so a rerun with unchanged output
/// only re-checks what changed.
#[test]
fn corpus_sdks_type_check() {
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("duplex-python-corpus");
    let out = scratch.join("sdks");
    if out.exists() {
        std::fs::remove_dir_all(&out).expect("clear previous corpus SDKs");
    }
    std::fs::create_dir_all(&out).expect("create corpus SDK folder");
    let mut packages = Vec::new();
    for (index, document) in duplex_spec::discover::documents(&corpus())
        .iter()
        .enumerate()
    {
        let Some(api) = duplex_spec::load(&document.path).api else {
            continue;
        };
        if api.channels.is_empty() {
            continue;
        }
        let name = format!("sdk_{index:03}");
        let files = generate(&api, Some(&name));
        let root = out.join(&name);
        write(&files, &root);
        packages.push((root.join("src").join(&name), document.path.clone()));
    }
    assert!(
        packages.len() >= 20,
        "expected most of the corpus to have channels, got {}",
        packages.len()
    );
    let listing: String = packages
        .iter()
        .map(|(pkg, doc)| format!("{} <- {}\n", pkg.display(), doc.display()))
        .collect();
    let ruff = Command::new(venv_tool("ruff"))
        .arg("check")
        .arg("--no-cache")
        .arg(&out)
        .output();
    let ruff = ruff.expect("ruff starts");
    assert!(
        ruff.status.success(),
        "ruff check failed on corpus SDKs:\n{}\n{listing}",
        String::from_utf8_lossy(&ruff.stdout)
    );
    let mypy = Command::new(venv_tool("mypy"))
        .arg("--strict")
        .arg(format!(
            "--cache-dir={}",
            scratch.join("mypy-cache").display()
        ))
        .args(packages.iter().map(|(pkg, _)| pkg))
        .output()
        .expect("mypy starts");
    assert!(
        mypy.status.success(),
        "mypy --strict failed on corpus SDKs:\n{}{}\n{listing}",
        String::from_utf8_lossy(&mypy.stdout),
        String::from_utf8_lossy(&mypy.stderr)
    );
}

/// The live pytest suites in `tests/python/live/`: the seed's Chat API and Fern's
/// realtime channel, generated, driving a real WebSocket server (typed send and
/// receive, async iteration, the sync client, reconnect with queued sends in order).
/// The SDKs are imported straight from their `src/` folders, without installing.
#[test]
fn live_sdks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let chat = dir.path().join("chat");
    write(&generate(&load(&seed_chat()), None), &chat);
    let definition = fern_realtime();
    let realtime = dir.path().join("realtime");
    write(&generate(&load(definition.path()), None), &realtime);
    let agent = dir.path().join("agent");
    write(
        &generate(
            &load(&manifest_dir().join("tests/python/fixtures/agent-chat.yml")),
            None,
        ),
        &agent,
    );
    let live = manifest_dir().join("tests/python/live");
    let server = manifest_dir().join("runtime/python/tests");
    let sources = [
        chat.join("src"),
        realtime.join("src"),
        agent.join("src"),
        server,
    ];
    let path = std::env::join_paths(sources).expect("PYTHONPATH");
    let summary = run(
        Command::new(venv_tool("python"))
            .args([
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-o",
                "asyncio_mode=auto",
            ])
            .args([
                "-o",
                "asyncio_default_fixture_loop_scope=function",
                "-W",
                "error",
            ])
            .arg("--rootdir")
            .arg(&live)
            .arg(&live)
            .env("PYTHONPATH", path)
            .env("PYTHONDONTWRITEBYTECODE", "1"),
        "pytest on the live SDK tests",
    );
    assert!(
        summary.contains("8 passed"),
        "expected all 8 live tests to run:\n{summary}"
    );
}
