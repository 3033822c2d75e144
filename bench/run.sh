#!/usr/bin/env bash
# Measures `duplex serve` and its two peers side by side with `duplex bench`:
#   duplex  - `duplex serve`, echo agent, SQLite store (a release build);
#   bare    - crates/connector/examples/bare_echo.rs, bare tokio-tungstenite, the floor;
#   python  - bench/python_server.py, the protocol written by hand with `websockets`.
# Each answers a message with ack, stream_start, CHUNKS chunks and stream_end.
#
# Three runs per server: `idle` (IDLE_SESSIONS sessions held, server RSS per session),
# `chat` throughput (CHAT_SESSIONS sessions sending CHAT_MESSAGES messages back to back)
# and `latency` (LATENCY_SESSIONS sessions, each sending LATENCY_RATE messages a second;
# ack latency percentiles). Every run's JSON goes to OUT, then a summary table.
#
# Usage: bash bench/run.sh            (defaults below; override any by environment)
#        SERVERS="duplex bare" IDLE_SESSIONS=5000 bash bench/run.sh
#        STORE=postgres://postgres@127.0.0.1:5432/bench bash bench/run.sh   (an empty database)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

SERVERS=${SERVERS:-"duplex bare python"}
IDLE_SESSIONS=${IDLE_SESSIONS:-50000}
IDLE_HOLD=${IDLE_HOLD:-10}
CHAT_SESSIONS=${CHAT_SESSIONS:-50}
CHAT_MESSAGES=${CHAT_MESSAGES:-90}
LATENCY_SESSIONS=${LATENCY_SESSIONS:-1000}
LATENCY_MESSAGES=${LATENCY_MESSAGES:-20}
LATENCY_RATE=${LATENCY_RATE:-2}
CHUNKS=${CHUNKS:-4}
SOURCES=${SOURCES:-16}
OUT=${OUT:-$DUPLEX_CACHE/bench-results}
SECRET=bench-secret-$$

# One socket per session on each side: raise the open-file limit as far as allowed, and
# hold no more sessions than it leaves room for (a container may cap the hard limit).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
limit=$(ulimit -n)
if [ "$limit" != unlimited ] && [ "$IDLE_SESSIONS" -gt $((limit - 200)) ]; then
  echo "bench: open files are limited to $limit here (ulimit -Hn); holding $((limit - 200)) idle sessions, not $IDLE_SESSIONS" >&2
  IDLE_SESSIONS=$((limit - 200))
fi

# One cargo call for both, so dependencies are built once with one feature set. The
# runs use only the echo agent, so llama.cpp (`local-llm`, a long C++ build that changes
# no session's memory) is left out unless BUILD_FLAGS says otherwise (BUILD_FLAGS= builds
# the default features).
BUILD_FLAGS=${BUILD_FLAGS---no-default-features}
# shellcheck disable=SC2086 # BUILD_FLAGS is a list of cargo flags.
cargo build --release -q $BUILD_FLAGS -p duplex-cli -p duplex-connector --bins --examples
BIN=$CARGO_TARGET_DIR/release
mkdir -p "$OUT"
source bench/workdir.sh

cat >"$WORK/bench.toml" <<EOF
store = "${STORE:-sqlite://$WORK/bench.db}"
max_connections = 100000

[connectors.chat]
path = "/ws"
agents = ["echo"]
secrets_env = ["BENCH_SECRET"]
max_messages = 1000000
ping_interval = "60s"
ping_timeout = "300s"

[agents.echo]
kind = "echo"
chunks = $CHUNKS
EOF

# Starts server $1 on 127.0.0.1:$2; sets SERVER_PID once it accepts connections.
start() {
  local name=$1 port=$2
  case $name in
    duplex) BENCH_SECRET=$SECRET RUST_LOG=warn "$BIN/duplex" serve --config "$WORK/bench.toml" --listen "127.0.0.1:$port" >"$WORK/$name.log" 2>&1 & ;;
    bare) "$BIN/examples/bare_echo" "127.0.0.1:$port" "$CHUNKS" >"$WORK/$name.log" 2>&1 & ;;
    python) python bench/python_server.py 127.0.0.1 "$port" "$CHUNKS" >"$WORK/$name.log" 2>&1 & ;;
  esac
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "bench: $name did not start; its log:" >&2
  cat "$WORK/$name.log" >&2
  exit 1
}

# Runs `duplex bench` scenario $2 against server $1 and keeps its JSON as $1-$3.json.
measure() {
  local name=$1 scenario=$2 label=$3
  shift 3
  echo "== $name $label $(cut -d' ' -f1-3 /proc/loadavg)"
  DUPLEX_SECRET=$SECRET "$BIN/duplex" bench "$scenario" --url "ws://127.0.0.1:$PORT/ws" \
    --sources "$SOURCES" --server-pid "$SERVER_PID" --json "$OUT/$name-$label.json" "$@" 2>/dev/null
}

echo "bench: load before: $(cat /proc/loadavg); results in $OUT"
port=18600
for name in $SERVERS; do
  port=$((port + 1))
  PORT=$port
  # A fresh server per run, so idle RSS starts from an idle process and chat starts
  # from an empty store.
  start "$name" "$PORT"
  measure "$name" idle idle --sessions "$IDLE_SESSIONS" --hold "$IDLE_HOLD" --concurrency 256
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  start "$name" "$PORT"
  measure "$name" chat chat --sessions "$CHAT_SESSIONS" --messages "$CHAT_MESSAGES" --rate 100000
  measure "$name" chat latency --sessions "$LATENCY_SESSIONS" --messages "$LATENCY_MESSAGES" --rate "$LATENCY_RATE"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
done
echo "bench: load after: $(cat /proc/loadavg)"

python - "$OUT" $SERVERS <<'EOF'
import json, sys
out, names = sys.argv[1], sys.argv[2:]
def load(name, label):
    try:
        with open(f"{out}/{name}-{label}.json") as f:
            return json.load(f)
    except OSError:
        return None
print(f"{'server':8} {'idle held':>9} {'B/session':>10} {'chat msg/s':>10} {'ack p50 ms':>10} {'ack p99 ms':>10} {'1st chunk p99':>13} {'errors':>8}")
for name in names:
    idle, chat, lat = load(name, "idle"), load(name, "chat"), load(name, "latency")
    errors = sum(sum(r["errors"].values()) for r in (idle, chat, lat) if r)
    print(f"{name:8} {idle['held'] if idle else '-':>9} {idle['bytes_per_connection'] if idle else '-':>10} "
          f"{chat['messages_per_sec'] if chat else 0:>10.0f} {lat['ack_latency']['p50_ms'] if lat else 0:>10.3f} "
          f"{lat['ack_latency']['p99_ms'] if lat else 0:>10.3f} {lat['first_chunk']['p99_ms'] if lat else 0:>13.3f} {errors:>8}")
EOF
