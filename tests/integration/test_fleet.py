"""A fleet of four real LiteLLM proxies of mixed releases (a second sandbox project): waves that stop and roll back
cleanly, a refused release handled by the operator's choice, the whole fleet rolled back in parallel, and the
fleet report checked row by row against the live proxies."""

import json
import sys

import pytest
import yaml

from tests.helpers import browser, sandboxes
from tests.helpers.proxies import cached_in_redis, key_of, mode_of, running_cache, shared_hit, wait_ready
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
        wait_ready(p["url"])
    return fleet_sandbox


def fleet_playbook(fleet, name, *extra):
    endpoints = fleet[0]
    run = run_playbook(endpoints["inventory"], f"erni_ki.litellm.{name}", *extra, timeout=900)
    return run, run.stdout + run.stderr


def rollback_fleet(fleet, twice=False):
    """rollback_cache of the whole fleet in parallel: configs back byte for byte; ``twice``: a second run changes
    nothing (asserted once, after the rollout of mixed outcomes; the other tests roll back once)."""
    endpoints, originals = fleet
    for attempt in (1, 2) if twice else (1,):
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
    rollback_fleet(fleet, twice=True)


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


def test_fleet_report_shows_every_instance_as_it_runs(fleet, tmp_path):
    """Two instances on one Redis, one whose config names Redis on a release the gate refuses but was not restarted
    (failing), one on the local cache; cache_status measures the hits and writes the report, which Chromium opens."""
    endpoints = fleet[0]
    a, b, c, d = endpoints["proxies"]
    run, out = fleet_playbook(fleet, "switch_cache", "-e", "litellm_cache_mode=redis", "--limit", "litellm-a,litellm-c")
    assert run.returncode == 0, out
    b_original = open(b["config_path"], "rb").read()  # noqa: SIM115
    config = yaml.safe_load(b_original)
    config["litellm_settings"]["cache_params"] = {
        "type": "redis",
        "host": "127.0.0.1",
        "port": endpoints["redis"]["port"],
    }
    with open(b["config_path"], "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f)  # the operator's edit, not followed by a restart
    try:
        status, out = fleet_playbook(
            fleet, "cache_status", "-e", f"litellm_cache_report_dir={tmp_path}", "-e", "litellm_cache_measure_hits=true"
        )
    finally:
        with open(b["config_path"], "wb") as f:
            f.write(b_original)  # never restarted: the fixture has nothing to undo
    assert status.returncode == 0, out
    html_path = tmp_path / "litellm_cache_report.html"
    html, markdown = html_path.read_text(), (tmp_path / "litellm_cache_report.md").read_text()
    assert "<link" not in html and "<script" not in html and "http" not in html.split("<body>")[0], "self-contained"
    for secret in (key_of(endpoints), open(endpoints["redis"]["password_file"]).read().strip()):  # noqa: SIM115
        assert secret not in html and secret not in markdown, "a secret is on the page"

    page = browser.Report(browser.dom(html_path))
    assert page.ids["controller"] and page.ids["inventory"] == endpoints["inventory"], page.ids
    assert page.ids["written"].endswith("UTC") and page.ids["instances"] == "4", page.ids
    assert page.counts == {"failing": 1, "warning": 0, "ok": 3}, page.counts
    assert [(r["host"], r["verdict"]) for r in page.rows][0] == ("litellm-b", "failing"), page.rows
    failing = page.rows[0]["cells"]
    assert "the config says redis, the proxy runs local" in failing["verdict"], failing
    assert "the gate refuses Redis on this release" in failing["verdict"], failing
    key = key_of(endpoints)
    for r in page.rows:
        p = {x["name"]: x for x in endpoints["proxies"]}[r["host"]]
        assert r["cells"]["version"] == p["version"], r
        config_mode = "redis" if p is b else mode_of(p["config_path"])  # b's edit was undone since
        assert r["cells"]["cache"] == f"{config_mode} / {running_cache(p['url'], key)}", r
    on_redis = {r["host"]: r["cells"] for r in page.rows if r["host"] in ("litellm-a", "litellm-c")}
    for cells in on_redis.values():
        assert cells["redis"] == f"127.0.0.1:{endpoints['redis']['port']} db 0", cells
        assert cells["redis-health"].startswith("up, PING p50") and cells["keys"].isdigit(), cells
    assert on_redis["litellm-a"]["backup"].startswith("config.yaml.") and "ago" in on_redis["litellm-a"]["backup"]

    # the numbers the choice rests on: a miss and a hit on every instance, a cross-instance hit on the shared Redis
    assert set(page.hits) == {"litellm-a", "litellm-b", "litellm-c", "litellm-d"}, page.hits
    assert {page.hits[h]["cache"] for h in page.hits} == {"redis", "local"}
    for host, row in page.hits.items():
        cells = row["cells"]
        assert cells["miss"] != "-" and cells["hit"] != "-", row
        shared = host in ("litellm-a", "litellm-c")
        assert (cells["cross"] != "-") == shared, row
        assert cells["answered"] == ("5 of 5; 5 of 5 across" if shared else "5 of 5"), row
    assert "(from litellm-c)" in page.hits["litellm-a"]["cells"]["cross"]
    assert (
        "litellm-a, litellm-c: 2 instances share" in html and "litellm-b, litellm-d: 2 instances on the local" in html
    )

    findings = [link for link in page.links if link.startswith("finding-")]
    assert findings and set(page.links) <= page.anchors, "every finding in a row links to its remedy below the table"
    png = browser.screenshot(html_path, "fleet_report")
    assert browser.first_row_verdict(png) == "failing", f"the first row of {png} is not visibly failing"
    assert "| FAILING: " in markdown.split("| litellm-b |")[0].rsplit("\n", 1)[-1], markdown
    assert running_cache(a["url"], key) == "redis" and running_cache(d["url"], key) == "local"
    rollback_fleet(fleet)


def test_a_report_of_64_instances_reads_by_verdict_release_and_redis(tmp_path):
    """The report of a large fleet, rendered by the role from 64 rows (no proxies needed) and opened in Chromium:
    grouped by verdict, then by release and Redis, failing first."""
    rows = []
    for n in range(64):
        version = ("1.80.11", "1.108.7")[n % 2]
        redis = n % 8 != 0
        rows.append(
            {
                "host": f"litellm-{n:02d}",
                "version": version,
                "config_mode": "redis" if redis else "local",
                "running_cache": "redis" if redis else "local",
                "readiness": "unhealthy" if n == 13 else "healthy",
                "redis": "up" if redis else "not used",
                "redis_available": True if redis else None,
                "redis_target": {"kind": "standalone", "host": "127.0.0.1", "port": 6379 + n % 2, "db": 0}
                if redis
                else None,
                "topology_healthy": True if redis else None,
                "used_memory": 3 * 2**20 if redis else None,
                "maxmemory": 0,
                "findings": [],
            }
        )
    rows_file = tmp_path / "rows.json"
    rows_file.write_text(json.dumps(rows))
    playbook = tmp_path / "report.yml"
    playbook.write_text(
        json.dumps(
            [
                {
                    "hosts": "localhost",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "ansible.builtin.include_role": {
                                "name": "erni_ki.litellm.litellm_cache",
                                "tasks_from": "report",
                            },
                            "vars": {
                                "litellm_cache_report_dir": str(tmp_path),
                                "__litellm_cache_report_rows": "{{ lookup('ansible.builtin.file', '%s') | from_json }}"
                                % rows_file,
                            },
                        }
                    ],
                }
            ]
        )
    )
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    run = run_playbook(str(inventory), str(playbook))
    assert run.returncode == 0, run.stdout + run.stderr
    html_path = tmp_path / "litellm_cache_report.html"
    page = browser.Report(browser.dom(html_path))
    assert page.counts == {"failing": 1, "warning": 0, "ok": 63} and len(page.rows) == 64
    assert page.rows[0]["host"] == "litellm-13" and page.rows[0]["verdict"] == "failing"
    page_text = html_path.read_text()
    for group in (
        "LiteLLM 1.80.11, no Redis: 8",
        "LiteLLM 1.80.11, Redis 127.0.0.1:6379 db 0: 24",
        "LiteLLM 1.108.7, Redis 127.0.0.1:6380 db 0: 31",
    ):
        assert group in page_text, group
    assert browser.pdf(html_path, "fleet_report_64") > 10_000, "the report prints"
    png = browser.screenshot(html_path, "fleet_report_64", height=4000)
    assert browser.first_row_verdict(png) == "failing", png
