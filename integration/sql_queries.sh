#!/usr/bin/env bash
# sql/queries/ against real node_exporter data: three scrapes of a real
# prometheus-node-exporter go through a real ingest and digest into a real
# PostgreSQL 15; each query's answer is compared with the same figure
# computed independently from the scraped text (Python's prometheus_client
# parser, sql_queries_check.py).
set -euo pipefail
nodepulse=$1
source_dir=$2
. "$(dirname "$0")/support/lib.sh"

command -v redis-server >/dev/null || fail "redis-server missing: scripts/bootstrap installs it"
python=/usr/bin/python3 # Debian's, with python3-prometheus-client
$python -c 'import prometheus_client' 2>/dev/null \
  || fail "python3-prometheus-client missing: scripts/bootstrap installs it"

work=$(mktemp -d)
trap 'stop_all; stop_postgres; rm -rf "$work"' EXIT
start_store_and_stream "$work" "$nodepulse"
exporter_port=$(free_port)
# Every filesystem type, so that "/" is there in a container too (overlay).
start_node_exporter "$exporter_port" "$work/exporter.log" \
  --collector.filesystem.fs-types-exclude='^(proc|sysfs)$'
ingest_port=$(free_port)
digest_port=$(free_port)
cat >"$work/ingest.yml" <<YML
listen: "127.0.0.1:$ingest_port"
valkey: { url: "redis://127.0.0.1:$redis_port" }
YML
cat >"$work/digest.yml" <<YML
valkey: { url: "redis://127.0.0.1:$redis_port" }
postgres: { dsn: "$dsn" }
status: { listen: "127.0.0.1:$digest_port" }
YML
start_bg "$nodepulse" ingest -c "$work/ingest.yml" 2>"$work/ingest.log"
start_bg "$nodepulse" digest -c "$work/digest.yml" 2>"$work/digest.log"
wait_http "http://127.0.0.1:$exporter_port/metrics"
wait_http "http://127.0.0.1:$ingest_port/healthz"
wait_http "http://127.0.0.1:$digest_port/readyz" 30

server=5f0e8a52-2b8c-4e27-9d0c-3a4f6b7c8d9e
for i in 1 2 3; do
  curl -sf "http://127.0.0.1:$exporter_port/metrics" >"$work/scrape$i.prom"
  code=$(curl -s -o "$work/push$i.json" -w '%{http_code}' \
    -H 'Content-Type: text/plain; version=0.0.4' --data-binary "@$work/scrape$i.prom" \
    "http://127.0.0.1:$ingest_port/metrics/prometheus?server_id=$server")
  [ "$code" = 200 ] || fail "push $i answered $code: $(cat "$work/push$i.json")"
  [ "$i" = 3 ] || sleep 1.2
done

batches=""
for _ in $(seq 1 300); do
  batches=$(psql -At "$dsn" -c 'SELECT count(*) FROM admiral.accepted_batches')
  [ "$batches" = 3 ] && break
  sleep 0.1
done
[ "$batches" = 3 ] || fail "the digest committed $batches of 3 batches: $(cat "$work/digest.log")"

# Each scrape's time as stored (the samples carry none: ingest stamped them).
psql -At "$dsn" -c "SELECT DISTINCT (extract(epoch FROM timestamp) * 1000)::bigint
                      FROM admiral.metric_samples ORDER BY 1" >"$work/timestamps.txt"
for q in cpu_usage_percent memory root_filesystem network uptime load cpu_mode_percent \
  network_interfaces; do
  psql -At -F '|' -v ON_ERROR_STOP=1 -v server_id="$server" -v window='1 hour' "$dsn" \
    -f "$source_dir/sql/queries/$q.sql" >"$work/$q.out" || fail "$q.sql failed"
done
psql -At -F '|' -v ON_ERROR_STOP=1 -v server_id="$server" "$dsn" \
  -f "$source_dir/sql/queries/latest_cpu.sql" >"$work/latest_cpu.out" || fail "latest_cpu.sql failed"
# Another server's id finds nothing.
other=$(psql -At -F '|' -v server_id=00000000-0000-0000-0000-000000000000 -v window='1 hour' \
  "$dsn" -f "$source_dir/sql/queries/memory.sql")
[ -z "$other" ] || fail "memory.sql answered for a server that never pushed: $other"

$python "$(dirname "$0")/sql_queries_check.py" "$work" || fail "a query disagrees with the scrapes"

# The same answers through the view (the queries as the plan wrote them,
# reading admiral.metric_samples), and from the cold tier once compaction
# has made blocks of every sample.
run_queries() { # $1: suffix of the output files; $2: sed script applied to each query
  for q in cpu_usage_percent memory root_filesystem network uptime latest_cpu load \
    cpu_mode_percent network_interfaces; do
    sed -e "$2" "$source_dir/sql/queries/$q.sql" >"$work/$q.$1.sql"
    psql -At -F '|' -v ON_ERROR_STOP=1 -v server_id="$server" -v window='1 hour' "$dsn" \
      -f "$work/$q.$1.sql" >"$work/$q.$1" || fail "$q.sql ($1) failed"
  done
}
same_answers() { # $1: suffix
  for q in cpu_usage_percent memory root_filesystem network uptime latest_cpu load \
    cpu_mode_percent network_interfaces; do
    cmp -s "$work/$q.out" "$work/$q.$1" \
      || fail "$q.sql answers differently ($1): $(diff "$work/$q.out" "$work/$q.$1" | head -5)"
  done
}
through_view="s/admiral\.metric_samples_between(.*'infinity')/admiral.metric_samples/"
grep -q 'metric_samples_between' "$source_dir/sql/queries/memory.sql" \
  || fail "sql/queries/ no longer read admiral.metric_samples_between"
run_queries view "$through_view"
same_answers view
hot=$(psql -At "$dsn" -c 'SELECT count(*) FROM admiral.samples_hot')
cat >"$work/compact.yml" <<YML
postgres: { dsn: "$dsn" }
YML
"$nodepulse" compact -c "$work/compact.yml" \
  --before "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" >"$work/compact.log" 2>&1 \
  || fail "nodepulse compact failed: $(cat "$work/compact.log")"
[ "$(psql -At "$dsn" -c 'SELECT count(*) FROM admiral.samples_hot')" = 0 ] \
  || fail "samples still hot after compaction: $(cat "$work/compact.log")"
[ "$(psql -At "$dsn" -c 'SELECT sum(samples) FROM admiral.sample_blocks')" = "$hot" ] \
  || fail "compaction made blocks of other than the $hot hot samples"
run_queries cold 's/^$//'
same_answers cold
run_queries cold_view "$through_view"
same_answers cold_view
