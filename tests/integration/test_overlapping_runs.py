"""Fault F7 of docs/fault_matrix.md, many times: switch/rollback pairs on one instance started 0-20 s apart. The
other F7 cases (a second run kept out, check mode takes no lock) are in test_faults.py. This module runs in the
live suite's "guard" lane (tests/integration/conftest.py LANES): its two instances are its own, and its runs
mostly wait for each other's lock, so it runs beside the two long lanes rather than adding its minutes to one."""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.helpers.proxies import mode_of
from tests.helpers.role_runs import (
    assert_no_secret,
    finish,
    proxy_on_a_copy,
    role_vars,
    start_playbook,
    task_result,
    write_inventory,
)

PAIRS = int(os.environ.get("ERNI_OVERLAP_PAIRS", "20"))
# the pairs are spread over this many instances of their own, which run side by side (each pair keeps its delay)
LANES = int(os.environ.get("ERNI_OVERLAP_LANES", "2"))
# ports no other live test uses: this module runs beside the other lanes (a proxy of test_faults.py on the same
# port once answered for one of these instances, readiness "local" right after a switch to redis)
PORTS = (4096, 4097, 4098, 4099)
# the task that takes the lock: the lock phase of a switch to Redis, the one call of the emergency path to local
LOCK_TASKS = {
    "redis": "Lock | One run at a time on this instance (check mode takes no lock)",
    "local": "Emergency | Lock, write, restart, verify, give the lock back (one call)",
}


def lock_taken(out, mode):
    """From the lock task's own result: (kept out by another run's lock, since when this run held it)."""
    found = task_result(out, LOCK_TASKS[mode])
    assert found, out[-3000:]
    _status, result = found
    if result.get("reason") == "locked":
        return True, None
    holder = result["lock"]["holder"] if mode == "local" else result["holder"]
    return False, float(holder["since_epoch"])


def _overlapping_pairs(tmp_path, config, proxy, hostvars, secrets, pairs):
    """Run the switch/rollback pairs ``pairs`` (their indexes) on one instance, one pair after the other."""
    inv = {}
    for mode in ("redis", "local"):
        d = tmp_path / mode
        d.mkdir()
        inv[mode] = write_inventory(d / "inventory.yml", {"solo": dict(hostvars, litellm_cache_mode=mode)})
    lock = config.parent / ".config.yaml.erni_ki.lock"
    for i in pairs:
        first_mode = "redis" if mode_of(config) == "local" else "local"
        second_mode = "local" if first_mode == "redis" else "redis"
        delay = (i * 20.0 / max(1, PAIRS - 1)) if PAIRS > 1 else 0.0
        # -v prints the lock task's result: when each run took the lock
        first = start_playbook(inv[first_mode], "erni_ki.litellm.switch_cache", "-v", log=str(tmp_path / f"{i}-a.log"))
        time.sleep(delay)
        second = start_playbook(
            inv[second_mode], "erni_ki.litellm.switch_cache", "-v", log=str(tmp_path / f"{i}-b.log")
        )
        runs = [(first_mode, *finish(first)), (second_mode, *finish(second))]
        held = []
        for mode, code, out in runs:
            # the lock task's own result: held by this run (since when), or refused because another run held it
            kept_out, since = lock_taken(out, mode)
            assert (code == 0 and not kept_out) or (code != 0 and kept_out), out[-3000:]
            if code == 0:
                held.append((since, mode))
        assert held, "one of the two runs must have held the lock"
        expected = max(held)[1]  # the mode of the run that took the lock last
        out_a, out_b = runs[0][2], runs[1][2]
        assert mode_of(config) == expected, (i, delay, out_a[-1500:], out_b[-1500:])
        assert requests.get(proxy.url + "/health/readiness", timeout=10).json()["cache"] == expected
        assert not lock.exists(), "a lock was left behind"
        assert_no_secret(secrets, out_a, out_b)
    assert_no_secret(secrets, paths=[config.parent])


def test_f7_overlapping_runs_end_in_the_mode_of_the_last_lock_holder(tmp_path, litellm_launcher, endpoints, secrets):
    """Switch/rollback pairs started 0-20 s apart: whatever the timing, the instance ends in the mode of the run
    that held the lock last, every file parses, and the lock is given back. The pairs are dealt to LANES instances
    of their own (pair i to instance i mod LANES), which run at the same time."""
    lanes = []
    for n in range(LANES):
        lane_dir = tmp_path / f"lane{n}"
        lane_dir.mkdir()
        config, proxy = proxy_on_a_copy(lane_dir, litellm_launcher, endpoints, "1.80.11", PORTS[n])
        lanes.append((lane_dir, config, proxy, role_vars(endpoints, proxy), secrets, list(range(n, PAIRS, LANES))))
    with ThreadPoolExecutor(max_workers=LANES) as pool:
        for done in [pool.submit(_overlapping_pairs, *lane) for lane in lanes]:
            done.result()  # the first failing lane's assertion, as it was raised
