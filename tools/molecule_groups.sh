#!/usr/bin/env bash
# make test-molecule: the scenarios in two groups side by side. The default sandbox's scenarios (those without a
# SANDBOX_PRESET in their molecule.yml) share its proxies and run one after the other; the scenarios on a preset's
# sandbox of its own (sentinel, cluster: other ports, other files) run one after the other beside them. Each group's
# output goes to build/logs/molecule-GROUP.log and is printed when both are done. MOLECULE_GROUPS=serial runs every
# scenario in one row instead.
set -uo pipefail
cd "$(dirname "$0")/.."
MOLECULE=${MOLECULE:-.venv/bin/molecule}
mkdir -p build/logs
default=() presets=()
for f in molecule/*/molecule.yml; do
  s=$(basename "$(dirname "$f")")
  if grep -q 'SANDBOX_PRESET:' "$f"; then presets+=("$s"); else default+=("$s"); fi
done
run_group() {  # run_group NAME SCENARIO...
  local name=$1 rc=0 s
  shift
  for s in "$@"; do
    echo "molecule: scenario $s"
    "$MOLECULE" test -s "$s" || { rc=1; echo "molecule: scenario $s FAILED"; }
  done
  return "$rc"
}
if [ "${MOLECULE_GROUPS:-}" = serial ]; then
  run_group all "${default[@]}" "${presets[@]}"
  exit
fi
run_group default "${default[@]}" >build/logs/molecule-default.log 2>&1 &
pd=$!
run_group presets "${presets[@]}" >build/logs/molecule-presets.log 2>&1 &
pp=$!
echo "test-molecule: ${default[*]} (default sandbox) beside ${presets[*]} (their presets); logs in build/logs/molecule-*.log"
rc=0
wait "$pd" || rc=1
wait "$pp" || rc=1
for g in default presets; do
  echo "================================ molecule group $g ================================"
  cat "build/logs/molecule-$g.log"
done
exit "$rc"
