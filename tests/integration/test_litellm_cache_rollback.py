"""litellm_cache_rollback, the emergency rollback's one module call, on a real proxy of its own and the sandbox's
Redis: what it writes, restarts and proves, what it leaves alone, and how it gives the config back when the proxy
does not answer from the cache it was rolled back to. The rollback_cache playbook and the fleet tests run it through
the role; this module pins the call itself. It runs in the live suite's "guard" lane (its proxy is its own)."""

import os
import socket
import uuid

import pytest
import yaml

from tests.helpers.launcher import Launcher
from tests.helpers.role_runs import assert_no_secret, proxy_on_a_copy, sha

PORT = 4085  # a port no other live test uses (tests/repo keeps fixed ports to one lane)


@pytest.fixture(scope="module")
def rollback_proxy(tmp_path_factory, docker_client, endpoints, image_tags):
    """One 1.80.11 proxy on a copy of the sandbox's config (local), shared by this module's tests."""
    launcher = Launcher(docker_client, endpoints, image_tags, tmp_path_factory)
    try:
        config, proxy = proxy_on_a_copy(tmp_path_factory.mktemp("rollback"), launcher, endpoints, "1.80.11", PORT)
        yield config, proxy, config.read_bytes()
    finally:
        launcher.cleanup()


def on_redis(run_module, endpoints, config, proxy):
    """The proxy on the sandbox's Redis (litellm_cache_mode, then a restart), as a switch leaves it."""
    run = run_module(
        "litellm_cache_mode",
        {
            "path": str(config),
            "mode": "redis",
            "login_host": "127.0.0.1",
            "login_port": endpoints["redis"]["port"],
            "login_password_env": "REDIS_PASSWORD",
            "litellm_version": "1.80.11",
        },
    )
    assert run.rc == 0, run.output
    if run.result["changed"]:
        proxy.container.restart()
    assert proxy.wait_ready(120)["cache"] == "redis"
    return config.read_bytes()


def rollback(run_module, endpoints, proxy, check=False, diff=False, lock=None, **args):
    return run_module(
        "litellm_cache_rollback",
        {
            "container": proxy.container.name,
            "master_key_file": endpoints["master_key_file"],
            "config": {"backup": True},
            "lock": dict({"run_id": uuid.uuid4().hex}, **(lock or {})),
            **args,
        },
        check=check,
        diff=diff,
    )


def started_at(proxy):
    proxy.container.reload()
    return proxy.container.attrs["State"]["StartedAt"]


def test_one_call_rolls_back_proves_a_hit_and_a_second_call_changes_nothing(
    run_module, endpoints, rollback_proxy, secrets
):
    config, proxy, local_bytes = rollback_proxy
    redis_bytes = on_redis(run_module, endpoints, config, proxy)
    run = rollback(run_module, endpoints, proxy, lock={"guard_mark": "present"})
    r = run.result
    assert run.rc == 0 and r["changed"] is True and r["result"] == "switched", run.output
    assert (r["previous_mode"], r["mode"]) == ("redis", "local")
    assert config.read_bytes() == local_bytes, "local -> redis -> local must give back the file byte for byte"
    with open(r["backup_file"], "rb") as f:
        assert f.read() == redis_bytes, "the backup is the config as it was"
    assert r["readiness"]["http_status"] == 200 and r["readiness"]["cache_type"] == "local"
    assert r["hit_latency"]["requests"] == 1 and r["hit_latency"]["hits"] == 1, r["hit_latency"]
    assert proxy.wait_ready(10)["cache"] == "local"
    assert r["lock"]["released"] is True and r["lock"]["holder"]["run_id"]
    assert not os.path.exists(r["lock"]["lock_file"]), "the lock was left behind"
    assert r["guard_mark"]["exists"] is True and os.path.exists(r["guard_mark"]["path"]), "the guard's mark"

    before = started_at(proxy)
    again = rollback(run_module, endpoints, proxy, lock={"guard_mark": "absent"})
    assert again.rc == 0 and again.result["changed"] is False and again.result["result"] == "unchanged", again.output
    assert "readiness" not in again.result and started_at(proxy) == before, "nothing to write: no restart"
    assert again.result["guard_mark"]["exists"] is False and not os.path.exists(r["guard_mark"]["path"])
    assert_no_secret(secrets, run.output, again.output, paths=[config.parent])


def test_check_mode_and_another_runs_lock_change_nothing(run_module, endpoints, rollback_proxy, secrets):
    config, proxy, _local = rollback_proxy
    redis_bytes = on_redis(run_module, endpoints, config, proxy)
    before = started_at(proxy)
    check = rollback(run_module, endpoints, proxy, check=True, diff=True)
    assert check.rc == 0 and check.result["changed"] is True, check.output
    assert "+    type: local" in check.output and "-    type: redis" in check.output, "the diff, as printed"
    assert config.read_bytes() == redis_bytes and started_at(proxy) == before
    assert not os.path.exists(check.result["lock"]["lock_file"]), "check mode takes no lock"

    # another run holds the lock: its process (this one) lives on this host, so the lock is not stale
    other = {"run_id": "an-operators-run", "controller": socket.gethostname(), "pid": os.getpid()}
    held = run_module("litellm_run_lock", {"path": str(config), **other})
    assert held.rc == 0, held.output
    try:
        refused = rollback(run_module, endpoints, proxy)
        assert refused.rc != 0 and refused.result["reason"] == "locked", refused.output
        assert refused.result["result"] == "kept_out"
        assert refused.result["holder"]["run_id"] == "an-operators-run"
        assert config.read_bytes() == redis_bytes and started_at(proxy) == before, "kept out: nothing changes"
        warned = rollback(run_module, endpoints, proxy, check=True)
        assert warned.rc == 0 and "is held by another run" in warned.output, warned.output
        assert "run an-operators-run" in warned.output and "a real run would not go on" in warned.output
    finally:
        run_module("litellm_run_lock", {"path": str(config), "state": "absent", **other})
    assert_no_secret(secrets, check.output, refused.output, warned.output)


def test_a_proxy_that_does_not_answer_from_its_cache_gets_its_config_back_byte_for_byte(
    run_module, endpoints, rollback_proxy, secrets
):
    """The verification's request fails (a model the proxy does not serve): the config as it was is written back,
    the proxy restarted on it and serving Redis again, and the run fails naming why."""
    config, proxy, _local = rollback_proxy
    redis_bytes = on_redis(run_module, endpoints, config, proxy)
    run = rollback(run_module, endpoints, proxy, verify_model="no-such-model")
    r = run.result
    assert run.rc != 0 and r["reason"] == "not_verified" and r["restored"] is True, run.output
    assert r["result"] == "rolled_back"
    assert "the verification's request" in r["msg"] and "no-such-model" in r["msg"]
    assert config.read_bytes() == redis_bytes, "the config is back byte for byte"
    assert r["mode"] == "redis" and proxy.wait_ready(10)["cache"] == "redis"
    assert not os.path.exists(r["lock"]["lock_file"]), "the lock was left behind"
    assert_no_secret(secrets, run.output, paths=[config.parent])


def test_a_proxy_that_does_not_serve_in_time_gets_its_config_back_and_its_log_tail_shown(
    run_module, endpoints, rollback_proxy, secrets
):
    config, proxy, _local = rollback_proxy
    redis_bytes = on_redis(run_module, endpoints, config, proxy)
    run = rollback(run_module, endpoints, proxy, wait_timeout=1)
    r = run.result
    assert run.rc != 0 and r["reason"] == "not_ready", run.output
    # the config put back gets the time a start needs (at least 180 s), not the 1 s that was too short
    assert r["restored"] is True and r["result"] == "rolled_back", run.output
    assert "did not become ready within 1 s" in r["msg"] and r["log_tail"], run.output
    assert config.read_bytes() == redis_bytes, "the config is back byte for byte"
    assert not os.path.exists(r["lock"]["lock_file"]), "the lock was left behind"
    assert proxy.wait_ready(120)["cache"] == "redis", "the proxy comes up on the config it had"
    assert_no_secret(secrets, run.output, paths=[config.parent])


def test_disabled_turns_the_cache_off_and_proves_no_cache_runs(run_module, endpoints, rollback_proxy, secrets):
    config, proxy, _local = rollback_proxy
    on_redis(run_module, endpoints, config, proxy)
    run = rollback(run_module, endpoints, proxy, mode="disabled")
    r = run.result
    assert run.rc == 0 and r["changed"] is True and r["mode"] == "disabled", run.output
    assert "hit_latency" not in r and not r["readiness"].get("cache_type"), "no cache: nothing to prove a hit on"
    assert yaml.safe_load(config.read_text())["litellm_settings"]["cache"] is False
    assert_no_secret(secrets, run.output)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ({"config": {"mode": "redis"}}, "config: mode is this module's option"),
        ({"config": {"no_such_option": 1}}, "config: unsupported option no_such_option"),
        ({"config": {"ttl": "soon"}}, "config: argument 'ttl' is of type"),
        ({"lock": {}}, "lock: missing required arguments: run_id"),
        ({"lock": {"run_id": "x", "path": "/tmp/x"}}, "lock: path is this module's to set"),
    ],
)
def test_bad_input_names_the_option_and_touches_nothing(run_module, rollback_proxy, args, needle):
    config, proxy, _local = rollback_proxy
    before = sha(config)
    run = run_module("litellm_cache_rollback", {"container": proxy.container.name, "lock": {"run_id": "x"}, **args})
    assert run.rc != 0 and needle in run.result["msg"], run.output
    assert sha(config) == before
