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

HERE = os.path.dirname(os.path.abspath(__file__))


def wait_redis(port, password_file, deadline):
    with open(password_file, encoding="utf-8") as f:
        password = f.read().strip()
    last = None
    while time.monotonic() < deadline:
        try:
            if redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=2).ping():
                return
        except redis.RedisError as exc:
            last = exc
        time.sleep(0.5)
    raise SystemExit(f"sandbox: Redis on 127.0.0.1:{port} did not answer: {type(last).__name__}")


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
    ap.add_argument("--instance", action="append", required=True, help="service=port=LiteLLM version")
    ap.add_argument("--python", required=True)
    ap.add_argument("--wait", type=int, default=240)
    args = ap.parse_args()

    deadline = time.monotonic() + args.wait
    secrets = os.path.join(args.run, "secrets")
    password_file = os.path.join(secrets, "redis_password.txt")
    master_key_file = os.path.join(secrets, "master_key.txt")
    wait_redis(args.redis_port, password_file, deadline)

    client = docker.from_env()
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

    endpoints = {
        "redis": {"host": "127.0.0.1", "port": args.redis_port, "db": 0, "password_file": password_file},
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
                "litellm_cache_redis_host": "127.0.0.1",
                "litellm_cache_redis_port": args.redis_port,
                "litellm_cache_redis_db": 0,
                "litellm_cache_redis_password_file": password_file,
                "litellm_cache_redis_password_env": "REDIS_PASSWORD",
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
