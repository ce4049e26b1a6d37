#!/usr/bin/env bash
# Bring the sandbox up from whatever state an earlier run left: engine stopped, images missing or
# half-built, containers stale or dead. Configs are reset to `type: local` (the operators' start).
# Writes endpoints.json and inventory.yml (sandbox/ for the default project, else SANDBOX_OUT).
#
#   SANDBOX_INSTANCES=N          proxies litellm-a, litellm-b, ... (default 2)
#   SANDBOX_PROXY_VERSIONS="..." each proxy's LiteLLM release, in order; the last one repeats
#                                (default: SANDBOX_PROXY_VERSION, 1.80.11)
#   SANDBOX_REDIS_TOPOLOGY       standalone (default), sentinel (master + replica + 3 sentinels) or
#                                cluster (3 masters + 3 replicas); sandbox/compose.py says where each listens
#   SANDBOX_CACHE_NAMESPACE      written as cache_params.namespace into every config (default: none)
#   SANDBOX_PRESET=NAME          a second sandbox described by sandbox/presets/NAME.env (sandbox/preset.sh)
#   SANDBOX_PROJECT, SANDBOX_REDIS_PORT, SANDBOX_LITELLM_A_PORT (the first proxy's; the next count up),
#   SANDBOX_RUN (the project's files), SANDBOX_OUT: a second sandbox beside the default one.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=sandbox/preset.sh
. "$here/preset.sh"
PROJECT=${SANDBOX_PROJECT:-ernisandbox}
run=${SANDBOX_RUN:-$here/run}
out=${SANDBOX_OUT:-$here}
PROXY_VERSION=${SANDBOX_PROXY_VERSION:-1.80.11}
read -r -a PROXY_VERSIONS <<<"${SANDBOX_PROXY_VERSIONS:-$PROXY_VERSION}"
INSTANCES=${SANDBOX_INSTANCES:-2}
TOPOLOGY=${SANDBOX_REDIS_TOPOLOGY:-standalone}
REDIS_PORT=${SANDBOX_REDIS_PORT:-6390}
FIRST_PORT=${SANDBOX_LITELLM_A_PORT:-4001}
VERSIONS=${SANDBOX_LITELLM_VERSIONS:-$(grep -v '^#' "$here/images/litellm/releases")}
for v in "${PROXY_VERSIONS[@]}"; do
  case " $VERSIONS " in *" $v "*) ;; *) VERSIONS="$VERSIONS $v" ;; esac
done
PYTHON=${SANDBOX_PYTHON:-$root/.venv/bin/python}

bash "$here/engine.sh"
# shellcheck disable=SC2086
bash "$here/images.sh" $VERSIONS
# shellcheck disable=SC1091
. "$here/.state/images.env"

mkdir -p "$run/stack" "$run/secrets" "$out"
cp "$here"/stack/*.sh "$run/stack/"
umask 077
for s in redis_password master_key; do
  f="$run/secrets/$s.txt"
  if [ ! -s "$f" ]; then
    prefix=""; [ "$s" = master_key ] && prefix="sk-"
    printf '%s%s' "$prefix" "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$f"
  fi
done
umask 022

letters=(a b c d e f g h i j k l m n o p q r s t u v w x y z)
instances=() endpoint_args=() listing=()
for ((i = 0; i < INSTANCES; i++)); do
  name="litellm-${letters[$i]}"
  version=${PROXY_VERSIONS[$((i < ${#PROXY_VERSIONS[@]} ? i : ${#PROXY_VERSIONS[@]} - 1))]}
  tagvar="LITELLM_TAG_${version//./_}"
  port=$((FIRST_PORT + i))
  mkdir -p "$run/conf/$name"
  sed -e "s/@NAME@/$name/" -e "s/@REDIS_PORT@/$REDIS_PORT/" "$here/stack/config.yaml.in" >"$run/conf/$name/config.yaml"
  if [ -n "${SANDBOX_CACHE_NAMESPACE:-}" ]; then
    # a production file usually names its namespace: it stays whatever the cache mode
    sed -i "s/^    ttl: 600  # seconds$/&\n    namespace: $SANDBOX_CACHE_NAMESPACE/" "$run/conf/$name/config.yaml"
  fi
  instances+=("$name=$port=${!tagvar}")
  endpoint_args+=(--instance "$name=$port=$version")
  listing+=("$name :$port $version")
done
"$PYTHON" "$here/compose.py" "$run/docker-compose.yml" "$REDIS_TAG" "$REDIS_PORT" "$TOPOLOGY" "${instances[@]}"

compose() { docker-compose --ansi never -p "$PROJECT" --project-directory "$run" -f "$run/docker-compose.yml" "$@"; }
echo "sandbox: starting project $PROJECT (Redis $TOPOLOGY from 127.0.0.1:$REDIS_PORT; $(IFS=,; echo "${listing[*]}"))"
compose up -d --force-recreate --remove-orphans 2>&1 | grep -v -E '^(Creating|Recreating|Starting)' || true

"$PYTHON" "$here/endpoints.py" --run "$run" --out "$out" --project "$PROJECT" \
  --redis-port "$REDIS_PORT" --topology "$TOPOLOGY" "${endpoint_args[@]}" --python "$PYTHON" --wait 300
