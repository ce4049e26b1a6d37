"""An operator's compose stack of one LiteLLM proxy, shaped like ERNI-KI's: the image pinned in a hand-written,
commented compose file, the config bind-mounted read-only, the Redis password and master key as compose secrets
that the entrypoint exports (and builds REDIS_URL from), a healthcheck, started and recreated by docker-compose as
the operator does. The sandbox's Redis serves it (its own db)."""

import os
import shutil
import subprocess
import sys
import uuid

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SANDBOX = os.path.join(ROOT, "sandbox")

HEAD = """# ERNI-KI-shaped stack: the LLM gateway (hand-maintained; the runbook pins the release below)
x-labels: &labels
  erni_ki.sandbox: "{sandbox}"   # make sandbox-down removes what a crashed test left

services:
"""

SERVICE = """  {name}:
    image: "{image}"   # upgraded by erni_ki.litellm.litellm_release
    network_mode: host
    entrypoint: ["/bin/sh", "/stack/litellm-entrypoint.sh"]
    command: ["--config", "/app/config.yaml", "--host", "127.0.0.1", "--port", "{port}"]
    environment:
      SANDBOX_EXPORT_REDIS_URL: "{redis_port}/{db}"   # the entrypoint builds REDIS_URL from the secret
    volumes:
      - ./{name}.yaml:/app/config.yaml:ro
      - {stack}:/stack:ro
    secrets: [redis_password, master_key]
    labels: *labels
    healthcheck:
      test: {healthcheck}
      interval: 10s
      timeout: 4s
      retries: 18
"""

TAIL = """
secrets:
  redis_password:
    file: {secrets}/redis_password.txt
  master_key:
    file: {secrets}/master_key.txt
"""


class ComposeStack:
    """``docker-compose -p PROJECT`` in a folder of its own: compose.yml, and NAME.yaml, the config of each service
    (``services``: {name: port}); ``db``: the db of the sandbox's Redis in each service's REDIS_URL (a number for
    all, or {name: db})."""

    def __init__(self, folder, endpoints, image, services, db):
        self.folder = str(folder)
        self.project = f"erni-stack-{uuid.uuid4().hex[:6]}"
        self.services = dict(services)
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in self.services.items()}
        self.compose_file = os.path.join(self.folder, "compose.yml")
        self.config_files = {name: os.path.join(self.folder, f"{name}.yaml") for name in self.services}
        with open(endpoints["proxies"][0]["config_path"], encoding="utf-8") as f:
            config = f.read()
        text = HEAD.format(sandbox=endpoints["proxies"][0]["compose_project"])
        for name, port in self.services.items():
            with open(self.config_files[name], "w", encoding="utf-8") as f:
                f.write(config)
            check = yaml.safe_dump([part.replace("$", "$$") for part in liveliness(port)], default_flow_style=True)
            text += SERVICE.format(
                name=name,
                image=image,
                port=port,
                redis_port=endpoints["redis"]["port"],
                db=db[name] if isinstance(db, dict) else db,
                stack=os.path.join(SANDBOX, "run", "stack"),
                healthcheck=check.strip(),
            )
        text += TAIL.format(secrets=os.path.dirname(endpoints["master_key_file"]))
        with open(self.compose_file, "w", encoding="utf-8") as f:
            f.write(text)

    def compose(self, *args):
        cmd = ["docker-compose", "--ansi", "never", "-p", self.project, "-f", self.compose_file, *args]
        return subprocess.run(cmd, cwd=self.folder, capture_output=True, text=True, check=True, timeout=300)

    def up(self):
        self.compose("up", "-d")

    def containers(self, client, service):
        labels = [f"com.docker.compose.project={self.project}", f"com.docker.compose.service={service}"]
        return client.containers.list(all=True, filters={"label": labels})

    def down(self):
        if shutil.which("docker-compose"):
            subprocess.run(
                ["docker-compose", "-p", self.project, "-f", self.compose_file, "down", "-t", "5"],
                cwd=self.folder,
                capture_output=True,
                check=False,
                timeout=120,
            )


def liveliness(port):
    """The sandbox's healthcheck of a proxy (sandbox/compose.py)."""
    sys.path.insert(0, SANDBOX)
    import compose  # noqa: PLC0415

    return compose.liveliness_check(port)
