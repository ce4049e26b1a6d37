#!/usr/bin/env bash
# Build the sandbox images locally, with no container registry:
#   base     Debian bookworm from mmdebstrap (apt sources from this machine's own configuration)
#   redis    redis-server from Debian, on the base
#   litellm  one image per LiteLLM version, installed --no-index from a host-side wheelhouse
# Every tag carries a hash of its inputs, so an unchanged image is never rebuilt, and a half-built
# image (no tag) is simply built again.
# Usage: images.sh [LITELLM_VERSION ...]   (default: $SANDBOX_LITELLM_VERSIONS or images/litellm/releases)
# Prints nothing but progress; writes sandbox/.state/images.env with the tags (or the file
# SANDBOX_IMAGES_ENV names: tools/kb_bisect.py builds other releases without touching the sandbox's).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
DOCKER=/usr/bin/docker
state="$here/.state"
cache="${SANDBOX_CACHE:-$here/.cache}"
mkdir -p "$state" "$cache"
envfile=${SANDBOX_IMAGES_ENV:-$state/images.env}
# written whole, then moved in place: two sandboxes brought up at once (the live lanes, molecule's groups) read it
newenv="$envfile.$$"
trap 'rm -f "$newenv"' EXIT
versions=("$@")
[ ${#versions[@]} -gt 0 ] || read -r -a versions <<<"${SANDBOX_LITELLM_VERSIONS:-$(grep -v '^#' "$here/images/litellm/releases")}"
PY=${SANDBOX_HOST_PYTHON:-python3.11}

hash_of() { cat "$@" | sha256sum | cut -c1-12; }
have_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------- apt sources, from this machine
apt_sources() {
  # One-line "deb URI SUITE COMPONENTS" entries from the host's deb822 and one-line sources.
  {
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      awk 'BEGIN{RS="";FS="\n"}
        { t=u=s=c=""
          for(i=1;i<=NF;i++){ line=$i; if (line ~ /^#/) continue
            split(line, kv, ": "); k=kv[1]; v=substr(line, length(k)+3)
            if(k=="Types")t=v; else if(k=="URIs")u=v; else if(k=="Suites")s=v; else if(k=="Components")c=v }
          if (t ~ /(^| )deb( |$)/) { n=split(s, ss, " "); m=split(u, uu, " ")
            for(j=1;j<=n;j++) for(x=1;x<=m;x++) print "deb " uu[x] " " ss[j] " " c } }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] && grep -E '^deb ' "$f" || true
    done
  } | grep -E ' bookworm(-updates|-security)? ' | sort -u
}

# ---------------------------------------------------------------- base
base_inputs="$state/base.inputs"
{ echo "bookworm python3 python3-venv ca-certificates redis-server v1"; } >"$base_inputs"
BASE_TAG="erni-ki-sandbox/base:$(hash_of "$base_inputs")"
if have_image "$BASE_TAG"; then
  echo "images: $BASE_TAG present"
else
  srcs=$(apt_sources)
  [ -n "$srcs" ] || { echo "images: no bookworm apt sources found in /etc/apt; cannot build the base image" >&2; exit 1; }
  echo "images: building $BASE_TAG with mmdebstrap"
  echo "$srcs" | mmdebstrap --quiet --variant=minbase \
    --include=python3,python3-venv,ca-certificates,redis-server \
    --aptopt='Acquire::Retries "3"' \
    bookworm - - | "$DOCKER" import - "$BASE_TAG" >/dev/null
fi

# ---------------------------------------------------------------- redis
REDIS_TAG="erni-ki-sandbox/redis:$(echo "$BASE_TAG" | cat - "$here/images/redis/Dockerfile" | sha256sum | cut -c1-12)"
if have_image "$REDIS_TAG"; then
  echo "images: $REDIS_TAG present"
else
  echo "images: building $REDIS_TAG"
  "$DOCKER" build -q --network host --build-arg "BASE=$BASE_TAG" -t "$REDIS_TAG" "$here/images/redis" >/dev/null
fi

# ---------------------------------------------------------------- litellm
{
  echo "BASE_TAG=$BASE_TAG"
  echo "REDIS_TAG=$REDIS_TAG"
} >"$newenv"
for v in "${versions[@]}"; do
  cons="$here/images/litellm/constraints-$v.txt"
  if [ ! -f "$cons" ]; then
    echo "images: no pinned constraints for LiteLLM $v ($cons); known: $(cd "$here/images/litellm" && ls constraints-*.txt | sed 's/constraints-//; s/.txt//' | tr '\n' ' ')" >&2
    exit 1
  fi
  # what the image installs: litellm[proxy]==v, or the release's requirements file where that does not resolve
  reqs="$here/images/litellm/requirements-$v.txt"
  if [ -f "$reqs" ]; then
    installed="requirements-$v.txt"
    replaced=$(sed -n 's/^# replaced: //p' "$reqs" | paste -sd ';' -)
  else
    installed="litellm[proxy]==$v"
    replaced=none
    reqs="$state/requirements-$v.txt"
    printf '%s\n' "litellm[proxy]==$v" "async-timeout>=4.0.3" >"$reqs"
  fi
  tag="erni-ki-sandbox/litellm:$v-$(echo "$BASE_TAG" | cat - "$here/images/litellm/Dockerfile" "$cons" "$reqs" | sha256sum | cut -c1-12)"
  echo "LITELLM_TAG_${v//./_}=$tag" >>"$newenv"
  if have_image "$tag"; then
    echo "images: $tag present"
    continue
  fi
  ctx="$cache/litellm-$v"
  mkdir -p "$ctx/wheels"
  cp "$here/images/litellm/Dockerfile" "$ctx/Dockerfile"
  cp "$cons" "$ctx/constraints.txt"
  grep -v '^#' "$reqs" >"$ctx/requirements.txt"
  echo "images: downloading the LiteLLM $v wheelhouse (host side)"
  "$PY" -m pip download -q --disable-pip-version-check --only-binary=:all: \
    --python-version 3.11 --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux_2_5_x86_64 --platform linux_x86_64 --platform any \
    -d "$ctx/wheels" -c "$ctx/constraints.txt" -r "$ctx/requirements.txt" 2>&1 \
    | grep -v 'is ignored: it is neither a file nor a directory' || true
  note=""
  [ "$replaced" = none ] || note=" (installs $installed; replaced pins: $replaced)"
  echo "images: building $tag$note"
  "$DOCKER" build -q --network host --build-arg "BASE=$BASE_TAG" --build-arg "LITELLM_VERSION=$v" \
    --build-arg "INSTALLED=$installed" --build-arg "REPLACED_PINS=$replaced" -t "$tag" "$ctx" >/dev/null
done
mv -f "$newenv" "$envfile"
echo "images: ready"
