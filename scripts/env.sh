# Sourced by every project script: where the build cache, the Python tools and the model live.
# Caches sit outside the clone so a fresh clone on the same machine reuses them.
export DUPLEX_CACHE="${DUPLEX_CACHE:-$HOME/.cache/duplex}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$DUPLEX_CACHE/target}"
export DUPLEX_VENV="${DUPLEX_VENV:-$DUPLEX_CACHE/venv}"
export PATH="$DUPLEX_VENV/bin:$PATH"
