#!/usr/bin/env bash
# Regenerate constraints-<version>.txt: the exact wheel set `litellm[proxy]==<version>` resolves to
# today for CPython 3.11 on linux x86_64. Run by a developer when adding a version; the build then
# installs exactly these pins, so an image is reproducible.
# Usage: pin.sh VERSION [EXTRA_REQUIREMENT ...]   extra requirements hold back a dependency that a release's
# open range lets resolve to a version it cannot run with (tools/kb_bisect.py: COMPAT_PINS).
set -euo pipefail
v=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! "${SANDBOX_HOST_PYTHON:-python3.11}" -m pip download -q --only-binary=:all: -d "$tmp" \
  "litellm[proxy]==$v" "async-timeout>=4.0.3" "$@" >"$tmp/pip.log" 2>&1; then
  grep -v 'is ignored' "$tmp/pip.log" | grep -E 'ERROR|error' | tail -3 >&2
  echo "litellm[proxy]==$v does not resolve from the package index: nothing pinned" >&2
  exit 1
fi
{
  echo "# litellm[proxy]==$v for CPython 3.11 linux x86_64; regenerate with pin.sh $v${*:+ $*}"
  for w in "$tmp"/*.whl; do
    b=$(basename "$w"); n=${b%%-*}; r=${b#*-}; ver=${r%%-*}
    echo "$(echo "$n" | tr '_' '-' | tr 'A-Z' 'a-z')==$ver"
  done | sort -u
} | sed 's/^redis==.*/redis==5.2.1/' >"$here/constraints-$v.txt"
# redis-py is not a dependency of litellm[proxy] (it comes through rq, unpinned); LiteLLM's own image
# installs requirements.txt, which pins redis==5.2.1 in these releases. The sandbox does the same, so
# the redis.Redis() arguments the knowledge base lists are the ones production accepts.
echo "pinned $(grep -vc '^#' "$here/constraints-$v.txt") packages for $v"
