#!/usr/bin/env bash
# The whole pipeline at fleet scale through every fault it promises to
# survive, with the real binaries: SOAK_AGENTS simulated agents
# (`nodepulse-bench fleet`: one real node_exporter scrape each, every 15 s,
# agent batch ids, each scrape retried until acknowledged) and two real
# agents on a real node_exporter push to `nodepulse ingest` -> redis-server
# (durable) -> `nodepulse digest` -> PostgreSQL 15. In turn, a phase each:
#   ingest SIGKILLed and started again; Valkey SIGKILLed and started again;
#   digest SIGKILLed and started again; PostgreSQL stopped SOAK_PG_OUTAGE
#   seconds; the disk of a real agent's WAL filled (a small tmpfs) for a
#   phase, then freed.
# Then: every batch the ingest acknowledged is in PostgreSQL exactly once
# (each simulated batch's 507 rows, no batch twice), the loss detector
# recorded nothing and counts nothing, the real agents' scrapes arrived
# (the one whose disk was full counted its failed writes and went on).
# Prints, per phase: batches received, lag from ingest to commit (p50, p99,
# max). Short by default (ctest); scripts/soak runs it long for the figures.
#
# Usage: soak.sh NODEPULSE NODEPULSE_BENCH SOURCE_DIR
set -euo pipefail
nodepulse=$1
bench=$2
source_dir=$3
. "$(dirname "$0")/support/lib.sh"

agents=${SOAK_AGENTS:-2000}
phase_s=${SOAK_PHASE_SECONDS:-15}   # each fault's phase
pg_outage=${SOAK_PG_OUTAGE:-20}     # seconds PostgreSQL stays stopped
settle_s=${SOAK_SETTLE:-20}         # the loss detector's `after`

exporter=/usr/bin/prometheus-node-exporter
[ -x "$exporter" ] || fail "$exporter missing: scripts/bootstrap installs prometheus-node-exporter"
command -v redis-server >/dev/null || fail "redis-server missing: scripts/bootstrap installs it"
as_root=()
[ "$(id -u)" = 0 ] || as_root=(sudo -n)
work=$(mktemp -d)
wal_disk=$work/agent2-wal
mkdir -p "$wal_disk"
# The WAL disk that will fill: a filesystem of its own, 8 MiB.
"${as_root[@]}" mount -t tmpfs -o size=8m tmpfs "$wal_disk" \
  || fail "cannot mount a tmpfs for the agent's WAL (needs root or sudo)"
cleanup() {
  local status=$?
  stop_all
  stop_postgres
  "${as_root[@]}" umount "$wal_disk" 2>/dev/null || true
  if [ "$status" != 0 ]; then
    for log in ingest digest agent1 agent2; do
      echo "== the last lines of $log.log"
      tail -n 15 "$work/$log.log" 2>/dev/null || true
    done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
t0=$(date +%s)
note() { echo "[soak t=$(( $(date +%s) - t0 ))s] $*"; }

start_postgres "$work/pg" -c max_wal_size=4GB -c checkpoint_timeout=15min
dsn=$pg_dsn
"$nodepulse" migrate --dsn "$dsn" >/dev/null || fail "migrate failed"
redis_port=$(free_port)
start_redis "$redis_port" "$work/redis"
redis_pid=${started_pids[-1]}
exporter_port=$(free_port)
start_bg "$exporter" --web.listen-address="127.0.0.1:$exporter_port" \
  --collector.filesystem.fs-types-exclude='^(proc|sysfs)$' 2>"$work/exporter.log"
wait_http "http://127.0.0.1:$exporter_port/metrics"
curl -sf "http://127.0.0.1:$exporter_port/metrics" >"$work/scrape.prom"
samples_per_scrape=$("$nodepulse" parse "$work/scrape.prom" | cut -d' ' -f1)

ingest_port=$(free_port)
digest_port=$(free_port)
cat >"$work/ingest.yml" <<YML
listen: "127.0.0.1:$ingest_port"
valkey: { url: "redis://127.0.0.1:$redis_port" }
# The simulated fleet comes from one address: each agent its own connection.
limits: { max_connections_per_address: 4096 }
YML
cat >"$work/digest.yml" <<YML
valkey: { url: "redis://127.0.0.1:$redis_port" }
postgres: { dsn: "$dsn" }
status: { listen: "127.0.0.1:$digest_port" }
writer: { claim_idle: 5s }
loss_detector: { after: ${settle_s}s, every: 2s }
YML
start_ingest() {
  start_bg "$nodepulse" ingest -c "$work/ingest.yml" >>"$work/ingest.log" 2>&1
  ingest_pid=${started_pids[-1]}
  wait_http "http://127.0.0.1:$ingest_port/readyz" 30 "$work/ingest.log"
}
start_digest() {
  start_bg "$nodepulse" digest -c "$work/digest.yml" >>"$work/digest.log" 2>&1
  digest_pid=${started_pids[-1]}
  wait_http "http://127.0.0.1:$digest_port/healthz" 30 "$work/digest.log"
}
start_ingest
start_digest

# Two real agents on the real node_exporter; the second keeps its WAL on
# the small disk.
for n in 1 2; do
  dir=$work/agent$n-wal
  [ "$n" = 2 ] && dir=$wal_disk
  port=$(free_port)
  cat >"$work/agent$n.yml" <<YML
scrapers:
  prometheus:
    endpoints:
      - url: "http://127.0.0.1:$exporter_port/metrics"
        name: "node_exporter"
server:
  endpoint: "http://127.0.0.1:$ingest_port/metrics/prometheus"
agent:
  interval: 5s
buffer:
  path: "$dir"
status:
  listen: "127.0.0.1:$port"
YML
  start_bg "$nodepulse" agent -c "$work/agent$n.yml" >"$work/agent$n.log" 2>&1
  eval "agent${n}_port=$port"
done
wait_http "http://127.0.0.1:$agent2_port/healthz" 30 "$work/agent2.log"

agent_metric() { # AGENT_PORT NAME
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n {print $2}'
}

# -- the fleet and the faults ------------------------------------------------------
phases=(steady ingest_killed valkey_killed digest_killed postgres_stopped wal_disk_full after)
# Scrapes go on through every phase and one more after the last fault.
scrape_seconds=$(( phase_s * 7 + pg_outage + 15 ))
note "fleet of $agents agents for ${scrape_seconds}s, $samples_per_scrape samples a scrape"
"$bench" fleet --connect "127.0.0.1:$ingest_port" --agents "$agents" --interval-ms 15000 \
  --seconds "$scrape_seconds" --drain-seconds 600 --max-retry-ms 5000 \
  --acked "$work/acked.txt" "$work/scrape.prom" >"$work/fleet.log" 2>&1 &
fleet_pid=$!
started_pids+=("$fleet_pid")
declare -A phase_start
phase() { phase_start[$1]=$(date +%s.%N); note "phase $1"; }

phase steady
sleep "$phase_s"
phase ingest_killed
kill -9 "$ingest_pid"; sleep 3; start_ingest
sleep "$phase_s"
phase valkey_killed
kill -9 "$redis_pid"; sleep 2
start_redis "$redis_port" "$work/redis"
redis_pid=${started_pids[-1]}
sleep "$phase_s"
phase digest_killed
kill -9 "$digest_pid"; sleep 5; start_digest
sleep "$phase_s"
phase postgres_stopped
PG_PORT=$pg_port # back on the same port
stop_postgres
sleep "$pg_outage"
start_postgres "$work/pg" -c max_wal_size=4GB -c checkpoint_timeout=15min
sleep "$phase_s"
phase wal_disk_full
failures_before=$(agent_metric "$agent2_port" nodepulse_agent_buffer_write_failures_total)
dd if=/dev/zero of="$wal_disk/filler" bs=64k 2>/dev/null || true # until the disk is full
sleep "$phase_s"
# The WAL file's last page may still take a small record or two: the disk
# stays full until a write has failed (a scrape every 5 s).
for _ in $(seq 1 30); do
  failures_during=$(agent_metric "$agent2_port" nodepulse_agent_buffer_write_failures_total)
  [ "${failures_during:-0}" -gt "${failures_before:-0}" ] && break
  sleep 1
done
rm -f "$wal_disk/filler"
phase after
note "waiting for the fleet to have every scrape acknowledged"
fleet_status=0
wait "$fleet_pid" || fleet_status=$?
cat "$work/fleet.log"
[ "$fleet_status" = 0 ] || fail "the fleet has scrapes the ingest never acknowledged (exit $fleet_status)"
end_of_pushes=$(date +%s.%N)

# -- everything acknowledged lands ---------------------------------------------
acked=$(wc -l <"$work/acked.txt")
note "$acked batches acknowledged to the fleet; waiting for the digest"
stored() { psql -At "$dsn" -c "SELECT count(*) FROM admiral.accepted_batches WHERE server_id::text LIKE '00000000-0000-4000-9000-%'"; }
for _ in $(seq 1 900); do
  [ "$(stored)" -ge "$acked" ] && break
  sleep 1
done
psql -q "$dsn" -c "CREATE TABLE soak_acked (batch_id text PRIMARY KEY)"
psql -q "$dsn" -c "\\copy soak_acked FROM '$work/acked.txt'"
missing=$(psql -At "$dsn" -c "SELECT count(*) FROM soak_acked a WHERE NOT EXISTS (SELECT 1 FROM admiral.accepted_batches b WHERE b.batch_id = a.batch_id)")
[ "$missing" = 0 ] || fail "$missing acknowledged batches are not in PostgreSQL, e.g. $(psql -At "$dsn" -c "SELECT batch_id FROM soak_acked a WHERE NOT EXISTS (SELECT 1 FROM admiral.accepted_batches b WHERE b.batch_id = a.batch_id) LIMIT 3")"
batches=$(stored)
rows=$(psql -At "$dsn" -c "SELECT count(*) FROM admiral.metric_samples WHERE server_id::text LIKE '00000000-0000-4000-9000-%'")
[ "$rows" = $(( batches * samples_per_scrape )) ] \
  || fail "$rows rows for $batches batches of $samples_per_scrape samples: a batch is missing rows or stored twice"
note "every acknowledged batch stored once: $batches batches, $rows rows"

# -- the real agents ---------------------------------------------------------------
for n in 1 2; do
  port_var=agent${n}_port
  pushed=$(agent_metric "${!port_var}" 'nodepulse_agent_pushes_total{lane="fresh"}')
  [ "${pushed:-0}" -gt 0 ] || fail "real agent $n pushed nothing"
done
[ "${failures_during:-0}" -gt "${failures_before:-0}" ] \
  || fail "agent 2's WAL disk was full but it counted no failed write ($failures_before -> $failures_during)"
agent2_id=$(cat "$wal_disk/server_id")
scrapes_after() {
  psql -At "$dsn" -c "SELECT count(*) FROM admiral.metric_samples WHERE server_id = '$agent2_id'
                        AND metric_name = 'up' AND timestamp > to_timestamp(${phase_start[after]})"
}
for _ in $(seq 1 60); do
  [ "$(scrapes_after)" -gt 0 ] && break
  sleep 1
done
[ "$(scrapes_after)" -gt 0 ] || fail "agent 2 stored no scrape in the minute after its WAL disk was freed"
note "real agents: both pushed; agent 2 counted $(( failures_during - failures_before )) failed WAL writes while its disk was full and went on"

# -- and the loss detector saw nothing ---------------------------------------------
note "waiting ${settle_s}s for the loss detector to settle on the last batches"
sleep $(( settle_s + 5 ))
losses=$(psql -At "$dsn" -c "SELECT count(*) FROM admiral.batch_losses")
lost_metric=$(curl -sf "http://127.0.0.1:$digest_port/metrics" | awk '$1 == "nodepulse_digest_batches_lost_total" {print $2}')
[ "$losses" = 0 ] || fail "the loss detector recorded $losses gaps: $(psql -At "$dsn" -c "SELECT * FROM admiral.batch_losses LIMIT 5")"
[ "$lost_metric" = 0 ] || fail "the digest counts $lost_metric lost batches"
epochs=$(psql -At "$dsn" -c "SELECT count(*) FROM admiral.wal_epochs WHERE checked_through >= first_sequence")
note "loss detector: 0 gaps, $epochs epochs checked"

# -- figures, per phase -----------------------------------------------------------
echo "phase              batches  lag p50 s  lag p99 s  lag max s"
for i in "${!phases[@]}"; do
  p=${phases[$i]}
  from=${phase_start[$p]}
  to=$end_of_pushes
  [ $((i + 1)) -lt ${#phases[@]} ] && to=${phase_start[${phases[$((i + 1))]}]}
  psql -At -F ' ' "$dsn" -c "
    SELECT count(*),
           coalesce(round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM accepted_at - received_at))::numeric, 2), 0),
           coalesce(round(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM accepted_at - received_at))::numeric, 2), 0),
           coalesce(round(max(extract(epoch FROM accepted_at - received_at))::numeric, 2), 0)
      FROM admiral.accepted_batches
     WHERE received_at >= to_timestamp($from) AND received_at < to_timestamp($to)" \
    | awk -v p="$p" '{ printf "%-18s %7d  %9s  %9s  %9s\n", p, $1, $2, $3, $4 }'
done
echo "soak: 1 passed, 0 failed"
