#!/usr/bin/env bash
# Build the sandbox execution environment with ansible-builder and the local Docker engine, offline:
#   base        the sandbox's Debian image (sandbox/images.sh), no registry
#   packages    a host-side wheelhouse (pip download with the project's constraints)
#   collection  its Galaxy tarball, built here from the working tree
# The tag carries a hash of its inputs: an unchanged EE is never rebuilt.
# Prints the tag on its last line; writes build/ee/ee.env (EE_IMAGE=...).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/extensions/ee/sandbox"
stage="$root/build/ee/stage"
DOCKER=/usr/bin/docker
# shellcheck source=extensions/stage.sh
. "$root/extensions/stage.sh"
stage_collection "$stage"

inputs=$( { echo "$BASE_TAG"; cat "$here"/* "$root/constraints.txt" "$root/requirements.txt";
            tar xzOf "$stage/erni_ki-litellm.tar.gz" | sha256sum; } | sha256sum | cut -c1-12)
tag="erni-ki-sandbox/ee:$inputs"
echo "EE_IMAGE=$tag" >"$root/build/ee/ee.env"
if "$DOCKER" image inspect "$tag" >/dev/null 2>&1; then
  echo "ee: $tag present"
  echo "$tag"
  exit 0
fi

echo "ee: downloading the wheelhouse (host side)"
stage_wheels "$stage" "$here" wheelhouse.txt

echo "ee: building $tag with ansible-builder"
ansible-builder build -f "$here/execution-environment.yml" -c "$root/build/ee/context" \
  --container-runtime docker -t "$tag" --build-arg "EE_BASE_IMAGE=$BASE_TAG" \
  --extra-build-cli-args "--network host" -v 1 >"$root/build/ee/build.log" 2>&1 \
  || { tail -40 "$root/build/ee/build.log" >&2; echo "ee: ansible-builder failed; full log in build/ee/build.log" >&2; exit 1; }
echo "$tag"
