"""What LiteLLM does while its Redis fails over, measured on a topology sandbox (tests/helpers/sandboxes.py).

``watch`` kills one Redis process (a sentinel master, or a cluster master) and then, every ``interval`` seconds,
sends a new prompt to the first proxy and the same prompt to the second: the second answer is a hit when the cache
is shared through Redis. Each round records the two status codes, whether it was a hit, and how long it took; every
few rounds the collection's own probe (redis_topology.probe, as redis_cache_probe runs it) says what it sees. The
summary is what the knowledge base records: whether requests failed or only missed, and how long after the kill the
cache was shared again.
"""

import os
import re
import threading
import time

import requests

from ansible_collections.erni_ki.litellm.plugins.module_utils import redis_topology
from ansible_collections.erni_ki.litellm.plugins.module_utils.redis_connection import connection_params
from tests.helpers.proxies import chat, key_of


def probe_conn(endpoints):
    """The probe's connection to a topology sandbox's Redis, as redis_cache_probe builds it."""
    with open(endpoints["redis"]["password_file"], encoding="utf-8") as f:
        password = f.read().strip()
    topo = endpoints["redis"]["topology"]
    return connection_params(
        {
            "login_password": password,
            "db": 0,
            "socket_timeout": 2.0,
            "socket_connect_timeout": 2.0,
            "topology": topo["kind"],
            "sentinel_nodes": topo.get("sentinels", []),
            "service_name": topo.get("service_name"),
            "sentinel_password": password,
            "cluster_nodes": topo.get("nodes", []),
        }
    )


def probe_summary(endpoints):
    """What the probe reports now, in a few words: available, the master or cluster_state, healthy."""
    result = redis_topology.probe(probe_conn(endpoints), {"latency_samples": 1})
    topo = result["topology"]
    return {
        "available": result["is_available"],
        "error": (result["error"] or {}).get("kind"),
        "master": topo.get("master"),
        "cluster_state": topo.get("cluster_state"),
        "masters": len(topo.get("masters") or []),
        "healthy": topo.get("healthy"),
    }


def _ask(proxy, key, content, timeout):
    """(status code or exception name, hit, seconds) of one request."""
    started = time.monotonic()
    try:
        resp = chat(proxy["url"], key, content, timeout=timeout)
        return resp.status_code, bool(resp.headers.get("x-litellm-cache-key")), round(time.monotonic() - started, 2)
    except requests.RequestException as exc:
        return type(exc).__name__, False, round(time.monotonic() - started, 2)


def _round(proxies, key, timeout):
    """Both directions: a new prompt on each proxy, then the same on the other (a hit there: the cache is shared)."""
    row = {"t0": time.monotonic(), "codes": [], "slowest_s": 0.0}
    for writer, reader in (proxies, proxies[::-1]):
        content = f"failover {os.urandom(8).hex()}"
        for proxy in (writer, reader):
            code, hit, took = _ask(proxy, key, content, timeout)
            row["codes"].append(code)
            row["slowest_s"] = max(row["slowest_s"], took)
        row[f"hit_{writer['name']}_to_{reader['name']}"] = hit
    return row


def watch(endpoints, kill, duration=45.0, interval=0.5, timeout=30, probe_every=1.0):
    """Kill at t=0 (``kill()``), then measure for ``duration`` seconds. Returns {rounds, probes, summary}."""
    proxies = endpoints["proxies"][:2]
    key = key_of(endpoints)
    before = _round(proxies, key, timeout)
    assert all(v for k, v in before.items() if k.startswith("hit_")), (
        f"the cache was not shared before the kill: {before}"
    )
    probes = []
    stop = threading.Event()

    def probing():
        while not stop.is_set():
            at = time.monotonic() - t_kill
            probes.append(dict(probe_summary(endpoints), t=round(at, 1)))
            stop.wait(probe_every)

    kill()
    t_kill = time.monotonic()
    prober = threading.Thread(target=probing)
    prober.start()
    rounds = []
    try:
        while time.monotonic() - t_kill < duration:
            row = _round(proxies, key, timeout)
            row["t"] = round(row.pop("t0") - t_kill, 1)
            rounds.append(row)
            time.sleep(interval)
    finally:
        stop.set()
        prober.join()
    return {"rounds": rounds, "probes": probes, "summary": summarize(rounds, probes)}


STEADY_ROUNDS = 3  # hits in a row that start "shared again"
STEADY_SHARE = 0.9  # ... and the share of hits from there to the end of the watch


def shared_again(times, hits):
    """When the cache was shared again: the first round that starts STEADY_ROUNDS hits in a row and from which at
    least STEADY_SHARE of the rounds hit (None if never). A lone miss later (one Redis call over its timeout on a
    loaded machine) does not move it; a cache that keeps flapping never gets one."""
    for i in range(len(hits)):
        rest = hits[i:]
        if len(rest) >= STEADY_ROUNDS and all(rest[:STEADY_ROUNDS]) and sum(rest) >= STEADY_SHARE * len(rest):
            return times[i]
    return None


def timeline(rounds):
    """Every round's hits over time, for a failure message: ``10.5:HH 11.0:H.`` (H a hit, . a miss, per direction)."""
    return " ".join(
        f"{r['t']}:{''.join('H' if r[k] else '.' for k in sorted(r) if k.startswith('hit_'))}" for r in rounds
    )


def summarize(rounds, probes):
    """Failed requests (not 200), and per direction the misses, when the cache was shared again and the misses after
    that (each with its time, for the evidence)."""
    directions = sorted({k for r in rounds for k in r if k.startswith("hit_")})
    shared = {}
    for d in directions:
        misses = [r["t"] for r in rounds if not r[d]]
        back = shared_again([r["t"] for r in rounds], [bool(r[d]) for r in rounds])
        shared[d[len("hit_") :]] = {
            "misses": len(misses),
            "last_miss_s": misses[-1] if misses else None,
            "shared_again_s": back,
            "misses_after_s": [t for t in misses if back is not None and t > back],
        }
    return {
        "rounds": len(rounds),
        "requests": sum(len(r["codes"]) for r in rounds),
        "failed_requests": sum(1 for r in rounds for c in r["codes"] if c != 200),
        "slowest_request_s": max((r["slowest_s"] for r in rounds), default=None),
        "directions": shared,
        "probe_unavailable_s": [p["t"] for p in probes if not p["available"]],
        "probe_available_again_s": next(
            (p["t"] for p in probes if p["available"] and any(not q["available"] and q["t"] < p["t"] for q in probes)),
            None,
        ),
        "probe_first": probes[0] if probes else None,
        "probe_last": probes[-1] if probes else None,
    }


CACHE_ENTRY = re.compile(rb"cb:[0-9a-f]{64}")


def _entries(lab):
    """The response cache's entries in the lab's Redis (not the rate limiter's counters, which share the prefix)."""
    return [k for k in lab.client().scan_iter(match="cb:*", count=1000) if CACHE_ENTRY.fullmatch(k)]


def breaker_recovery(lab, image, env=None, outage_requests=8, limit=120.0):
    """Seconds from a Redis that is back after a short outage until LiteLLM caches through it again.

    ``lab`` is a tests.helpers.kb_probes.Lab (one password-protected Redis). The proxy caches through it, the Redis
    container is killed, ``outage_requests`` requests are answered meanwhile (every Redis call fails: enough to open a
    circuit breaker of 5 failures), the Redis is started again, and a new prompt is sent every half second until its
    entry is in Redis. Returns (seconds from Redis back until then, the status codes during the outage, seconds from
    the kill until Redis was back: a breaker opens somewhere in that time, and its clock runs from there)."""
    params = dict(lab.redis_params(), namespace="cb", socket_timeout=5)
    proxy = lab.start(image, params, env=env)
    try:
        assert proxy.wait() == "ready", proxy.logs()
        assert proxy.cached_key()[2], "no cache hit before the outage"
        assert _entries(lab), "the cache did not reach Redis before the outage"
        lab.redis.container.kill()
        killed = time.monotonic()
        codes = [proxy.chat(f"outage {os.urandom(8).hex()}").status_code for _request in range(outage_requests)]
        lab.redis.container.start()
        lab.redis.wait_ready()
        back = time.monotonic()
        outage = round(back - killed, 1)
        while time.monotonic() - back < limit:
            content = f"after {os.urandom(8).hex()}"
            proxy.chat(content)
            if _entries(lab):
                return round(time.monotonic() - back, 1), codes, outage
            time.sleep(0.5)
        return None, codes, outage
    finally:
        lab.stop(proxy)
