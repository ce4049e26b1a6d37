"""The collection playbooks, run as operators run them (ansible-playbook erni_ki.litellm.<name>)."""

import os

from tests.helpers.redis_server import fill
from tests.helpers.role_runs import run_playbook

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
        "litellm_cache_redis_host=127.0.0.1",
        "-e",
        "litellm_cache_redis_db=4",
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
    args = ["-e", "litellm_cache_redis_host=127.0.0.1", "-e", "litellm_cache_redis_db=4"]
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
