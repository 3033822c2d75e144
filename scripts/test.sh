#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what the tests need
# (system packages, pinned Node and Python tools, PostgreSQL, the local model), then
# checks formatting and lints, and runs the Rust, TypeScript and Python test suites.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

bash scripts/setup.sh
[ -f scripts/ensure-postgres.sh ] && bash scripts/ensure-postgres.sh
[ -f scripts/fetch-model.sh ] && bash scripts/fetch-model.sh

echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings
echo "== cargo test"
cargo test --workspace --all-features --no-fail-fast
