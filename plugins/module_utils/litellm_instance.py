# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find a LiteLLM proxy container, tell its true version and config, restart it and wait until it serves.

The logic behind litellm_service, over the Docker SDK for Python and plain HTTP (urllib).
"""

from __future__ import annotations

import json
import os
import re
import time

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import open_url

from ansible_collections.erni_ki.litellm.plugins.module_utils import docker_common
from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_version import version_of_tag
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import (
    is_secret_env_name,
    mask_text,
    read_secret_file,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.stats import percentiles

ENV_PREFIXES = ("REDIS_", "LITELLM_")
ENV_NAMES = ("DATABASE_URL", "CACHE_TYPE", "USE_REDIS_TRANSACTION_BUFFER")
LOG_TAIL = 30
# how often a restarted proxy is asked whether it serves: an inspect and a GET, about 10 ms, 0.05 s late on average
READY_POLL_S = 0.1
MOCK_ANSWER = "erni_ki.litellm"  # mock_response: the proxy answers itself, no provider is called

# Runs inside the container with its own Python: prints the package version and the NAMES of the
# relevant variables of the main process (PID 1, after its entrypoint exported them). Values never
# leave the container.
INSIDE_SOURCE = r"""
import json, os, sys
sys.stdin.readline()  # run_python's payload line (empty here)
out = {"version": None, "env_names": [], "env_error": None}
try:
    import importlib.metadata as md
    out["version"] = md.version("litellm")
except Exception as exc:
    out["version_error"] = type(exc).__name__
names = set(os.environ)
try:
    with open("/proc/1/environ", "rb") as f:
        names = {item.split(b"=", 1)[0].decode("utf-8", "replace") for item in f.read().split(b"\0") if item}
except OSError as exc:
    out["env_error"] = str(exc)
out["env_names"] = sorted(names)
print(json.dumps(out))
"""


class InstanceError(RuntimeError):
    """The instance cannot be found, inspected or made ready."""


MASTER_KEY_ENV = "LITELLM_MASTER_KEY"

# How a module finds the instance and authenticates to it (doc fragment erni_ki.litellm.instance).
INSTANCE_OPTION_RULES = dict(
    required_one_of=[("container", "compose_project")],
    mutually_exclusive=[("container", "compose_project"), ("master_key", "master_key_file")],
    required_together=[("compose_project", "compose_service")],
)


def instance_argument_spec():
    """The Docker connection options and the instance options of the doc fragment erni_ki.litellm.instance."""
    spec = docker_common.docker_argument_spec()
    spec.update(
        container=dict(type="str"),
        compose_project=dict(type="str"),
        compose_service=dict(type="str"),
        url=dict(type="str"),
        master_key=dict(type="str", no_log=True),
        master_key_file=dict(type="path"),
    )
    return spec


def read_master_key(module):
    """master_key, else master_key_file, else the environment (the two options are mutually exclusive)."""
    p = module.params
    if p["master_key"]:
        return p["master_key"]
    if not p["master_key_file"]:
        key = os.environ.get(MASTER_KEY_ENV) or None
        if key:
            module.no_log_values.add(key)
        return key
    return read_secret_file(module, "master_key_file")


def relevant_env(names):
    return sorted(n for n in names if n.startswith(ENV_PREFIXES) or n in ENV_NAMES)


def looks_like_litellm(container):
    cfg = container.attrs.get("Config") or {}
    text = " ".join([cfg.get("Image") or "", " ".join(cfg.get("Entrypoint") or []), " ".join(cfg.get("Cmd") or [])])
    labels = cfg.get("Labels") or {}
    return "litellm" in text.lower() or "litellm" in (labels.get("com.docker.compose.service") or "").lower()


def normalize_project(name):
    """A compose project name as compose itself stores it: lower case, only [-_a-z0-9]."""
    return re.sub(r"[^-_a-z0-9]", "", str(name).lower())


def _replica_number(container):
    try:
        return int((container.labels or {}).get("com.docker.compose.container-number") or 0)
    except ValueError:
        return 0


def locate(client, container=None, compose_project=None, compose_service=None):
    """The instance's containers: the named one, or every replica of a compose service in replica order
    (one-off ``compose run`` containers are not replicas). Raises InstanceError naming what exists."""
    if container:
        try:
            return [docker_common.get_container(client, container)]
        except docker_common.DockerAccessError:
            raise InstanceError(_not_found(client, f"no container named {container!r}")) from None
    project = normalize_project(compose_project)
    # ignore_removed: a container removed between the engine's list and its inspection (another stack going down
    # meanwhile) is left out instead of failing the lookup with a 404 that names neither what was asked nor found
    found = [
        c
        for c in client.containers.list(
            all=True, filters={"label": f"com.docker.compose.service={compose_service}"}, ignore_removed=True
        )
        if normalize_project((c.labels or {}).get("com.docker.compose.project", "")) == project
        and (c.labels or {}).get("com.docker.compose.oneoff", "False") != "True"
    ]
    if not found:
        raise InstanceError(
            _not_found(
                client,
                f"no container of compose project {compose_project!r}, service {compose_service!r} "
                "(labels com.docker.compose.project/service; compose v1 names them proj_svc_1, v2 proj-svc-1)",
            )
        )
    return sorted(found, key=lambda c: (_replica_number(c), c.name))


def _not_found(client, what):
    seen = [c for c in client.containers.list(all=True, ignore_removed=True) if looks_like_litellm(c)]
    listing = ", ".join(
        f"{c.name} ({c.status}, project {(c.labels or {}).get('com.docker.compose.project', '-')}, "
        f"service {(c.labels or {}).get('com.docker.compose.service', '-')})"
        for c in seen
    )
    return f"{what}. LiteLLM-looking containers on this engine: {listing or 'none'}"


def container_facts(container):
    container.reload()
    state = container.attrs.get("State") or {}
    cfg = container.attrs.get("Config") or {}
    tags = container.image.tags if container.image else []
    return {
        "id": container.id[:12],
        "name": container.name,
        "image": tags[0] if tags else cfg.get("Image"),
        "status": container.status,
        "health": (state.get("Health") or {}).get("Status"),
        "started_at": state.get("StartedAt"),
    }


def command_line(container):
    return [container.attrs.get("Path") or ""] + list(container.attrs.get("Args") or [])


def _arg_value(args, name):
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def config_facts(container):
    args = command_line(container)
    path = _arg_value(args, "--config") or _arg_value(args, "-c")
    facts = {"container_path": path, "host_path": None, "read_only": None}
    if not path:
        return facts
    best = None
    for m in container.attrs.get("Mounts") or []:
        dest = m.get("Destination") or ""
        if path == dest or path.startswith(dest.rstrip("/") + "/"):
            if best is None or len(dest) > len(best.get("Destination") or ""):
                best = m
    if best is not None:
        dest = best["Destination"]
        rest = path[len(dest) :].lstrip("/")
        facts["host_path"] = best.get("Source") + ("/" + rest if rest else "")
        facts["read_only"] = not best.get("RW", True)
    return facts


def default_url(container):
    hc = container.attrs.get("HostConfig") or {}
    ports = (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
    args = command_line(container)
    port = _arg_value(args, "--port") or "4000"
    if hc.get("NetworkMode") == "host":
        host = _arg_value(args, "--host") or "127.0.0.1"
        if host in ("0.0.0.0", "::"):  # noqa: S104 - reading LiteLLM's bind address, not binding
            host = "127.0.0.1"
        return f"http://{host}:{port}"
    for binding in ports.get(f"{port}/tcp") or []:
        host_ip = binding.get("HostIp") or "127.0.0.1"
        if host_ip in ("0.0.0.0", "::", ""):  # noqa: S104
            host_ip = "127.0.0.1"
        return f"http://{host_ip}:{binding.get('HostPort')}"
    return None


def inside_facts(client, container):
    """The package version and the env names of the proxy process, read inside the container. A container that
    is not running, or that another run stopped or restarted since it was inspected (the exec is refused), is read
    as such (``version`` None, ``env_error`` says why): the role reads it again once it holds the run lock. An exec
    refused while the same process still runs is a real failure and raises."""
    if container.status != "running":
        return {"version": None, "env_names": [], "env_error": f"container is {container.status}"}
    started = container.attrs.get("State", {}).get("StartedAt")
    try:
        return docker_common.run_python(client, container, INSIDE_SOURCE, {})
    except docker_common.DockerAccessError as exc:
        return {"version": None, "env_names": [], "env_error": str(exc)}
    except docker_common.DockerException:
        container.reload()
        if container.status == "running" and container.attrs.get("State", {}).get("StartedAt") == started:
            raise
        now = "restarted" if container.status == "running" else container.status
        return {"version": None, "env_names": [], "env_error": f"container was {now} while it was read"}


def http_request(url, key=None, payload=None, timeout=5.0):
    """One request (a GET, or a POST of ``payload`` as JSON): (status, headers with lower-case names, the body,
    milliseconds until the whole answer was read). Never raises for HTTP or connection errors (status None)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    data, method = (json.dumps(payload), "POST") if payload is not None else (None, "GET")
    start = time.perf_counter()
    try:
        resp = open_url(url, data=data, headers=headers, method=method, timeout=timeout, use_proxy=False)
        body = resp.read()
        status, got = resp.status, resp.headers
    except HTTPError as exc:
        status, got, body = exc.code, exc.headers or {}, None
    except (URLError, OSError, ValueError):
        status, got, body = None, {}, None
    took = round((time.perf_counter() - start) * 1000.0, 2)
    return status, {k.lower(): v for k, v in dict(got).items()}, body, took


def http_get(url, key=None, timeout=5.0):
    """(status, headers with lower-case names, parsed JSON body or None)."""
    status, headers, body, _took = http_request(url, key=key, timeout=timeout)
    try:
        return status, headers, json.loads(body or b"null")
    except ValueError:
        return status, headers, None


def measure_hits(url, key, model, prompts, replay=False):
    """Each prompt sent twice (a miss, then what the cache should answer), or with ``replay`` once (another instance
    sent it first): the latencies' p50/p95 in milliseconds and how many answers came from the cache."""
    endpoint = url.rstrip("/") + "/v1/chat/completions"
    misses, hits, keys = [], [], []
    for prompt in prompts:
        payload = {"model": model, "messages": [{"role": "user", "content": prompt}], "mock_response": MOCK_ANSWER}
        for second in (True,) if replay else (False, True):
            status, headers, _body, took = http_request(endpoint, key=key, payload=payload, timeout=30.0)
            if status != 200:
                hint = " (no valid master key: set master_key or master_key_file)" if status in (401, 403) else ""
                raise InstanceError(f"POST /v1/chat/completions (model {model}) answered {status or 'nothing'}{hint}")
            (hits if second else misses).append(took)
            if second and headers.get("x-litellm-cache-key"):
                keys.append(headers["x-litellm-cache-key"])

    def p50_p95(values):
        pct = percentiles(values, (50, 95))
        return {"p50": round(pct[50], 2), "p95": round(pct[95], 2)} if values else None

    return {
        "model": model,
        "requests": len(prompts),
        "replay": replay,
        "miss_ms": p50_p95(misses),
        "hit_ms": p50_p95(hits),
        "hits": len(keys),
        "cache_keys": keys,
    }


def cache_problem(name, ready, mode, hit_latency=None):
    """Why the proxy ``name`` does not serve from the cache ``mode`` (a LiteLLM cache type, or ``disabled``: none);
    None when it does. ``ready``: its readiness; ``hit_latency``: what measure_hits answered, when requests were sent
    (each must have come from the cache the second time). The one verdict of every verification."""
    if ready.get("http_status") != 200:
        return f"{name} answers readiness {ready.get('http_status') or 'nothing'}; expected {mode}"
    want = None if mode == "disabled" else mode
    if (ready.get("cache_type") or None) != want:
        return f"{name} serves with cache {ready.get('cache_type')}; expected {mode}"
    if hit_latency is None or hit_latency["hits"] == hit_latency["requests"]:
        return None
    if hit_latency["requests"] == 1:
        what = f"the same request (model {hit_latency['model']}), sent twice to {name}, was"
    else:
        missed = hit_latency["requests"] - hit_latency["hits"]
        what = (
            f"{missed} of {hit_latency['requests']} requests (model {hit_latency['model']}), each sent twice to "
            f"{name}, were"
        )
    return (
        f"{what} not answered from the cache the second time (no x-litellm-cache-key header): the {mode} cache does "
        "not work"
    )


def readiness(url, key=None):
    """Readiness as LiteLLM reports it: /health/readiness (1.80.x has cache and version there);
    newer releases moved them to /health/readiness/details (needs the key); /cache/ping as last resort. With the key,
    the ids of the models it serves (/v1/models)."""
    result = {
        "status": None,
        "cache_type": None,
        "litellm_version": None,
        "http_status": None,
        "header_version": None,
        "models": None,
    }
    if not url:
        return result
    status, headers, body = http_get(url.rstrip("/") + "/health/readiness")
    result["http_status"] = status
    result["header_version"] = headers.get("x-litellm-version")
    if isinstance(body, dict):
        result["status"] = body.get("status")
        result["cache_type"] = body.get("cache")
        result["litellm_version"] = body.get("litellm_version")
    if key and (result["cache_type"] is None or result["litellm_version"] is None) and status == 200:
        d_status, _h, details = http_get(url.rstrip("/") + "/health/readiness/details", key=key)
        if d_status == 200 and isinstance(details, dict):
            result["cache_type"] = result["cache_type"] or details.get("cache")
            result["litellm_version"] = result["litellm_version"] or details.get("litellm_version")
        if result["cache_type"] is None:
            p_status, _h, ping = http_get(url.rstrip("/") + "/cache/ping", key=key)
            # /cache/ping returns the Redis password in clear text: only the type is kept.
            if p_status == 200 and isinstance(ping, dict):
                result["cache_type"] = ping.get("cache_type")
    if key and status == 200:
        # the models it serves: the role's verification picks its request's model from them (no call of its own)
        m_status, _h, models = http_get(url.rstrip("/") + "/v1/models", key=key)
        if m_status == 200 and isinstance(models, dict) and isinstance(models.get("data"), list):
            result["models"] = [m["id"] for m in models["data"] if isinstance(m, dict) and m.get("id")]
    return result


def resolve_version(inside, image, header):
    if inside.get("version"):
        return inside["version"], "package"
    tagged = version_of_tag(image)
    if tagged is not None:
        return tagged.normalized, "image_tag"
    if header:
        return header, "header"
    return None, None


def secrets_of(container, extra=()):
    """Values that must never be shown: secret-looking env values of the container, and given secrets."""
    values = [s for s in extra if s]
    for item in (container.attrs.get("Config") or {}).get("Env") or []:
        name, _sep, value = item.partition("=")
        if value and len(value) >= 4 and is_secret_env_name(name):
            values.append(value)
    return values


def log_tail(container, secrets, lines=LOG_TAIL):
    try:
        raw = container.logs(tail=lines).decode("utf-8", "replace")
    except docker_common.DockerException as exc:
        raw = f"(logs unavailable: {exc})"
    return mask_text(raw, secrets).splitlines()[-lines:]


class NotReady(InstanceError):
    """A restarted container that did not serve in time, or whose restart the engine refused. ``container``: the
    one it was; ``log_tail``: its last log lines, secrets masked."""

    def __init__(self, message, container, tail):
        super().__init__(message)
        self.container = container
        self.log_tail = tail


def restart_and_wait(container, url, key, secrets, wait_timeout, healthy=True):
    """Restart through the Docker API and wait until it serves (wait_ready); returns (readiness, seconds it took).
    Raises NotReady (a refused restart too, its message masked)."""
    start = time.monotonic()
    try:
        container.restart(timeout=30)
    except docker_common.DockerException as exc:
        raise NotReady(
            mask_text(f"restart of {container.name} failed: {exc}", secrets), container, log_tail(container, secrets)
        ) from None
    try:
        ready = wait_ready(container, url, key, start + wait_timeout, healthy=healthy)
    except InstanceError as exc:
        raise NotReady(
            f"{container.name} did not become ready within {wait_timeout} s after the restart ({exc}); the last "
            f"{LOG_TAIL} log lines are in log_tail",
            container,
            log_tail(container, secrets),
        ) from None
    return ready, round(time.monotonic() - start, 2)


def replicas(containers, url, key, restart=False, wait_timeout=180):
    """Each replica of an instance with its URL (``url``, else its own) and its secrets; with ``restart``, restarted
    in turn, the next once this one serves (and its healthcheck says so; the last one's next interval is not waited
    for). Yields (container, url, secrets, readiness or None, seconds to ready or None). Raises NotReady."""
    for index, container in enumerate(containers):
        secrets = secrets_of(container, [key])
        where = url or default_url(container)
        ready, took = None, None
        if restart:
            more = index < len(containers) - 1
            ready, took = restart_and_wait(container, where, key, secrets, wait_timeout, healthy=more)
        yield container, where, secrets, ready, took


def wait_ready(container, url, key, deadline, healthy=True):
    """Wait until running, healthy (when it has a healthcheck) and answering readiness. Returns readiness.

    With ``healthy=False`` a healthcheck still ``starting`` does not hold the wait back (an ``unhealthy`` one
    does): readiness answering 200 is the proof that the proxy serves, and the healthcheck only notices it at its
    next interval (measured on the sandbox: about 1 s after readiness with a 1 s interval)."""
    last = "not started"
    while time.monotonic() < deadline:
        container.reload()
        state = container.attrs.get("State") or {}
        if container.status in ("exited", "dead"):
            last = f"container {container.status} (exit code {state.get('ExitCode')})"
            # a restart policy may bring it back; without one it stays down
            policy = ((container.attrs.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name") or "no"
            if policy == "no":
                break
        elif container.status == "running":
            health = (state.get("Health") or {}).get("Status")
            if health not in ((None, "healthy") if healthy else (None, "healthy", "starting")):
                last = f"healthcheck says {health}"
            else:
                ready = readiness(url, key)
                if ready["http_status"] == 200:
                    return ready
                last = f"readiness endpoint answered {ready['http_status'] or 'nothing'}"
        else:
            last = f"container {container.status}"
        time.sleep(READY_POLL_S)
    raise InstanceError(f"not ready: {last}")
