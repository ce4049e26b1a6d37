"""The cache guard's bench and live test share this: proxies caching in a Redis of their own with their inventory,
and ansible-rulebook running the collection's cache_guard rulebook on it."""

import importlib.util
import os
import subprocess

import requests
import yaml

from tests.helpers.proxies import mode_of, running_cache
from tests.helpers.redis_server import RedisServer
from tests.helpers.role_runs import ROOT, ansible_env, write_inventory

ROLLBACK_PLAY = "PLAY [Roll every LiteLLM instance back to the in-memory cache]"
RETURN_PLAY = "PLAY [Switch the LiteLLM cache mode]"


def load_source():
    """The cache_health event source as ansible-rulebook loads it: from the installed collection (build/collections),
    which it then imports the collection's own code from."""
    path = os.path.join(
        ROOT, "build", "collections", "ansible_collections", "erni_ki", "litellm", "extensions", "eda", "plugins",
        "event_source", "cache_health.py",
    )  # fmt: skip
    spec = importlib.util.spec_from_file_location("cache_health", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def serves(path, url, key, mode):
    """The config says ``mode`` and the proxy runs it (a proxy being restarted answers nothing yet)."""
    try:
        return mode_of(path) == mode and running_cache(url, key) == mode
    except requests.RequestException:
        return False


def redis_config(text, port):
    """The sandbox's config with its cache on the Redis at ``port`` (its password from the container's env)."""
    start, end = text.index("  cache_params:\n"), text.index("\nrouter_settings:")
    cache = (
        "  cache_params:\n"
        "    type: redis\n"
        "    host: 127.0.0.1\n"
        f"    port: {port}\n"
        "    password: os.environ/REDIS_PASSWORD\n"
        "    ttl: 600\n"
    )
    return text[:start] + cache + text[end:]


class Guarded:
    """Proxies (``ports``: {name: port}) of ``release`` caching in a Redis of their own, and their inventory in
    ``workdir``. ``redis`` (the server), ``proxies`` [(name, config path, proxy)], ``hosts`` (their host variables),
    ``inventory`` (its path); ``text`` is the config on that Redis."""

    def __init__(self, launcher, endpoints, redis_password, workdir, ports, release="1.80.11"):
        self.redis = RedisServer([f"requirepass {redis_password}"])
        self.text = redis_config(open(endpoints["proxies"][0]["config_path"], encoding="utf-8").read(), self.redis.port)
        self.proxies, self.hosts = [], {}
        try:
            for name, port in ports.items():
                path = workdir / name / "config.yaml"
                path.parent.mkdir(parents=True)
                path.write_text(self.text)
                proxy = launcher.start(release, config_path=str(path), port=port, wait=False)
                self.proxies.append((name, path, proxy))
            for name, path, proxy in self.proxies:
                proxy.wait_ready()
                self.hosts[name] = {
                    "litellm_cache_container": proxy.container.name,
                    "litellm_cache_url": proxy.url,
                    "litellm_cache_config_path": str(path),
                    "litellm_cache_master_key_file": endpoints["master_key_file"],
                    "litellm_cache_login_host": "127.0.0.1",
                    "litellm_cache_login_port": self.redis.port,
                    "litellm_cache_login_password_file": endpoints["redis"]["password_file"],
                    "litellm_cache_state_dir": str(workdir / "state" / name),
                }
        except BaseException:
            self.redis.stop()
            raise
        self.inventory = write_inventory(workdir / "inventory.yml", self.hosts)

    def stop(self):
        self.redis.stop()


def de_image():
    """The decision environment's tag (`make de`: build/de/de.env), None when it was not built."""
    path = os.path.join(ROOT, "build", "de", "de.env")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line).get("DE_IMAGE")


def start_guard(workdir, inventory, **guard_vars):
    """ansible-rulebook with the cache_guard rulebook on ``inventory`` (``guard_vars``: guard_hold, ...), its output
    in workdir/guard.log: (the process, the log's path)."""
    vars_file = workdir / "guard.yml"
    vars_file.write_text(yaml.safe_dump({"guard_inventory": inventory, **guard_vars}))
    log = workdir / "guard.log"
    cmd = [
        os.path.join(ROOT, ".venv", "bin", "ansible-rulebook"),
        "-r",
        "erni_ki.litellm.cache_guard",
        "-i",
        inventory,
        "--vars",
        str(vars_file),
        "--print-events",
    ]
    env = ansible_env()
    env["PATH"] = os.path.dirname(cmd[0]) + os.pathsep + env.get("PATH", "")  # ansible-galaxy, ansible-playbook
    with open(log, "w", encoding="utf-8") as out:
        guard = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(workdir))
    return guard, log


def stop_guard(guard):
    guard.terminate()
    try:
        guard.wait(timeout=20)
    except subprocess.TimeoutExpired:
        guard.kill()
