import json
import os
import time

import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils import run_lock

A = {"run_id": "run-a", "controller": "ctl-1", "pid": 1, "playbook": "switch_cache.yml"}
B = {"run_id": "run-b", "controller": "ctl-2", "pid": 2, "playbook": "rollback_cache.yml"}


def test_lock_path_is_beside_the_config():
    assert run_lock.lock_path("/srv/llm/conf/config.yaml") == "/srv/llm/conf/.config.yaml.erni_ki.lock"
    assert run_lock.lock_path("/srv/llm/conf/config.yaml", "/var/lib/x") == "/var/lib/x/.config.yaml.erni_ki.lock"


def test_one_holder_at_a_time_and_it_is_named(tmp_path):
    path = str(tmp_path / ".c.erni_ki.lock")
    got = run_lock.acquire(path, A)
    assert got["changed"] and got["holder"]["run_id"] == "run-a"
    assert run_lock.acquire(path, A)["changed"] is False, "the same run takes it again without change"
    with pytest.raises(run_lock.LockHeld) as err:
        run_lock.acquire(path, B, wait=0)
    msg = str(err.value)
    assert "switch_cache.yml" in msg and "ctl-1" in msg and "pid 1" in msg and "since" in msg
    assert run_lock.release(path, "run-b")["changed"] is False, "another run's lock is never removed"
    assert run_lock.release(path, "run-a")["changed"] is True and not os.path.exists(path)
    assert run_lock.acquire(path, B)["holder"]["run_id"] == "run-b"


def test_waiting_is_bounded(tmp_path):
    path = str(tmp_path / ".c.erni_ki.lock")
    run_lock.acquire(path, A)
    start = time.monotonic()
    with pytest.raises(run_lock.LockHeld) as err:
        run_lock.acquire(path, B, wait=1.2)
    assert 1.1 <= time.monotonic() - start < 3 and err.value.waited >= 1.1


def test_stale_locks_are_taken_over_and_kept_aside(tmp_path):
    path = str(tmp_path / ".c.erni_ki.lock")
    old = dict(A, since_epoch=time.time() - 1000, since="then")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(old, f)
    got = run_lock.acquire(path, B, stale_after=900)
    assert got["took_over"]["run_id"] == "run-a" and "stale_after 900" in got["took_over"]["reason"]
    with open(path + ".stale", encoding="utf-8") as f:
        assert json.load(f)["run_id"] == "run-a"
    # a holder on this very host whose process is gone is stale at once
    dead = dict(A, run_id="run-c", controller="here", pid=2**22 + 12345, since_epoch=time.time())
    assert "is gone" in run_lock.stale_reason(dead, 900, here="here")
    assert run_lock.stale_reason(dict(dead, pid=os.getpid()), 900, here="here") is None
    assert run_lock.stale_reason(dict(dead, controller="elsewhere"), 900, here="here") is None


def test_check_mode_takes_none(tmp_path):
    path = str(tmp_path / ".c.erni_ki.lock")
    assert run_lock.acquire(path, A, check_mode=True)["changed"] is True
    assert not os.path.exists(path)
    run_lock.acquire(path, A)
    preview = run_lock.acquire(path, B, wait=5, check_mode=True)
    assert preview["held"] is True and preview["holder"]["run_id"] == "run-a" and preview["waited"] == 0.0


def test_guard_mark_is_beside_the_lock(tmp_path):
    assert run_lock.guard_mark_path("/srv/llm/config.yaml") == "/srv/llm/.config.yaml.erni_ki.guard"
    assert run_lock.guard_mark_path("/srv/llm/config.yaml", "/var/lib/x") == "/var/lib/x/.config.yaml.erni_ki.guard"
    mark = str(tmp_path / ".config.yaml.erni_ki.guard")
    assert run_lock.set_guard_mark(mark, True, "run-1") and json.load(open(mark))["run_id"] == "run-1"
    assert run_lock.set_guard_mark(mark, False, "run-2") and not os.path.exists(mark)
    assert not run_lock.set_guard_mark(mark, False, "run-2"), "no mark to take away: no change"
