# Sourced by the bench scripts: a scratch folder ($WORK) and the processes they start
# ($PIDS), both cleaned up when the script exits, however it exits.
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
