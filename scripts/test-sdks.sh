#!/usr/bin/env bash
# Live tests of the three official SDKs (sdks/{typescript,python,rust}) against a real
# `duplex serve` (echo agents, SQLite in a temp dir, random port), each with its own
# language's runner: node --test (compiled with the repo's pinned tsc), pytest (the
# venv), cargo test (the SDK crate builds alone). Each suite starts and restarts its own
# servers from the binary at $DUPLEX_BIN.
#
# Usage: scripts/test-sdks.sh [typescript|python|rust]...   (default: all three)
# Needs what scripts/setup.sh installs (the venv, node_modules); builds duplex-cli unless
# DUPLEX_BIN names a built binary. The Rust SDK builds in $CARGO_TARGET_DIR too.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
root=$PWD

if [ -z "${DUPLEX_BIN:-}" ]; then
  cargo build -q -p duplex-cli
  DUPLEX_BIN="$CARGO_TARGET_DIR/debug/duplex"
fi
export DUPLEX_BIN

langs=("$@")
[ ${#langs[@]} -gt 0 ] || langs=(typescript python rust)

for lang in "${langs[@]}"; do
  start=$(date +%s)
  case "$lang" in
    typescript)
      node_modules/.bin/prettier --check --log-level warn sdks/typescript/test/*.ts
      rm -rf sdks/typescript/test/.build
      node_modules/.bin/tsc -p sdks/typescript/test/tsconfig.json
      node --test --test-concurrency=1 --test-timeout=120000 sdks/typescript/test/.build/test/live.test.js
      ;;
    python)
      # Linted as the SDK's own files are (from its folder, with its settings).
      (cd sdks/python && ruff check --no-cache tests && ruff format --no-cache --check --quiet tests)
      (cd sdks/python && MYPYPATH=src:tests mypy --strict --cache-dir "$DUPLEX_CACHE/mypy-sdk-tests" tests)
      PYTHONPATH="$root/sdks/python/src:$root/sdks/python/tests" python -m pytest -q -p no:cacheprovider \
        -o asyncio_mode=auto -o asyncio_default_fixture_loop_scope=function sdks/python/tests
      ;;
    rust)
      rustfmt --edition 2024 --check sdks/rust/tests/live/main.rs
      cargo test -q --manifest-path sdks/rust/Cargo.toml -- --test-threads=1
      ;;
    *)
      echo "scripts/test-sdks.sh: unknown SDK \`$lang\`; use typescript, python or rust" >&2
      exit 2
      ;;
  esac
  echo "test-sdks: $lang passed in $(( $(date +%s) - start )) s"
done
