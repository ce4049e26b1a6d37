#!/usr/bin/env bash
# Regenerate constraints-<version>.txt: the exact wheel set `litellm[proxy]==<version>` resolves to
# today for CPython 3.11 on linux x86_64. Run by a developer when adding a version; the build then
# installs exactly these pins, so an image is reproducible.
# Releases whose litellm[proxy] does not resolve (1.108.8 on) get requirements-<version>.txt first
# (proxy_requirements.py). Usage: pin.sh VERSION [EXTRA_REQUIREMENT ...]   extra requirements hold back a dependency that a release's
# open range lets resolve to a version it cannot run with (tools/kb_bisect.py: COMPAT_PINS).
set -euo pipefail
v=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PY=${SANDBOX_HOST_PYTHON:-python3.11}
download() { "$PY" -m pip download -q --only-binary=:all: -d "$tmp" "$@" >"$tmp/pip.log" 2>&1; }
failed() {
  grep -v 'is ignored' "$tmp/pip.log" | grep -E 'ERROR|error' | tail -3 >&2
  echo "$1 does not resolve from the package index: nothing pinned" >&2
  exit 1
}
reqs="$here/requirements-$v.txt"
what="litellm[proxy]==$v"
if [ -f "$reqs" ] || ! download "litellm[proxy]==$v" "async-timeout>=4.0.3" "$@"; then
  # 1.108.8 on: the proxy extra pins packages that were never published; proxy_requirements.py writes the extra
  # with those pins replaced (requirements-$v.txt, each change named); the image installs that file
  rm -rf "${tmp:?}"/*
  [ -f "$reqs" ] || "$PY" "$here/proxy_requirements.py" "$v" >&2
  what="requirements-$v.txt"
  download -r "$reqs" "$@" || failed "$what"
fi
{
  echo "# $what for CPython 3.11 linux x86_64; regenerate with pin.sh $v${*:+ $*}"
  for w in "$tmp"/*.whl; do
    b=$(basename "$w"); n=${b%%-*}; r=${b#*-}; ver=${r%%-*}
    echo "$(echo "$n" | tr '_' '-' | tr 'A-Z' 'a-z')==$ver"
  done | sort -u
} | sed 's/^redis==.*/redis==5.2.1/' >"$here/constraints-$v.txt"
# redis-py is not a dependency of litellm[proxy] (it comes through rq, unpinned); LiteLLM's own image
# installs requirements.txt, which pins redis==5.2.1 in these releases. The sandbox does the same, so
# the redis.Redis() arguments the knowledge base lists are the ones production accepts.
echo "pinned $(grep -vc '^#' "$here/constraints-$v.txt") packages for $v"
