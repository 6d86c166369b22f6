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
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  fail "no free loopback port found"
}

# Waits until URL answers 200, up to SECONDS (default 15).
wait_http() {
  local url=$1 limit=${2:-15}
  for _ in $(seq 1 $((limit * 10))); do
    curl -sf -o /dev/null "$url" && return 0
    sleep 0.1
  done
  fail "$url did not answer within ${limit}s"
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
