"""Benchmark: what the collection costs as the fleet grows, as ratios against the floor of the same run.

On the fleet sandbox (four real proxies, tests/helpers/sandboxes.py), measures in one run:

1. the floor: a bare parallel `docker restart` of N proxies plus polling `/health/readiness` until each answers 200;
2. `switch_cache` of 1 instance to Redis (preflight, gate, lock, apply, restart, verification) against the floor of
   that instance, and the restart alone (litellm_service state=restarted, its ready_after_s) against the floor;
3. `rollback_cache` of 1, 2 and 4 instances (all in parallel) against the bare parallel restart of the same ones;
   the switch and the rollback of one are profiled task by task (benchmarks/callback_plugins/task_profile.py);
4. the controller's cost of `cache_status`, of `switch_cache --check` (the gate, no latency window) and of the
   emergency `rollback_cache --check` (the restarts stubbed by check mode) on 4, 16 and 64 inventory hosts (aliases
   of the four proxies), per host.

Prints a table of ratios and targets. A benchmark, not a test: `make bench-fleet`.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time

import docker
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [ROOT, os.path.join(ROOT, "build", "collections")]

from tests.helpers import sandboxes  # noqa: E402
from tests.helpers.proxies import wait_ready  # noqa: E402
from tests.helpers.role_runs import run_playbook, write_inventory  # noqa: E402


def bare_restart(client, proxies):
    """Seconds for a parallel `docker restart` of the proxies until every one answers readiness."""

    def one(p):
        client.containers.get(p["container"]).restart(timeout=30)
        wait_ready(p["url"])

    start = time.perf_counter()
    threads = [threading.Thread(target=one, args=(p,)) for p in proxies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def timed(inventory, name, *extra, profile=None):
    """Seconds of one playbook run; with ``profile`` (a dict), its tasks' seconds are put there too."""
    with tempfile.NamedTemporaryFile(suffix=".json") as rows:
        env = {}
        if profile is not None:  # benchmarks/callback_plugins/task_profile.py
            env = {
                "ANSIBLE_CALLBACK_PLUGINS": os.path.join(ROOT, "benchmarks", "callback_plugins"),
                "ANSIBLE_CALLBACKS_ENABLED": "task_profile",
                "TASK_PROFILE_FILE": rows.name,
            }
        start = time.perf_counter()
        run = run_playbook(inventory, f"erni_ki.litellm.{name}", *extra, timeout=1800, env=env)
        took = time.perf_counter() - start
        if run.returncode != 0:
            raise SystemExit(f"{name} {' '.join(extra)} failed:\n{run.stdout[-4000:]}{run.stderr[-2000:]}")
        if profile is not None:
            profile["tasks"] = json.load(rows)
    return took


def print_profile(title, took, profile, least=0.2):
    """The tasks of one run that took ``least`` seconds or more, longest first, and how many module calls it made."""
    tasks = profile["tasks"]
    calls = ("erni_ki.", "ansible.builtin.uri", "ansible.builtin.slurp", "ansible.builtin.stat", "ansible.builtin.copy",
             "ansible.builtin.file")  # fmt: skip
    modules = [t for t in tasks if t["status"] != "skipped" and t["action"].startswith(calls)]
    print(f"\nprofile: {title}, {took:.2f} s in all, {len(modules)} module calls (tasks of {least} s or more):")
    for t in sorted(tasks, key=lambda t: -t["seconds"]):
        if t["seconds"] >= least:
            print(f"{t['seconds']:8.2f}  {t['task']} ({t['action']})")


def restart_module(proxy, key_file):
    """The role's restart alone: litellm_service state=restarted; its own ready_after_s."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"))
    args = json.dumps({"container": proxy["container"], "state": "restarted", "master_key_file": key_file})
    with tempfile.TemporaryDirectory() as tree:
        subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "ansible"), "localhost", "-c", "local", "-i", "localhost,",
             "-e", f"ansible_python_interpreter={sys.executable}", "-t", tree,
             "-m", "erni_ki.litellm.litellm_service", "-a", args],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
        with open(os.path.join(tree, "localhost"), encoding="utf-8") as f:
            return json.load(f)["ready_after_s"]


def aliases(endpoints, count, path):
    """An inventory of ``count`` hosts, host k an alias of proxy k % 4."""
    with open(endpoints["inventory"], encoding="utf-8") as f:
        inv = yaml.safe_load(f)
    hosts = list(inv["litellm_proxies"]["hosts"].values())
    group_vars = inv["litellm_proxies"]["vars"]
    return write_inventory(path, {f"alias-{k:03d}": {**group_vars, **hosts[k % len(hosts)]} for k in range(count)})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="4,16,64", help="inventory sizes for the controller cost")
    ap.add_argument("--keep", action="store_true", help="leave the fleet sandbox up")
    args = ap.parse_args()
    endpoints = sandboxes.up(sandboxes.FLEET)
    client = docker.from_env()
    proxies = endpoints["proxies"]
    inv = endpoints["inventory"]
    key_file = endpoints["master_key_file"]
    rows = []
    try:
        # 1 and 2: one instance (litellm-a, 1.80.11)
        a = proxies[0]
        floor_1 = min(bare_restart(client, [a]) for _ in range(3))
        restart_1 = min(restart_module(a, key_file) for _ in range(3))
        switch_profile, rollback_profile = {}, {}
        switch_1 = timed(inv, "switch_cache", "--limit", a["name"], "-e", "litellm_cache_mode=redis",
                         profile=switch_profile)  # fmt: skip
        rollback_1 = timed(inv, "rollback_cache", "--limit", a["name"], profile=rollback_profile)
        rows.append(("switch of 1 instance (with verification)", switch_1, floor_1, "<= 1.5x"))
        rows.append(("restart alone (litellm_service), 1 instance", restart_1, floor_1, "floor + 0.5 s"))
        rows.append(("rollback of 1 instance", rollback_1, floor_1, "<= 1.3x"))
        # 3: rollback of 2 and 4, against the bare parallel restart of the same ones
        for n in (2, 4):
            some = proxies[:n]
            limit = ",".join(p["name"] for p in some)
            timed(inv, "switch_cache", "--limit", limit, "-e", "litellm_cache_mode=redis", "-e",
                  "litellm_cache_force=true", "-e", f"litellm_cache_serial={n}")  # fmt: skip
            floor_n = min(bare_restart(client, some) for _ in range(2))
            rows.append((f"rollback of {n} instances (parallel)", timed(inv, "rollback_cache", "--limit", limit),
                         floor_n, "<= 1.3x"))  # fmt: skip
        # 4: the controller's cost per inventory host
        per_host = {}
        with tempfile.TemporaryDirectory() as tmp:
            for size in (int(s) for s in args.sizes.split(",")):
                alias_inv = aliases(endpoints, size, pathlib.Path(tmp) / f"aliases-{size}.yml")
                status = timed(alias_inv, "cache_status", "-f", "16", "-e", "litellm_cache_report_dir=")
                gate = timed(alias_inv, "switch_cache", "--check", "-f", "16", "-e", "litellm_cache_mode=redis", "-e",
                             f"litellm_cache_serial={size}", "-e", "litellm_cache_latency_window=0",
                             "-e", "litellm_cache_on_blocked=warn")  # fmt: skip
                rollback = timed(alias_inv, "rollback_cache", "--check", "-f", "16")
                per_host[size] = (status / size, gate / size, rollback / size)
    finally:
        if not args.keep:
            sandboxes.down(sandboxes.FLEET)

    print(f"\nmachine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}")
    print(f"\n{'measure':46} {'took s':>8} {'floor s':>8} {'ratio':>7}  target")
    for name, took, floor, target in rows:
        if target == "floor + 0.5 s":
            print(f"{name:46} {took:8.2f} {floor:8.2f} {took - floor:+6.2f}s  {target}")
        else:
            print(f"{name:46} {took:8.2f} {floor:8.2f} {took / floor:6.2f}x  {target}")
    print_profile("switch of 1 instance to redis", switch_1, switch_profile)
    print_profile("rollback of 1 instance", rollback_1, rollback_profile)
    first = min(per_host)
    heads = ("cache_status s/host", "gate --check s/host", "rollback --check s/host")
    print(f"\n{'inventory hosts':16} " + " ".join(f"{h:>23}" for h in heads) + f" {'vs smallest':>12}")
    for size, costs in sorted(per_host.items()):
        ratio = max(cost / smallest for cost, smallest in zip(costs, per_host[first]))
        print(f"{size:16d} " + " ".join(f"{cost:23.3f}" for cost in costs) + f" {ratio:11.2f}x")
    print("target: per-host cost flat within 1.5x from the smallest to the largest inventory")


if __name__ == "__main__":
    main()
