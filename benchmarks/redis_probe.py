"""Benchmark: does redis_cache_probe stall other clients, and how fast is its scoped flush?

Starts its own redis-server on 127.0.0.1 (a free port), fills it with N keys in a LiteLLM-like
namespace plus foreign keys, then measures:

1. another client's PING latency (in a separate process, so the GIL cannot skew it) while
   a) the probe counts the namespace with SCAN (redis_probe.count_keys + ttl_stats), and
   b) an operator runs `KEYS *` (the runbook's way);
2. the scoped flush, in keys per second:
   a) redis_probe.flush_keys (SCAN COUNT 1000 + pipelined UNLINK batches), and
   b) `redis-cli --scan --pattern 'NS:*' | xargs redis-cli unlink`.

Prints a table. It is a benchmark, not a test: run `make bench` (or python benchmarks/redis_probe.py --keys N).
"""

import argparse
import multiprocessing
import os
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [ROOT, os.path.join(ROOT, "build", "collections")]

from ansible_collections.erni_ki.litellm.plugins.module_utils import redis_probe  # noqa: E402
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--foreign", type=int, default=100_000)
    args = ap.parse_args()

    server = RedisServer()
    try:
        c = server.client()
        print(f"filling {args.keys:,} keys {NS}:<64 hex> and {args.foreign:,} foreign keys ...", flush=True)
        fill(c, args.keys, prefix=f"{NS}:", ttl=3600)
        fill(c, args.foreign, prefix="other:")
        pattern = redis_probe.scope_pattern(NS)
        rows = []

        def probe_count():
            n = redis_probe.count_keys(c, pattern)
            redis_probe.ttl_stats(c, pattern)
            assert n == args.keys, n

        elapsed, lat = other_client_latency(server.port, probe_count)
        rows.append(("probe: SCAN count + TTL sample", elapsed, lat))
        elapsed, lat = other_client_latency(server.port, lambda: c.keys("*"))
        rows.append(("runbook: KEYS *", elapsed, lat))

        print()
        print(f"{'while ...':34} {'took s':>8} {'other client max ms':>20} {'p99 ms':>8} {'pings':>7}")
        for name, el, st in rows:
            print(f"{name:34} {el:8.2f} {st['max']:20.2f} {st['p99']:8.2f} {st['n']:7d}")

        flush_rows = []
        t = time.perf_counter()
        deleted = redis_probe.flush_keys(c, pattern)
        el = time.perf_counter() - t
        assert deleted == args.keys and c.dbsize() == args.foreign
        flush_rows.append(("probe: SCAN + pipelined UNLINK", deleted, el))

        fill(c, args.keys, prefix=f"{NS}:", ttl=3600)
        t = time.perf_counter()
        pipeline = (
            f"redis-cli -p {server.port} --scan --pattern '{pattern}' | xargs redis-cli -p {server.port} unlink "
            ">/dev/null"
        )
        # the operators' own shell pipeline, measured as they run it (redis-cli of the server's own image)
        server.shell(pipeline)
        el = time.perf_counter() - t
        assert c.dbsize() == args.foreign
        flush_rows.append(("redis-cli --scan | xargs unlink", args.keys, el))

        print()
        print(f"{'scoped flush':34} {'keys':>10} {'took s':>8} {'keys/s':>10}")
        for name, n, el in flush_rows:
            print(f"{name:34} {n:10,d} {el:8.2f} {n / el:10,.0f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
