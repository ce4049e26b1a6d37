#!/bin/sh
# Redis reads its configuration from stdin, so the password (a docker secret) never appears in argv.
set -e
{
  echo "bind 127.0.0.1"
  echo "port ${REDIS_PORT:-6379}"
  echo "protected-mode yes"
  echo "save \"\""
  echo "appendonly no"
  echo "requirepass $(cat /run/secrets/redis_password)"
} | exec /usr/bin/redis-server -
