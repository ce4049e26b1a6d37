"""Start real redis-server processes on loopback for tests and benchmarks (config from a file, not argv)."""

import os
import shutil
import socket
import subprocess
import tempfile
import time

import redis


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """One redis-server. ``lines`` are extra config lines (requirepass, user, tls-*, unixsocket...)."""

    def __init__(self, lines=(), port=None, tls=False, workdir=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="erni-redis-")
        self.port = port or free_port()
        self.tls = tls
        conf = ["bind 127.0.0.1", 'save ""', "appendonly no", f"dir {self.dir}", "protected-mode yes"]
        if tls:
            conf += ["port 0", f"tls-port {self.port}"]
        else:
            conf.append(f"port {self.port}")
        conf += list(lines)
        self.conf = os.path.join(self.dir, "redis.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write("\n".join(conf) + "\n")
        os.chmod(self.conf, 0o600)
        self.log = os.path.join(self.dir, "redis.log")
        self.proc = subprocess.Popen(
            ["redis-server", self.conf, "--logfile", self.log], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        self._wait()

    def _wait(self, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                with open(self.log, encoding="utf-8") as f:
                    raise RuntimeError(f"redis-server exited: {f.read()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"redis-server on 127.0.0.1:{self.port} did not start")

    def client(self, **kw):
        kw.setdefault("host", "127.0.0.1")
        kw.setdefault("port", self.port)
        return redis.Redis(**kw)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


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
