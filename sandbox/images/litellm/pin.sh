#!/usr/bin/env bash
# Regenerate constraints-<version>.txt: the exact wheel set `litellm[proxy]==<version>` resolves to
# today for CPython 3.11 on linux x86_64. Run by a developer when adding a version; the build then
# installs exactly these pins, so an image is reproducible.
set -euo pipefail
v=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${SANDBOX_HOST_PYTHON:-python3.11}" -m pip download -q --only-binary=:all: -d "$tmp" \
  "litellm[proxy]==$v" "async-timeout>=4.0.3" 2>&1 | grep -v 'is ignored' || true
{
  echo "# litellm[proxy]==$v for CPython 3.11 linux x86_64; regenerate with pin.sh $v"
  for w in "$tmp"/*.whl; do
    b=$(basename "$w"); n=${b%%-*}; r=${b#*-}; ver=${r%%-*}
    echo "$(echo "$n" | tr '_' '-' | tr 'A-Z' 'a-z')==$ver"
  done | sort -u
} | sed 's/^redis==.*/redis==5.2.1/' >"$here/constraints-$v.txt"
# redis-py is not a dependency of litellm[proxy] (it comes through rq, unpinned); LiteLLM's own image
# installs requirements.txt, which pins redis==5.2.1 in these releases. The sandbox does the same, so
# the redis.Redis() arguments the knowledge base lists are the ones production accepts.
echo "pinned $(grep -vc '^#' "$here/constraints-$v.txt") packages for $v"
