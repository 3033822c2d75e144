#!/usr/bin/env bash
# Compiles the web chat page (web/src/app.ts and the generated SDK it imports from
# sdks/typescript) to ES modules in web/dist with the repo's pinned tsc. The connector
# embeds web/dist (crates/connector/src/server/web.rs), so commit it after a rebuild;
# web/tests/chat.test.mjs fails when it is stale.
#
# Usage: web/build.sh [OUT_DIR]   (default web/dist)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-web/dist}"
tsc=node_modules/.bin/tsc
[ -x "$tsc" ] || { echo "web/build.sh: $tsc is missing; run scripts/setup.sh" >&2; exit 1; }
rm -rf "$out"
"$tsc" -p web/tsconfig.json --outDir "$out"
