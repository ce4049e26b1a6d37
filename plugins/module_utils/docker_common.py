# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker access shared by the collection's modules: connect, find a container, run Python inside it."""

from __future__ import annotations

import json
import socket

try:
    import docker
    from docker.errors import DockerException, NotFound
    from docker.utils.socket import consume_socket_output, demux_adaptor, frames_iter

    HAS_DOCKER = True
    DOCKER_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module with missing_required_lib
    HAS_DOCKER = False
    DOCKER_IMPORT_ERROR = exc
    DockerException = NotFound = Exception

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
PYTHON_CANDIDATES = ("python3", "python", "/usr/local/bin/python3", "/usr/bin/python3")


class DockerAccessError(RuntimeError):
    """Docker is not reachable, or the container is not there."""


def docker_argument_spec():
    return dict(docker_host=dict(type="str", default=DEFAULT_DOCKER_HOST))


def connect(docker_host=None):
    host = docker_host or DEFAULT_DOCKER_HOST
    try:
        client = docker.DockerClient(base_url=host, timeout=60)
        client.ping()
    except (DockerException, OSError) as exc:
        raise DockerAccessError(
            f"cannot reach the Docker engine at {host}: {exc}. Is dockerd running, and may this user use "
            "its socket? Set docker_host to the engine's address."
        ) from None
    return client


def get_container(client, name):
    try:
        return client.containers.get(name)
    except NotFound:
        raise DockerAccessError(f"no container named {name!r} on this Docker engine") from None


def exec_with_stdin(client, container, cmd, data=b"", timeout=120):
    """Run ``cmd`` in the container, feed ``data`` on stdin; return (exit code, stdout, stderr)."""
    exec_id = client.api.exec_create(container.id, cmd, stdin=True, stdout=True, stderr=True)["Id"]
    sock = client.api.exec_start(exec_id, socket=True)
    raw = getattr(sock, "_sock", sock)
    raw.settimeout(timeout)
    try:
        if data:
            raw.sendall(data)
        raw.shutdown(socket.SHUT_WR)
        frames = (demux_adaptor(*frame) for frame in frames_iter(sock, tty=False))
        stdout, stderr = consume_socket_output(frames, demux=True)
    finally:
        sock.close()
    code = client.api.exec_inspect(exec_id).get("ExitCode")
    return code, (stdout or b"").decode("utf-8", "replace"), (stderr or b"").decode("utf-8", "replace")


def run_python(client, container, source, payload, timeout=120):
    """Run Python ``source`` with the container's own interpreter; ``payload`` (JSON) arrives on stdin.

    The payload never appears on a command line or in the environment of the process.
    Returns the JSON object the source prints last on stdout.
    """
    data = json.dumps(payload).encode("utf-8")
    errors = []
    for python in PYTHON_CANDIDATES:
        code, out, err = exec_with_stdin(client, container, [python, "-c", source], data, timeout=timeout)
        if code in (126, 127) or "executable file not found" in (out + err):
            errors.append(python)
            continue
        lines = [line for line in out.strip().splitlines() if line.startswith("{")]
        if code != 0 or not lines:
            tail = "\n".join(err.strip().splitlines()[-5:])
            raise DockerAccessError(f"Python in container {container.name} failed (exit {code}): {tail}")
        return json.loads(lines[-1])
    raise DockerAccessError(f"no Python interpreter in container {container.name} (tried {', '.join(errors)})")
