"""Start real redis-server processes on loopback for tests and benchmarks (config from a file, not argv).

Each server runs in a container of the sandbox's own Redis image (`sandbox/images.sh` builds it;
`make test` brings the sandbox up first), with host networking, so the host-side tests and the
sandbox use the same Redis build and nothing needs redis-server or redis-tools on the host. The
server's directory, and the directory of every absolute path in its config lines (TLS files, a
unix socket), are bind-mounted at the same path, so paths mean the same inside and out.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import docker
import redis

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IMAGES_ENV = os.path.join(ROOT, "sandbox", ".state", "images.env")
LABEL = "erni_ki.test_redis"


def redis_image():
    """The tag of the sandbox's Redis image (written by sandbox/images.sh)."""
    try:
        with open(IMAGES_ENV, encoding="utf-8") as f:
            for line in f:
                key, _sep, value = line.strip().partition("=")
                if key == "REDIS_TAG":
                    return value
    except OSError:
        pass
    raise RuntimeError(f"{IMAGES_ENV} names no Redis image: run `make sandbox-up` (make test does) first")


def _mounts(directory, lines):
    dirs = {directory}
    for line in lines:
        for token in line.split()[1:]:
            if token.startswith("/"):
                dirs.add(os.path.dirname(token))
    return {d: {"bind": d, "mode": "rw"} for d in sorted(dirs)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """One redis-server. ``lines`` are extra config lines (requirepass, user, tls-*, unixsocket...); ``sentinel``
    runs it as a Redis Sentinel (which rewrites its own config file, hence the file and not stdin); ``cluster`` as a
    Redis Cluster node."""

    def __init__(self, lines=(), port=None, tls=False, workdir=None, sentinel=False, cluster=False):
        self.dir = workdir or tempfile.mkdtemp(prefix="erni-redis-")
        self.port = port or free_port()
        self.tls = tls
        conf = ["bind 127.0.0.1", 'save ""', "appendonly no", f"dir {self.dir}", "protected-mode yes"]
        if tls:
            conf += ["port 0", f"tls-port {self.port}"]
        else:
            conf.append(f"port {self.port}")
        if cluster:
            # a cluster node, its bus port said: Redis's default, port + 10000, is past 65535 for a free port above
            # 55535 (a fifth of the kernel's ephemeral range here), and redis-server then exits at start
            conf += ["cluster-enabled yes", "cluster-node-timeout 5000", f"cluster-port {free_port()}"]
        conf += list(lines)
        self.conf = os.path.join(self.dir, "redis.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write("\n".join(conf) + "\n")
        os.chmod(self.conf, 0o600)
        self.log = os.path.join(self.dir, "redis.log")
        self.docker = docker.from_env()
        self.container = self.docker.containers.run(
            redis_image(),
            command=[self.conf, *(["--sentinel"] if sentinel else []), "--logfile", self.log],
            name=f"erni-test-redis-{self.port}-{uuid.uuid4().hex[:6]}",
            network_mode="host",
            volumes=_mounts(self.dir, conf),
            labels={LABEL: "1"},
            detach=True,
        )
        self.wait_ready()

    def wait_ready(self, timeout=15):
        """Until the server accepts connections (after a start, or a restart of its container)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.container.reload()
            if self.container.status in ("exited", "dead"):
                raise RuntimeError(f"redis-server exited: {self._log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"redis-server on 127.0.0.1:{self.port} did not start")

    def _log_text(self):
        try:
            with open(self.log, encoding="utf-8") as f:
                return f.read()[-2000:]
        except OSError:
            return self.container.logs(tail=20).decode("utf-8", "replace")

    def shell(self, command):
        """Run a shell command inside the server's container (redis-cli is there); returns its output."""
        code, out = self.container.exec_run(["/bin/sh", "-c", command])
        if code != 0:
            raise RuntimeError(f"{command!r} exited {code}: {out.decode('utf-8', 'replace')[-2000:]}")
        return out.decode("utf-8", "replace")

    def client(self, **kw):
        kw.setdefault("host", "127.0.0.1")
        kw.setdefault("port", self.port)
        return redis.Redis(**kw)

    def stop(self):
        try:
            self.container.remove(force=True)
        except docker.errors.NotFound:
            pass
        self.docker.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# Least-privilege users as real deployments configure them (issue 22's production replica): every application its own
# user; the default user without the dangerous commands (so no CLIENT LIST) but INFO; LiteLLM's user limited to its
# namespace litellm:, without INFO; and the tests' own user, to fill and empty the db.
ACL_PASSWORDS = {"default": "acl-default-pw", "litellm": "acl-litellm-pw", "setup": "acl-setup-pw"}


def acl_users(litellm_password=ACL_PASSWORDS["litellm"]):
    """The config lines of those users; LiteLLM's user with ``litellm_password`` (a proxy's own secret, say)."""
    return [
        f"user default on >{ACL_PASSWORDS['default']} ~* &* +@all -@dangerous +info",
        f"user litellm on >{litellm_password} ~litellm:* +@read +@write +@connection +@string +@hash -@dangerous "
        "-@admin",
        f"user setup on >{ACL_PASSWORDS['setup']} ~* &* +@all",
    ]


LEAST_PRIVILEGE_ACL = acl_users()


def fill(client, count, prefix="", value=b"x" * 64, ttl=None, batch=10000):
    """Write ``count`` keys ``<prefix><64 hex>`` quickly, in pipelined batches."""
    pipe = client.pipeline(transaction=False)
    for i in range(count):
        key = f"{prefix}{i:064x}"
        if ttl:
            pipe.set(key, value, ex=ttl)
        else:
            pipe.set(key, value)
        if (i + 1) % batch == 0:
            pipe.execute()
    pipe.execute()


def make_tls_material(directory):
    """A CA, and a server certificate for 127.0.0.1/localhost signed by it (openssl)."""

    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=erni test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    )
    ext = os.path.join(directory, "ext.cnf")
    with open(ext, "w", encoding="utf-8") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr")
    run(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        ext,
        "-out",
        "server.crt",
    )
    return {name: os.path.join(directory, name) for name in ("ca.crt", "server.crt", "server.key")}


def tls_redis(directory, password):
    """A Redis that speaks TLS only, with a certificate its own CA signed (make_tls_material, in ``directory``,
    which is also the server's), and ``password``: (the server, the paths of ca.crt, server.crt and server.key)."""
    tls = make_tls_material(directory)
    lines = [
        f"tls-cert-file {tls['server.crt']}",
        f"tls-key-file {tls['server.key']}",
        f"tls-ca-cert-file {tls['ca.crt']}",
        "tls-auth-clients no",
        f"requirepass {password}",
    ]
    return RedisServer(lines, tls=True, workdir=directory), tls


def wait_for(check, what, timeout=30):
    """Poll ``check`` until it returns something true; its last exception (or None) in the TimeoutError."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except (redis.RedisError, OSError) as exc:
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"{what} after {timeout} s (last error: {last})")


class SentinelSetup:
    """A master and a replica with the ``users`` lines (ACL users), and one sentinel (no password of its own, and the
    ``sentinel_lines`` of its config) that monitors them as ``setup`` (which must be among ``users``, with every
    command)."""

    def __init__(self, users, service="acl-svc", sentinel_lines=()):
        self.service = service
        self.master = self.replica = self.sentinel = None
        try:
            self._start(users, service, sentinel_lines)
        except BaseException:
            self.stop()
            raise

    def _start(self, users, service, sentinel_lines):
        admin = ["masteruser setup", f"masterauth {ACL_PASSWORDS['setup']}"]
        self.master = RedisServer([*users, *admin])
        self.replica = RedisServer([*users, *admin, f"replicaof 127.0.0.1 {self.master.port}"])
        self.sentinel = RedisServer(
            [
                f"sentinel monitor {service} 127.0.0.1 {self.master.port} 1",
                f"sentinel auth-user {service} setup",
                f"sentinel auth-pass {service} {ACL_PASSWORDS['setup']}",
                *sentinel_lines,
            ],
            sentinel=True,
        )
        master = self.master.client(username="setup", password=ACL_PASSWORDS["setup"])
        wait_for(
            lambda: (master.info("replication").get("slave0") or {}).get("state") == "online",
            "the replica is not online",
        )

    def stop(self):
        for server in (self.sentinel, self.replica, self.master):
            if server is not None:
                server.stop()


class ClusterSetup:
    """Three masters (no replicas) with the ``users`` lines, made one cluster by ``redis-cli --cluster create`` as
    ``setup``."""

    def __init__(self, users, masters=3):
        self.nodes, self.client = [], None
        try:
            self._start(users, masters)
        except BaseException:
            self.stop()
            raise

    def _start(self, users, masters):
        for _node in range(masters):
            self.nodes.append(RedisServer(users, cluster=True))
        addrs = " ".join(f"127.0.0.1:{n.port}" for n in self.nodes)
        self.nodes[0].shell(
            f"redis-cli --user setup --pass {ACL_PASSWORDS['setup']} --no-auth-warning --cluster create {addrs} "
            "--cluster-yes"
        )
        admins = [n.client(username="setup", password=ACL_PASSWORDS["setup"]) for n in self.nodes]
        wait_for(
            lambda: all(b"cluster_state:ok" in a.execute_command("CLUSTER", "INFO") for a in admins),
            "the cluster is not ok",
        )
        self.client = redis.RedisCluster(
            host="127.0.0.1", port=self.nodes[0].port, username="setup", password=ACL_PASSWORDS["setup"]
        )

    def stop(self):
        if self.client is not None:
            self.client.close()
        for server in self.nodes:
            server.stop()
