#!/usr/bin/env bash
# Build the collection tarball as Galaxy receives it, then check it the way Galaxy and AWX will:
# ansible-builder's introspection of meta/execution-environment.yml, and galaxy-importer (its
# ansible-test step off: `make sanity` runs that; ansible-lint on). Any ERROR fails the build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/dist"
rm -rf "$out" && mkdir -p "$out"
ansible-galaxy collection build --force --output-path "$out" "$root" >/dev/null
tarball=$(ls "$out"/erni_ki-litellm-*.tar.gz)
echo "galaxy: built $(basename "$tarball") ($(tar tzf "$tarball" | wc -l) files)"

# Nothing sandbox-only in the tarball.
if tar tzf "$tarball" | grep -E '^(sandbox|benchmarks|molecule|tools|tests/integration|tests/modules|extensions/ee/sandbox|extensions/awx)/'; then
  echo "galaxy: sandbox-only files above are in the tarball: add them to build_ignore in galaxy.yml" >&2
  exit 1
fi

tree="$out/tree/ansible_collections/erni_ki/litellm"
mkdir -p "$tree" && tar xzf "$tarball" -C "$tree"
ansible-builder introspect --sanitize "$out/tree" >"$out/introspect.txt"
grep -q "redis>=5.0" "$out/introspect.txt" || { cat "$out/introspect.txt"; echo "galaxy: introspection lost the Python requirements" >&2; exit 1; }
echo "galaxy: ansible-builder introspect reads the Python requirements"

cfg="$out/galaxy-importer.cfg"
printf '[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\nCHECK_REQUIRED_TAGS = False\n' >"$cfg"
set +e
(cd "$out" && GALAXY_IMPORTER_CONFIG="$cfg" python -m galaxy_importer.main "$tarball") >"$out/importer.log" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ] || grep -E '(^|[^A-Z])ERROR' "$out/importer.log" || ! grep -q 'Importer processing completed successfully' "$out/importer.log"; then
  cat "$out/importer.log" >&2
  echo "galaxy: galaxy-importer reported errors (exit $rc)" >&2
  exit 1
fi
grep -i 'warning' "$out/importer.log" || true
echo "galaxy: galaxy-importer accepts the tarball"
