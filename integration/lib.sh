# Helpers for integration tests: real servers on loopback ports, stopped by PID.
# Source it; tests call `cleanup_add "kill PID"`-style via start_bg/stop_all.

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A loopback TCP port nothing listens on right now.
free_port() {
  local port
  for _ in $(seq 1 200); do
    # Below the kernel's ephemeral range (32768+): no client socket or
    # bind(0) of a parallel test takes it between this check and its use.
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  fail "no free loopback port found"
}

# Waits until URL answers 200, up to SECONDS (default 15); on failure the
# log file LOG (if given) is shown too.
wait_http() {
  local url=$1 limit=${2:-15} log=${3:-}
  for _ in $(seq 1 $((limit * 10))); do
    curl -sf -o /dev/null "$url" && return 0
    sleep 0.1
  done
  fail "$url did not answer within ${limit}s${log:+; $log says: $(tail -5 "$log" 2>/dev/null)}"
}

# Waits until the redis-server on PORT answers PING, up to 10 s: a server
# that could not start (its port taken meanwhile) is named at once, not
# found out later as a node that never gets ready.
wait_redis() {
  local port=$1
  for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  fail "redis-server on port $port did not answer PING within 10s"
}

# A redis-server (Valkey's protocol) on PORT as Node Pulse wants it run:
# every write in an append-only file in DIR, fsynced before it is answered
# (appendonly yes, appendfsync always), so a kill -9 loses nothing it
# acknowledged. Extra arguments go to redis-server. Waits until it answers.
start_redis() {
  local port=$1 dir=$2
  mkdir -p "$dir"
  start_bg /usr/bin/redis-server --port "$port" --bind 127.0.0.1 --save '' \
    --appendonly yes --appendfsync always --dir "$dir" --logfile "$dir/redis.log" "${@:3}"
  wait_redis "$port"
}

started_pids=()

# Starts a command in the background and remembers its PID for stop_all.
start_bg() {
  "$@" &
  started_pids+=($!)
}

stop_all() {
  for pid in "${started_pids[@]:-}"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

# PostgreSQL 15 in DIR (initdb'd on first use, kept afterwards), on a free
# loopback port, as the postgres user when run as root. Sets pg_dsn; stop
# it with stop_postgres (a fast shutdown, by the postmaster's own PID).
pg_bin=/usr/lib/postgresql/15/bin
pg_dir=""
pg_launcher=""
start_postgres() {
  pg_dir=$1
  [ -x "$pg_bin/postgres" ] || fail "$pg_bin/postgres missing: scripts/bootstrap installs postgresql"
  local as_pg=()
  [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
  mkdir -p "$pg_dir"
  chmod 755 "$(dirname "$pg_dir")"
  [ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
  if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
    "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U nodepulse --auth=trust --no-sync \
      -E UTF8 >"$pg_dir/initdb.log" 2>&1 || fail "initdb: $(cat "$pg_dir/initdb.log")"
  fi
  local port
  port=$(free_port)
  "${as_pg[@]}" "$pg_bin/postgres" -D "$pg_dir/data" -p "$port" -k "$pg_dir" \
    -c listen_addresses=127.0.0.1 -c TimeZone=UTC "${@:2}" >"$pg_dir/postgres.log" 2>&1 &
  pg_launcher=$!
  pg_dsn="postgresql://nodepulse@127.0.0.1:$port/postgres"
  for _ in $(seq 1 150); do
    psql -q "$pg_dsn" -c 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "PostgreSQL did not start: $(tail -5 "$pg_dir/postgres.log")"
}

stop_postgres() {
  [ -n "$pg_dir" ] || return 0
  local pid_file="$pg_dir/data/postmaster.pid"
  [ -f "$pid_file" ] && kill -INT "$(head -1 "$pid_file")" 2>/dev/null || true
  [ -n "$pg_launcher" ] && wait "$pg_launcher" 2>/dev/null || true
  pg_dir=""
}
