"""Write the sandbox's docker-compose.yml: one Redis and N LiteLLM proxies, each of its own release.

Run by sandbox/up.sh: compose.py OUT REDIS_IMAGE REDIS_PORT name=port=image ...
Shaped like the production stack: a Redis with a password, proxies reading a commented config
bind-mounted read-only, secrets as files exported by an entrypoint script; host networking and every
server on 127.0.0.1. The LITELLM_LOCAL_* flags (no fetch from the internet at import) are the image's
own environment (sandbox/images/litellm/Dockerfile), so every container of it has them.
"""

import sys

import yaml


def liveliness_probe(port):
    """The proxies' healthcheck command (also used by the live tests' own proxies)."""
    return f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}/health/liveliness', timeout=3)"


def proxy(name, port, image):
    probe = liveliness_probe(port)
    return {
        "image": image,
        "network_mode": "host",
        "entrypoint": ["/bin/sh", "/stack/litellm-entrypoint.sh"],
        "command": ["--config", "/app/config.yaml", "--host", "127.0.0.1", "--port", str(port)],
        "volumes": [f"./conf/{name}/config.yaml:/app/config.yaml:ro", "./stack:/stack:ro"],
        "secrets": ["redis_password", "master_key"],
        # the interval bounds how soon a restarted proxy counts as healthy
        "healthcheck": {"test": ["CMD", "python3", "-c", probe], "interval": "1s", "timeout": "4s", "retries": 180},
        "depends_on": ["redis"],
    }


def main(out, redis_image, redis_port, *instances):
    services = {
        "redis": {
            "image": redis_image,
            "network_mode": "host",
            "entrypoint": ["/bin/sh", "/stack/redis-entrypoint.sh"],
            "environment": {"REDIS_PORT": str(redis_port)},
            "volumes": ["./stack:/stack:ro"],
            "secrets": ["redis_password"],
            "healthcheck": {
                "test": ["CMD", "/bin/sh", "/stack/redis-health.sh"],
                "interval": "2s",
                "timeout": "2s",
                "retries": 30,
            },
        }
    }
    for item in instances:
        name, port, image = item.split("=", 2)
        services[name] = proxy(name, int(port), image)
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
