#!/usr/bin/env bash
# `nodepulse ingest -c FILE` as an operator runs it: a broken config names
# the key and line (exit 2); too low an open-files limit is named (exit 2)
# and a low soft one raised; a port already taken is named (exit 1); a
# running node serves a push from curl and stops on SIGTERM (exit 0).
set -euo pipefail
nodepulse=$1
. "$(dirname "$0")/support/lib.sh"
work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT

# A broken config: nothing starts.
printf 'listen: "127.0.0.1:8080"\nlimits:\n  read_timeout: soon\n' >"$work/bad.yml"
set +e
"$nodepulse" ingest -c "$work/bad.yml" 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "broken config: exit $rc"
grep -q "line 3, column 17: limits.read_timeout: expected a duration" "$work/err" \
  || fail "broken config: $(cat "$work/err")"

redis_port=$(free_port)
start_redis "$redis_port" "$work/redis"
port=$(free_port)
cat >"$work/ingest.yml" <<YML
listen: "127.0.0.1:$port"
valkey:
  url: "redis://127.0.0.1:$redis_port"
YML
# A hard open-files limit below what limits.max_connections (4,096) needs:
# refused at start, naming both figures.
set +e
(ulimit -Sn 256 && ulimit -Hn 512 && exec "$nodepulse" ingest -c "$work/ingest.yml") \
  2>"$work/err-nofile"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "hard open-files limit 512: exit $rc"
grep -q "limits.max_connections 4096 needs 4352 open files, but this process may open at most 512" \
  "$work/err-nofile" || fail "hard open-files limit 512: $(cat "$work/err-nofile")"

# Started with the usual soft limit of 1,024, the node raises its own.
(ulimit -Sn 1024 && exec "$nodepulse" ingest -c "$work/ingest.yml") >"$work/ingest.log" 2>&1 &
ingest_pid=$!
started_pids+=("$ingest_pid") # stopped on any failure, or ctest waits for its output
wait_http "http://127.0.0.1:$port/readyz" 15 "$work/ingest.log"
soft=$(awk '/^Max open files/ {print $4}' "/proc/$ingest_pid/limits")
[ "$soft" = 4352 ] || fail "open-files soft limit: $soft"
grep -q "open-files limit raised from 1024 to 4352" "$work/ingest.log" \
  || fail "no log of the raise: $(cat "$work/ingest.log")"

# The plan's example, as curl sends it.
body='node_cpu_seconds_total{cpu="0",mode="idle"} 123456.78
node_cpu_seconds_total{cpu="0",mode="system"} 12345.67
node_memory_MemTotal_bytes 8589934592
node_memory_MemAvailable_bytes 4294967296'
out=$(curl -s -H 'Content-Type: text/plain; version=0.0.4' --data-binary "$body" \
  "http://127.0.0.1:$port/metrics/prometheus?server_id=0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11")
[ "$out" = '{"status":"success","metrics_received":4}' ] || fail "push: $out"
[ "$(redis-cli -p "$redis_port" XLEN nodepulse:metrics:stream)" = 1 ] || fail "stream length"

# A second node on the same port says why it cannot start.
set +e
"$nodepulse" ingest -c "$work/ingest.yml" 2>"$work/err2"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "second node on a taken port: exit $rc"
grep -q "nodepulse ingest: cannot listen on 127.0.0.1:$port: Address already in use" "$work/err2" \
  || fail "second node: $(cat "$work/err2")"

# SIGTERM: a clean stop.
kill -TERM "$ingest_pid"
set +e
wait "$ingest_pid"
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "SIGTERM: exit $rc; log: $(cat "$work/ingest.log")"
echo "ingest_cli: ok"
