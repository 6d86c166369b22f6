#!/usr/bin/env bash
# scripts/check-layers on this tree (it must pass), then on copies with a
# wrong-way include planted (it must fail, naming the file and the line).
set -euo pipefail
src=$1
. "$(dirname "$0")/support/lib.sh"
check="$src/scripts/check-layers"

"$check" "$src" || fail "the tree has an include against the layers' direction"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# plant FILE LINE TEXT EXPECTED: a copy of the sources with TEXT inserted
# before line LINE of FILE; the check must fail and say EXPECTED.
plant() {
  local file=$1 line=$2 text=$3 expected=$4
  rm -rf "$work/tree" && mkdir -p "$work/tree"
  cp -r "$src/lib" "$src/config" "$src/actors" "$src/runtime" "$work/tree/"
  sed -i "${line}i $text" "$work/tree/$file"
  if "$check" "$work/tree" >"$work/out" 2>&1; then
    cat "$work/out"
    fail "check-layers passed with '$text' planted in $file"
  fi
  grep -qF "$expected" "$work/out" || { cat "$work/out"; fail "check-layers did not say: $expected"; }
  echo "ok: $expected"
}

plant lib/prom/number.hpp 3 '#include "actors/interfaces.hpp"' \
  'lib/prom/number.hpp:3: lib/ may not include actors/interfaces.hpp'
plant lib/wal/wal.cpp 2 '#include <caf/actor.hpp>' \
  'lib/wal/wal.cpp:2: lib/ knows no actors, but includes <caf/actor.hpp>'
plant config/agent_config.cpp 2 '#include "runtime/node/node_runner.hpp"' \
  'config/agent_config.cpp:2: config/ may not include runtime/node/node_runner.hpp'
plant actors/agent/buffer.cpp 2 '#include "runtime/node/agent_node.hpp"' \
  'actors/agent/buffer.cpp:2: actors/ may not include runtime/node/agent_node.hpp'
echo "check-layers: passes on the tree, fails on each planted include"
