"""The fleet report's reading of status rows: verdicts, order, groups, units and the mode advice (pure logic; the live
report is opened in a real browser by tests/integration/test_fleet.py)."""

from ansible_collections.erni_ki.litellm.plugins.filter.fleet_report import (
    FilterModule,
    age_text,
    fleet_report,
    memory_text,
    redis_where,
    verdict_of,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_knowledge import mode_advice

NOW = 1_800_000_000.0
TARGET = {"kind": "standalone", "url": None, "host": "127.0.0.1", "port": 6390, "db": 0, "namespace": "llm"}


def row(host, **over):
    base = {
        "host": host,
        "version": "1.80.11",
        "config_mode": "local",
        "running_cache": "local",
        "readiness": "healthy",
        "redis": "not used",
        "redis_available": None,
        "redis_error": None,
        "redis_target": None,
        "gate_allowed": None,
        "topology_healthy": None,
        "findings": [],
        "redis_not_permitted": [],
        "backup": None,
        "hit_latency": None,
        "hit_latency_error": None,
    }
    base.update(over)
    return base


def on_redis(host, **over):
    redis = {
        "config_mode": "redis",
        "running_cache": "redis",
        "redis": "up",
        "redis_available": True,
        "redis_target": TARGET,
        "gate_allowed": True,
        "topology_healthy": True,
    }
    return row(host, **dict(redis, **over))


def test_a_healthy_instance_on_the_cache_its_config_names_is_ok():
    assert verdict_of(row("a")) == ("ok", [])
    assert verdict_of(on_redis("a")) == ("ok", [])
    assert verdict_of(row("a", config_mode="disabled", running_cache=None)) == ("ok", [])


def test_what_makes_an_instance_failing_is_named_first():
    drift = verdict_of(row("a", config_mode="redis", running_cache="local"))
    assert drift[0] == "failing" and "the config says redis, the proxy runs local" in drift[1][0]
    down = verdict_of(on_redis("a", redis_available=False, redis_error="connection_refused"))
    assert down == ("failing", ["Redis down (connection_refused)"])
    refused = verdict_of(on_redis("a", gate_allowed=False, gate_blocked_by=["LITELLM-CACHE-003"]))
    assert refused[0] == "failing" and "LITELLM-CACHE-003" in refused[1][0]
    assert verdict_of(row("a", readiness="unhealthy"))[1][0] == "readiness unhealthy"
    assert verdict_of(on_redis("a", topology_healthy=False))[0] == "failing"
    error = {"id": "LITELLM-CACHE-005", "severity": "error", "title": "the URL wins", "remedy": "r"}
    assert verdict_of(on_redis("a", findings=[error])) == ("failing", ["LITELLM-CACHE-005: the URL wins"])


def test_warnings_and_info_findings():
    warning = {"id": "REDIS-MEM-003", "severity": "warning", "title": "keys evicted", "remedy": "r"}
    info = {"id": "LITELLM-CACHE-008", "severity": "info", "title": "t", "remedy": "r"}
    assert verdict_of(on_redis("a", findings=[warning, info])) == ("warning", ["REDIS-MEM-003: keys evicted"])
    assert verdict_of(on_redis("a", findings=[info])) == ("ok", [])
    assert verdict_of(on_redis("a", redis_not_permitted=["write_check"]))[0] == "warning"
    assert verdict_of(on_redis("a", redis_error="timeout"))[0] == "warning"
    assert verdict_of(on_redis("a", topology_healthy=None)) == ("warning", ["Redis topology health unknown"])


def test_a_cache_that_did_not_answer_the_repeated_requests_is_a_warning():
    hits = {"requests": 5, "hits": 3, "miss_ms": {"p50": 30, "p95": 40}, "hit_ms": {"p50": 29, "p95": 31}}
    assert verdict_of(row("a", hit_latency=hits)) == ("warning", ["the cache answered 3 of 5 repeated requests"])
    cross = dict(hits, hits=5, cross={"requests": 5, "hits": 0, "from": "b", "hit_ms": {"p50": 30, "p95": 31}})
    reason = verdict_of(on_redis("a", hit_latency=cross))[1][0]
    assert "0 of 5 requests b sent first were hits here: the cache is not shared" in reason
    assert verdict_of(row("a", hit_latency_error="POST answered 500"))[1] == [
        "hit latency not measured: POST answered 500"
    ]


def test_the_report_puts_failing_first_then_warning_then_ok_and_counts_them():
    rows = [
        on_redis("ok-1"),
        row("warn-1", hit_latency_error="x"),
        row("fail-1", readiness="unhealthy"),
        row("ok-0", version="1.108.7"),
    ]
    report = fleet_report(rows, now=NOW)
    assert [i["host"] for i in report["instances"]] == ["fail-1", "warn-1", "ok-1", "ok-0"]  # 1.80.11 before 1.108.7
    assert report["counts"] == {"failing": 1, "warning": 1, "ok": 2}
    assert [g["verdict"] for g in report["groups"]] == ["failing", "warning", "ok"]
    ok = report["groups"][2]["groups"]
    assert [(g["release"], g["redis"]) for g in ok] == [
        ("1.80.11", "127.0.0.1:6390 db 0, namespace llm"),
        ("1.108.7", None),
    ]
    assert report["by_release"] == {"1.80.11": 3, "1.108.7": 1}


def test_64_instances_group_by_verdict_release_and_redis():
    rows = [on_redis(f"litellm-{n:02d}", version=("1.80.11", "1.108.7")[n % 2]) for n in range(60)]
    rows += [row(f"local-{n}", readiness="unhealthy" if n == 0 else "healthy") for n in range(4)]
    report = fleet_report(rows, now=NOW)
    assert len(report["instances"]) == 64 and report["counts"] == {"failing": 1, "warning": 0, "ok": 63}
    ok_groups = report["groups"][1]["groups"]
    assert [(g["release"], g["redis"] is not None, len(g["instances"])) for g in ok_groups] == [
        ("1.80.11", False, 3),
        ("1.80.11", True, 30),
        ("1.108.7", True, 30),
    ]


def test_human_units_ages_and_the_redis_in_one_line():
    assert memory_text({"used_memory": 1383088, "maxmemory": 0}) == "1.32 MB (no limit)"
    assert memory_text({"used_memory": 50 * 2**20, "maxmemory": 200 * 2**20}) == "50.00 MB of 200.00 MB (25 %)"
    assert memory_text({"used_memory": None}) is None
    assert (age_text(5), age_text(125), age_text(7300), age_text(3 * 86400 + 5)) == (
        "5 s ago",
        "2 min ago",
        "2 h ago",
        "3 d ago",
    )
    assert redis_where(TARGET) == "127.0.0.1:6390 db 0, namespace llm"
    assert (
        redis_where(dict(TARGET, url="redis://:********@redis:6379/1", namespace=None))
        == "redis://:********@redis:6379/1"
    )
    sentinel = {"kind": "sentinel", "service_name": "mymaster", "nodes": ["127.0.0.1:26379"], "db": 0}
    assert redis_where(sentinel) == "sentinel mymaster (127.0.0.1:26379) db 0"
    assert (
        redis_where({"kind": "cluster", "nodes": ["127.0.0.1:7000", "127.0.0.1:7001"]})
        == "cluster (127.0.0.1:7000, 127.0.0.1:7001)"
    )
    assert redis_where(None) is None


def test_backups_by_name_and_age_and_findings_linked():
    finding = {"id": "REDIS-MEM-003", "severity": "warning", "title": "t", "remedy": "r"}
    backup = {"name": "config.yaml.1.2026-12-04@20:24:43~", "mtime": NOW - 240}
    [i] = fleet_report([on_redis("Host A", backup=backup, findings=[finding])], now=NOW)["instances"]
    assert i["backup_text"] == "config.yaml.1.2026-12-04@20:24:43~, 4 min ago"
    assert i["anchor"] == "instance-host-a" and i["findings"][0]["anchor"] == "finding-host-a-redis-mem-003"


def test_the_advice_is_local_for_one_instance_and_redis_for_several():
    assert [a["kind"] for a in mode_advice([{"host": "a", "cache": "local", "redis": None}])] == ["one_local"]
    several = mode_advice([{"host": h, "cache": "local", "redis": None} for h in ("b", "a")])
    assert several[0]["kind"] == "several_local" and several[0]["text"].startswith("a, b: 2 instances")
    alone = mode_advice(
        [{"host": "a", "cache": "redis", "redis": "r1"}, {"host": "b", "cache": "redis", "redis": "r2"}]
    )
    assert [(a["kind"], a["hosts"]) for a in alone] == [("alone_on_redis", ["a"]), ("alone_on_redis", ["b"])]
    shared = mode_advice([{"host": h, "cache": "redis", "redis": "r1"} for h in ("a", "b")])
    assert [(a["kind"], a["hosts"]) for a in shared] == [("shared", ["a", "b"])]
    assert all("LITELLM-FACT-011" in a["text"] for a in several + alone)
    assert mode_advice([{"host": "a", "cache": "redis", "redis": None}]) == []  # a drifted instance is failing instead
    assert mode_advice([{"host": "a", "cache": None, "redis": None}]) == []


def test_the_filters_are_registered():
    assert set(FilterModule().filters()) == {"fleet_report", "redis_where"}
