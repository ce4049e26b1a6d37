#!/usr/bin/env bash
# make test-live: the live suite as one pytest process per lane, side by side; the lanes and their modules are
# tests/integration/conftest.py's LANES (their one home: read from there). Each lane's output goes to
# build/logs/live-LANE.log and is printed when all are done; --durations=30 lists each lane's slowest tests.
# LIVE_LANES=serial runs the whole suite in one process instead. Extra pytest arguments pass through.
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
read -r -a lanes < <("$(dirname "$PYTEST")/python" -c 'from tests.integration.conftest import LANES; print(*LANES)')
[ "${#lanes[@]}" -gt 0 ] || { echo "live: no lanes in tests/integration/conftest.py LANES" >&2; exit 2; }
for name in "${lanes[@]}"; do eval "run_$name() { lane $name; }"; done
side_by_side live "${lanes[@]}"
