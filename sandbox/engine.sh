#!/usr/bin/env bash
# Make sure a Docker engine answers on the local socket, and the Debian client, compose, mmdebstrap,
# openssl, chromium and a Java runtime exist (the host needs nothing else: test Redis servers run from the sandbox image).
# An engine that already answers is used as it is, never restarted. A new one is started with the
# network rules of this project: no bridge, no iptables (every container runs with host networking
# and every server binds 127.0.0.1).
set -euo pipefail

DOCKER=/usr/bin/docker          # the Debian 20.10 client: it builds without buildx
SOCK=/var/run/docker.sock
LOG=${SANDBOX_ENGINE_LOG:-/var/log/erni-ki-dockerd.log}

need_pkgs=()
[ -x "$DOCKER" ] && [ -x /usr/sbin/dockerd ] || need_pkgs+=(docker.io)
command -v docker-compose >/dev/null || need_pkgs+=(docker-compose)
command -v mmdebstrap >/dev/null || need_pkgs+=(mmdebstrap)
command -v openssl >/dev/null || need_pkgs+=(openssl)   # the TLS tests make their certificates with it
command -v java >/dev/null || need_bare+=(openjdk-17-jre-headless)  # ansible-rulebook's rule engine (the cache guard)
# the fleet report's test opens the report in it, headless (tests/helpers/browser.py); its recommends are a desktop
need_bare=()
command -v chromium >/dev/null || need_bare+=(chromium)
if [ $((${#need_pkgs[@]} + ${#need_bare[@]})) -gt 0 ]; then
  all_pkgs=("${need_pkgs[@]}" "${need_bare[@]}")
  echo "engine: installing ${all_pkgs[*]} from the machine's apt sources"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  [ ${#need_pkgs[@]} -eq 0 ] || apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  [ ${#need_bare[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${need_bare[@]}" >/dev/null
fi

if "$DOCKER" -H "unix://$SOCK" info >/dev/null 2>&1; then
  echo "engine: a Docker engine already answers on $SOCK; using it as it is"
  exit 0
fi

# A dead engine may have left its pid file and socket behind.
if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  rm -f /var/run/docker.pid
fi
if [ -f /run/containerd/containerd.pid ] && ! kill -0 "$(cat /run/containerd/containerd.pid)" 2>/dev/null; then
  rm -f /run/containerd/containerd.pid
fi
# overlay2 when the kernel can mount overlayfs on this disk (measured here: a container of the
# 800 MB LiteLLM image starts in ~2 s instead of ~60 s on vfs, which copies the whole image per
# container); vfs otherwise. SANDBOX_STORAGE_DRIVER forces one.
storage_driver() {
  if [ -n "${SANDBOX_STORAGE_DRIVER:-}" ]; then echo "$SANDBOX_STORAGE_DRIVER"; return; fi
  local t
  t=$(mktemp -d)
  mkdir -p "$t/l" "$t/u" "$t/w" "$t/m"
  if mount -t overlay overlay -o "lowerdir=$t/l,upperdir=$t/u,workdir=$t/w" "$t/m" 2>/dev/null; then
    umount "$t/m"; rm -rf "$t"; echo overlay2
  else
    rm -rf "$t"; echo vfs
  fi
}
if ! pgrep -x dockerd >/dev/null; then
  driver=$(storage_driver)
  echo "engine: starting dockerd ($driver, no bridge, no iptables); log in $LOG"
  nohup setsid /usr/sbin/dockerd --storage-driver="$driver" --bridge=none --iptables=false \
    --ip6tables=false --host="unix://$SOCK" >"$LOG" 2>&1 </dev/null &
fi
for _ in $(seq 1 120); do
  if "$DOCKER" -H "unix://$SOCK" info >/dev/null 2>&1; then
    echo "engine: ready"
    exit 0
  fi
  sleep 0.5
done
echo "engine: dockerd did not answer on $SOCK within 60 s; last lines of $LOG:" >&2
tail -n 30 "$LOG" >&2 || true
exit 1
