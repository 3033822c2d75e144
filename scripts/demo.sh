#!/usr/bin/env bash
# The main job on a fresh machine: installs what the build needs, fetches the local model
# (SmolLM2-135M-Instruct, cached under ~/.cache/duplex/models), builds `duplex` in release
# mode and starts the demo connector at ws://127.0.0.1:8080/ws with its chat page at
# http://127.0.0.1:8080/, answered by the embedded llama.cpp model.
# The secret is read from DUPLEX_SECRET, or generated and printed at start.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

bash scripts/setup.sh
bash scripts/fetch-model.sh
cargo build --release -p duplex-cli
exec "$CARGO_TARGET_DIR/release/duplex" serve --listen "${DUPLEX_LISTEN:-127.0.0.1:8080}" "$@"
