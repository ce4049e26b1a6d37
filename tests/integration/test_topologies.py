"""Redis that outgrows one server, on real parts: two real LiteLLM proxies on a Redis Sentinel setup (master, replica,
three sentinels) and on a Redis Cluster (three masters with a replica each; a 1.108.7 and a 1.80.11 proxy sharing it).

For each topology, in order: switch_cache to Redis verifies a cross-instance hit; cache_status reports the topology
and its health; flush_cache removes the namespace on every shard and nothing else; a master is killed and what LiteLLM
and the probe do is measured (build/topologies/<kind>-failover.json) and pinned; rollback_cache restores the configs
byte for byte."""

import json
import os
import re

import docker
import pytest
import redis
import yaml

from tests.helpers import failover, sandboxes
from tests.helpers.proxies import mode_of, shared_hit
from tests.helpers.role_runs import ROOT, run_playbook, summary, unchanged

PROJECTS = {"sentinel": sandboxes.SENTINEL, "cluster": sandboxes.CLUSTER}
NAMESPACE = sandboxes.preset(sandboxes.SENTINEL)["SANDBOX_CACHE_NAMESPACE"]  # in the configs, as production has it
EVIDENCE = os.path.join(ROOT, "build", "topologies")


def breaker_s(kind):
    """LiteLLM >= 1.83 opens a Redis circuit breaker after 5 connection failures and fast-fails every Redis call for
    REDIS_CIRCUIT_BREAKER_RECOVERY_TIMEOUT seconds (60 by default, LITELLM-FACT-007): the presets set it in their
    proxies' environment (SANDBOX_PROXY_ENV), so the failover is watched for that long, not 60 s; the default is
    pinned by tests/integration/test_circuit_breaker.py."""
    env = dict(
        item.partition("=")[::2] for item in sandboxes.preset(PROJECTS[kind]).get("SANDBOX_PROXY_ENV", "").split()
    )
    return int(env.get("REDIS_CIRCUIT_BREAKER_RECOVERY_TIMEOUT", "60"))


@pytest.fixture(scope="module", params=sorted(PROJECTS))
def topology(request):
    kind = request.param
    endpoints = sandboxes.up(PROJECTS[kind])
    originals = {}
    for p in endpoints["proxies"]:
        with open(p["config_path"], "rb") as f:
            originals[p["name"]] = f.read()
    yield kind, endpoints, originals
    sandboxes.down(PROJECTS[kind])


def playbook(endpoints, name, *extra):
    run = run_playbook(endpoints["inventory"], f"erni_ki.litellm.{name}", *extra, timeout=900)
    return run, run.stdout + run.stderr


def password(endpoints):
    with open(endpoints["redis"]["password_file"], encoding="utf-8") as f:
        return f.read().strip()


def data_client(kind, endpoints):
    """A client of the whole topology from the host: the sentinels' master, or the cluster."""
    topo = endpoints["redis"]["topology"]
    secret = password(endpoints)
    if kind == "cluster":
        host, _sep, port = topo["nodes"][0].rpartition(":")
        return redis.RedisCluster(host=host, port=int(port), password=secret)
    sentinel = redis.Sentinel(
        [(n.rpartition(":")[0], int(n.rpartition(":")[2])) for n in topo["sentinels"]],
        sentinel_kwargs={"password": secret},
        password=secret,
    )
    return sentinel.master_for(topo["service_name"])


def masters(endpoints):
    """Every data node that is a master now, as a plain client of its own (SCAN sees only that node's keys)."""
    secret = password(endpoints)
    topo = endpoints["redis"]["topology"]
    nodes = topo.get("nodes") or [f"127.0.0.1:{endpoints['redis']['port']}"] + topo.get("replicas", [])
    out = {}
    for node in nodes:
        host, _sep, port = node.rpartition(":")
        client = redis.Redis(host=host, port=int(port), password=secret, socket_timeout=3)
        try:
            if client.info("replication")["role"] == "master":
                out[node] = client
        except redis.ConnectionError:
            continue
    return out


def container_of(endpoints, addr):
    """The container of the Redis process listening on ``addr`` (sandbox/compose.py sets REDIS_PORT)."""
    port = addr.rpartition(":")[2]
    project = endpoints["proxies"][0]["compose_project"]
    for c in docker.from_env().containers.list(filters={"label": f"com.docker.compose.project={project}"}):
        if f"REDIS_PORT={port}" in c.attrs["Config"]["Env"] and "REDIS_SENTINEL_MONITOR" not in str(c.attrs["Config"]):
            return c
    raise LookupError(f"no Redis container of {project} listens on {addr}")


def test_switch_verifies_a_cross_instance_hit_through_the_topology(topology):
    kind, endpoints, _originals = topology
    run, out = playbook(
        endpoints,
        "switch_cache",
        "-e",
        "litellm_cache_mode=redis",
        "-e",
        "litellm_cache_serial=100%",
    )
    assert run.returncode == 0, out[-6000:]
    assert summary(out) == {"litellm-a": "switched to redis", "litellm-b": "switched to redis"}
    # the role's own verification: each instance's entry was a hit on the other
    assert out.count("(another instance: the cache is shared)") == 2, out[-6000:]
    a, b = endpoints["proxies"]
    for proxy in (a, b):
        assert mode_of(proxy["config_path"]) == "redis"
        with open(proxy["config_path"], encoding="utf-8") as f:
            cp = yaml.safe_load(f)["litellm_settings"]["cache_params"]
        if kind == "sentinel":
            assert cp["service_name"] == "erni-cache" and len(cp["sentinel_nodes"]) == 3
            assert cp["sentinel_password"] == "os.environ/REDIS_PASSWORD" and "host" not in cp
        else:
            assert len(cp["redis_startup_nodes"]) == 6 and "db" not in cp and "host" not in cp
    assert shared_hit(endpoints, a, b) and shared_hit(endpoints, b, a)
    # the entries are in the topology's Redis, under the namespace, and the second run changes nothing
    assert any(True for _key in data_client(kind, endpoints).scan_iter(match=f"{NAMESPACE}:*", count=1000))
    again, out = playbook(
        endpoints, "switch_cache", "-e", "litellm_cache_mode=redis", "-e", "litellm_cache_serial=100%"
    )
    assert again.returncode == 0 and unchanged(out), out[-4000:]


def test_status_reports_the_topology_and_its_health(topology, tmp_path):
    kind, endpoints, _originals = topology
    run, out = playbook(endpoints, "cache_status", "-e", f"litellm_cache_report_dir={tmp_path}")
    assert run.returncode == 0, out[-4000:]
    expected = (
        "sentinel (master 127.0.0.1:6393, 1 replicas online)"
        if kind == "sentinel"
        else "cluster (ok, 3 masters, 16384 of 16384 slots)"
    )
    assert out.count("redis up, p99 ") == 2 and out.count(expected) == 2, out[-4000:]
    assert "NOT HEALTHY" not in out
    report = (tmp_path / "litellm_cache_report.md").read_text()
    rows = [
        [c.strip() for c in line.strip("|").split("|")] for line in report.splitlines() if f"ms; {expected} |" in line
    ]
    # a 1.80.x proxy on a cluster takes no socket timeout (LITELLM-CACHE-016): the report says so, the rest is ok
    old_cluster = "WARNING: LITELLM-CACHE-016: a Redis Cluster cache ignores its socket timeouts"
    want = {row[2]: old_cluster if kind == "cluster" and row[2].startswith("1.80.") else "OK" for row in rows}
    assert len(rows) == 2 and {row[2]: row[0] for row in rows} == want, report
    warned = sum(1 for verdict in want.values() if verdict != "OK")
    assert f"**0 failing, {warned} warning, {2 - warned} ok**" in report, report


def test_flush_removes_the_namespace_on_every_shard_and_nothing_else(topology):
    kind, endpoints, _originals = topology
    client = data_client(kind, endpoints)
    for i in range(300):
        client.set(f"{NAMESPACE}:{i:064x}", "x", ex=600)  # a cache entry: NAMESPACE + 64 hex
        client.set(f"{NAMESPACE}:{{api_key:seed-{i}}}:tokens", "1", ex=600)  # LiteLLM's own state: kept
        client.set(f"foreign:{i}", "keep", ex=600)
    nodes = masters(endpoints)
    holding = {addr for addr, node in nodes.items() if any(node.scan_iter(match=f"{NAMESPACE}:*", count=1000))}
    assert holding == set(nodes) and len(nodes) == (3 if kind == "cluster" else 1), holding
    check, out = playbook(endpoints, "flush_cache", "-e", f"litellm_cache_flush_namespace={NAMESPACE}", "--check")
    # the switch's verification left real entries too, and LiteLLM its own keys: at least the seeds are counted
    counted = re.search(r"(\d+) cache entries under " + re.escape(NAMESPACE) + ":", out)
    assert check.returncode == 0 and counted and int(counted.group(1)) >= 300, out[-4000:]
    assert sum(1 for _key in client.scan_iter(match=f"{NAMESPACE}:*", count=1000)) >= 600, "check mode deleted keys"
    run, out = playbook(
        endpoints,
        "flush_cache",
        "-e",
        f"litellm_cache_flush_namespace={NAMESPACE}",
        "-e",
        "litellm_cache_flush_confirm=true",
    )
    assert run.returncode == 0, out[-4000:]
    if kind == "cluster":
        assert "on every master of the cluster (3)" in out, out[-4000:]
    done = re.search(r"(\d+) keys deleted \(cache entries under [^)]*\), (\d+) other keys kept", out)
    assert done and int(done.group(1)) >= 300 and int(done.group(2)) >= 300, out[-4000:]
    entry = re.compile(re.escape(NAMESPACE) + ":[0-9a-f]{64}")
    for addr, node in nodes.items():
        left = [k for k in node.scan_iter(match=f"{NAMESPACE}:*", count=1000) if entry.fullmatch(k.decode())]
        assert not left, f"cache entries left on {addr}: {left[:3]}"
    assert sum(1 for _key in client.scan_iter(match=f"{NAMESPACE}:{{api_key:seed-*", count=1000)) == 300
    assert sum(1 for _key in client.scan_iter(match="foreign:*", count=1000)) == 300


def test_a_master_killed_is_measured_and_pinned(topology):
    """Kill the master (sentinel) or one cluster master; measure requests, hits and the probe until 20 s past the
    circuit breaker's recovery time."""
    kind, endpoints, _originals = topology
    breaker = breaker_s(kind)
    before = failover.probe_summary(endpoints)
    victim_addr = before["master"] if kind == "sentinel" else sorted(masters(endpoints))[0]
    victim = container_of(endpoints, victim_addr)
    try:
        result = failover.watch(endpoints, victim.kill, duration=breaker + 20)
    finally:
        victim.start()  # back as a replica of the new master
    os.makedirs(EVIDENCE, exist_ok=True)
    with open(os.path.join(EVIDENCE, f"{kind}-failover.json"), "w", encoding="utf-8") as f:
        json.dump({"killed": victim_addr, "before": before, **result}, f, indent=1)
    s = result["summary"]
    # no request fails: LiteLLM answers every one, only uncached
    assert s["failed_requests"] == 0 and s["slowest_request_s"] < 5, s
    # the probe sees the failover within seconds: unavailable (refused, or cluster_state fail) first, then a new master
    assert s["probe_unavailable_s"] and s["probe_unavailable_s"][0] < 3, s
    assert s["probe_available_again_s"] is not None and s["probe_available_again_s"] < 15, s
    after = s["probe_last"]
    if kind == "sentinel":
        assert after["master"] not in (None, victim_addr), after
    else:
        assert after["cluster_state"] == "ok" and after["masters"] == 3, after
    assert after["healthy"] is False, "the promoted master has no replica while the old one is down: not healthy"
    # the cache is shared again only after LiteLLM's circuit breaker (its recovery time), not after the failover;
    # "shared again" is failover.shared_again: hits in a row from there on, a lone later miss listed beside it
    timeline = failover.timeline(result["rounds"])
    for direction, d in s["directions"].items():
        assert d["shared_again_s"] is not None, f"{direction} never shared again: {d}; rounds {timeline}"
        assert breaker - 5 <= d["shared_again_s"] <= breaker + 15, f"{direction}: {d}; rounds {timeline}"


def test_rollback_restores_the_configs_byte_for_byte(topology):
    _kind, endpoints, originals = topology
    for attempt in (1, 2):
        run, out = playbook(endpoints, "rollback_cache")
        assert run.returncode == 0, out[-4000:]
        if attempt == 2:
            assert unchanged(out), out[-4000:]
    for p in endpoints["proxies"]:
        with open(p["config_path"], "rb") as f:
            assert f.read() == originals[p["name"]], p["name"]
