#!/bin/sh
# One Redis process of the sandbox: a data node (standalone, replica or cluster node) or a sentinel.
# The password (a docker secret) never appears in argv: a data node reads its configuration from stdin,
# a sentinel (which rewrites its own file) from a mode-600 file inside the container.
#   REDIS_PORT               the port, on 127.0.0.1
#   REDIS_REPLICAOF          "HOST PORT": start as a replica of that master
#   REDIS_CLUSTER=yes        a cluster node (sandbox/up.sh creates the cluster once every node answers)
#   REDIS_SENTINEL_MONITOR   "SERVICE HOST PORT QUORUM": a sentinel watching that master
set -e
password=$(cat /run/secrets/redis_password)
port=${REDIS_PORT:-6379}
if [ -n "${REDIS_SENTINEL_MONITOR:-}" ]; then
  set -- $REDIS_SENTINEL_MONITOR
  umask 077
  conf=/tmp/sentinel-$port.conf
  {
    echo "bind 127.0.0.1"
    echo "port $port"
    echo "protected-mode yes"
    echo "requirepass $password"
    echo "sentinel sentinel-pass $password"
    echo "sentinel monitor $1 $2 $3 $4"
    echo "sentinel auth-pass $1 $password"
    # fast enough for a test to watch a failover: a master that does not answer for 2 s is down
    echo "sentinel down-after-milliseconds $1 2000"
    echo "sentinel failover-timeout $1 10000"
  } >"$conf"
  exec /usr/bin/redis-server "$conf" --sentinel
fi
{
  echo "bind 127.0.0.1"
  echo "port $port"
  echo "protected-mode yes"
  echo "save \"\""
  echo "appendonly no"
  echo "requirepass $password"
  # a master that fails over becomes a replica of the new one: every node can authenticate to a master
  echo "masterauth $password"
  if [ -n "${REDIS_REPLICAOF:-}" ]; then
    echo "replicaof $REDIS_REPLICAOF"
  fi
  if [ "${REDIS_CLUSTER:-}" = yes ]; then
    echo "cluster-enabled yes"
    echo "cluster-config-file /tmp/nodes-$port.conf"
    # a master that does not answer for 2 s is failed over to its replica
    echo "cluster-node-timeout 2000"
  fi
} | exec /usr/bin/redis-server -
