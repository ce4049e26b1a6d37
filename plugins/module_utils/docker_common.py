# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker access shared by the collection's modules: connect, find a container, run Python inside it."""

from __future__ import annotations

import inspect
import json
import os
import socket

from ansible.module_utils.basic import env_fallback

from ansible_collections.erni_ki.litellm.plugins.module_utils import deps

with deps.declare("docker"):
    import docker
    from docker.errors import DockerException, NotFound
    from docker.tls import TLSConfig
    from docker.utils.socket import consume_socket_output, demux_adaptor, frames_iter
if not deps.available("docker"):  # pragma: no cover - the module reports it (deps.validate)
    DockerException = NotFound = Exception

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
PYTHON_CANDIDATES = ("python3", "python", "/usr/local/bin/python3", "/usr/bin/python3")
DOCKER_KEYS = (
    "docker_host",
    "docker_tls",
    "docker_validate_certs",
    "docker_ca_path",
    "docker_client_cert",
    "docker_client_key",
    "docker_api_version",
    "docker_timeout",
)


class DockerAccessError(RuntimeError):
    """Docker is not reachable, or the container is not there."""


def docker_argument_spec():
    """The Docker connection options (doc_fragments/docker.py), with community.docker's env fallbacks."""
    return dict(
        docker_host=dict(
            type="str", default=DEFAULT_DOCKER_HOST, aliases=["docker_url"], fallback=(env_fallback, ["DOCKER_HOST"])
        ),
        docker_tls=dict(type="bool", default=False, fallback=(env_fallback, ["DOCKER_TLS"])),
        docker_validate_certs=dict(
            type="bool", default=False, aliases=["docker_tls_verify"], fallback=(env_fallback, ["DOCKER_TLS_VERIFY"])
        ),
        docker_ca_path=dict(type="path", aliases=["docker_ca_cert"]),
        docker_client_cert=dict(type="path"),
        docker_client_key=dict(type="path", no_log=False),
        docker_api_version=dict(type="str", default="auto", fallback=(env_fallback, ["DOCKER_API_VERSION"])),
        docker_timeout=dict(type="int", default=120, fallback=(env_fallback, ["DOCKER_TIMEOUT"])),
    )


def docker_params(params):
    """The Docker connection options out of a module's params, as connect() takes them."""
    return {k: params.get(k) for k in DOCKER_KEYS}


def tls_config(opts, cert_path=None):
    """docker.tls.TLSConfig for the options (None without TLS); DOCKER_CERT_PATH supplies missing files."""
    if not (opts.get("docker_tls") or opts.get("docker_validate_certs")):
        return None
    cert_path = cert_path if cert_path is not None else os.environ.get("DOCKER_CERT_PATH")

    def pick(key, name):
        if opts.get(key):
            return opts[key]
        if cert_path and os.path.exists(os.path.join(cert_path, name)):
            return os.path.join(cert_path, name)
        return None

    ca, cert, key = (
        pick("docker_ca_path", "ca.pem"),
        pick("docker_client_cert", "cert.pem"),
        pick("docker_client_key", "key.pem"),
    )
    if bool(cert) != bool(key):
        raise DockerAccessError("docker_client_cert and docker_client_key go together: give both, or neither")
    verify = bool(opts.get("docker_validate_certs"))
    if verify and not ca:
        raise DockerAccessError("docker_validate_certs needs docker_ca_path (or ca.pem in DOCKER_CERT_PATH)")
    return TLSConfig(client_cert=(cert, key) if cert else None, ca_cert=ca if verify else None, verify=verify)


def connect(opts):
    """A DockerClient for the connection options (a dict of DOCKER_KEYS; missing keys take their defaults)."""
    host = opts.get("docker_host") or DEFAULT_DOCKER_HOST
    try:
        tls = tls_config(opts)
        if tls is not None and host.startswith("tcp://"):
            host = "https://" + host[len("tcp://") :]
        client = docker.DockerClient(
            base_url=host,
            version=opts.get("docker_api_version") or "auto",
            timeout=opts.get("docker_timeout") or 120,
            tls=tls or False,
        )
        client.ping()
    except (DockerException, OSError) as exc:
        raise DockerAccessError(
            f"cannot reach the Docker engine at {host}: {exc}. Is dockerd running, and may this user use "
            "its socket? Set docker_host (or DOCKER_HOST) to the engine's address."
        ) from None
    return client


def get_container(client, name):
    try:
        return client.containers.get(name)
    except NotFound:
        raise DockerAccessError(f"no container named {name!r} on this Docker engine") from None


def _writer(attached):
    """A writable socket for the exec's attached stream, through public APIs only: the SDK hands over a
    TLS socket as it is, and a read-only ``socket.SocketIO`` for unix and plain TCP engines, whose file
    descriptor a duplicate socket object can write to."""
    if hasattr(attached, "sendall"):
        return attached, False
    return socket.socket(fileno=os.dup(attached.fileno())), True


def exec_with_input(client, container, cmd, line=b""):
    """Run ``cmd`` in the container with ``line`` (one line, no newline in it) on its standard input,
    then end of input. Returns (exit code, stdout, stderr)."""
    if b"\n" in line:
        raise ValueError("exec_with_input sends a single line")
    exec_id = client.api.exec_create(container.id, cmd, stdin=True, stdout=True, stderr=True)["Id"]
    attached = client.api.exec_start(exec_id, socket=True)
    try:
        writer, own = _writer(attached)
        try:
            writer.sendall(line + b"\n")
            writer.shutdown(socket.SHUT_WR)
        finally:
            if own:
                writer.close()
        frames = (demux_adaptor(*frame) for frame in frames_iter(attached, tty=False))
        stdout, stderr = consume_socket_output(frames, demux=True)
    finally:
        attached.close()
    code = client.api.exec_inspect(exec_id).get("ExitCode")
    return code, (stdout or b"").decode("utf-8", "replace"), (stderr or b"").decode("utf-8", "replace")


def run_python(client, container, source, payload):
    """Run Python ``source`` with the container's own interpreter; ``payload`` arrives as one JSON line on
    stdin (``json.loads(sys.stdin.readline())``).

    The payload never appears on a command line or in the environment of the process.
    Returns the JSON object the source prints last on stdout.
    """
    data = json.dumps(payload).encode("utf-8")
    errors = []
    for python in PYTHON_CANDIDATES:
        code, out, err = exec_with_input(client, container, [python, "-c", source], data)
        if code in (126, 127) or "executable file not found" in (out + err):
            errors.append(python)
            continue
        lines = [line for line in out.strip().splitlines() if line.startswith("{")]
        if code != 0 or not lines:
            tail = "\n".join(err.strip().splitlines()[-5:])
            raise DockerAccessError(f"Python in container {container.name} failed (exit {code}): {tail}")
        return json.loads(lines[-1])
    raise DockerAccessError(f"no Python interpreter in container {container.name} (tried {', '.join(errors)})")


# Loads the module_utils sources it is given under their own names, then calls one function of the last.
_CALL_BOOTSTRAP = r"""
import json, sys, types
_p = json.loads(sys.stdin.readline())
for _name, _source in _p["modules"]:
    _m = types.ModuleType(_name)
    sys.modules[_name] = _m
    exec(compile(_source, _name, "exec"), _m.__dict__)
print(json.dumps(getattr(sys.modules[_p["modules"][-1][0]], _p["function"])(*_p["args"]), default=str))
"""


def call_in_container(client, container, modules, function, *args):
    """Call ``function`` of the last of ``modules`` (module_utils that import only the standard library,
    what the container has, and each other) inside the container, with its own Python; the sources and
    the JSON ``args`` travel on stdin. Returns the function's JSON result."""
    payload = {
        "modules": [(m.__name__, inspect.getsource(m)) for m in modules],
        "function": function,
        "args": list(args),
    }
    return run_python(client, container, _CALL_BOOTSTRAP, payload)
