"""The cache guard (extensions/eda: the cache_health source and the cache_guard rulebook) run by ansible-rulebook
against two real proxies on a real Redis of their own: when Redis dies, each instance is rolled back to local by
the collection's rollback_cache, once, within the hold time and a rollback; no secret in the guard's output."""

import os
import subprocess
import time

import pytest
import requests
import yaml

from tests.helpers.proxies import mode_of, running_cache
from tests.helpers.redis_server import RedisServer
from tests.helpers.role_runs import ROOT, ansible_env, write_inventory

HOLD_S, INTERVAL_S = 4, 1
ROLLBACK_PLAY = "PLAY [Roll every LiteLLM instance back to the in-memory cache]"


def on_local(path, url, key):
    """The config says local and the proxy serves it (a proxy being restarted answers nothing yet)."""
    try:
        return mode_of(path) == "local" and running_cache(url, key) == "local"
    except requests.RequestException:
        return False


def redis_config(text, port):
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


@pytest.fixture
def guarded(tmp_path, litellm_launcher, endpoints, redis_password):
    """Two proxies caching in a Redis of their own, and their inventory."""
    server = RedisServer([f"requirepass {redis_password}"])
    text = redis_config(open(endpoints["proxies"][0]["config_path"], encoding="utf-8").read(), server.port)
    hosts, proxies = {}, []
    for name, port in (("guard-a", 4091), ("guard-b", 4092)):
        path = tmp_path / name / "config.yaml"
        path.parent.mkdir()
        path.write_text(text)
        proxies.append((name, path, litellm_launcher.start("1.80.11", config_path=str(path), port=port, wait=False)))
    for name, path, proxy in proxies:
        proxy.wait_ready()
        hosts[name] = {
            "litellm_cache_container": proxy.container.name,
            "litellm_cache_url": proxy.url,
            "litellm_cache_config_path": str(path),
            "litellm_cache_master_key_file": endpoints["master_key_file"],
            "litellm_cache_redis_host": "127.0.0.1",
            "litellm_cache_redis_port": server.port,
            "litellm_cache_redis_password_file": endpoints["redis"]["password_file"],
            "litellm_cache_state_dir": str(tmp_path / "state" / name),
        }
    try:
        yield server, proxies, write_inventory(tmp_path / "inventory.yml", hosts)
    finally:
        server.stop()


def test_redis_killed_rolls_every_instance_back_once(guarded, tmp_path, master_key, redis_password):
    server, proxies, inventory = guarded
    for _name, _path, proxy in proxies:
        assert running_cache(proxy.url, master_key) == "redis"
    guard_vars = tmp_path / "guard.yml"
    guard_vars.write_text(
        yaml.safe_dump({"guard_inventory": inventory, "guard_hold": HOLD_S, "guard_interval": INTERVAL_S})
    )
    log = tmp_path / "guard.log"
    cmd = [
        os.path.join(ROOT, ".venv", "bin", "ansible-rulebook"),
        "-r",
        "erni_ki.litellm.cache_guard",
        "-i",
        inventory,
        "--vars",
        str(guard_vars),
        "--print-events",
    ]
    env = ansible_env()
    env["PATH"] = os.path.dirname(cmd[0]) + os.pathsep + env.get("PATH", "")  # ansible-galaxy, ansible-playbook
    with open(log, "w", encoding="utf-8") as out:
        guard = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(tmp_path))
    try:
        deadline = time.monotonic() + 60
        while log.read_text().count("'state': 'healthy'") < 2:  # the guard has seen both instances healthy
            assert guard.poll() is None and time.monotonic() < deadline, log.read_text()[-4000:]
            time.sleep(0.5)

        server.stop()
        killed = time.monotonic()
        deadline = killed + HOLD_S + 150
        while not all(on_local(path, p.url, master_key) for _n, path, p in proxies):
            assert guard.poll() is None and time.monotonic() < deadline, log.read_text()[-6000:]
            time.sleep(0.5)
        took = time.monotonic() - killed
        time.sleep(2 * INTERVAL_S + 1)  # a storm would show now: the throttle keeps it at one rollback each
        text = log.read_text()
        assert text.count(ROLLBACK_PLAY) == 2, text[-6000:]
        assert "'state': 'down'" in text and "'held': True" in text
        assert took >= HOLD_S, "no rollback before the hold time"
        print(f"\nRedis killed -> both instances on local, verified, in {took:.1f} s (hold {HOLD_S} s)")
        for secret in (redis_password, master_key):
            assert secret not in text, "a secret in the guard's output"
    finally:
        guard.terminate()
        try:
            guard.wait(timeout=20)
        except subprocess.TimeoutExpired:
            guard.kill()
