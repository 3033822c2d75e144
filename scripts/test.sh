#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what the tests need
# (system packages, pinned Node and Python tools, PostgreSQL, the local model), then
# checks formatting and lints, and runs the Rust, TypeScript and Python suites.
# The Rust workspace's tests also drive `node --test`, pytest, tsc, mypy and ruff
# over the generated SDKs, so one `cargo test` covers the generators end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

bash scripts/setup.sh
bash scripts/ensure-postgres.sh
bash scripts/fetch-model.sh

echo "== cargo fmt"
cargo fmt --all -- --check
# Every crate is linted and tested with the embedded model (`local-llm`, a default
# feature of the `duplex` binary that the workspace unifies into the connector; its tests
# run on the model fetch-model.sh cached above) and with the Autobahn echo route that only
# the conformance test uses (`conformance-echo`). One feature set for clippy, the tests
# and the binary they run, so llama.cpp is compiled once.
features=(--features duplex-connector/conformance-echo)

echo "== cargo clippy"
cargo clippy --workspace --all-targets "${features[@]}" -- -D warnings

echo "== Python SDK runtime (pytest, mypy --strict, ruff)"
(
  cd crates/codegen/runtime/python
  python -m pytest -q -p no:cacheprovider
  mypy --strict --cache-dir "$DUPLEX_CACHE/mypy-runtime" _runtime tests
  ruff check --no-cache .
)
echo "== Rust SDK runtime (cargo test, clippy)"
cargo clippy --manifest-path crates/codegen/runtime/rust/Cargo.toml --all-targets -- -D warnings
cargo test --manifest-path crates/codegen/runtime/rust/Cargo.toml

echo "== cargo test (workspace)"
# The tests that run `duplex serve` as a process use the binary this build of the test
# targets makes (the workspace's features: local-llm on), so none of them builds its own
# with another feature set (which would compile llama.cpp a second time).
cargo test --workspace "${features[@]}" --no-run
export DUPLEX_BIN="$CARGO_TARGET_DIR/debug/duplex"
# DUPLEX_RS_FULL_CORPUS=1: the Rust SDK test generates, rustfmt-checks, lints (clippy
# -D warnings, which includes the check) and builds an SDK for every corpus document with
# channels, in one temporary workspace (about 3 minutes with its target dir warm).
DUPLEX_RS_FULL_CORPUS=1 cargo test --workspace "${features[@]}" --no-fail-fast

echo "== official SDKs, live against duplex serve (node --test, pytest, cargo test)"
bash scripts/test-sdks.sh

echo "== web chat page (headless Chromium against a real duplex serve)"
node --test web/tests/
