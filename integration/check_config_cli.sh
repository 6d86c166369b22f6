#!/usr/bin/env bash
# `nodepulse check-config`: the shipped example configs pass; a broken one
# lists every problem as FILE: line L, column C: key: problem, and exits 1.
set -euo pipefail
nodepulse=$1
config_dir=$2
. "$(dirname "$0")/support/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

out=$("$nodepulse" check-config -c "$config_dir/ingest.yml")
[ "$out" = "$config_dir/ingest.yml: ok (ingest config)" ] || fail "shipped ingest.yml: $out"
out=$("$nodepulse" check-config -c "$config_dir/digest.yml")
[ "$out" = "$config_dir/digest.yml: ok (digest config)" ] || fail "shipped digest.yml: $out"
out=$("$nodepulse" check-config -c "$config_dir/agent.yml")
[ "$out" = "$config_dir/agent.yml: ok (agent config)" ] || fail "shipped agent.yml: $out"
out=$("$nodepulse" check-config -c "$config_dir/dev.yml")
[ "$out" = "$config_dir/dev.yml: ok (dev config)" ] || fail "shipped dev.yml: $out"
# The agent's installed name, nodepulse.yml, is an agent config.
printf 'agent:\n  server_id: not-a-uuid\n' >"$work/nodepulse.yml"
set +e
"$nodepulse" check-config -c "$work/nodepulse.yml" >/dev/null 2>"$work/err"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "bad nodepulse.yml exit code $rc"
[ "$(cat "$work/err")" = "$work/nodepulse.yml: line 2, column 14: agent.server_id: expected a UUID or 'auto-generated-uuid', got 'not-a-uuid'" ] \
  || fail "bad nodepulse.yml: $(cat "$work/err")"

cat >"$work/ingest.yml" <<'YML'
listen: "127.0.0.1:8080"
valkey:
  max_backlog: lots
auth:
  mode: tokens
lisen: x
YML
set +e
"$nodepulse" check-config -c "$work/ingest.yml" >"$work/out" 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "broken config exit code $rc"
# Every problem, in file order.
expected="$work/ingest.yml: line 3, column 16: valkey.max_backlog: expected an integer, got 'lots'
$work/ingest.yml: line 5, column 9: auth.mode: expected one of none, token, got 'tokens'
$work/ingest.yml: line 6, column 1: lisen: unknown key"
[ "$(cat "$work/err")" = "$expected" ] || fail "problems listed: $(cat "$work/err")"

# The role comes from the file name, or --role; unknown or unreadable: exit 2.
cp "$config_dir/ingest.yml" "$work/edge.yml"
set +e
"$nodepulse" check-config -c "$work/edge.yml" >/dev/null 2>&1; rc1=$?
"$nodepulse" check-config -c "$work/missing.yml" --role ingest >/dev/null 2>&1; rc2=$?
set -e
[ "$rc1" -eq 2 ] && [ "$rc2" -eq 2 ] || fail "exit codes $rc1 $rc2, want 2 2"
out=$("$nodepulse" check-config --role ingest -c "$work/edge.yml")
[ "$out" = "$work/edge.yml: ok (ingest config)" ] || fail "--role: $out"
echo "PASS"
