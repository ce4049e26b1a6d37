#!/bin/sh
REDISCLI_AUTH=$(cat /run/secrets/redis_password) redis-cli -h 127.0.0.1 -p "${REDIS_PORT:-6379}" ping | grep -q PONG
