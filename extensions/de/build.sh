#!/usr/bin/env bash
# Build the cache guard's decision environment (Dockerfile here) with the local Docker engine, offline:
#   base        the sandbox's Debian image (sandbox/images.sh), no registry; Java 17 from Debian's apt sources
#   packages    a host-side wheelhouse (pip download with the project's constraints)
#   collection  its Galaxy tarball, built here from the working tree
# The tag carries a hash of its inputs: an unchanged DE is never rebuilt.
# Prints the tag on its last line; writes build/de/de.env (DE_IMAGE=...).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/extensions/de"
stage="$root/build/de/stage"
PY=${SANDBOX_HOST_PYTHON:-python3.11}
DOCKER=/usr/bin/docker

bash "$root/sandbox/images.sh" >/dev/null
# shellcheck disable=SC1091
. "$root/sandbox/.state/images.env"

mkdir -p "$stage"
rm -rf "$stage/dist" && mkdir -p "$stage/dist"
ansible-galaxy collection build --force --output-path "$stage/dist" "$root" >/dev/null
cp "$stage"/dist/erni_ki-litellm-*.tar.gz "$stage/erni_ki-litellm.tar.gz"
cp "$root/constraints.txt" "$root/requirements.txt" "$here/requirements-de.txt" "$here/Dockerfile" "$stage/"

inputs=$( { echo "$BASE_TAG"; cat "$here/Dockerfile" "$here/requirements-de.txt" "$root/constraints.txt" \
              "$root/requirements.txt"; tar xzOf "$stage/erni_ki-litellm.tar.gz" | sha256sum; } | sha256sum | cut -c1-12)
tag="erni-ki-sandbox/de:$inputs"
echo "DE_IMAGE=$tag" >"$root/build/de/de.env"
if "$DOCKER" image inspect "$tag" >/dev/null 2>&1; then
  echo "de: $tag present"
  echo "$tag"
  exit 0
fi

echo "de: downloading the wheelhouse (host side)"
rm -rf "$stage/wheels" && mkdir -p "$stage/wheels"
(cd "$stage" && "$PY" -m pip download -q --disable-pip-version-check -d "$stage/wheels" \
   -c constraints.txt -r requirements-de.txt 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; })

echo "de: building $tag"
"$DOCKER" build -q --network host --build-arg "BASE=$BASE_TAG" -t "$tag" "$stage" >"$root/build/de/build.log" 2>&1 \
  || { tail -40 "$root/build/de/build.log" >&2; echo "de: docker build failed; full log in build/de/build.log" >&2; exit 1; }
echo "$tag"
