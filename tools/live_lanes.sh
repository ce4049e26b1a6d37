#!/usr/bin/env bash
# make test-live: the live suite as three pytest processes side by side, the lanes of tests/integration/conftest.py
# (LANES): "shared" (the default sandbox's users, in a row), "own" (modules with sandboxes of their own) and "guard"
# (the cache guard, which mostly waits). Each
# lane's output goes to build/logs/live-LANE.log and is printed when both are done; --durations=30 lists each lane's
# slowest tests. LIVE_LANES=serial runs the whole suite in one process instead. Extra pytest arguments pass through.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/side_by_side.sh
. tools/side_by_side.sh
PYTEST=${PYTEST:-.venv/bin/pytest}
export PYTHONUNBUFFERED=1  # the lane logs show progress as it happens
if [ "${LIVE_LANES:-}" = serial ]; then
  exec "$PYTEST" -q --durations=30 tests/integration "$@"
fi
extra=("$@")
lane() { LIVE_LANE=$1 "$PYTEST" -q --durations=30 -p no:cacheprovider tests/integration "${extra[@]}"; }
run_shared() { lane shared; }
run_own() { lane own; }
run_guard() { lane guard; }
side_by_side live shared own guard
