# shellcheck shell=bash
# Sourced by tools/live_lanes.sh and tools/molecule_groups.sh: run some groups of tests at once.
#
# side_by_side WHAT NAME...   runs the caller's functions run_NAME at the same time, each writing to
# build/logs/WHAT-NAME.log; says when each started and ended, prints every log whole once all are done, and returns
# 1 when any of them failed (0 otherwise).
side_by_side() {
  local what=$1 name code i rc=0
  shift
  local names=("$@") pids=()
  mkdir -p build/logs
  for name in "${names[@]}"; do
    "run_$name" >"build/logs/$what-$name.log" 2>&1 &
    pids+=($!)
    echo "$what: $name started (pid $!), log in build/logs/$what-$name.log"
  done
  for i in "${!names[@]}"; do
    if wait "${pids[$i]}"; then code=0; else code=$?; fi
    echo "$what: ${names[$i]} ended with rc $code"
    [ "$code" -eq 0 ] || rc=1
  done
  for name in "${names[@]}"; do
    echo "================================ $what $name ================================"
    cat "build/logs/$what-$name.log"
  done
  return "$rc"
}
