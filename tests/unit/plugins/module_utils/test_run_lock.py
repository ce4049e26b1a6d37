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


def _params(run, lock_dir=None, **extra):
    spec = run_lock.argument_spec()
    params = {name: option.get("default") for name, option in spec.items()}
    params.update(run, lock_dir=lock_dir, **extra)
    return params


def test_take_and_give_back_as_both_modules_do(tmp_path):
    config = str(tmp_path / "config.yaml")
    lock_dir = str(tmp_path / "state" / "locks")
    warnings = []
    taken = run_lock.take(_params(A, lock_dir), config, False, warnings.append)
    assert taken["changed"] and taken["holder"]["run_id"] == "run-a" and not warnings
    assert oct(os.stat(lock_dir).st_mode & 0o777) == "0o700", "the lock_dir is made for its owner only"
    assert taken["lock_file"] == run_lock.lock_path(config, lock_dir) and os.path.exists(taken["lock_file"])
    with pytest.raises(run_lock.LockError) as err:
        run_lock.take(_params(B, lock_dir), config, False, warnings.append)
    assert err.value.facts["reason"] == "locked" and err.value.facts["holder"]["run_id"] == "run-a"
    assert "held by another run" in str(err.value)
    preview = run_lock.take(_params(B, lock_dir), config, True, warnings.append)
    assert preview["changed"] is False and preview["holder"]["run_id"] == "run-a"
    assert len(warnings) == 1 and "check mode: a real run would not go on" in warnings[0]
    assert run_lock.give_back(_params(B, lock_dir), config, False)["changed"] is False
    assert run_lock.give_back(_params(A, lock_dir), config, False) == {
        "lock_file": taken["lock_file"],
        "changed": True,
        "holder": None,
    }


def test_take_names_the_option_it_could_not_use(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(run_lock.LockError) as err:
        run_lock.take(_params(A, str(blocker / "locks")), str(tmp_path / "c.yaml"), False, None, option_prefix="lock.")
    assert str(err.value).startswith(f"cannot create lock.lock_dir {blocker / 'locks'}: ")


def test_guard_mark_only_when_asked_to_act(tmp_path):
    config = str(tmp_path / "config.yaml")
    params = _params(A, guard_mark="present")
    mark = run_lock.guard_mark_path(config)
    assert run_lock.guard_mark(params, config, False, act=False) == {"path": mark, "exists": False}
    assert run_lock.guard_mark(params, config, True, act=True)["exists"] is False, "never in check mode"
    assert run_lock.guard_mark(params, config, False, act=True)["exists"] is True
    assert json.loads(open(mark, encoding="utf-8").read())["run_id"] == "run-a"
    assert run_lock.guard_mark(dict(params, guard_mark="absent"), config, False, act=True)["exists"] is False
