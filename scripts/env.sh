# Sourced by every project script: where the build cache, the Python tools and the model live.
# Caches sit outside the clone so a fresh clone on the same machine reuses them.
export DUPLEX_CACHE="${DUPLEX_CACHE:-$HOME/.cache/duplex}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$DUPLEX_CACHE/target}"
export DUPLEX_VENV="${DUPLEX_VENV:-$DUPLEX_CACHE/venv}"
export PATH="$DUPLEX_VENV/bin:$PATH"
# llama.cpp is built by cmake inside a build script, once per cargo feature set and
# profile; ccache (installed by setup.sh) lets those builds share object files.
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_DIR="${CCACHE_DIR:-$DUPLEX_CACHE/ccache}"
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$CARGO_TARGET_DIR}"
  export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
fi
