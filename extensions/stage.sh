# shellcheck shell=bash
# Sourced by extensions/ee/build.sh and extensions/de/build.sh: what both images start from, offline.
#
# stage_collection STAGE   the sandbox's images (sandbox/images.sh; BASE_TAG and the others from images.env) and the
#                          collection's Galaxy tarball, built from this tree, as STAGE/erni_ki-litellm.tar.gz
# stage_wheels STAGE DIR REQS
#                          a host-side wheelhouse in STAGE/wheels: pip download, in DIR, of the requirements file
#                          REQS with the project's constraints.txt
stage_collection() {
  local stage=$1
  bash "$root/sandbox/images.sh" >/dev/null
  # shellcheck disable=SC1091
  . "$root/sandbox/.state/images.env"
  mkdir -p "$stage"
  rm -rf "$stage/dist" && mkdir -p "$stage/dist"
  ansible-galaxy collection build --force --output-path "$stage/dist" "$root" >/dev/null
  cp "$stage"/dist/erni_ki-litellm-*.tar.gz "$stage/erni_ki-litellm.tar.gz"
}

stage_wheels() {
  local stage=$1 dir=$2 reqs=$3
  rm -rf "$stage/wheels" && mkdir -p "$stage/wheels"
  (cd "$dir" && "${SANDBOX_HOST_PYTHON:-python3.11}" -m pip download -q --disable-pip-version-check \
     -d "$stage/wheels" -c "$root/constraints.txt" -r "$reqs" 2>&1 \
     | { grep -v 'is ignored: it is neither a file nor a directory' || true; })
}
