"""Benchmark: the cache guard (extensions/eda), against the floor of the same run.

1. Remediation: two real 1.80.11 proxies caching in a Redis of their own, ansible-rulebook running the cache_guard
   rulebook (hold --hold s, a poll every second). Redis is killed; measured: the time until ansible-rulebook has
   received the last instance's held event against the hold plus one poll, and the time until the last instance is
   verified on local against the floor: the hold plus a bare `rollback_cache` of the same two instances, run by hand
   in the same run.
2. The guard's own cost for 4 and 64 watched instances (inventory hosts whose Redis is one real server): the CPU
   the source spends per poll per instance, the Redis commands it sends per poll per instance (INFO commandstats),
   and the Redis load that makes at the rulebook's default interval (2 s) against that server's capacity on one core
   (redis-benchmark in its container, SET, 50 clients).

Prints a table with the targets of issue 25. A benchmark, not a test: `make bench-guard`.
"""

import argparse
import datetime
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import docker

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [ROOT, os.path.join(ROOT, "build", "collections")]

from tests.helpers.guard import ROLLBACK_PLAY, Guarded, load_source, serves, start_guard, stop_guard  # noqa: E402
from tests.helpers.launcher import Launcher, image_tags  # noqa: E402
from tests.helpers.proxies import wait_ready  # noqa: E402
from tests.helpers.redis_server import RedisServer  # noqa: E402
from tests.helpers.role_runs import run_playbook  # noqa: E402

INTERVAL_S, DEFAULT_INTERVAL_S, SOCKET_TIMEOUT_S = 1.0, 2.0, 5.0


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def _until(what, timeout, poll=0.1, why=""):
    deadline = time.monotonic() + timeout
    while not what():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout} s: {why}")
        time.sleep(poll)
    return time.monotonic()


def back_on_redis(setup, key):
    """Every config back on the Redis, every proxy restarted on it (not measured)."""
    for _name, path, proxy in setup.proxies:
        path.write_text(setup.text)
        proxy.container.restart(timeout=30)
    for _name, path, proxy in setup.proxies:
        wait_ready(proxy.url)
        _until(lambda p=path, x=proxy: serves(p, x.url, key, "redis"), 60, why="back on Redis")


def remediation(setup, key, hold):
    """(detection s, remediation s, bare rollback s)."""
    start = time.perf_counter()
    run = run_playbook(setup.inventory, "erni_ki.litellm.rollback_cache", timeout=600)
    bare = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(f"rollback_cache failed:\n{run.stdout[-4000:]}")
    back_on_redis(setup, key)
    with tempfile.TemporaryDirectory(prefix="erni-bench-guard-") as tmp:
        guard, log = start_guard(
            Path(tmp), setup.inventory, guard_hold=hold, guard_interval=INTERVAL_S, guard_lock_wait=60
        )
        try:
            _until(lambda: log.read_text().count("'state': 'healthy'") >= len(setup.proxies), 90, 0.2, "guard start")
            setup.redis.container.kill()
            killed, killed_at = time.monotonic(), time.time()
            started = _until(lambda: ROLLBACK_PLAY in log.read_text(), hold + 60, why="the guard's rollback")
            done = _until(
                lambda: all(serves(path, p.url, key, "local") for _n, path, p in setup.proxies), 300, 0.2, "local"
            )
            held = held_down_at(log.read_text())
        finally:
            stop_guard(guard)
    return max(held) - killed_at, started - killed, done - killed, bare


def held_down_at(text):
    """When ansible-rulebook received each held ``down`` event (epoch seconds; --print-events' received_at)."""
    found = []
    for block in text.split("[received event]")[1:]:
        if "'held': True" in block and "'state': 'down'" in block:
            stamp = re.search(r"'received_at': '([0-9T:.-]+)Z'", block).group(1)
            found.append(datetime.datetime.fromisoformat(stamp).replace(tzinfo=datetime.timezone.utc).timestamp())
    if not found:
        raise SystemExit("no held down event in the guard's output")
    return found


def redis_capacity():
    """SET requests per second a Redis of the same image answers (redis-benchmark in its container, 50 clients, one
    core): a server of its own without a password, so that no secret goes on a command line."""
    server = RedisServer()
    try:
        out = server.shell(f"redis-benchmark -p {server.port} -t set -n 100000 -q 2>/dev/null")
    finally:
        server.stop()
    found = re.findall(r"SET: ([0-9.]+) requests per second", out)
    if not found:
        raise SystemExit(f"redis-benchmark said: {out[-500:]}")
    return float(found[-1])


def guard_cost(source, server, password, count, polls=20):
    """(CPU ms per poll per instance, Redis commands per poll per instance) of the source for ``count`` instances."""
    targets = []
    for k in range(count):
        conn = source.connection(
            {
                "inventory_hostname": f"alias-{k:03d}",
                "litellm_cache_login_host": "127.0.0.1",
                "litellm_cache_login_port": server.port,
                "litellm_cache_login_password": password,
            }
        )
        key = conn.pop("key")
        conn.pop("label")
        targets.append((source.redis_client(conn, SOCKET_TIMEOUT_S), key))
    for client, key in targets:  # connected, as after the first poll
        source.poll(client, key, SOCKET_TIMEOUT_S)
    admin = server.client(password=password)
    admin.config_resetstat()
    cpu = time.process_time()
    for _ in range(polls):
        for client, key in targets:
            state, reasons = source.poll(client, key, SOCKET_TIMEOUT_S)
            if state != "healthy":
                raise SystemExit(f"the Redis under the bench is {state}: {reasons}")
    cpu = time.process_time() - cpu
    stats = admin.info("commandstats")
    commands = sum(v["calls"] for k, v in stats.items() if k in ("cmdstat_ping", "cmdstat_set"))
    return cpu * 1000 / (polls * count), commands / (polls * count)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hold", type=float, default=5.0, help="the guard's hold time (s)")
    ap.add_argument("--sizes", default="4,64", help="watched instances for the guard's own cost")
    args = ap.parse_args()
    with open(os.path.join(ROOT, "sandbox", "endpoints.json"), encoding="utf-8") as f:
        endpoints = json.load(f)
    key, password = _read(endpoints["master_key_file"]), _read(endpoints["redis"]["password_file"])
    launcher = Launcher(docker.from_env(), endpoints, image_tags(), None)
    source = load_source()
    with tempfile.TemporaryDirectory(prefix="erni-bench-guard-") as tmp:
        setup = Guarded(launcher, endpoints, password, Path(tmp), {"bench-a": 4093, "bench-b": 4094})
        try:
            detect, start, remedy, bare = remediation(setup, key, args.hold)
            setup.redis.container.start()
            setup.redis.wait_ready()
            capacity = redis_capacity()
            costs = {n: guard_cost(source, setup.redis, password, n) for n in (int(s) for s in args.sizes.split(","))}
        finally:
            setup.stop()
            launcher.cleanup()

    floor = args.hold + bare
    print(f"\nmachine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}")
    print(f"\n{'measure (2 instances, 1.80.11)':52} {'took s':>8} {'floor s':>8} {'ratio':>7}  target")
    print(f"{'detection: Redis killed -> the last held event':52} {detect:8.2f} {args.hold + INTERVAL_S:8.2f} "
          f"{detect / (args.hold + INTERVAL_S):6.2f}x  <= hold + one poll")  # fmt: skip
    print(f"{'Redis killed -> the first rollback playbook starts':52} {start:8.2f}")
    print(f"{'remediation: -> the last instance verified on local':52} {remedy:8.2f} {floor:8.2f} "
          f"{remedy / floor:6.2f}x  <= 1.5x (floor: hold {args.hold:g} s + bare rollback {bare:.2f} s)")  # fmt: skip
    print(f"\nRedis capacity (SET, one core, 50 clients): {capacity:,.0f} commands/s")
    print(f"{'watched instances':18} {'CPU ms/poll/instance':>21} {'commands/poll/instance':>23} "
          f"{'Redis load at 2 s':>18}  target")  # fmt: skip
    for n, (cpu_ms, commands) in sorted(costs.items()):
        load = n * commands / DEFAULT_INTERVAL_S / capacity * 100
        print(f"{n:18d} {cpu_ms:21.3f} {commands:23.2f} {load:17.4f}%  < 1 %")


if __name__ == "__main__":
    main()
