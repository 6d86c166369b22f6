#!/usr/bin/env bash
# Real input: start Debian's prometheus-node-exporter on a loopback port,
# capture its output (text 0.0.4: version 1.5 serves no OpenMetrics) and
# parse it strictly with zero errors. Then build a 100-host fleet file from the scrape and
# check that it parses to exactly 100x the samples.
set -euo pipefail
nodepulse=$1
bench=$2
. "$(dirname "$0")/support/lib.sh"

work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT

port=$(free_port)
start_node_exporter "$port" "$work/exporter.log" --collector.textfile.directory="$work"
url="http://127.0.0.1:$port/metrics"

curl -sf -H 'Accept: text/plain; version=0.0.4' "$url" >"$work/scrape.prom"

# Text 0.0.4, strict, zero errors.
out=$("$nodepulse" parse --format text "$work/scrape.prom" 2>"$work/err") \
  || fail "text scrape rejected: $(cat "$work/err")"
[ ! -s "$work/err" ] || fail "errors on stderr: $(cat "$work/err")"
echo "text 0.0.4: $out"
samples=$(echo "$out" | sed -n 's/^\([0-9]*\) samples in \([0-9]*\) families$/\1/p')
[ -n "$samples" ] || fail "unexpected summary: $out"
[ "$samples" -ge 200 ] || fail "only $samples samples from node_exporter"
# Every sample line of the scrape is one sample.
lines=$(grep -cv '^#' "$work/scrape.prom")
[ "$samples" -eq "$lines" ] || fail "$samples samples but $lines sample lines"

# JSON lines: one valid object per sample; CPU seconds typed as a counter.
"$nodepulse" parse --jsonl "$work/scrape.prom" >"$work/samples.jsonl" 2>/dev/null
[ "$(wc -l <"$work/samples.jsonl")" -eq "$samples" ] || fail "jsonl line count"
jq -e -s 'all(.[]; (.name|type)=="string" and (.labels|type)=="object")' \
  "$work/samples.jsonl" >/dev/null || fail "jsonl is not valid JSON"
jq -e -s '[.[] | select(.name=="node_cpu_seconds_total")] | length > 0
          and all(.[]; .type=="counter" and (.labels.cpu|type)=="string"
                  and (.value|type)=="number")' \
  "$work/samples.jsonl" >/dev/null || fail "node_cpu_seconds_total not parsed as a counter"
jq -e -s '[.[] | select(.name=="go_gc_duration_seconds")] | length > 0
          and all(.[]; .type=="summary")' \
  "$work/samples.jsonl" >/dev/null || fail "go_gc_duration_seconds summary family"

# The fleet file the benchmark uses: 100 hosts, one valid exposition.
"$bench" make-fleet --instances 100 "$work/scrape.prom" >"$work/fleet.prom"
fleet=$("$nodepulse" parse "$work/fleet.prom") || fail "fleet file rejected"
echo "fleet: $fleet"
[ "${fleet%% *}" -eq $((samples * 100)) ] || fail "fleet has ${fleet%% *}, want $((samples * 100))"
echo "PASS"
