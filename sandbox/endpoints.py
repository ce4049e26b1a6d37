"""Wait for the sandbox to serve, then describe it in endpoints.json and inventory.yml (in --out).

Run by sandbox/up.sh. Secrets are referenced by file path, never copied into these files.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

import docker
import redis
import yaml
from compose import SENTINEL_QUORUM, SENTINEL_SERVICE, redis_layout

HERE = os.path.dirname(os.path.abspath(__file__))


def read_secret(path):
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def _until(deadline, what, check):
    """Poll ``check`` (truthy when done) until the deadline; the last exception or state says why not."""
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last is True:
                return
        except redis.RedisError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.5)
    raise SystemExit(f"sandbox: {what}: {last}")


def create_cluster(client, project, layout, password, deadline):
    """redis-cli --cluster create, inside the first node's container (the password from its environment)."""
    first = client.containers.list(
        filters={"label": [f"com.docker.compose.project={project}", f"com.docker.compose.service={layout[0][0]}"]}
    )[0]
    nodes = " ".join(f"127.0.0.1:{port}" for _name, _role, port, _env in layout)
    script = (
        "REDISCLI_AUTH=$(cat /run/secrets/redis_password) redis-cli --cluster create "
        f"{nodes} --cluster-replicas 1 --cluster-yes"
    )
    code, output = first.exec_run(["/bin/sh", "-c", script])
    if code != 0:
        raise SystemExit(f"sandbox: creating the cluster failed:\n{output.decode('utf-8', 'replace')[-2000:]}")

    def healthy():
        for _name, _role, port, _env in layout:
            node = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=2)
            info = node.execute_command("CLUSTER INFO")
            if info.get("cluster_state") != "ok" or int(info.get("cluster_known_nodes", 0)) < len(layout):
                return f"127.0.0.1:{port} cluster_state {info.get('cluster_state')}"
        return True

    _until(deadline, "the cluster did not reach cluster_state ok", healthy)


def wait_sentinels(layout, password, deadline):
    """Every sentinel names the master and sees its replica online (the topology LiteLLM will ask)."""
    master = next(port for _name, role, port, _env in layout if role == "data")

    def agreed():
        for _name, role, port, _env in layout:
            if role != "sentinel":
                continue
            s = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=2, decode_responses=True)
            addr = s.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SENTINEL_SERVICE)
            if not addr or int(addr[1]) != master:
                return f"sentinel :{port} names {addr}"
            replicas = s.sentinel_slaves(SENTINEL_SERVICE)
            if not any("s_down" not in r.get("flags", "") and r.get("master-link-status") == "ok" for r in replicas):
                return f"sentinel :{port} sees no replica online yet"
            other = s.sentinel_master(SENTINEL_SERVICE).get("num-other-sentinels", 0)
            if int(other) < 2:
                return f"sentinel :{port} knows {other} other sentinels"
        return True

    _until(deadline, "the sentinels did not agree on the master", agreed)


def wait_redis(port, password, deadline):
    def answers():
        return redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=2).ping()

    _until(deadline, f"Redis on 127.0.0.1:{port} did not answer", answers)


def wait_proxy(url, deadline):
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health/readiness", timeout=3) as resp:
                if resp.status == 200:
                    return json.loads(resp.read() or b"{}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = exc
        time.sleep(1)
    raise TimeoutError(f"{url} not ready: {last}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--project", required=True)
    ap.add_argument("--redis-port", type=int, required=True)
    ap.add_argument("--topology", default="standalone")
    ap.add_argument("--instance", action="append", required=True, help="service=port=LiteLLM version")
    ap.add_argument("--python", required=True)
    ap.add_argument("--wait", type=int, default=240)
    args = ap.parse_args()

    deadline = time.monotonic() + args.wait
    secrets = os.path.join(args.run, "secrets")
    password_file = os.path.join(secrets, "redis_password.txt")
    master_key_file = os.path.join(secrets, "master_key.txt")
    layout = redis_layout(args.topology, args.redis_port)
    password = read_secret(password_file)
    for _name, _role, port, _env in layout:
        wait_redis(port, password, deadline)

    client = docker.from_env()
    if args.topology == "cluster":
        create_cluster(client, args.project, layout, password, deadline)
    elif args.topology == "sentinel":
        wait_sentinels(layout, password, deadline)
    proxies = []
    for item in args.instance:
        service, port, version = item.split("=", 2)
        url = f"http://127.0.0.1:{port}"
        found = client.containers.list(
            all=True,
            filters={"label": [f"com.docker.compose.project={args.project}", f"com.docker.compose.service={service}"]},
        )
        if not found:
            raise SystemExit(f"sandbox: no container for service {service} in project {args.project}")
        container = found[0]
        try:
            readiness = wait_proxy(url, deadline)
        except TimeoutError as exc:
            container.reload()
            tail = container.logs(tail=30).decode("utf-8", "replace")
            sys.stderr.write(
                f"sandbox: {exc}; container {container.name} is {container.status}; last log lines:\n{tail}\n"
            )
            raise SystemExit(1) from None
        proxies.append(
            {
                "name": service,
                "url": url,
                "container": container.name,
                "compose_project": args.project,
                "compose_service": service,
                "config_path": os.path.join(args.run, "conf", service, "config.yaml"),
                "version": version,
                "readiness": {k: readiness.get(k) for k in ("status", "cache", "litellm_version")},
            }
        )

    addrs = {role: [f"127.0.0.1:{port}" for _n, r, port, _e in layout if r == role] for role in ("sentinel", "node")}
    topology = {"kind": args.topology}
    if args.topology == "sentinel":
        topology.update(
            service_name=SENTINEL_SERVICE,
            quorum=SENTINEL_QUORUM,
            sentinels=addrs["sentinel"],
            replicas=[f"127.0.0.1:{port}" for _n, role, port, _e in layout if role == "replica"],
        )
    elif args.topology == "cluster":
        topology.update(nodes=addrs["node"])
    endpoints = {
        "redis": {
            "host": "127.0.0.1",
            "port": args.redis_port,
            "db": 0,
            "password_file": password_file,
            "topology": topology,
        },
        "master_key_file": master_key_file,
        "inventory": os.path.join(args.out, "inventory.yml"),
        "proxies": proxies,
    }
    inventory = {
        "litellm_proxies": {
            "hosts": {
                p["name"]: {
                    "ansible_connection": "local",
                    "ansible_python_interpreter": args.python,
                    "litellm_cache_container": p["container"],
                    "litellm_cache_compose_project": p["compose_project"],
                    "litellm_cache_compose_service": p["compose_service"],
                    "litellm_cache_url": p["url"],
                    "litellm_cache_config_path": p["config_path"],
                }
                for p in proxies
            },
            "vars": {
                "litellm_cache_master_key_file": master_key_file,
                "litellm_cache_login_host": "127.0.0.1",
                "litellm_cache_login_port": args.redis_port,
                "litellm_cache_db": 0,
                "litellm_cache_login_password_file": password_file,
                "litellm_cache_login_password_env": "REDIS_PASSWORD",
                "litellm_cache_topology": args.topology,
                **(
                    {
                        "litellm_cache_sentinel_nodes": topology["sentinels"],
                        "litellm_cache_service_name": SENTINEL_SERVICE,
                        # the sandbox's sentinels ask for the same password as the data nodes
                        "litellm_cache_sentinel_password_env": "REDIS_PASSWORD",
                        "litellm_cache_sentinel_password_file": password_file,
                    }
                    if args.topology == "sentinel"
                    else {}
                ),
                **({"litellm_cache_cluster_nodes": topology["nodes"]} if args.topology == "cluster" else {}),
            },
        }
    }
    with open(os.path.join(args.out, "endpoints.json"), "w", encoding="utf-8") as f:
        json.dump(endpoints, f, indent=2)
        f.write("\n")
    with open(os.path.join(args.out, "inventory.yml"), "w", encoding="utf-8") as f:
        f.write("# Written by sandbox/up.sh: the sandbox's LiteLLM instances.\n")
        yaml.safe_dump(inventory, f, sort_keys=False)
    print(f"sandbox: ready; endpoints in {os.path.join(args.out, 'endpoints.json')}")


if __name__ == "__main__":
    main()
