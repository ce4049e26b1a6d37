#!/usr/bin/env bash
# make test-molecule: the scenarios in two groups side by side. The default sandbox's scenarios (those without a
# SANDBOX_PRESET in their molecule.yml) share its proxies and run one after the other; the scenarios on a preset's
# sandbox of its own (sentinel, cluster: other ports, other files) run one after the other beside them. Each group's
# output goes to build/logs/molecule-GROUP.log and is printed when both are done. MOLECULE_GROUPS=serial runs every
# scenario in one row instead.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/side_by_side.sh
. tools/side_by_side.sh
MOLECULE=${MOLECULE:-.venv/bin/molecule}
default=() presets=()
for f in molecule/*/molecule.yml; do
  s=$(basename "$(dirname "$f")")
  if grep -q 'SANDBOX_PRESET:' "$f"; then presets+=("$s"); else default+=("$s"); fi
done
scenarios() {  # scenarios SCENARIO...: one after the other; rc 1 when any failed
  local rc=0 s
  for s in "$@"; do
    echo "molecule: scenario $s"
    "$MOLECULE" test -s "$s" || { rc=1; echo "molecule: scenario $s FAILED"; }
  done
  return "$rc"
}
if [ "${MOLECULE_GROUPS:-}" = serial ]; then
  scenarios "${default[@]}" "${presets[@]}"
  exit
fi
run_default() { scenarios "${default[@]}"; }
run_presets() { scenarios "${presets[@]}"; }
echo "test-molecule: ${default[*]} (default sandbox) beside ${presets[*]} (their presets)"
side_by_side molecule default presets
