#!/usr/bin/env bash
# Regenerates the official connector SDKs (sdks/typescript, sdks/python, sdks/rust) from
# docs/connector.asyncapi.yaml with `duplex generate`, each README with the walkthrough in
# docs/sdk-walkthrough-<lang>.md. Each SDK folder is replaced whole (so files a generator
# no longer writes disappear), except its hand-written live tests (`test/`, `tests/`). `crates/cli/tests/sdk_freshness.rs`
# fails when the committed SDKs differ from what this script would write.
#
# Usage: scripts/gen-sdks.sh [DUPLEX_BINARY]   (default: `cargo run -q -p duplex-cli --`)
set -euo pipefail
cd "$(dirname "$0")/.."

spec=docs/connector.asyncapi.yaml
if [ $# -ge 1 ]; then
  duplex=("$1")
else
  duplex=(cargo run -q -p duplex-cli --)
fi

generate() { # LANG DIR PACKAGE
  mkdir -p "$2"
  find "$2" -mindepth 1 -maxdepth 1 ! -name test ! -name tests -exec rm -rf {} +
  "${duplex[@]}" generate --lang "$1" --out "$2" --package-name "$3" \
    --guide "docs/sdk-walkthrough-$1.md" "$spec"
}

generate typescript sdks/typescript @duplex/connector
generate python sdks/python duplex-connector
generate rust sdks/rust duplex-connector-sdk
