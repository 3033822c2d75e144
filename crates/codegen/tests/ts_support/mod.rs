//! Shared by the TypeScript tests: loading fixtures, writing generated SDKs to disk,
//! and running the repo's pinned Node tools (`npm ci` at the repo root installs them).

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use duplex_codegen::{GeneratedFile, Options};
use duplex_spec::ir::Api;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/ts_fixtures")
        .join(name)
}

/// The Fern test definition whose channel is `realtime.yml`.
pub fn fern_websocket() -> PathBuf {
    corpus_root().join("fern/test-definitions/fern/apis/websocket/definition")
}

/// Loads a definition that must load without errors.
pub fn load(path: &Path) -> Api {
    load_checked(path, false)
}

/// Loads a definition; with `allow_errors`, errors are fine as long as there is an IR
/// (Fern's test definition folder holds a deliberately broken older file).
pub fn load_checked(path: &Path, allow_errors: bool) -> Api {
    let loaded = duplex_spec::load(path);
    let listed: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(
        allow_errors || !loaded.has_errors(),
        "{} has errors:\n{}",
        path.display(),
        listed.join("\n")
    );
    loaded
        .api
        .unwrap_or_else(|| panic!("{} produced no IR", path.display()))
}

pub fn generate(api: &Api, package_name: &str) -> Vec<GeneratedFile> {
    let options = Options {
        package_name: Some(package_name.to_owned()),
        ..Options::default()
    };
    duplex_codegen::typescript::generate(api, &options)
}

pub fn write(dir: &Path, files: &[GeneratedFile]) {
    for file in files {
        let path = dir.join(&file.path);
        fs::create_dir_all(path.parent().expect("a file has a parent")).expect("mkdir");
        fs::write(&path, &file.contents).expect("write generated file");
    }
}

/// A pinned tool from the repo root's `node_modules/.bin`.
pub fn node_tool(name: &str) -> PathBuf {
    let path = repo_root().join("node_modules/.bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `npm ci` at the repo root (or `bash scripts/setup.sh`)",
        path.display()
    );
    path
}

/// Runs a command and fails the test with its output when it fails.
pub fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Makes `dir` a place where Node resolves the repo's pinned packages (`ws`) and
/// treats `.js` files as ES modules.
pub fn node_workspace(dir: &Path) {
    std::os::unix::fs::symlink(repo_root().join("node_modules"), dir.join("node_modules"))
        .expect("symlink node_modules");
    fs::write(dir.join("package.json"), "{ \"type\": \"module\" }\n").expect("package.json");
}

/// The compiler options of generated SDKs, for a tsconfig that checks several at once.
pub const STRICT_OPTIONS: &str = r#""target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2022", "DOM"],
    "strict": true,
    "noUnusedLocals": true,
    "noUnusedParameters": true,
    "noImplicitOverride": true,
    "skipLibCheck": true"#;
