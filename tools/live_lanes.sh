#!/usr/bin/env bash
# make test-live: the live suite as two pytest processes side by side, the lanes of tests/integration/conftest.py
# (LANES): "shared" (the default sandbox's users, in a row) and "own" (modules with sandboxes of their own). Each
# lane's output goes to build/logs/live-LANE.log and is printed when both are done; --durations=30 lists each lane's
# slowest tests. LIVE_LANES=serial runs the whole suite in one process instead. Extra pytest arguments pass through.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTEST=${PYTEST:-.venv/bin/pytest}
export PYTHONUNBUFFERED=1  # the lane logs show progress as it happens
mkdir -p build/logs
if [ "${LIVE_LANES:-}" = serial ]; then
  exec "$PYTEST" -q --durations=30 tests/integration "$@"
fi
pids=() lanes=(shared own)
for lane in "${lanes[@]}"; do
  LIVE_LANE=$lane "$PYTEST" -q --durations=30 -p no:cacheprovider tests/integration "$@" \
    >"build/logs/live-$lane.log" 2>&1 &
  pids+=($!)
  echo "test-live: lane $lane started (pid $!), log in build/logs/live-$lane.log"
done
rc=0
for i in "${!lanes[@]}"; do
  if wait "${pids[$i]}"; then code=0; else code=$?; fi
  echo "test-live: lane ${lanes[$i]} ended with rc $code"
  [ "$code" -eq 0 ] || rc=1
done
for lane in "${lanes[@]}"; do
  echo "================================ lane $lane ================================"
  cat "build/logs/live-$lane.log"
done
exit "$rc"
