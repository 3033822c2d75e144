#!/usr/bin/env bash
# Holds IDLE_TOTAL (50,000) idle authenticated sessions at once on NODES `duplex serve`
# processes sharing one PostgreSQL store (the several-node setup of docs/deployment.md),
# each driven by its own `duplex bench idle` client, and reports the servers' RSS per
# session.
#
# Why several processes: one process can hold at most `ulimit -Hn` sockets, and where
# that hard limit is below 50,000 (20,000 in the container these figures come from,
# which lacks CAP_SYS_RESOURCE to raise it) neither one server nor one bench client can
# hold 50,000. So each node holds IDLE_TOTAL / NODES sessions, each bench client opens
# those of one node, and all of them are held together: the script waits until the
# kernel shows IDLE_TOTAL established connections to the nodes at one instant, and reads
# every node's RSS (VmRSS, /proc/PID/status) then.
#
# Reported: the RSS the nodes gained for their sessions, summed, / IDLE_TOTAL (the
# figure `duplex bench idle` reports for one process), and the nodes' whole RSS summed /
# IDLE_TOTAL (that also counts each process's own start-up RSS). Each client's JSON is
# kept in OUT as idle-node-N.json, the snapshot as idle-nodes.json.
#
# Usage: bash bench/idle-nodes.sh            (defaults below; override any by environment)
#        NODES=4 IDLE_TOTAL=50000 IDLE_HOLD=60 bash bench/idle-nodes.sh
# Needs PostgreSQL (scripts/ensure-postgres.sh); DUPLEX_BENCH_POSTGRES names the server
# (a database `duplex_bench_idle` is created fresh on it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

NODES=${NODES:-3}
IDLE_TOTAL=${IDLE_TOTAL:-50000}
IDLE_HOLD=${IDLE_HOLD:-60}
SOURCES=${SOURCES:-16}
OUT=${OUT:-$DUPLEX_CACHE/bench-results}
PG=${DUPLEX_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
DB=duplex_bench_idle
SECRET=bench-secret-$$

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
limit=$(ulimit -n)
per_node=$(((IDLE_TOTAL + NODES - 1) / NODES))
if [ "$limit" != unlimited ] && [ "$per_node" -gt $((limit - 200)) ]; then
  echo "idle-nodes: $per_node sessions per node do not fit in $limit open files (ulimit -Hn); use NODES=$(((IDLE_TOTAL + limit - 201) / (limit - 200)))" >&2
  exit 1
fi

bash scripts/ensure-postgres.sh >/dev/null
PGOPTIONS="-c client_min_messages=warning" psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null

# The echo agent needs no model: build without llama.cpp (as bench/run.sh does).
cargo build --release -q -p duplex-cli --no-default-features
BIN=$CARGO_TARGET_DIR/release
mkdir -p "$OUT"
source bench/workdir.sh

cat >"$WORK/node.toml" <<EOF
store = "$PG/$DB"
max_connections = 100000

[connectors.chat]
path = "/ws"
agents = ["echo"]
secrets_env = ["BENCH_SECRET"]
ping_interval = "60s"
ping_timeout = "300s"

[agents.echo]
kind = "echo"
EOF

rss() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"; }

echo "idle-nodes: load before: $(cat /proc/loadavg); $NODES nodes × $per_node sessions; results in $OUT"
SERVERS=()
PORTS=()
for node in $(seq "$NODES"); do
  port=$((18700 + node))
  BENCH_SECRET=$SECRET RUST_LOG=warn "$BIN/duplex" serve --config "$WORK/node.toml" \
    --listen "127.0.0.1:$port" >"$WORK/node-$node.log" 2>&1 &
  SERVERS+=("$!")
  PIDS+=("$!")
  PORTS+=("$port")
done
for i in "${!PORTS[@]}"; do
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/${PORTS[$i]}") 2>/dev/null; then continue 2; fi
    sleep 0.1
  done
  echo "idle-nodes: node $((i + 1)) did not start; its log:" >&2
  cat "$WORK/node-$((i + 1)).log" >&2
  exit 1
done
sleep 1
before=0
for pid in "${SERVERS[@]}"; do before=$((before + $(rss "$pid"))); done

CLIENTS=()
for i in "${!PORTS[@]}"; do
  sessions=$per_node
  if [ $((i + 1)) -eq "$NODES" ]; then sessions=$((IDLE_TOTAL - per_node * (NODES - 1))); fi
  DUPLEX_SECRET=$SECRET "$BIN/duplex" bench idle --url "ws://127.0.0.1:${PORTS[$i]}/ws" \
    --sessions "$sessions" --hold "$IDLE_HOLD" --concurrency 128 --sources "$SOURCES" \
    --server-pid "${SERVERS[$i]}" --json "$OUT/idle-node-$((i + 1)).json" \
    >"$WORK/client-$((i + 1)).log" 2>&1 &
  CLIENTS+=("$!")
  PIDS+=("$!")
done

# The snapshot: the first instant all IDLE_TOTAL sessions are established together.
filter=$(printf 'sport = :%s or ' "${PORTS[@]}")
filter="( ${filter% or } )"
held=0
for _ in $(seq $((IDLE_HOLD * 10 + 3000))); do
  held=$(ss -Htn state established "$filter" | wc -l)
  [ "$held" -ge "$IDLE_TOTAL" ] && break
  sleep 0.1
done
sleep 2
held=$(ss -Htn state established "$filter" | wc -l)
at_peak=0
for pid in "${SERVERS[@]}"; do at_peak=$((at_peak + $(rss "$pid"))); done
load=$(cut -d' ' -f1-3 /proc/loadavg)

status=0
for i in "${!CLIENTS[@]}"; do
  wait "${CLIENTS[$i]}" || { status=1; echo "idle-nodes: client $((i + 1)) failed:" >&2; cat "$WORK/client-$((i + 1)).log" >&2; }
done
echo "idle-nodes: load after: $(cat /proc/loadavg)"

python - "$OUT" "$NODES" "$IDLE_TOTAL" "$held" "$before" "$at_peak" "$load" <<'EOF'
import json, sys
out, nodes, total, held, before, at_peak, load = sys.argv[1:]
nodes, total, held, before, at_peak = map(int, (nodes, total, held, before, at_peak))
clients = [json.load(open(f"{out}/idle-node-{n}.json")) for n in range(1, nodes + 1)]
for n, c in enumerate(clients, 1):
    print(f"node {n}: held {c['held']}, {c['bytes_per_connection']} B/session (its bench client), errors {c['errors'] or 'none'}")
summary = {
    "nodes": nodes,
    "sessions": total,
    "established_at_snapshot": held,
    "server_rss_before": before,
    "server_rss_at_snapshot": at_peak,
    "bytes_per_session": (at_peak - before) // total,
    "total_rss_per_session": at_peak // total,
    "load_average_at_snapshot": load,
    "held_by_clients": sum(c["held"] for c in clients),
}
json.dump(summary, open(f"{out}/idle-nodes.json", "w"), indent=2)
print(f"{held} sessions established at once on {nodes} nodes (load {load})")
print(f"server RSS {before // 1024} KiB -> {at_peak // 1024} KiB: {summary['bytes_per_session']} B per session gained, "
      f"{summary['total_rss_per_session']} B per session of the whole RSS")
if held < total or summary["held_by_clients"] < total:
    print(f"idle-nodes: only {held} established at once, {summary['held_by_clients']} held to the end; not {total}", file=sys.stderr)
    sys.exit(1)
EOF
exit $status
