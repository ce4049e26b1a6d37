#!/usr/bin/env bash
# Remove the sandbox's containers (and any a test left in the project); keep images for the next run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=sandbox/preset.sh
. "$here/preset.sh"
PROJECT=${SANDBOX_PROJECT:-ernisandbox}
# the sshd of sandbox/sshd.sh (the default project's managed host over SSH)
pidfile="$here/.state/ssh/sshd.pid"
if [ "$PROJECT" = ernisandbox ] && [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  kill "$(cat "$pidfile")" && echo "sandbox: sshd stopped"
fi
if ! /usr/bin/docker info >/dev/null 2>&1; then
  echo "sandbox: no Docker engine answers; nothing to remove"
  exit 0
fi
ids=$(/usr/bin/docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")
ids="$ids $(/usr/bin/docker ps -aq --filter "label=erni_ki.sandbox=$PROJECT")"
# test Redis servers a crashed run left behind (tests/helpers/redis_server.py), with the default project only:
# a second project (the fleet) going down must not stop the servers of tests still running
if [ "$PROJECT" = ernisandbox ]; then
  ids="$ids $(/usr/bin/docker ps -aq --filter "label=erni_ki.test_redis")"
  ids="$ids $(/usr/bin/docker ps -aq --filter "label=erni_ki.kb_probe")"  # tests/helpers/kb_probes.py
fi
if [ -n "${ids// /}" ]; then
  # shellcheck disable=SC2086
  /usr/bin/docker rm -f $ids >/dev/null
fi
# endpoints.json and inventory.yml stay: they describe the sandbox as it was last brought up, and
# molecule links the inventory before its create step brings the stack up again.
echo "sandbox: containers removed; images kept"
