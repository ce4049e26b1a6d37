"""The litellm_cache role on a LiteLLM proxy of its own: template ownership, check mode end to end, the state
directory and the restore of the original."""

import glob
import os
import re
import shutil
import subprocess
import time

import pytest
import yaml

from tests.helpers import browser
from tests.helpers.redis_server import ACL_PASSWORDS, RedisServer, acl_users
from tests.helpers.role_runs import (
    proxy_on_a_copy,
    role_vars,
    run_playbook,
    run_role,
    sha,
    summary,
    unchanged,
    write_inventory,
)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_check_mode_end_to_end_changes_nothing_then_template_ownership(
    tmp_path, litellm_launcher, endpoints, master_key, redis_password
):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4051)
    state = tmp_path / "state"  # backups, the original and the lock, away from the config's directory
    hostvars = role_vars(
        endpoints, proxy, litellm_cache_db=6, litellm_cache_mode="redis", litellm_cache_state_dir=str(state)
    )
    original = config.read_bytes()
    before = sha(config)
    started = proxy.container.attrs["State"]["StartedAt"]

    check = run_role(tmp_path, hostvars, check=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "+    type: redis" in check.stdout
    assert sha(config) == before
    proxy.container.reload()
    assert proxy.container.attrs["State"]["StartedAt"] == started, "check mode restarted the proxy"

    templated = dict(
        hostvars,
        litellm_cache_config_ownership="template",
        litellm_cache_socket_timeout=20,
        litellm_cache_config={
            "model_list": [
                {
                    "model_name": "mock-gpt",
                    "litellm_params": {
                        "model": "openai/mock-gpt",
                        "api_key": "sk-sandbox-not-a-real-key",
                        "mock_response": "templated",
                    },
                }
            ],
            "litellm_settings": {"drop_params": True},
            "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
        },
    )
    run = run_role(tmp_path, templated)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "cache hit on solo" in out
    rendered = yaml.safe_load(config.read_text())
    assert rendered["litellm_settings"] == {
        "drop_params": True,
        "cache": True,
        "cache_params": {
            "type": "redis",
            "host": "127.0.0.1",
            "port": endpoints["redis"]["port"],
            "db": 6,
            "password": "os.environ/REDIS_PASSWORD",
            "socket_timeout": 20,
        },
    }
    assert rendered["model_list"][0]["litellm_params"]["mock_response"] == "templated"
    again = run_role(tmp_path, templated)
    assert again.returncode == 0 and unchanged(again.stdout), again.stdout
    assert os.listdir(config.parent) == ["config.yaml"], "backups and the lock go to litellm_cache_state_dir"
    assert (state / "config.yaml.original").read_bytes() == original
    outputs = [check.stdout + check.stderr, out, again.stdout]

    # restore_cache: the file as it was before the first change, in check mode (diff, nothing restarted), for real
    # (restarted and verified in the mode it has), and again (nothing to do)
    inventory = str(tmp_path / "inventory.yml")  # run_role's, with the templated host's variables
    switched = sha(config)
    dry = run_playbook(inventory, "erni_ki.litellm.restore_cache", check=True)
    outputs.append(dry.stdout + dry.stderr)
    assert dry.returncode == 0 and "-    type: redis" in dry.stdout, outputs[-1][-4000:]
    assert sha(config) == switched
    restored = run_playbook(inventory, "erni_ki.litellm.restore_cache")
    outputs.append(restored.stdout + restored.stderr)
    assert restored.returncode == 0, outputs[-1][-4000:]
    assert summary(restored.stdout) == {"solo": "restored the original (local)"}
    assert config.read_bytes() == original, "restore puts the original back byte for byte"
    assert proxy.wait_ready(60).get("cache") == "local", "restarted on the original"
    twice = run_playbook(inventory, "erni_ki.litellm.restore_cache")
    outputs.append(twice.stdout + twice.stderr)
    assert twice.returncode == 0 and summary(twice.stdout) == {"solo": "unchanged (the original, local)"}, outputs[-1]
    assert config.read_bytes() == original
    for text in outputs:
        assert master_key not in text and redis_password not in text


@pytest.fixture(scope="module")
def other_python(tmp_path_factory):
    """A managed-host interpreter that is not the controller's: Python 3.12 with requirements.txt only."""
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12")))
    found = shutil.which("python3.12")
    for python in ([found] if found else []) + candidates:
        if subprocess.run([python, "-c", "pass"], capture_output=True, check=False).returncode == 0:
            break
    else:
        pytest.fail("no working python3.12 for the managed host (make test expects pyenv's 3.12)")
    venv = tmp_path_factory.mktemp("managed") / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "-r", os.path.join(ROOT, "requirements.txt")],
        check=True,
        capture_output=True,
    )
    return str(venv / "bin" / "python")


TEMPLATED_REDIS_CONFIG = {
    "model_list": [
        {
            "model_name": "mock-gpt",
            "litellm_params": {"model": "openai/mock-gpt", "api_key": "sk-sandbox-not-a-real-key"},
        }
    ],
    "litellm_settings": {
        "cache": True,
        "cache_params": {
            "type": "redis",
            "host": "127.0.0.1",
            "port": 6390,
            "password": "os.environ/REDIS_PASSWORD",
            "socket_timeout": 20,
            "ttl": 300,
        },
    },
    "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
}


def test_template_mode_to_local_leaves_no_redis_key_with_another_managed_python(
    tmp_path, litellm_launcher, endpoints, other_python, master_key, redis_password
):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4052)
    hostvars = role_vars(
        endpoints,
        proxy,
        litellm_cache_config_ownership="template",
        litellm_cache_config=TEMPLATED_REDIS_CONFIG,
        litellm_cache_mode="local",
        ansible_python_interpreter=other_python,
    )
    run = run_role(tmp_path, hostvars)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    rendered = yaml.safe_load(config.read_text())
    assert rendered["litellm_settings"] == {"cache": True, "cache_params": {"type": "local", "ttl": 300}}
    assert config.read_text().startswith("# "), "the role's header comment is kept"
    assert proxy.wait_ready()["cache"] == "local"
    again = run_role(tmp_path, hostvars)
    assert again.returncode == 0 and unchanged(again.stdout), again.stdout
    assert master_key not in out and redis_password not in out


def test_template_mode_router_redis_block_is_refused_on_1_80_0(tmp_path, litellm_launcher, endpoints):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.0", 4053)
    before = sha(config)
    with_router = dict(
        TEMPLATED_REDIS_CONFIG, router_settings={"redis_host": "127.0.0.1", "redis_port": endpoints["redis"]["port"]}
    )
    hostvars = role_vars(
        endpoints,
        proxy,
        litellm_cache_config_ownership="template",
        litellm_cache_config=with_router,
        litellm_cache_mode="redis",
        litellm_cache_min_redis_version="1.80.0",
    )
    run = run_role(tmp_path, hostvars)
    out = run.stdout + run.stderr
    assert run.returncode != 0 and "LITELLM-CACHE-003" in out, out
    assert sha(config) == before, "a refused template run must not touch the config"


URL_STACK_CACHE = """  cache_params:
    type: "redis"   # shared by every replica
    url: os.environ/REDIS_URL
    namespace: litellm   # the key pattern of LiteLLM's Redis user: ~litellm:*
    ttl: 1800
    socket_connect_timeout: 10
    socket_timeout: 30
    connection_pool_timeout: 5
    retry_on_timeout: true
"""


def test_the_url_stack_goes_local_redis_and_back_to_its_original(
    tmp_path, litellm_launcher, endpoints, master_key, redis_password
):
    """Issue 22's production replica, end to end through the role and the playbooks: cache_params by url:
    os.environ/REDIS_URL, the URL (an ACL user and its password) only in the environment the container's entrypoint
    builds from a Docker secret, on a Redis whose users are least-privilege (LiteLLM's user limited to ~litellm:*,
    without INFO and CLIENT LIST). The switch to local and back to redis writes the url form; the verification,
    cache_status and flush_cache find the URL in the LiteLLM process, work on the URL's db as the URL's user, and
    either do what they say or name the permission they lack; restore_cache puts the operator's file back byte for
    byte and verifies it through the URL."""
    version, db = "1.108.7", 10
    server = RedisServer(acl_users(redis_password))
    try:
        admin = server.client(username="setup", password=ACL_PASSWORDS["setup"], db=db)
        other_app = "other-app:session"  # another application's key in the same db, outside LiteLLM's key pattern
        admin.set(other_app, 1)
        config = tmp_path / "conf" / "config.yaml"
        config.parent.mkdir()
        sandbox_text = open(endpoints["proxies"][0]["config_path"], encoding="utf-8").read()
        start, end = sandbox_text.index("  cache_params:\n"), sandbox_text.index("\nrouter_settings:")
        config.write_text(sandbox_text[:start] + URL_STACK_CACHE + sandbox_text[end:])
        original = config.read_bytes()
        proxy = litellm_launcher.start(
            version,
            config_path=str(config),
            port=4054,
            env={"SANDBOX_EXPORT_REDIS_URL": f"{server.port}/{db}", "SANDBOX_REDIS_URL_USER": "litellm"},
        )
        proxy.wait_ready(180)  # 1.108.7's readiness names no cache type: the role's verification is the proof
        state = tmp_path / "state"
        hostvars = role_vars(
            endpoints,
            proxy,
            litellm_cache_login_url="os.environ/REDIS_URL",
            litellm_cache_namespace="litellm",
            litellm_cache_socket_timeout=30,
            litellm_cache_state_dir=str(state),
        )
        outputs = []

        def role(mode):
            run = run_role(tmp_path, dict(hostvars, litellm_cache_mode=mode))
            outputs.append(run.stdout + run.stderr)
            assert run.returncode == 0, outputs[-1][-4000:]
            return run

        role("local")
        assert "url:" not in config.read_text() and "connection_pool_timeout" not in config.read_text()
        switched = role("redis")
        assert "cache hit on solo" in switched.stdout
        cache = yaml.safe_load(config.read_text())["litellm_settings"]["cache_params"]
        assert cache["url"] == "os.environ/REDIS_URL" and not {"host", "port", "db", "password"} & set(cache), cache
        # LiteLLM's own keys sit beside its cache entries under the namespace (1.108.7: rate-limit counters)
        under = list(admin.scan_iter(match="litellm:*", count=1000))
        entries = [k for k in under if re.fullmatch(rb"litellm:[0-9a-f]{64}", k)]
        assert entries, "the verification's entry is in the URL's db, under the namespace"
        # LITELLM-FACT-010: every key LiteLLM wrote is under the namespace; only its rate limiter's script is refused
        assert {k for k in admin.scan_iter(count=1000) if not k.startswith(b"litellm:")} == {other_app.encode()}
        assert "no permissions to run the 'evalsha' command" in proxy.logs(tail=2000), "LITELLM-FACT-010 changed"
        assert not server.client(username="setup", password=ACL_PASSWORDS["setup"]).dbsize(), "nothing in db 0"

        inventory = str(tmp_path / "inventory.yml")  # run_role's
        at = f"at redis://litellm:********@127.0.0.1:{server.port}/{db}"

        def playbook(name, *extra, rc=0):
            run = run_playbook(inventory, f"erni_ki.litellm.{name}", *extra)
            outputs.append(run.stdout + run.stderr)
            assert run.returncode == rc, outputs[-1][-4000:]
            return run.stdout

        status = playbook("cache_status")
        # LiteLLM's user may not run INFO or CLIENT LIST: said so, never a count of None
        assert f"redis up {at}, p99" in status, status
        assert "keys, standalone (not permitted to the Redis user: server, clients), gate passes" in status, status
        assert "findings REDIS-ACL-001" in status, "LiteLLM's user may not run its rate limiter's script: said"
        assert "None" not in status, status
        # the flush as LiteLLM's user: the namespace counted, then deleted, counted again; another app's key kept
        scope = ["-e", "litellm_cache_flush_namespace=litellm", "-e", "litellm_cache_flush_confirm=true"]
        counted = playbook("flush_cache", *scope, "--check")
        assert f"{len(entries)} cache entries under litellm: {at}" in counted and "nothing deleted" in counted, counted
        own_state = {
            k: time.monotonic() + admin.pttl(k) / 1000 for k in admin.scan_iter(match="litellm:*") if k not in entries
        }
        flushed = playbook("flush_cache", *scope)
        assert f"{len(entries)} keys deleted (cache entries under litellm:)" in flushed, flushed
        assert not any(admin.exists(k) for k in entries) and admin.get(other_app) == b"1"
        kept = [k for k, until in own_state.items() if until > time.monotonic() + 1]
        assert all(admin.exists(k) for k in kept), "LiteLLM's own state under the namespace survives the flush"
        # the whole db is more than this user may touch: refused, with the grant it needs, and nothing deleted
        whole = ["-e", "litellm_cache_flush_whole_db=true", "-e", "litellm_cache_flush_confirm=true"]
        refused = playbook("flush_cache", *whole, rc=2)
        assert "the user litellm may not run" in refused and "ACL SETUSER litellm" in refused, refused
        assert "nothing was deleted" in refused and admin.get(other_app) == b"1", refused

        # measured beside another url-form instance whose REDIS_URL names another Redis (the sandbox's, db 11): each
        # is paired by the Redis its probe read from the URL, so neither replays the other's requests
        other_config = tmp_path / "other" / "config.yaml"
        other_config.parent.mkdir()
        other_config.write_text(config.read_text())
        other = litellm_launcher.start(
            version,
            config_path=str(other_config),
            port=4055,
            env={"SANDBOX_EXPORT_REDIS_URL": f"{endpoints['redis']['port']}/11"},
        )
        other_vars = dict(hostvars, **role_vars(endpoints, other), litellm_cache_state_dir=str(tmp_path / "state2"))
        two = write_inventory(tmp_path / "two.yml", {"solo": hostvars, "other": other_vars})
        measure = ["-e", "litellm_cache_measure_hits=true", "-e", f"litellm_cache_report_dir={tmp_path}"]
        measured = run_playbook(two, "erni_ki.litellm.cache_status", *measure)
        outputs.append(measured.stdout + measured.stderr)
        assert measured.returncode == 0, outputs[-1][-4000:]
        page = browser.Report(browser.dom(tmp_path / "litellm_cache_report.html"))
        assert {h: r["cells"]["cross"] for h, r in page.hits.items()} == {"solo": "-", "other": "-"}, page.hits
        where = {r["host"]: r["cells"]["redis"] for r in page.rows}
        assert where["solo"].startswith(f"redis://litellm:********@127.0.0.1:{server.port}/{db}"), where
        assert where["other"].startswith(f"redis://:********@127.0.0.1:{endpoints['redis']['port']}/11"), where

        restored = playbook("restore_cache")
        assert summary(restored) == {"solo": "restored the original (redis)"}
        assert config.read_bytes() == original, "the operator's url: file, byte for byte"
        assert "cache hit on solo" in restored and admin.dbsize() >= 2, "verified through the URL"
        for text in outputs:
            assert master_key not in text and redis_password not in text and ACL_PASSWORDS["setup"] not in text
    finally:
        server.stop()
