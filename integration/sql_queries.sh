#!/usr/bin/env bash
# sql/queries/ against real node_exporter data: three scrapes of a real
# prometheus-node-exporter go through a real ingest and digest into a real
# PostgreSQL 15; each query's answer is compared with the same figure
# computed independently from the scraped text (Python's prometheus_client
# parser, sql_queries_check.py). Then the CPU queries over pushed scrapes of
# a host that reboots and brings a core online.
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
digest_pid=${started_pids[-1]}
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

wait_batches() { # $1: how many batches the digest has committed in all
  local batches=""
  for _ in $(seq 1 300); do
    batches=$(psql -At "$dsn" -c 'SELECT count(*) FROM admiral.accepted_batches')
    [ "$batches" = "$1" ] && return 0
    sleep 0.1
  done
  fail "the digest committed $batches of $1 batches: $(cat "$work/digest.log")"
}
wait_batches 3

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

# The CPU queries sum each scrape's counters before taking deltas: a host
# that rebooted (its sums went down) counts from zero, and the interval in
# which a core came online (the number of series changed) is left out.
# Five scrapes 15 s apart of a host with cores 0 and 1, then 0, 1 and 2.
reboot=0b7e3c1d-4f5a-4b6c-8d7e-9f0a1b2c3d4e
t0=$(($(date +%s%3N) - 120000))
cpu_scrape() { # $1: step; then idle,user per core
  local step=$1 core=0 pair
  shift
  echo '# TYPE node_cpu_seconds_total counter'
  for pair in "$@"; do
    echo "node_cpu_seconds_total{cpu=\"$core\",mode=\"idle\"} ${pair%,*} $((t0 + step * 15000))"
    echo "node_cpu_seconds_total{cpu=\"$core\",mode=\"user\"} ${pair#*,} $((t0 + step * 15000))"
    core=$((core + 1))
  done
}
push_cpu() {
  code=$(cpu_scrape "$@" | curl -s -o "$work/push_cpu.json" -w '%{http_code}' \
    -H 'Content-Type: text/plain; version=0.0.4' --data-binary @- \
    "http://127.0.0.1:$ingest_port/metrics/prometheus?server_id=$reboot")
  [ "$code" = 200 ] || fail "CPU push $1 answered $code: $(cat "$work/push_cpu.json")"
}
push_cpu 0 100,10 100,10
push_cpu 1 105,15 108,12 # idle +13 of +20: 35 %
push_cpu 2 2,1 3,2       # rebooted: idle 5 of 8 from zero: 37.5 %
push_cpu 3 4,2 5,3 1,1   # core 2 online: left out
push_cpu 4 6,3 7,4 3,1   # idle +6 of +8: 25 %
wait_batches 8
cpu_rows() { # $1: query; $2: awk program formatting a row (-F '|')
  psql -At -F '|' -v ON_ERROR_STOP=1 -v server_id="$reboot" -v window='1 hour' "$dsn" \
    -f "$source_dir/sql/queries/$1.sql" | awk -F'|' "$2"
}
got=$(cpu_rows cpu_usage_percent '{ printf "%.9g ", $2 }')
[ "$got" = '35 37.5 25 ' ] \
  || fail "cpu_usage_percent.sql over a reboot and a new core: '$got', expected '35 37.5 25 '"
# Columns user, nice, system, idle, ..., other: the modes this host lacks are empty (NULL).
got=$(cpu_rows cpu_mode_percent '{ printf "idle %.9g user %.9g [%s] ", $5, $2, $3 $4 $6 $7 $8 $9 $10 }')
want='idle 65 user 35 [] idle 62.5 user 37.5 [] idle 75 user 25 [] '
[ "$got" = "$want" ] || fail "cpu_mode_percent.sql over a reboot and a new core: '$got', expected '$want'"
echo "ok: the CPU queries count a reboot from zero and leave out the interval of a new core"

# A digest that finds series outside its cache (here: restarted) moves
# their last_seen to the day of the samples it writes, as it does for the
# series it keeps: remote read and the fleet table choose series by it.
day="(to_timestamp($((t0 + 5 * 15000)) / 1000.0) AT TIME ZONE 'UTC')::date"
psql -q "$dsn" -c "UPDATE admiral.series SET last_seen = $day - 1 WHERE server_id = '$reboot'"
kill "$digest_pid"
wait "$digest_pid" 2>/dev/null || true
start_bg "$nodepulse" digest -c "$work/digest.yml" 2>>"$work/digest.log"
digest_pid=${started_pids[-1]}
wait_http "http://127.0.0.1:$digest_port/readyz" 30
push_cpu 5 8,4 9,5 4,2
wait_batches 9
stale=$(psql -At "$dsn" -c "SELECT count(*) FROM admiral.series
                             WHERE server_id = '$reboot' AND last_seen < $day")
[ "$stale" = 0 ] || fail "$stale series kept an earlier last_seen after a restarted digest wrote them"
echo "ok: a restarted digest moves last_seen of the series it finds"

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
