"""Write the sandbox's docker-compose.yml: one Redis and N LiteLLM proxies, each of its own release.

Run by sandbox/up.sh: compose.py OUT REDIS_IMAGE REDIS_PORT TOPOLOGY name=port=image ...
TOPOLOGY (SANDBOX_REDIS_TOPOLOGY) is standalone (one Redis), sentinel (a master, a replica and three
sentinels) or cluster (three masters, each with a replica); `redis_layout` says where each process listens,
and endpoints.py describes the same layout in endpoints.json.
Shaped like the production stack: a Redis with a password, proxies reading a commented config
bind-mounted read-only, secrets as files exported by an entrypoint script; host networking and every
server on 127.0.0.1. The LITELLM_LOCAL_* flags (no fetch from the internet at import) are the image's
own environment (sandbox/images/litellm/Dockerfile), so every container of it has them.
"""

import os
import sys

import yaml

# How often Docker runs a healthcheck. Every run is an exec in the container: measured on this 2-core machine, about
# 70 ms of CPU each (48 ms in dockerd, containerd and runc, 22 ms in the container: bash and the proxy's answer), so a
# proxy checked every 2 s cost 0.035 core all the time, and the live suite keeps eight to sixteen proxies and Redis
# processes up (about a fifth of the machine). Nothing waits on the health of a single proxy or of a Redis
# (litellm_service waits for a healthcheck only between the replicas of a scaled service), so the sandbox checks
# rarely; the live tests' scaled service checks every SCALED_HEALTHCHECK_INTERVAL_S, since that interval bounds how
# soon its next replica restarts.
HEALTHCHECK_INTERVAL_S = 10
SCALED_HEALTHCHECK_INTERVAL_S = 2
REDIS_HEALTHCHECK_INTERVAL_S = 30
NS = 1_000_000_000  # the Docker SDK gives durations in nanoseconds
UNHEALTHY_AFTER_S = 180  # unhealthy after this long without a live answer


def healthcheck_retries(interval_s):
    """How many failed checks in a row make a container unhealthy: UNHEALTHY_AFTER_S at this interval."""
    return max(1, UNHEALTHY_AFTER_S // interval_s)


def healthcheck(test, interval_s, timeout_s, sdk=False):
    """Docker's healthcheck settings: in compose's form ("10s"), or with ``sdk`` in the Docker SDK's (nanoseconds)."""
    interval, timeout = (interval_s * NS, timeout_s * NS) if sdk else (f"{interval_s}s", f"{timeout_s}s")
    return {"test": test, "interval": interval, "timeout": timeout, "retries": healthcheck_retries(interval_s)}


def liveliness_check(port):
    """The proxies' healthcheck (also the live tests' own proxies'): bash asks /health/liveliness over /dev/tcp and
    wants a 200 status line within 3 s (no python3 started every interval)."""
    script = (
        f"exec 3<>/dev/tcp/127.0.0.1/{port} && printf 'GET /health/liveliness HTTP/1.0\\r\\n\\r\\n' >&3 "
        "&& read -r -t 3 status <&3 && [[ $status == *' 200 '* ]]"
    )
    return ["CMD", "bash", "-c", script]


def proxy_environment():
    """SANDBOX_PROXY_ENV ("KEY=VALUE KEY=VALUE", from a preset): extra environment of every proxy, such as
    REDIS_CIRCUIT_BREAKER_RECOVERY_TIMEOUT."""
    pairs = (item.partition("=") for item in os.environ.get("SANDBOX_PROXY_ENV", "").split())
    return {key: value for key, _sep, value in pairs if key}


def proxy(name, port, image, depends_on):
    return {
        "image": image,
        "network_mode": "host",
        "environment": proxy_environment(),
        "entrypoint": ["/bin/sh", "/stack/litellm-entrypoint.sh"],
        "command": ["--config", "/app/config.yaml", "--host", "127.0.0.1", "--port", str(port)],
        "volumes": [f"./conf/{name}/config.yaml:/app/config.yaml:ro", "./stack:/stack:ro"],
        "secrets": ["redis_password", "master_key"],
        # $$ is compose's escape of $
        "healthcheck": healthcheck(
            [part.replace("$", "$$") for part in liveliness_check(port)], HEALTHCHECK_INTERVAL_S, 4
        ),
        "depends_on": depends_on,
    }


TOPOLOGIES = ("standalone", "sentinel", "cluster")
SENTINEL_SERVICE = "erni-cache"  # the service name the sentinels monitor (LiteLLM's cache_params.service_name)
SENTINEL_QUORUM = 2
CLUSTER_NODES = 6  # three masters and their replicas (sandbox/endpoints.py creates the cluster)


def redis_layout(topology, port):
    """The topology's Redis processes: [(service, role, port, environment)], role data|replica|sentinel|node."""
    port = int(port)
    if topology == "standalone":
        return [("redis", "data", port, {})]
    if topology == "sentinel":
        monitor = f"{SENTINEL_SERVICE} 127.0.0.1 {port} {SENTINEL_QUORUM}"
        return [
            ("redis", "data", port, {}),
            ("redis-replica", "replica", port + 1, {"REDIS_REPLICAOF": f"127.0.0.1 {port}"}),
        ] + [(f"sentinel-{i + 1}", "sentinel", port + 20000 + i, {"REDIS_SENTINEL_MONITOR": monitor}) for i in range(3)]
    if topology == "cluster":
        return [(f"redis-{i + 1}", "node", port + i, {"REDIS_CLUSTER": "yes"}) for i in range(CLUSTER_NODES)]
    raise SystemExit(f"SANDBOX_REDIS_TOPOLOGY must be one of {', '.join(TOPOLOGIES)}, got {topology!r}")


def redis_service(image, port, environment):
    return {
        "image": image,
        "network_mode": "host",
        "entrypoint": ["/bin/sh", "/stack/redis-entrypoint.sh"],
        "environment": dict(environment, REDIS_PORT=str(port)),
        "volumes": ["./stack:/stack:ro"],
        "secrets": ["redis_password"],
        # nothing waits on it (endpoints.py pings each process itself)
        "healthcheck": healthcheck(["CMD", "/bin/sh", "/stack/redis-health.sh"], REDIS_HEALTHCHECK_INTERVAL_S, 2),
    }


def main(out, redis_image, redis_port, topology, *instances):
    layout = redis_layout(topology, redis_port)
    services = {name: redis_service(redis_image, port, env) for name, _role, port, env in layout}
    for item in instances:
        name, port, image = item.split("=", 2)
        services[name] = proxy(name, int(port), image, [layout[0][0]])
    compose = {
        "version": "3.7",
        "services": services,
        "secrets": {
            "redis_password": {"file": "./secrets/redis_password.txt"},
            "master_key": {"file": "./secrets/master_key.txt"},
        },
    }
    with open(out, "w", encoding="utf-8") as f:
        f.write("# Written by sandbox/up.sh (sandbox/compose.py): do not edit.\n")
        yaml.safe_dump(compose, f, sort_keys=False)


if __name__ == "__main__":
    main(*sys.argv[1:])
