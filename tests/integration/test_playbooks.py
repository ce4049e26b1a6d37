"""The collection playbooks, run as operators run them (ansible-playbook erni_ki.litellm.<name>)."""

import json
import os

import pytest

from tests.helpers.redis_server import ACL_PASSWORDS, LEAST_PRIVILEGE_ACL, RedisServer, fill
from tests.helpers.role_runs import run_playbook, sha, summary

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def playbook(name, *extra):
    return run_playbook(os.path.join(ROOT, "sandbox", "inventory.yml"), f"erni_ki.litellm.{name}", *extra)


def test_flush_cache_counts_first_and_deletes_only_when_confirmed(redis_client, redis_password, master_key):
    c = redis_client(4)
    c.flushdb()
    fill(c, 2500, prefix="team1:")
    fill(c, 40, prefix="team2:")
    c.set("team1:{api_key:k}:tokens", 7)  # LiteLLM's rate-limit counter under the namespace: kept
    args = [
        "-e",
        "litellm_cache_login_host=127.0.0.1",
        "-e",
        "litellm_cache_db=4",
        "-e",
        "litellm_cache_flush_namespace=team1",
    ]
    count = playbook("flush_cache", *args)
    assert count.returncode == 0, count.stdout + count.stderr
    assert "2500 cache entries under team1: in db 4" in count.stdout, count.stdout
    assert "litellm_cache_flush_confirm=true" in count.stdout
    assert "the 1 other keys under team1: are LiteLLM's own state" in count.stdout, count.stdout
    assert c.dbsize() == 2541
    done = playbook("flush_cache", *args, "-e", "litellm_cache_flush_confirm=true")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2500 keys deleted (cache entries under team1:), 1 other keys kept" in done.stdout, done.stdout
    assert c.dbsize() == 41 and c.get("team1:{api_key:k}:tokens") == b"7"
    for out in (count, done):
        assert redis_password not in out.stdout + out.stderr and master_key not in out.stdout + out.stderr
    c.flushdb()


def test_cache_status_one_line_per_instance(endpoints, redis_password, master_key):
    run = playbook("cache_status")
    assert run.returncode == 0, run.stdout + run.stderr
    for proxy in endpoints["proxies"]:
        line = [x for x in run.stdout.splitlines() if f'"msg": "{proxy["name"]}: LiteLLM' in x]
        assert len(line) == 1, run.stdout
        assert f"LiteLLM {proxy['version']} (package)" in line[0]
        assert "config mode local, running cache local, readiness healthy, redis not used" in line[0]
    assert redis_password not in run.stdout + run.stderr and master_key not in run.stdout + run.stderr


def test_flush_cache_in_check_mode_deletes_nothing_and_says_so(redis_client):
    c = redis_client(4)
    c.flushdb()
    fill(c, 13, prefix="team3:")
    args = ["-e", "litellm_cache_login_host=127.0.0.1", "-e", "litellm_cache_db=4"]
    run = playbook(
        "flush_cache",
        *args,
        "-e",
        "litellm_cache_flush_namespace=team3",
        "-e",
        "litellm_cache_flush_confirm=true",
        "--check",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "13 cache entries under team3: in db 4" in run.stdout and "check mode: nothing deleted" in run.stdout
    assert "keys deleted" not in run.stdout, "check mode must not report a deletion"
    assert c.dbsize() == 13
    c.flushdb()


@pytest.mark.parametrize(
    ("extra", "state"),
    [
        ({"litellm_cache_login_host": "127.0.0.1 evil host"}, None),  # refused input
        ({"litellm_cache_container": "no-such-litellm"}, "failed at preflight"),  # the instance is not found
    ],
    ids=["refused-input", "instance-not-found"],
)
def test_switch_limited_to_one_host_exits_non_zero_when_it_did_not_switch(endpoints, extra, state):
    """`--limit ONE_HOST`, as operators and AWX job templates limit runs: a switch that did not happen fails the run,
    with the summary printed (the summary once ran on localhost, which the limit left out: rc 0)."""
    proxy = endpoints["proxies"][0]
    before = sha(proxy["config_path"])
    run = playbook("switch_cache", "--limit", proxy["name"], "-e", json.dumps({"litellm_cache_mode": "redis", **extra}))
    out = run.stdout + run.stderr
    assert run.returncode == 2, out[-4000:]
    states = summary(run.stdout)
    assert list(states) == [proxy["name"]] and not states[proxy["name"]].startswith(("switched", "unchanged")), states
    if state:
        assert states[proxy["name"]] == state, states
    assert f"{proxy['name']} did not switch" in out, out[-4000:]
    assert sha(proxy["config_path"]) == before


def test_flush_cache_as_a_least_privilege_user_does_what_it_says_or_names_the_permission(tmp_path, master_key):
    """A Redis whose LiteLLM user is limited to ~litellm:* (no INFO, no CLIENT LIST): a flush outside that pattern
    fails naming the grant it needs and deletes nothing, never "0 keys deleted"; inside it, it deletes every entry."""
    server = RedisServer(LEAST_PRIVILEGE_ACL)
    try:
        setup = server.client(username="setup", password=ACL_PASSWORDS["setup"])
        fill(setup, 5, prefix="litellm:", ttl=600)
        fill(setup, 4, prefix="team:", ttl=600)
        secret = tmp_path / "litellm_redis_password"
        secret.write_text(ACL_PASSWORDS["litellm"])
        args = [
            "-e",
            "litellm_cache_login_host=127.0.0.1",
            "-e",
            f"litellm_cache_login_port={server.port}",
            "-e",
            "litellm_cache_login_user=litellm",
            "-e",
            f"litellm_cache_login_password_file={secret}",
        ]
        refused = playbook("flush_cache", *args, "-e", "litellm_cache_flush_namespace=team")
        out = refused.stdout + refused.stderr
        assert refused.returncode != 0 and "the user litellm may not run what this probe was asked to do" in out, out
        assert "ACL SETUSER litellm" in out and "nothing was deleted" in out and setup.dbsize() == 9, out
        done = playbook(
            "flush_cache",
            *args,
            "-e",
            "litellm_cache_flush_namespace=litellm",
            "-e",
            "litellm_cache_flush_confirm=true",
        )
        out2 = done.stdout + done.stderr
        assert done.returncode == 0 and "5 cache entries under litellm: in db 0" in out2, out2
        assert "5 keys deleted (cache entries under litellm:)" in out2 and setup.dbsize() == 4, out2
        for text in (out, out2):
            assert ACL_PASSWORDS["litellm"] not in text and master_key not in text
    finally:
        server.stop()


@pytest.mark.parametrize("name", ["restore_cache", "rollback_cache", "cache_status", "flush_cache"])
def test_every_playbook_limited_to_one_host_exits_non_zero_when_the_instance_is_not_found(endpoints, name):
    """Issue 22's exit codes, for the playbooks besides switch_cache: under `--limit ONE_HOST` an instance that could
    not be found fails the run (rc 2), names the container, and changes nothing."""
    proxy = endpoints["proxies"][0]
    before = sha(proxy["config_path"])
    extra = {"litellm_cache_container": "no-such-litellm", "litellm_cache_flush_namespace": "erni-limit-test"}
    run = playbook(name, "--limit", proxy["name"], "-e", json.dumps(extra))
    out = run.stdout + run.stderr
    assert run.returncode == 2 and "no-such-litellm" in out, out[-4000:]
    assert sha(proxy["config_path"]) == before
