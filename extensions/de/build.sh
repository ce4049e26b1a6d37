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
DOCKER=/usr/bin/docker
# shellcheck source=extensions/stage.sh
. "$root/extensions/stage.sh"
stage_collection "$stage"
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
stage_wheels "$stage" "$stage" requirements-de.txt  # beside the requirements.txt it names

echo "de: building $tag"
"$DOCKER" build -q --network host --build-arg "BASE=$BASE_TAG" -t "$tag" "$stage" >"$root/build/de/build.log" 2>&1 \
  || { tail -40 "$root/build/de/build.log" >&2; echo "de: docker build failed; full log in build/de/build.log" >&2; exit 1; }
echo "$tag"
