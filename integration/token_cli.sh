#!/usr/bin/env bash
# `nodepulse token` against what the ingest really reads. In PostgreSQL:
# two agents (real `nodepulse agent` processes scraping a real node_exporter)
# each with a token of its own made by `nodepulse token add -c ingest.yml`;
# revoking one agent's token stops that agent's pushes (401) while the other
# carries on. In a tokens file: add, list and revoke keep the file valid for
# the ingest, 0600, comments kept, hashes only; an ingest told of a
# revoke reloads the file on SIGHUP: the revoked token refused, the other
# taken; a broken file is not taken.
set -euo pipefail
nodepulse=$1
. "$(dirname "$0")/support/lib.sh"

work=$(mktemp -d)
trap 'stop_all; stop_postgres; rm -rf "$work"' EXIT
start_store_and_stream "$work" "$nodepulse"
exporter_port=$(free_port)
start_node_exporter "$exporter_port" "$work/exporter.log"

start_ingest() { # $1: config
  ingest_port=$(sed -n 's/^listen: "127.0.0.1:\([0-9]*\)"$/\1/p' "$1")
  start_bg "$nodepulse" ingest -c "$1" >>"$work/ingest.log" 2>&1
  ingest_pid=${started_pids[-1]}
  wait_http "http://127.0.0.1:$ingest_port/healthz" 15 "$work/ingest.log"
}
start_agent() { # $1: name, $2: server id, $3: token file; sets ${1}_port
  local port
  port=$(free_port)
  cat >"$work/$1.yml" <<YML
scrapers:
  prometheus:
    endpoints: [ { url: "http://127.0.0.1:$exporter_port/metrics", name: node_exporter, rule_set: node_exporter } ]
server:
  endpoint: "http://127.0.0.1:$ingest_port/metrics/prometheus"
  token_file: "$3"
  timeout: 2s
agent: { server_id: "$2", interval: 1s }
buffer: { path: "$work/$1-wal" }
status: { listen: "127.0.0.1:$port" }
YML
  start_bg "$nodepulse" agent -c "$work/$1.yml" >"$work/$1.log" 2>&1
  printf -v "${1}_port" %s "$port"
  wait_http "http://127.0.0.1:$port/healthz" 15 "$work/$1.log"
}
ready_body() { curl -s "http://127.0.0.1:$1/readyz"; }

echo "== tokens in PostgreSQL: two agents, one revoked"
a_id=0b6d2c1e-8f3a-4e5b-9c7d-1a2b3c4d5e6f
b_id=7c1f4a9e-2d3b-4c5a-8e6f-9a0b1c2d3e4f
cat >"$work/ingest-db.yml" <<YML
listen: "127.0.0.1:$(free_port)"
valkey: { url: "redis://127.0.0.1:$redis_port" }
auth: { mode: token, postgres_dsn: "$dsn", cache_ttl: 1s }
YML
"$nodepulse" token add --server-id "$a_id" -c "$work/ingest-db.yml" >"$work/a.token" 2>"$work/add.err" ||
  fail "token add: $(cat "$work/add.err")"
"$nodepulse" token add --server-id "$b_id" -c "$work/ingest-db.yml" >"$work/b.token" 2>/dev/null
chmod 600 "$work/a.token" "$work/b.token"
grep -qx '[0-9a-f]\{64\}' "$work/a.token" || fail "token add printed '$(cat "$work/a.token")'"
grep -q "not shown again" "$work/add.err" || fail "token add did not say the token is shown once"
# Only hashes are stored: the token itself is nowhere in the table.
stored=$(psql -At "$dsn" -c "SELECT count(*) FROM admiral.agent_tokens
                              WHERE token_hash = encode(sha256(convert_to('$(cat "$work/a.token")', 'UTF8')), 'hex')")
[ "$stored" = 1 ] || fail "the token's hash is not in admiral.agent_tokens"
[ "$(psql -At "$dsn" -c "SELECT count(*) FROM admiral.agent_tokens WHERE token_hash LIKE '%$(cut -c1-16 "$work/a.token")%'")" = 0 ] ||
  fail "the token itself is stored"
"$nodepulse" token list -c "$work/ingest-db.yml" >"$work/list"
grep -q "^$a_id  [0-9a-f]\{12\}…  20[0-9-]*T[0-9:]*Z  working$" "$work/list" || { cat "$work/list"; fail "list"; }

start_ingest "$work/ingest-db.yml"
start_agent a "$a_id" "$work/a.token"
start_agent b "$b_id" "$work/b.token"
until_true 30 bash -c "[ \"\$(curl -s http://127.0.0.1:$a_port/readyz)\" = '{\"status\":\"ready\"}' ]" ||
  fail "agent a never pushed: $(ready_body "$a_port")"
until_true 30 bash -c "[ \"\$(curl -s http://127.0.0.1:$b_port/readyz)\" = '{\"status\":\"ready\"}' ]" ||
  fail "agent b never pushed: $(ready_body "$b_port")"

"$nodepulse" token revoke --server-id "$a_id" -c "$work/ingest-db.yml" >"$work/revoke.out" ||
  fail "revoke failed"
grep -q "^revoked 1 token in admiral.agent_tokens" "$work/revoke.out" || fail "revoke said: $(cat "$work/revoke.out")"
# Within the cache's second the ingest refuses a: 401, kept in its WAL.
until_true 20 bash -c "curl -s http://127.0.0.1:$a_port/readyz | grep -q 'HTTP 401'" ||
  fail "agent a still pushes after its token was revoked: $(ready_body "$a_port")"
b0=$(agent_pushes "$b_port")
sleep 3
b1=$(agent_pushes "$b_port")
[ "$b1" -gt "$b0" ] || fail "agent b stopped too ($b0 -> $b1 pushes)"
[ "$(ready_body "$b_port")" = '{"status":"ready"}' ] || fail "agent b: $(ready_body "$b_port")"
echo "agent a refused after the revoke; agent b pushed $((b1 - b0)) more in 3 s"
"$nodepulse" token list -c "$work/ingest-db.yml" | grep -q "^$a_id  .*revoked 20" || fail "list shows no revoke"
if "$nodepulse" token revoke --server-id "$a_id" --dsn "$dsn" 2>"$work/again.err"; then
  fail "revoking a revoked server again succeeded"
fi
grep -q "no working token of server $a_id" "$work/again.err" || fail "again: $(cat "$work/again.err")"
kill "$ingest_pid"; wait "$ingest_pid" 2>/dev/null || true

echo "== a tokens file"
file=$work/tokens
echo "# the fleet's tokens" >"$file"
chmod 640 "$file"
"$nodepulse" token add --server-id "$a_id" --tokens-file "$file" >"$work/fa.token" 2>/dev/null
"$nodepulse" token add --server-id "$b_id" --tokens-file "$file" >"$work/fb.token" 2>/dev/null
[ "$(stat -c %a "$file")" = 640 ] || fail "the tokens file's mode changed to $(stat -c %a "$file")"
grep -q "$(cat "$work/fa.token")" "$file" && fail "the token itself is in the file"
[ "$(grep -c '^[0-9a-f-]\{36\} [0-9a-f]\{64\}$' "$file")" = 2 ] || fail "file: $(cat "$file")"
rm -f "$work/new.tokens"
"$nodepulse" token add --server-id "$a_id" --tokens-file "$work/new.tokens" >/dev/null 2>&1
[ "$(stat -c %a "$work/new.tokens")" = 600 ] || fail "a new tokens file is not 0600"
cat >"$work/ingest-file.yml" <<YML
listen: "127.0.0.1:$(free_port)"
valkey: { url: "redis://127.0.0.1:$redis_port" }
auth: { mode: token, tokens_file: "$file" }
YML
start_ingest "$work/ingest-file.yml"
code() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" \
  -H 'Content-Type: text/plain; version=0.0.4' --data-binary 'x 1' \
  "http://127.0.0.1:$ingest_port/metrics/prometheus?server_id=$2"; }
[ "$(code "$(cat "$work/fa.token")" "$a_id")" = 200 ] || fail "file token a refused"
[ "$(code "$(cat "$work/fb.token")" "$b_id")" = 200 ] || fail "file token b refused"
fa_hash=$(printf %s "$(cat "$work/fa.token")" | sha256sum | cut -c1-64)
"$nodepulse" token revoke --hash "${fa_hash:0:10}" --tokens-file "$file" >/dev/null || fail "revoke by hash"
head -1 "$file" | grep -qx "# the fleet's tokens" || fail "the comment went"
grep -q "^# revoked 20.*: $a_id ${fa_hash:0:12}…$" "$file" || fail "no note of the revoke: $(cat "$file")"
grep -q "$fa_hash" "$file" && fail "the revoked hash is still in the file"
# Read at start, and again on SIGHUP: no restart needed.
[ "$(code "$(cat "$work/fa.token")" "$a_id")" = 200 ] || fail "the ingest read the file before SIGHUP"
kill -HUP "$ingest_pid"
until_true 10 bash -c "grep -q 'tokens file reloaded: 1 tokens' '$work/ingest.log'" ||
  fail "no reload logged: $(tail -3 "$work/ingest.log")"
[ "$(code "$(cat "$work/fa.token")" "$a_id")" = 401 ] || fail "the revoked file token was taken"
[ "$(code "$(cat "$work/fb.token")" "$b_id")" = 200 ] || fail "the other file token was refused"
# A file broken meanwhile is not taken: the tokens loaded before stay.
echo "not a token line" >>"$file"
kill -HUP "$ingest_pid"
until_true 10 bash -c "grep -q 'tokens file not reloaded' '$work/ingest.log'" || fail "no refusal logged"
[ "$(code "$(cat "$work/fb.token")" "$b_id")" = 200 ] || fail "a broken file dropped the tokens"
echo "PASS"
