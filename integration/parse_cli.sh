#!/usr/bin/env bash
# The `nodepulse parse` contract other repositories test against: exit codes,
# the summary line, --jsonl output and `line L, column C: reason` on stderr.
set -euo pipefail
nodepulse=$1
. "$(dirname "$0")/support/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/ok.prom" <<'PROM'
# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 1.5
node_cpu_seconds_total{cpu="0",mode="user"} 2 1700000000000
# TYPE lat histogram
lat_bucket{le="+Inf"} 3
lat_sum NaN
lat_count 3
plain -Inf
PROM

# Valid input: exit 0 and the summary.
out=$("$nodepulse" parse "$work/ok.prom")
[ "$out" = "6 samples in 3 families" ] || fail "summary: $out"

# From stdin too.
out=$("$nodepulse" parse - <"$work/ok.prom")
[ "$out" = "6 samples in 3 families" ] || fail "stdin summary: $out"

# --jsonl: only JSON on stdout, one object per sample, exactly the contract.
"$nodepulse" parse --jsonl "$work/ok.prom" >"$work/out.jsonl" 2>"$work/err"
[ "$(wc -l <"$work/out.jsonl")" -eq 6 ] || fail "jsonl lines"
first=$(head -n1 "$work/out.jsonl")
[ "$first" = '{"name":"node_cpu_seconds_total","type":"counter","labels":{"cpu":"0","mode":"idle"},"value":1.5,"timestamp_ms":null}' ] \
  || fail "first jsonl line: $first"
jq -e -s '.[1].timestamp_ms == 1700000000000 and .[2].name == "lat_bucket"
          and .[2].type == "histogram" and .[3].value == "NaN"
          and .[5].value == "-Inf" and .[5].type == "untyped"' \
  "$work/out.jsonl" >/dev/null || fail "jsonl content: $(cat "$work/out.jsonl")"

# Malformed input: exit 1, `line L, column C: reason` on stderr.
printf 'good 1\nbad{x="1" 2\n' >"$work/bad.prom"
set +e
"$nodepulse" parse "$work/bad.prom" >"$work/out" 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "malformed input exit code $rc"
grep -qx "line 2, column 11: expected ',' or '}' after label 'x', got '2'" "$work/err" \
  || fail "stderr: $(cat "$work/err")"

# --format openmetrics forces the format: text without # EOF is rejected.
printf 'a 1\n' >"$work/no_eof.prom"
"$nodepulse" parse "$work/no_eof.prom" >/dev/null
set +e
"$nodepulse" parse --format openmetrics "$work/no_eof.prom" >/dev/null 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "openmetrics without EOF exit code $rc"
grep -qx "line 2, column 1: missing # EOF at the end of OpenMetrics input" "$work/err" || fail "stderr: $(cat "$work/err")"

# Auto-detected OpenMetrics.
printf '# TYPE c counter\nc_total 1 # {t="x"} 1\n# EOF\n' >"$work/om.txt"
out=$("$nodepulse" parse "$work/om.txt")
[ "$out" = "1 samples in 1 families" ] || fail "openmetrics summary: $out"

# --lenient keeps the good lines and reports the bad ones.
out=$("$nodepulse" parse --lenient "$work/bad.prom" 2>"$work/err")
[ "$out" = "1 samples in 1 families (1 bad lines skipped)" ] || fail "lenient: $out"
grep -q "^line 2, column 11:" "$work/err" || fail "lenient stderr"

# Usage and I/O errors: exit 2.
for args in "" "--format yaml x" "--bogus x" "$work/missing.prom"; do
  set +e
  # shellcheck disable=SC2086
  "$nodepulse" parse $args >/dev/null 2>&1 </dev/null
  rc=$?
  set -e
  [ "$rc" -eq 2 ] || fail "'parse $args' exit code $rc, want 2"
done
echo "PASS"
