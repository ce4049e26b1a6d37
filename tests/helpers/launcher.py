"""Start LiteLLM proxies from the sandbox's locally built images with a config of their own, as the production stack
does (the live suite's ``litellm_launcher`` fixture, the benchmarks)."""

import os
import sys
import time
import uuid

import docker
import requests

from tests.helpers.proxies import ProxyContainer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SANDBOX = os.path.join(ROOT, "sandbox")
sys.path.insert(0, SANDBOX)
import compose  # noqa: E402  (sandbox/compose.py: the sandbox's healthcheck)


def image_tags():
    """{release: image tag, and the other images' variables} of sandbox/.state/images.env (sandbox/images.sh)."""
    tags = {}
    with open(os.path.join(SANDBOX, ".state", "images.env"), encoding="utf-8") as f:
        for line in f:
            key, _sep, value = line.strip().partition("=")
            if key.startswith("LITELLM_TAG_"):
                tags[key[len("LITELLM_TAG_") :].replace("_", ".")] = value
            elif key:
                tags[key] = value
    return tags


class Launcher:
    """Start LiteLLM proxies from the sandbox images with a given config, as the production stack does."""

    def __init__(self, client, endpoints, image_tags, tmp_path_factory):
        self.client = client
        self.endpoints = endpoints
        self.tags = image_tags
        self.tmp = tmp_path_factory
        self.started = []
        self.project = endpoints["proxies"][0]["compose_project"]
        self.secrets = os.path.dirname(endpoints["master_key_file"])

    def start(
        self,
        version,
        config_text=None,
        port=4011,
        env=None,
        config_path=None,
        wait=True,
        timeout=180,
        name=None,
        labels=None,
        healthcheck=False,
        mounts=None,
    ):
        """``mounts``: more read-only files or directories, {host path: container path}."""
        if config_path is None:
            cdir = self.tmp.mktemp("conf")
            config_path = str(cdir / "config.yaml")
            with open(config_path, "w", encoding="utf-8") as f:
                f.write(config_text)
        if name:
            # a fixed name left behind by an interrupted run would block this one
            try:
                self.client.containers.get(name).remove(force=True)
            except docker.errors.NotFound:
                pass
        stack = os.path.join(SANDBOX, "run", "stack")
        environment = dict(env or {})  # the LITELLM_LOCAL_* flags are the image's own (its Dockerfile)
        container = self.client.containers.run(
            self.tags[version],
            name=name or f"erni-live-{version.replace('.', '_')}-{port}-{uuid.uuid4().hex[:6]}",
            entrypoint=["/bin/sh", "/stack/litellm-entrypoint.sh"],
            command=["--config", "/app/config.yaml", "--host", "127.0.0.1", "--port", str(port)],
            environment=environment,
            network_mode="host",
            labels=dict(labels or {}, **{"erni_ki.sandbox": self.project}),
            volumes={
                config_path: {"bind": "/app/config.yaml", "mode": "ro"},
                stack: {"bind": "/stack", "mode": "ro"},
                os.path.join(self.secrets, "redis_password.txt"): {"bind": "/run/secrets/redis_password", "mode": "ro"},
                os.path.join(self.secrets, "master_key.txt"): {"bind": "/run/secrets/master_key", "mode": "ro"},
                **{host: {"bind": inside, "mode": "ro"} for host, inside in (mounts or {}).items()},
            },
            # the sandbox's own healthcheck (sandbox/compose.py), when asked for: a scaled service's replicas
            healthcheck=compose.healthcheck(
                compose.liveliness_check(port), compose.SCALED_HEALTHCHECK_INTERVAL_S, 4, sdk=True
            )
            if healthcheck
            else None,
            detach=True,
        )
        self.started.append(container)
        proxy = Proxy(container, f"http://127.0.0.1:{port}", config_path)
        if wait:
            proxy.wait_ready(timeout)
        return proxy

    def cleanup(self):
        for c in self.started:
            try:
                c.remove(force=True)
            except docker.errors.NotFound:
                pass


class Proxy(ProxyContainer):
    def __init__(self, container, url, config_path):
        super().__init__(container, url)
        self.config_path = config_path

    def wait_ready(self, timeout=180):
        if self.wait(timeout, poll=1) == "exited":
            raise RuntimeError(f"proxy {self.container.name} exited:\n{self.logs()}")
        return requests.get(self.url + "/health/readiness", timeout=3).json()

    def wait_exit(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.container.reload()
            if self.container.status in ("exited", "dead"):
                return self.container.attrs["State"]["ExitCode"]
            time.sleep(1)
        raise TimeoutError(f"proxy {self.container.name} still {self.container.status} after {timeout}s")
