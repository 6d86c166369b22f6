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
  launch_redis "$@"
  wait_redis "$1"
}

# The same without waiting: its PID is ${started_pids[-1]}.
launch_redis() {
  local port=$1 dir=$2
  mkdir -p "$dir"
  start_bg /usr/bin/redis-server --port "$port" --bind 127.0.0.1 --save '' \
    --appendonly yes --appendfsync always --dir "$dir" --logfile "$dir/redis.log" "${@:3}"
}

# Runs a command until it succeeds, up to SECONDS; 1 if it never did.
until_true() { # $1: seconds, then a command
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# Pushes the ingest accepted from the agent whose status port is $1.
agent_pushes() {
  curl -sf "http://127.0.0.1:$1/metrics" | awk '/^nodepulse_agent_pushes_total\{lane="fresh"\}/ { print $2 }'
}

started_pids=()

# Starts a command in the background and remembers its PID for stop_all.
start_bg() {
  "$@" &
  started_pids+=($!)
}

# What a pipeline test stands on, under $1: a PostgreSQL with the schema
# migrated by $2 (`nodepulse`; sets dsn) and a redis-server (sets redis_port).
start_store_and_stream() {
  start_postgres "$1/pg" -c fsync=off
  dsn=$pg_dsn
  "$2" migrate --dsn "$dsn" >/dev/null || fail "migrate failed"
  redis_port=$(free_port)
  start_redis "$redis_port" "$1/redis"
}

# Starts Debian's node_exporter on 127.0.0.1:$1 (stderr to $2, further
# arguments its flags) and waits until it answers.
start_node_exporter() {
  local exporter=/usr/bin/prometheus-node-exporter
  [ -x "$exporter" ] || fail "$exporter missing: scripts/bootstrap installs prometheus-node-exporter"
  start_bg "$exporter" --web.listen-address="127.0.0.1:$1" "${@:3}" 2>"$2"
  wait_http "http://127.0.0.1:$1/metrics"
}

stop_all() {
  for pid in "${started_pids[@]:-}"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

# PostgreSQL 15 in DIR (initdb'd on first use, kept afterwards), on
# loopback port PG_PORT if set (and free), else a free one, as the postgres
# user when run as root. Sets pg_dsn and pg_port; stop it with
# stop_postgres (a fast shutdown, by the postmaster's own PID). Arguments
# after DIR go to postgres.
#
# As root, a DIR the postgres user cannot reach (a checkout in root's
# home, mode 0700) becomes a link to a directory of its own under
# /var/lib/nodepulse-dev, named after DIR's path, so the cluster is kept
# all the same and nothing of root's home is opened up.
pg_bin=/usr/lib/postgresql/15/bin
pg_dir=""
pg_launcher=""
pg_port=""
start_postgres() {
  launch_postgres "$@"
  for _ in $(seq 1 150); do
    psql -q "$pg_dsn" -c 'SELECT 1' >/dev/null 2>&1 && return 0
    kill -0 "$pg_launcher" 2>/dev/null || break
    sleep 0.1
  done
  fail "PostgreSQL did not start: $(tail -5 "$(readlink -f "$pg_dir")/postgres.log")"
}

# The same without waiting for it to answer.
launch_postgres() {
  pg_dir=$1
  [ -x "$pg_bin/postgres" ] || fail "$pg_bin/postgres missing: scripts/bootstrap installs postgresql"
  local as_pg=() data_home=$pg_dir
  if [ "$(id -u)" = 0 ]; then
    as_pg=(runuser -u postgres --)
    data_home=$(postgres_home "$pg_dir")
  else
    mkdir -p "$pg_dir"
  fi
  if [ ! -f "$data_home/data/PG_VERSION" ]; then
    "${as_pg[@]}" "$pg_bin/initdb" -D "$data_home/data" -U nodepulse --auth=trust --no-sync \
      -E UTF8 >"$data_home/initdb.log" 2>&1 || fail "initdb: $(cat "$data_home/initdb.log")"
  fi
  local port=${PG_PORT:-}
  if [ -z "$port" ] || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    port=$(free_port)
  fi
  "${as_pg[@]}" "$pg_bin/postgres" -D "$data_home/data" -p "$port" -k "$data_home" \
    -c listen_addresses=127.0.0.1 -c TimeZone=UTC "${@:2}" >>"$data_home/postgres.log" 2>&1 &
  pg_launcher=$!
  pg_port=$port
  pg_dsn="postgresql://nodepulse@127.0.0.1:$port/postgres"
}

# As root: a directory for DIR's cluster that the postgres user owns and
# can reach: DIR itself if it can, else one under /var/lib/nodepulse-dev
# that DIR links to. Prints its path.
postgres_home() {
  local dir=$1
  if [ -L "$dir" ]; then
    readlink -f "$dir"
    return 0
  fi
  mkdir -p "$dir"
  chmod 755 "$(dirname "$dir")"
  chown postgres "$dir"
  if runuser -u postgres -- test -w "$dir" 2>/dev/null; then
    echo "$dir"
    return 0
  fi
  local real
  real=/var/lib/nodepulse-dev/$(cd "$dir" && pwd -P | sha256sum | cut -c1-16)
  mkdir -p "$real"
  chown postgres "$real"
  rmdir "$dir" 2>/dev/null || fail "$dir is not empty, and the postgres user cannot reach it"
  ln -s "$real" "$dir"
  echo "$real"
}

stop_postgres() {
  [ -n "$pg_dir" ] || return 0
  local pid_file
  pid_file="$(readlink -f "$pg_dir")/data/postmaster.pid"
  [ -f "$pid_file" ] && kill -INT "$(head -1 "$pid_file")" 2>/dev/null || true
  [ -n "$pg_launcher" ] && wait "$pg_launcher" 2>/dev/null || true
  pg_dir=""
}
