#!/bin/sh
# As in the production stack: secrets are files, exported into the environment at run time.
set -e
REDIS_PASSWORD=$(cat /run/secrets/redis_password)
LITELLM_MASTER_KEY=$(cat /run/secrets/master_key)
export REDIS_PASSWORD LITELLM_MASTER_KEY
if [ -n "${SANDBOX_EXPORT_REDIS_URL:-}" ]; then
  # Some stacks also export REDIS_URL (see the knowledge base: it overrides cache_params < 1.96.0), some as an ACL
  # user of their own (SANDBOX_REDIS_URL_USER; none: the default user).
  REDIS_URL="redis://${SANDBOX_REDIS_URL_USER:-}:${REDIS_PASSWORD}@127.0.0.1:${SANDBOX_EXPORT_REDIS_URL}"
  export REDIS_URL
fi
exec /opt/litellm/bin/litellm "$@"
