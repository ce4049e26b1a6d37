"""Benchmark: what redis_cache_probe costs the other clients of Redis, and how fast its scoped flush is.

Starts its own redis-server on 127.0.0.1 (a free port), fills it with N keys in a LiteLLM-like namespace plus
foreign keys, and measures, with another client PINGing every millisecond in a separate process (its worst round
trip is what LiteLLM would feel):

1. the baseline: that client alone, for as long as the probe's count takes;
2. the probe counting the namespace with SCAN (redis_probe.count_keys + ttl_stats), and `KEYS *` (the runbook's way);
3. the scoped flush, in keys per second and the other client's worst PING meanwhile: redis_probe.flush_keys (SCAN
   COUNT 1000 with the UNLINK of each step pipelined with the next SCAN), and
   `redis-cli --scan --pattern 'NS:*' | xargs redis-cli unlink`;
4. the same flush on a Redis Cluster of three masters (redis_topology: every master at once).

Prints the tables as Markdown. It is a benchmark, not a test: `make bench` (or python benchmarks/redis_probe.py
--keys N). Targets (issue 14): the probe adds <= 2 ms to the other client's worst PING over the baseline; the flush
reaches >= 500k keys/s with the other client's worst PING <= 10 ms; the cluster flush >= 2x the standalone one.
"""

import argparse
import multiprocessing
import os
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [ROOT, os.path.join(ROOT, "build", "collections")]

from ansible_collections.erni_ki.litellm.plugins.module_utils import redis_probe, redis_topology  # noqa: E402
from tests.helpers.redis_server import RedisServer, fill  # noqa: E402

NS = "litellm"


def watcher(port, stop, out):
    import redis  # noqa: PLC0415 - in the child process

    c = redis.Redis(host="127.0.0.1", port=port)
    worst = 0.0
    samples = []
    while not stop.is_set():
        t = time.perf_counter()
        c.ping()
        ms = (time.perf_counter() - t) * 1000.0
        samples.append(ms)
        worst = max(worst, ms)
        time.sleep(0.001)
    samples.sort()
    out.put({"max": worst, "p99": samples[int(len(samples) * 0.99) - 1] if samples else 0.0, "n": len(samples)})


def other_client_latency(port, action):
    ctx = multiprocessing.get_context("fork")
    stop, out = ctx.Event(), ctx.Queue()
    proc = ctx.Process(target=watcher, args=(port, stop, out))
    proc.start()
    time.sleep(0.3)
    t = time.perf_counter()
    action()
    elapsed = time.perf_counter() - t
    time.sleep(0.2)
    stop.set()
    stats = out.get(timeout=30)
    proc.join(10)
    return elapsed, stats


def timed(port, action):
    """(seconds the action took, the other client's PINGs meanwhile, the action's result)."""
    box = {}

    def run():
        box["result"] = action()

    elapsed, stats = other_client_latency(port, run)
    return elapsed, stats, box.get("result")


def start_cluster(masters=3):
    """Three password-less cluster masters on loopback (no replicas: the benchmark measures the masters' work)."""
    servers = [RedisServer(cluster=True) for _ in range(masters)]
    nodes = " ".join(f"127.0.0.1:{s.port}" for s in servers)
    servers[0].shell(f"redis-cli --cluster create {nodes} --cluster-yes >/dev/null")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(b"cluster_state:ok" in s.client().execute_command("CLUSTER", "INFO") for s in servers):
            return servers
        time.sleep(0.2)
    raise TimeoutError("the benchmark's cluster did not reach cluster_state ok")


def fill_cluster(servers, count, prefix, ttl=None):
    """``count`` keys <prefix><64 hex> written to the master that owns each (pipelined per master)."""
    import redis  # noqa: PLC0415

    rc = redis.RedisCluster(host="127.0.0.1", port=servers[0].port)
    owners = {}
    for node in rc.get_primaries():
        owners[node.port] = node
    by_port = {s.port: s.client() for s in servers}
    pipes = {port: c.pipeline(transaction=False) for port, c in by_port.items()}
    for i in range(count):
        key = f"{prefix}{i:064x}"
        port = rc.get_node_from_key(key).port
        pipes[port].set(key, b"x" * 64, ex=ttl)
        if len(pipes[port]) >= 10000:
            pipes[port].execute()
    for pipe in pipes.values():
        pipe.execute()
    rc.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--foreign", type=int, default=100_000)
    args = ap.parse_args()
    pattern = redis_probe.scope_pattern(NS)

    server = RedisServer()
    try:
        c = server.client()
        print(f"filling {args.keys:,} keys {NS}:<64 hex> and {args.foreign:,} foreign keys ...", flush=True)
        fill(c, args.keys, prefix=f"{NS}:", ttl=3600)
        fill(c, args.foreign, prefix="other:")

        def probe_count():
            n = redis_probe.count_keys(c, pattern)
            redis_probe.ttl_stats(c, pattern)
            assert n == args.keys, n

        count_s, count_lat, _result = timed(server.port, probe_count)
        base_s, base_lat, _result = timed(server.port, lambda: time.sleep(count_s))
        keys_s, keys_lat, _result = timed(server.port, lambda: c.keys("*"))

        flush_s, flush_lat, deleted = timed(server.port, lambda: redis_probe.flush_keys(c, pattern))
        assert deleted == args.keys and c.dbsize() == args.foreign, (deleted, c.dbsize())
        fill(c, args.keys, prefix=f"{NS}:", ttl=3600)
        # the operators' own shell pipeline, as they run it (redis-cli of the server's own image)
        pipeline = (
            f"redis-cli -p {server.port} --scan --pattern '{pattern}' | xargs redis-cli -p {server.port} unlink "
            ">/dev/null"
        )
        cli_s, cli_lat, _result = timed(server.port, lambda: server.shell(pipeline))
        assert c.dbsize() == args.foreign
    finally:
        server.stop()

    print(f"starting a cluster of three masters and filling it with {args.keys:,} + {args.foreign:,} keys ...")
    servers = start_cluster()
    try:
        fill_cluster(servers, args.keys, f"{NS}:", ttl=3600)
        fill_cluster(servers, args.foreign, "other:")
        conn = {
            "topology": "cluster",
            "cluster_nodes": [["127.0.0.1", servers[0].port]],
            "socket_timeout": 30.0,
            "socket_connect_timeout": 5.0,
            "db": 0,
        }
        opts = {"latency_samples": 0, "namespace": NS, "flush": True}
        cl_s, cl_lat, result = timed(servers[0].port, lambda: redis_topology.probe(conn, opts))
        assert result["flushed"] == args.keys, result["error"] or result["flushed"]
        left = sum(s.client().dbsize() for s in servers)
        assert left == args.foreign, left
    finally:
        for s in servers:
            s.stop()

    base = base_lat["max"]
    print()
    print("| while ... | took s | other client's worst PING ms | over the baseline ms | p99 ms |")
    print("|---|---|---|---|---|")
    for name, el, st in (
        ("nothing (the baseline)", base_s, base_lat),
        ("probe: SCAN count + TTL sample", count_s, count_lat),
        ("runbook: KEYS *", keys_s, keys_lat),
    ):
        print(f"| {name} | {el:.2f} | {st['max']:.2f} | {st['max'] - base:+.2f} | {st['p99']:.2f} |")
    print()
    print("| scoped flush of 1M keys (100k foreign kept) | took s | keys/s | other client's worst PING ms |")
    print("|---|---|---|---|")
    for name, el, st in (
        ("probe: SCAN + UNLINK pipelined with the next SCAN", flush_s, flush_lat),
        ("redis-cli --scan \\| xargs redis-cli unlink", cli_s, cli_lat),
        ("probe on a 3-master cluster, every master at once", cl_s, cl_lat),
    ):
        print(f"| {name} | {el:.2f} | {args.keys / el:,.0f} | {st['max']:.2f} |")
    print()
    print(
        f"probe count adds {count_lat['max'] - base:+.2f} ms (target <= 2); flush {args.keys / flush_s:,.0f} keys/s "
        f"(target >= 500,000) with a worst PING of {flush_lat['max']:.2f} ms (target <= 10); cluster "
        f"{flush_s / cl_s:.2f}x standalone (target >= 2x); pipeline {args.keys / cli_s:,.0f} keys/s"
    )


if __name__ == "__main__":
    main()
