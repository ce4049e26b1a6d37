"""A fleet of four real LiteLLM proxies of mixed releases (a second sandbox project): waves that stop and roll back
cleanly, a refused release handled by the operator's choice, the whole fleet rolled back in parallel, and the
fleet report checked row by row against the live proxies."""

import json
import os
import time
from html.parser import HTMLParser

import pytest
import requests

from tests.helpers import sandboxes
from tests.helpers.proxies import cached_in_redis, key_of, mode_of, running_cache, shared_hit
from tests.helpers.role_runs import run_playbook, sha, summary, unchanged


@pytest.fixture(scope="module")
def fleet_sandbox():
    endpoints = sandboxes.up(sandboxes.FLEET)
    originals = {}
    for p in endpoints["proxies"]:
        with open(p["config_path"], "rb") as f:
            originals[p["name"]] = f.read()
    yield endpoints, originals
    sandboxes.down(sandboxes.FLEET)


@pytest.fixture
def fleet(fleet_sandbox, docker_client):
    """The fleet as the sandbox made it, whatever the test before left (each test ends with a rollback it asserts;
    one that failed before it may leave the fleet switched): a config that differs from its original is put back
    and a proxy that does not run the local cache is restarted. Nothing happens after a clean test."""
    endpoints, originals = fleet_sandbox
    key = key_of(endpoints)
    for p in endpoints["proxies"]:
        with open(p["config_path"], "rb") as f:
            same = f.read() == originals[p["name"]]
        if same and running_cache(p["url"], key) == "local":
            continue
        with open(p["config_path"], "wb") as f:
            f.write(originals[p["name"]])
        docker_client.containers.get(p["container"]).restart(timeout=10)
        deadline = time.monotonic() + 180
        while not ready(p["url"]):
            assert time.monotonic() < deadline, f"{p['name']} did not serve again within 180 s of its reset"
            time.sleep(0.5)
    return fleet_sandbox


def ready(url):
    try:
        return requests.get(url + "/health/readiness", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def fleet_playbook(fleet, name, *extra):
    endpoints = fleet[0]
    run = run_playbook(endpoints["inventory"], f"erni_ki.litellm.{name}", *extra, timeout=900)
    return run, run.stdout + run.stderr


def rollback_fleet(fleet):
    """rollback_cache of the whole fleet in parallel, twice: idempotent, configs back byte for byte."""
    endpoints, originals = fleet
    for attempt in (1, 2):
        run, out = fleet_playbook(fleet, "rollback_cache")
        assert run.returncode == 0, out
        if attempt == 2:
            assert unchanged(out), out
    for p in endpoints["proxies"]:
        assert open(p["config_path"], "rb").read() == originals[p["name"]], p["name"]  # noqa: SIM115


def test_canary_then_waves_a_failure_stops_the_rollout_and_is_rolled_back(fleet):
    endpoints = fleet[0]
    a, b, c, d = endpoints["proxies"]
    before = {p["name"]: sha(p["config_path"]) for p in endpoints["proxies"]}
    run, out = fleet_playbook(
        fleet,
        "switch_cache",
        "-e",
        json.dumps(
            {
                "litellm_cache_mode": "redis",
                "litellm_cache_serial": [1, 2, "100%"],
                "litellm_cache_on_blocked": "fallback_local",
                # litellm-c's verification of Redis asks for a model it does not have: it fails after the restart
                # (the rollback's verification of local is left as it is)
                "litellm_cache_verify_model": "{{ 'no-such-model' if inventory_hostname == 'litellm-c' and "
                "__litellm_cache_expected_mode | default('') == 'redis' else '' }}",
            }
        ),
    )
    assert run.returncode != 0, out
    states = summary(out)
    assert states == {
        "litellm-a": "switched to redis",
        "litellm-b": "unchanged (local)",
        "litellm-c": "rolled back to local",
        "litellm-d": "not started",
    }, out
    assert sha(c["config_path"]) == before["litellm-c"] and sha(d["config_path"]) == before["litellm-d"]
    assert sha(b["config_path"]) == before["litellm-b"], "a refused release left on local is not rewritten"
    assert mode_of(a["config_path"]) == "redis" and running_cache(a["url"], key_of(fleet[0])) == "redis"
    assert cached_in_redis(fleet[0], a), "the first wave keeps the new mode and still caches through Redis"
    assert running_cache(c["url"], key_of(fleet[0])) == "local"
    rollback_fleet(fleet)


def test_a_refused_release_stops_the_rollout_or_is_left_on_local(fleet):
    endpoints = fleet[0]
    a, b, c, d = endpoints["proxies"]
    stop, out = fleet_playbook(fleet, "switch_cache", "-e", "litellm_cache_mode=redis")
    assert stop.returncode != 0 and "older than min_redis_version" in out, out
    assert summary(out) == {
        "litellm-a": "switched to redis",
        "litellm-b": "refused by the gate",
        "litellm-c": "not started",
        "litellm-d": "not started",
    }, out
    rollback_fleet(fleet)

    go_on, out = fleet_playbook(
        fleet, "switch_cache", "-e", "litellm_cache_mode=redis", "-e", "litellm_cache_on_blocked=fallback_local"
    )
    assert go_on.returncode == 0, out
    assert summary(out) == {
        "litellm-a": "switched to redis",
        "litellm-b": "unchanged (local)",
        "litellm-c": "switched to redis",
        "litellm-d": "switched to redis",
    }, out
    assert "falling back to local" in out
    assert shared_hit(fleet[0], a, c) and shared_hit(fleet[0], c, d), "the switched instances share one Redis cache"
    assert running_cache(b["url"], key_of(fleet[0])) == "local"
    rollback_fleet(fleet)


class Rows(HTMLParser):
    """The report's instance rows: {host: [cell texts]}, and the summary's counters."""

    def __init__(self):
        super().__init__()
        self.rows, self.ids, self._host, self._cell, self._id = {}, {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-host" in attrs:
            self._host = attrs["data-host"]
            self.rows[self._host] = []
        elif tag == "td" and self._host:
            self._cell = []
        elif "id" in attrs and tag == "span":
            self._id = attrs["id"]

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[self._host].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr":
            self._host = None
        elif tag == "span":
            self._id = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._id:
            self.ids[self._id] = data.strip()


def test_fleet_report_shows_every_instance_as_it_runs(fleet, tmp_path):
    endpoints = fleet[0]
    a = endpoints["proxies"][0]
    run, out = fleet_playbook(fleet, "switch_cache", "-e", "litellm_cache_mode=redis", "--limit", "litellm-a")
    assert run.returncode == 0, out
    status, out = fleet_playbook(fleet, "cache_status", "-e", f"litellm_cache_report_dir={tmp_path}")
    assert status.returncode == 0, out
    html = (tmp_path / "litellm_cache_report.html").read_text()
    assert "<link" not in html and "<script" not in html and "http" not in html.split("<body>")[0], "self-contained"
    parsed = Rows()
    parsed.feed(html)
    assert parsed.ids["instances"] == "4" and set(parsed.rows) == {p["name"] for p in endpoints["proxies"]}
    key = key_of(fleet[0])
    for p in endpoints["proxies"]:
        cells = parsed.rows[p["name"]]
        host, version, config_mode, cache, readiness, redis = cells[:6]
        assert version == p["version"], cells
        assert config_mode == mode_of(p["config_path"]), cells
        assert cache == running_cache(p["url"], key), cells
        assert readiness == "healthy", cells
        if p["name"] == "litellm-a":
            assert redis == "up" and cells[6] != "-" and cells[13] != "-", cells  # latency, and the backup it made
            assert cells[8].isdigit(), cells  # the key count
        else:
            assert redis == "not used", cells
    markdown = (tmp_path / "litellm_cache_report.md").read_text()
    assert "| litellm-a | 1.80.11 | redis | redis | healthy | up |" in markdown
    assert os.path.getsize(tmp_path / "litellm_cache_report.html") > 0
    assert running_cache(a["url"], key) == "redis"
    rollback_fleet(fleet)
