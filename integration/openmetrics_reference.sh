#!/usr/bin/env bash
# Real OpenMetrics: the reference client library (Debian's
# python3-prometheus-client) writes every metric type, units, exemplars and
# awkward label values in both formats; nodepulse must parse both strictly,
# agree sample for sample with the reference OpenMetrics parser, and keep
# the exemplars.
set -euo pipefail
nodepulse=$1
here=$(dirname "$0")
. "$here/support/lib.sh"
python=/usr/bin/python3
$python -c 'import prometheus_client' 2>/dev/null \
  || fail "python3-prometheus-client missing: scripts/bootstrap installs it"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

$python "$here/openmetrics_reference.py" generate "$work"
grep -q '^# EOF' "$work/reference.om" || fail "no OpenMetrics written"
grep -q ' # {trace_id="abc123"}' "$work/reference.om" || fail "no exemplar written"

out=$("$nodepulse" parse "$work/reference.om" 2>"$work/err") \
  || fail "OpenMetrics rejected: $(cat "$work/err")"
echo "OpenMetrics (auto-detected): $out"
"$nodepulse" parse --format openmetrics --jsonl "$work/reference.om" >"$work/om.jsonl" 2>/dev/null
$python "$here/openmetrics_reference.py" compare "$work/reference.om" "$work/om.jsonl"

out=$("$nodepulse" parse --format text "$work/reference.prom" 2>"$work/err") \
  || fail "text 0.0.4 rejected: $(cat "$work/err")"
echo "text 0.0.4: $out"
lines=$(grep -cv '^#' "$work/reference.prom")
[ "${out%% *}" -eq "$lines" ] || fail "${out%% *} samples but $lines sample lines"
echo "PASS"
