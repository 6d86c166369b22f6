#!/usr/bin/env bash
# The web page against a running pipeline with real node_exporter data:
# `nodepulse dev` (agent, ingest and digest in one process) scraping a real
# node_exporter and the nodes' own /metrics every 4 s, into a real
# redis-server and PostgreSQL. First the JSON endpoints (what they answer,
# their limits and errors, 404 for a server that never pushed, the page's
# files); then a second digest with query.auth in token mode (401 without
# or with a wrong token, 200 with the right one; the page's files need
# none); then the page in Debian's Chromium driven over WebDriver
# (integration/web_page_browser.py): the fleet table holds the server, its
# CPU plot's last value equals sql/queries/cpu_usage_percent.sql's for the
# same scrape, no console errors, screenshots not blank.
# SCREENSHOT_DIR=DIR keeps the screenshots there (scripts/page-screenshot).
set -euo pipefail
nodepulse=$1
src=$2
. "$(dirname "$0")/support/lib.sh"
python=/usr/bin/python3 # Debian's, with python3-pil
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium missing: scripts/bootstrap installs chromium"
[ -x /usr/bin/chromedriver ] || fail "/usr/bin/chromedriver missing: scripts/bootstrap installs chromium-driver"
$python -c 'import PIL' 2>/dev/null || fail "python3-pil missing: scripts/bootstrap installs it"

work=$(mktemp -d)
trap 'stop_all; stop_postgres; rm -rf "$work"' EXIT

start_store_and_stream "$work" "$nodepulse"
exporter_port=$(free_port)
start_node_exporter "$exporter_port" "$work/exporter.log"
ingest_port=$(free_port)
status_port=$(free_port)
page_port=$(free_port)
agent_port=$(free_port)
cat >"$work/dev.yml" <<YML
agent:
  scrapers:
    prometheus:
      endpoints:
        - url: "http://127.0.0.1:$exporter_port/metrics"
          name: node_exporter
          rule_set: node_exporter
        - url: "http://127.0.0.1:$ingest_port/metrics"
          name: nodepulse_ingest
        - url: "http://127.0.0.1:$status_port/metrics"
          name: nodepulse_digest
  agent:
    interval: 4s
  server:
    endpoint: "http://127.0.0.1:$ingest_port/metrics/prometheus"
  buffer:
    path: "$work/wal"
  status:
    listen: "127.0.0.1:$agent_port"
ingest:
  listen: "127.0.0.1:$ingest_port"
  valkey:
    url: "redis://127.0.0.1:$redis_port"
digest:
  valkey:
    url: "redis://127.0.0.1:$redis_port"
  postgres:
    dsn: "$dsn"
  status:
    listen: "127.0.0.1:$status_port"
  query:
    listen: "127.0.0.1:$page_port"
    page:
      down_after: 12s
      max_points: 3000
YML
start_bg "$nodepulse" dev -c "$work/dev.yml" >"$work/dev.log" 2>&1
wait_http "http://127.0.0.1:$page_port/healthz" 30 "$work/dev.log"
page=http://127.0.0.1:$page_port
until_true 60 test -s "$work/wal/server_id" || fail "the agent made no server id: $(tail "$work/dev.log")"
server=$(cat "$work/wal/server_id")
# Five scrapes of node_exporter stored: CPU % needs two, the plots more.
scrapes() {
  psql -At "$dsn" -c "SELECT count(DISTINCT timestamp) FROM admiral.metric_samples
                       WHERE metric_name = 'node_cpu_seconds_total'"
}
five_stored() { [ "$(scrapes)" -ge 5 ]; }
until_true 90 five_stored || fail "5 scrapes not stored: $(scrapes); $(tail "$work/dev.log")"
echo "== pipeline running: server $server, $(scrapes) scrapes stored"

# get PATH [CURL ARGS]: the body in $work/body, the status printed.
get() {
  curl -s -o "$work/body" -w '%{http_code}' "${@:2}" "$page$1"
}
expect() { # STATUS PATH TEXT [CURL ARGS]: the answer's status and a text of its body
  local code
  code=$(get "$2" "${@:4}")
  [ "$code" = "$1" ] || fail "GET $2 answered $code, expected $1: $(head -c 300 "$work/body")"
  grep -qF -- "$3" "$work/body" || fail "GET $2 ($code) does not say '$3': $(head -c 300 "$work/body")"
  echo "ok: $1 $2: $(head -c 120 "$work/body" | tr '\n' ' ')"
}

echo "== the JSON endpoints"
expect 200 /api/fleet "\"server_id\":\"$server\""
jq -e --arg s "$server" '.servers[] | select(.server_id == $s) | .up == true
    and .cpu_usage_percent >= 0 and .cpu_usage_percent <= 100
    and .memory_used_percent > 0 and .root_disk_used_percent > 0 and .uptime_days > 0
    and .load1 >= 0' "$work/body" >/dev/null || fail "the fleet row is incomplete: $(cat "$work/body")"
expect 200 /api/pipeline '"agents_pushing":{"per_second":null,"value":1.0}'
jq -e '.metrics.nodepulse_digest_rows_total.per_second > 0
    and .metrics.nodepulse_ingest_pushes_total.per_second > 0
    and .metrics.nodepulse_digest_dead_letter_length.value == 0' "$work/body" >/dev/null \
  || fail "the pipeline's self-metrics are missing: $(cat "$work/body")"
expect 200 "/api/servers/$server" '"panels":["cpu","cpu_modes","memory"'
for plot in cpu cpu_modes memory filesystem network load uptime; do
  expect 200 "/api/servers/$server/$plot?range=1h&points=100" "\"panel\":\"$plot\""
  jq -e '.series | length > 0 and all(.[]; (.t_ms | length) > 0 and (.t_ms | length) <= 101)' \
    "$work/body" >/dev/null || fail "$plot: no series, or more points than asked: $(head -c 400 "$work/body")"
done
# The modes of one interval add up to 100 %.
get "/api/servers/$server/cpu_modes?range=1h&points=3000" >/dev/null
jq -e '[.series[] | .t_ms as $t | [$t, .cpu_percent] | transpose[]] | group_by(.[0])
    | map(map(.[1]) | add) | all(. > 99.999 and . < 100.001)' "$work/body" >/dev/null \
  || fail "the CPU modes of an interval do not add up to 100: $(head -c 400 "$work/body")"
# Downsampled in PostgreSQL: 10 points over an hour are 360-second buckets.
expect 200 "/api/servers/$server/load?range=1h&points=10" '"step_seconds":360.0'
expect 404 "/api/servers/00000000-0000-4000-8000-000000000000/cpu" 'no server 00000000-0000-4000-8000-000000000000 has pushed'
expect 404 "/api/servers/00000000-0000-4000-8000-000000000000" 'has pushed'
expect 400 "/api/servers/not-a-uuid/cpu" "server id 'not-a-uuid' is not a UUID"
expect 404 "/api/servers/$server/disk" "no plot 'disk' (there are cpu, cpu_modes"
expect 400 "/api/servers/$server/cpu?range=yesterday" "range 'yesterday' is not a duration"
expect 400 "/api/servers/$server/cpu?range=30s" "outside 1m .. query.max_range"
expect 400 "/api/servers/$server/cpu?range=40d" "outside 1m .. query.max_range (2764800 s)"
expect 400 "/api/servers/$server/cpu?points=0" "points '0' is outside 1 .. 3000 (query.page.max_points)"
expect 400 "/api/servers/$server/cpu?points=3001" "points '3001' is outside 1 .. 3000"
expect 400 "/api/servers/$server/cpu?points=12abc" "points '12abc' is outside"
expect 404 /api/everything "no such endpoint: /api/everything"
expect 405 /api/fleet "method POST is not allowed on /api/fleet (GET only)" -d x
echo "== the page's files, compiled in"
expect 200 / '<script src="assets/uPlot.iife.min.js"></script>'
expect 200 /assets/page.js 'function route()'
expect 200 /assets/uPlot.iife.min.js 'uPlot'
expect 200 /assets/uPlot.LICENSE.txt 'MIT'
expect 404 /assets/missing.js 'no such file: /assets/missing.js'
[ "$(curl -s -o /dev/null -w '%{content_type}' "$page/assets/page.js")" = "text/javascript; charset=utf-8" ] \
  || fail "page.js is not served as JavaScript"

echo "== token auth (query.auth), on a second digest"
reader=6b9f3c2e-1d4a-4e8b-9c7d-2f5e8a1b3c4d
token=0123456789abcdef0123456789abcdef
echo "$reader $(printf '%s' "$token" | sha256sum | cut -d' ' -f1)" >"$work/readers"
auth_port=$(free_port)
cat >"$work/digest-auth.yml" <<YML
valkey:
  url: "redis://127.0.0.1:$redis_port"
postgres:
  dsn: "$dsn"
status:
  listen: "127.0.0.1:$(free_port)"
query:
  listen: "127.0.0.1:$auth_port"
  auth:
    mode: token
    tokens_file: "$work/readers"
YML
start_bg "$nodepulse" digest -c "$work/digest-auth.yml" >"$work/digest-auth.log" 2>&1
wait_http "http://127.0.0.1:$auth_port/healthz" 30 "$work/digest-auth.log"
page=http://127.0.0.1:$auth_port
expect 401 /api/fleet "" 
expect 401 /api/fleet "" -H "Authorization: Bearer wrong$token"
expect 200 /api/fleet "\"server_id\":\"$server\"" -H "Authorization: Bearer $token"
expect 200 "/api/servers/$server/cpu" '"panel":"cpu"' -H "Authorization: Bearer $token"
expect 200 / 'Node Pulse'
page=http://127.0.0.1:$page_port

echo "== the page in Chromium"
shots=${SCREENSHOT_DIR:-$work}
mkdir -p "$shots"
$python "$(dirname "$0")/web_page_browser.py" "$page" "$server" "$dsn" "$src" "$shots" \
  || fail "the page failed in the browser (logs: $work)"
echo "web_page: endpoints, limits, auth and the page in a real browser all hold"
