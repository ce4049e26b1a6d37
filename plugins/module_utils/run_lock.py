# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run at a time per LiteLLM instance: a lock file beside its config, on the managed host.

The lock file is created whole or not at all (a complete temporary file hard-linked to the lock's
name, which fails when the name exists), so a reader never sees half a holder. It names its holder:
the run's id, the controller host and its ansible-playbook process, the playbook, and since when. A
holder's lock is stale when it is older than ``stale_after`` seconds, or when the holder ran on this
very host and its process is gone; a stale lock is moved aside (to ``<lock>.stale``), never deleted
unread. Every controller and AWX node that manages the host sees the same file.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import time

from ansible_collections.erni_ki.litellm.plugins.module_utils import state_dir

LOCK_SUFFIX = ".erni_ki.lock"
GUARD_SUFFIX = ".erni_ki.guard"  # the cache guard's mark: its rollback took this instance off Redis


class LockHeld(RuntimeError):
    """Another run holds the lock. ``holder`` says who."""

    def __init__(self, path, holder, waited):
        self.path = path
        self.holder = holder
        self.waited = waited
        super().__init__(describe_conflict(path, holder, waited))


class LockError(RuntimeError):
    """The lock could not be taken (or the guard's mark not set): the message, and ``facts`` for fail_json."""

    def __init__(self, msg, **facts):
        super().__init__(msg)
        self.facts = facts


OWNER_FIELDS = ("run_id", "controller", "pid", "playbook")


def argument_spec():
    """litellm_run_lock's options (litellm_cache_rollback validates its O(lock) against them)."""
    return dict(
        path=dict(type="path", required=True),
        lock_dir=dict(type="path"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        run_id=dict(type="str", required=True),
        controller=dict(type="str"),
        pid=dict(type="int"),
        playbook=dict(type="str"),
        wait_timeout=dict(type="float", default=0),
        stale_after=dict(type="int", default=900),
        guard_mark=dict(type="str", choices=["present", "absent"]),
    )


def lock_path(config_path, lock_dir=None):
    """The lock file of a config: ``<lock_dir or the config's dir>/.<name>.erni_ki.lock``."""
    directory, name = os.path.split(os.path.abspath(config_path))
    return os.path.join(os.path.abspath(lock_dir) if lock_dir else directory, f".{name}{LOCK_SUFFIX}")


def guard_mark_path(config_path, lock_dir=None):
    """The cache guard's mark of a config, beside its lock: ``<lock_dir or the config's dir>/.<name>.erni_ki.guard``."""
    return lock_path(config_path, lock_dir)[: -len(LOCK_SUFFIX)] + GUARD_SUFFIX


def set_guard_mark(path, mark, run_id):
    """``mark`` True: write the mark (when this run rolled back, by whom); False: take it away. Returns whether the
    file changed."""
    if not mark:
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        return True
    record = {"rolled_back_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "run_id": run_id}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
    return True


def describe_conflict(path, holder, waited):
    age = int(time.time() - float(holder.get("since_epoch") or time.time()))
    return (
        f"{path} is held by another run: playbook {holder.get('playbook') or '?'} on controller "
        f"{holder.get('controller') or '?'} (pid {holder.get('pid') or '?'}, run {holder.get('run_id')}), since "
        f"{holder.get('since') or '?'} ({age} s ago); waited {waited:g} s. Let it finish and run again (or raise the "
        "wait); if that run is gone, its lock is taken over once stale_after has passed, or remove the file"
    )


def read_holder(path):
    """The holder recorded in the lock file, None when there is no lock, {} when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def pid_alive(pid):
    try:
        os.kill(int(pid), 0)
    except (ValueError, TypeError):
        return False
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True


def stale_reason(holder, stale_after, now=None, here=None):
    """Why the holder's lock may be taken over, or None while it stands."""
    now = time.time() if now is None else now
    here = socket.gethostname() if here is None else here
    since = holder.get("since_epoch")
    if not isinstance(since, (int, float)):
        return "the lock file names no holder"
    if now - since > stale_after:
        return f"it is {int(now - since)} s old, more than stale_after {stale_after} s"
    if holder.get("controller") == here and holder.get("pid") and not pid_alive(holder["pid"]):
        return f"its run (pid {holder['pid']} on this host) is gone"
    return None


def _create(path, record):
    """Create the lock with its whole content, or raise FileExistsError."""
    tmp = f"{path}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(record, f)
    try:
        os.link(tmp, path)
    finally:
        os.unlink(tmp)


def _move_aside(path, stale):
    """Move the stale lock to ``<lock>.stale``; if another run replaced it meanwhile, put that one back."""
    aside = f"{path}.{os.getpid()}.{time.monotonic_ns()}.aside"
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return  # another run took it over first
    if (read_holder(aside) or {}).get("run_id") != stale.get("run_id"):
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        os.unlink(aside)
        return
    os.replace(aside, path + ".stale")


def acquire(path, owner, wait=0.0, stale_after=900, check_mode=False, sleep=time.sleep):
    """Take the lock for ``owner`` (run_id, controller, pid, playbook), waiting up to ``wait`` seconds.

    Returns {changed, holder, took_over (the stale holder moved aside, with the reason) or None, waited}.
    Raises LockHeld. In check mode nothing is created or moved, and a lock held by another run is
    reported (``held``) instead of waited for.
    """
    start = time.monotonic()
    took_over = None
    while True:
        holder = read_holder(path)
        waited = round(time.monotonic() - start, 2)
        if holder is not None and holder.get("run_id") == owner["run_id"]:
            return {"changed": False, "holder": holder, "took_over": took_over, "waited": waited}
        if holder is not None:
            reason = stale_reason(holder, stale_after)
            if reason is None:
                if check_mode:  # a preview neither waits nor fails: it says who holds the lock
                    return {"changed": False, "holder": holder, "took_over": None, "waited": 0.0, "held": True}
                if waited >= wait:
                    raise LockHeld(path, holder, waited)
                sleep(min(1.0, max(0.05, wait - waited)))
                continue
            took_over = dict(holder, reason=reason)
            if not check_mode:
                _move_aside(path, holder)
                continue
        now = time.time()
        record = dict(owner, since_epoch=now, since=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)))
        if check_mode:
            return {"changed": True, "holder": record, "took_over": took_over, "waited": waited}
        try:
            _create(path, record)
        except FileExistsError:
            continue  # another run was quicker; its record decides
        return {"changed": True, "holder": record, "took_over": took_over, "waited": waited}


def release(path, run_id, check_mode=False):
    """Remove the lock if ``run_id`` holds it. Returns {changed, holder} (holder: who holds it now, if anyone)."""
    holder = read_holder(path)
    if holder is None or holder.get("run_id") != run_id:
        return {"changed": False, "holder": holder}
    if not check_mode:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    return {"changed": True, "holder": None}


def take(params, config_path, check_mode, warn, option_prefix=""):
    """Take the lock of ``config_path`` as litellm_run_lock's options ``params`` say (its lock_dir created first).

    Returns {lock_file, changed, holder, took_over, waited}; in check mode a lock held by another run is a warning
    through ``warn`` (and its holder is returned). Raises LockError naming the option (``option_prefix`` + name).
    """
    path = lock_path(config_path, params["lock_dir"])
    if params["lock_dir"] and not check_mode:
        try:
            state_dir.ensure(params["lock_dir"])
        except OSError as exc:
            raise LockError(
                f"cannot create {option_prefix}lock_dir {params['lock_dir']}: {exc.strerror}", lock_file=path
            ) from exc
    owner = {k: params[k] for k in OWNER_FIELDS}
    try:
        result = acquire(
            path, owner, wait=params["wait_timeout"], stale_after=params["stale_after"], check_mode=check_mode
        )
    except LockHeld as exc:
        raise LockError(str(exc), lock_file=path, holder=exc.holder, waited=exc.waited, reason="locked") from exc
    except OSError as exc:
        raise LockError(f"cannot take the run lock {path}: {exc}", lock_file=path) from exc
    if result.pop("held", False):
        warn(describe_conflict(path, result["holder"], 0) + " (check mode: a real run would not go on)")
    return dict(lock_file=path, **result)


def give_back(params, config_path, check_mode):
    """Give the lock of ``config_path`` back if ``params["run_id"]`` holds it: {lock_file, changed, holder}."""
    path = lock_path(config_path, params["lock_dir"])
    return dict(lock_file=path, **release(path, params["run_id"], check_mode=check_mode))


def guard_mark(params, config_path, check_mode, act):
    """The cache guard's mark as ``params["guard_mark"]`` asks (present or absent), when ``act`` (never in check
    mode). Returns {path, exists}; raises LockError when the file cannot be written or removed."""
    path = guard_mark_path(config_path, params["lock_dir"])
    if act and not check_mode:
        want = params["guard_mark"] == "present"
        try:
            set_guard_mark(path, want, params["run_id"])
        except OSError as exc:
            raise LockError(f"cannot {'write' if want else 'remove'} the cache guard's mark {path}: {exc}") from exc
    return {"path": path, "exists": os.path.exists(path)}
