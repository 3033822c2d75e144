//! Shared by the Python and Rust SDK tests: where the corpus is, Fern's realtime
//! definition in a folder of its own, loading a spec that must load, writing generated
//! files to disk and running a tool over them.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::path::{Path, PathBuf};
use std::process::Command;

use duplex_codegen::GeneratedFile;
use duplex_spec::ir::Api;

/// How much of a failed tool's output a panic message shows.
const SHOWN_OUTPUT: usize = 20_000;

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared corpus, next to the repository.
pub fn corpus() -> PathBuf {
    manifest_dir().join("../../../shared/corpus")
}

/// Fern's `realtime.yml` with its `api.yml`, copied into a folder of their own: the
/// corpus folder also holds `realtime.older-*.yml`, an older copy that refers to a type
/// that no longer exists, so the folder as a whole does not load.
pub fn fern_realtime() -> tempfile::TempDir {
    let source = corpus().join("fern/test-definitions/fern/apis/websocket/definition");
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["api.yml", "realtime.yml"] {
        std::fs::copy(source.join(name), dir.path().join(name)).expect("copy Fern definition");
    }
    dir
}

/// Loads a spec that must load without errors.
pub fn load(path: &Path) -> Api {
    let loaded = duplex_spec::load(path);
    assert!(
        !loaded.has_errors(),
        "{} does not load: {:#?}",
        path.display(),
        loaded.diagnostics
    );
    loaded.api.expect("a spec without errors has an IR")
}

/// Writes generated files below `dir`.
pub fn write(files: &[GeneratedFile], dir: &Path) {
    for file in files {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("files live in folders"))
            .expect("create folder");
        std::fs::write(&path, &file.contents).expect("write generated file");
    }
}

/// Runs a command and returns its output, panicking with that output when it fails.
pub fn run(command: &mut Command, what: &str) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{what} failed:\n{}",
        text.chars().take(SHOWN_OUTPUT).collect::<String>()
    );
    text
}
