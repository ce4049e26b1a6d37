#!/usr/bin/env bash
# An sshd for the AWX-chain tests: the managed host reached over SSH, as AWX reaches its hosts.
# Listens on 127.0.0.1 only (SANDBOX_SSH_PORT, default 2222), its own config, host key and client key in
# sandbox/.state/ssh/ (generated here), key login as root, no passwords. Idempotent: an sshd already
# answering with this config is left as it is. Installs openssh-server (its service never started by
# the package) and python3-venv (what the role's virtualenv needs on a managed host) when missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir="$here/.state/ssh"
port=${SANDBOX_SSH_PORT:-2222}
mkdir -p "$dir" && chmod 700 "$dir"

need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
[ -x /usr/bin/ssh-keygen ] || need+=(openssh-client)
/usr/bin/python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "sshd: installing ${need[*]} from the machine's apt sources"
  # the package must not start a system sshd on every address: no service starts during the install
  policy=/usr/sbin/policy-rc.d
  own_policy=false
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=true; fi
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if $own_policy; then rm -f "$policy"; fi
fi

[ -f "$dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C erni-ki-sandbox-host -f "$dir/host_ed25519"
[ -f "$dir/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C erni-ki-sandbox-awx -f "$dir/client_ed25519"
cp "$dir/client_ed25519.pub" "$dir/authorized_keys" && chmod 600 "$dir/authorized_keys"
cat >"$dir/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
# the key files live in the checkout, which may sit under a world-writable directory such as /tmp: the
# ownership checks of StrictModes would refuse every login there (this sshd is loopback-only, key-only)
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
X11Forwarding no
AllowTcpForwarding no
Subsystem sftp internal-sftp
CONF

if [ -f "$dir/sshd.pid" ] && kill -0 "$(cat "$dir/sshd.pid")" 2>/dev/null; then
  echo "sshd: running on 127.0.0.1:$port (pid $(cat "$dir/sshd.pid"))"
  exit 0
fi
mkdir -p /run/sshd
/usr/sbin/sshd -t -f "$dir/sshd_config"
/usr/sbin/sshd -f "$dir/sshd_config"
for _ in $(seq 1 50); do
  if ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i "$dir/client_ed25519" \
       -p "$port" root@127.0.0.1 true 2>/dev/null; then
    echo "sshd: ready on 127.0.0.1:$port; client key $dir/client_ed25519"
    exit 0
  fi
  sleep 0.2
done
echo "sshd: no login on 127.0.0.1:$port" >&2
exit 1
