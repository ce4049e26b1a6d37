"""How many Redis connections one LiteLLM proxy holds over time (LITELLM-FACT-012's measurement).

    python tools/measure_client_pool.py 1.80.11 --minutes 15

LiteLLM keeps its async Redis client in ``in_memory_llm_clients_cache``, an in-memory cache whose entries live
600 s (``InMemoryCache.default_ttl``); when the entry expires, the next request builds a new connection pool and a
new client, and nothing closes the old one. This starts the release against a real Redis (tests/helpers/kb_probes.py
Lab), sends one cached request every ``--every`` seconds, and samples the server's ``CLIENT LIST`` and
``INFO stats`` every sample: the clients connected, how many connections were ever accepted. Prints one line per
sample and a summary (the most clients at once, when the count rose), and writes build/kb/client-pool-RELEASE.json.
"""

import argparse
import datetime
import json
import os
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

from tests.helpers.kb_probes import Lab  # noqa: E402
from tests.helpers.proxies import wait_ready  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("release")
    ap.add_argument("--image", help="the image tag (default: the sandbox's, sandbox/.state/images.env)")
    ap.add_argument("--minutes", type=float, default=15)
    ap.add_argument("--every", type=float, default=5, help="seconds between requests and samples")
    args = ap.parse_args()
    image = args.image or _sandbox_tag(args.release)
    samples = []
    with Lab() as lab:
        proxy = lab.start(image, cache_params=dict(lab.redis_params(), namespace="pool"))
        wait_ready(proxy.url, 180)
        admin = lab.client()
        admin.client_setname("measure")
        start = time.monotonic()
        while time.monotonic() - start < args.minutes * 60:
            answer = proxy.chat("the same question, so the answer is a cache hit after the first")
            clients = [c for c in admin.client_list() if c.get("name") != "measure"]
            row = {
                "t_s": round(time.monotonic() - start, 1),
                "status": answer.status_code,
                "clients": len(clients),
                "oldest_age_s": max((int(c["age"]) for c in clients), default=0),
                "accepted": admin.info("stats")["total_connections_received"],
            }
            samples.append(row)
            print(json.dumps(row), flush=True)
            time.sleep(args.every)
        lab.stop(proxy)
    rises = [b for a, b in zip(samples, samples[1:]) if b["clients"] > a["clients"]]
    summary = {
        "release": args.release,
        "date": datetime.date.today().isoformat(),
        "minutes": args.minutes,
        "every_s": args.every,
        "max_clients": max(s["clients"] for s in samples),
        "first_clients": samples[0]["clients"],
        "rises_at_s": [r["t_s"] for r in rises],
        "accepted": samples[-1]["accepted"] - samples[0]["accepted"],
    }
    print(json.dumps(summary))
    os.makedirs(os.path.join(ROOT, "build", "kb"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "kb", f"client-pool-{args.release}.json"), "w", encoding="utf-8") as f:
        json.dump({"summary": summary, "samples": samples}, f, indent=1)


def _sandbox_tag(release):
    with open(os.path.join(ROOT, "sandbox", ".state", "images.env"), encoding="utf-8") as f:
        tags = dict(line.strip().split("=", 1) for line in f if "=" in line)
    return tags[f"LITELLM_TAG_{release.replace('.', '_')}"]


if __name__ == "__main__":
    main()
