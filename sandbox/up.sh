#!/usr/bin/env bash
# Bring the sandbox up from whatever state an earlier run left: engine stopped, images missing or
# half-built, containers stale or dead. Configs are reset to `type: local` (the operators' start).
# Writes sandbox/endpoints.json and sandbox/inventory.yml.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
run="$here/run"
PROJECT=${SANDBOX_PROJECT:-ernisandbox}
PROXY_VERSION=${SANDBOX_PROXY_VERSION:-1.80.11}
REDIS_PORT=${SANDBOX_REDIS_PORT:-6390}
A_PORT=${SANDBOX_LITELLM_A_PORT:-4001}
B_PORT=${SANDBOX_LITELLM_B_PORT:-4002}
VERSIONS=${SANDBOX_LITELLM_VERSIONS:-1.80.0 1.80.11 1.108.7}
case " $VERSIONS " in *" $PROXY_VERSION "*) ;; *) VERSIONS="$VERSIONS $PROXY_VERSION" ;; esac
PYTHON=${SANDBOX_PYTHON:-$root/.venv/bin/python}

bash "$here/engine.sh"
# shellcheck disable=SC2086
bash "$here/images.sh" $VERSIONS
# shellcheck disable=SC1091
. "$here/.state/images.env"
tagvar="LITELLM_TAG_${PROXY_VERSION//./_}"
LITELLM_IMAGE=${!tagvar}

mkdir -p "$run/stack" "$run/secrets" "$run/conf/litellm-a" "$run/conf/litellm-b"
cp "$here/stack/docker-compose.yml" "$run/docker-compose.yml"
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
for name in a b; do
  sed -e "s/@NAME@/litellm-$name/" -e "s/@REDIS_PORT@/$REDIS_PORT/" "$here/stack/config.yaml.in" \
    >"$run/conf/litellm-$name/config.yaml"
done
cat >"$run/.env" <<EOF
REDIS_IMAGE=$REDIS_TAG
LITELLM_IMAGE=$LITELLM_IMAGE
REDIS_PORT=$REDIS_PORT
LITELLM_A_PORT=$A_PORT
LITELLM_B_PORT=$B_PORT
EOF

compose() { docker-compose --ansi never -p "$PROJECT" --project-directory "$run" -f "$run/docker-compose.yml" "$@"; }
echo "sandbox: starting project $PROJECT (LiteLLM $PROXY_VERSION, Redis on 127.0.0.1:$REDIS_PORT, proxies on :$A_PORT :$B_PORT)"
compose up -d --force-recreate --remove-orphans 2>&1 | grep -v -E '^(Creating|Recreating|Starting)' || true

"$PYTHON" "$here/endpoints.py" --run "$run" --project "$PROJECT" --version "$PROXY_VERSION" \
  --redis-port "$REDIS_PORT" --port "litellm-a=$A_PORT" --port "litellm-b=$B_PORT" \
  --python "$PYTHON" --wait 240
