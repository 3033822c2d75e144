#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian machine. Idempotent:
# each step checks first, so a second run costs seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

need_apt=()
# heaptrack profiles the server's memory per session, and bench/idle-nodes.sh counts
# established sockets with iproute2's `ss` (docs/benchmarks.md).
for pkg in cmake clang libclang-dev pkg-config ccache chromium heaptrack iproute2; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x "$DUPLEX_VENV/bin/python" ]; then
  python3 -m venv "$DUPLEX_VENV"
fi
if ! cmp -s requirements-dev.txt "$DUPLEX_VENV/.requirements"; then
  "$DUPLEX_VENV/bin/pip" install -q -r requirements-dev.txt
  cp requirements-dev.txt "$DUPLEX_VENV/.requirements"
fi

if ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
fi
