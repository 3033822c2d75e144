//! Runs the TypeScript runtime's own tests (`runtime/typescript/test`, `node --test`
//! against a real `ws` server) and checks the runtime sources are prettier-formatted,
//! so `cargo test` covers the runtime every SDK carries.

mod ts_support;

use std::path::Path;
use std::process::Command;

use ts_support::{node_tool, node_workspace, run};

#[test]
fn runtime_tests_pass() {
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/typescript");
    let dir = tempfile::tempdir().expect("temp dir");
    node_workspace(dir.path());
    run(Command::new(node_tool("tsc"))
        .arg("-p")
        .arg(runtime.join("tsconfig.json"))
        .arg("--outDir")
        .arg(dir.path()));
    run(Command::new("node")
        .arg("--test")
        .arg("--test-timeout=30000")
        .arg("test/")
        .current_dir(dir.path()));
}

#[test]
fn runtime_sources_are_prettier_formatted() {
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/typescript");
    run(Command::new(node_tool("prettier"))
        .arg("--check")
        .arg(runtime.join("src"))
        .arg(runtime.join("test")));
}
