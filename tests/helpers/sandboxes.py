"""Sandbox projects beside the default one (tests and benchmarks): the fleet of four proxies of mixed releases, and
two proxies on each Redis topology (sentinel, cluster). Each is sandbox/up.sh with its own project, ports and files."""

import json
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _project(name, out, **settings):
    return {
        "SANDBOX_PROJECT": name,
        "SANDBOX_RUN": os.path.join(ROOT, "sandbox", *out, "run"),
        "SANDBOX_OUT": os.path.join(ROOT, "sandbox", *out),
        **settings,
    }


FLEET = _project(
    "ernifleet",
    ("fleet",),
    SANDBOX_INSTANCES="4",
    # litellm-b runs a release the gate refuses; it is not last, so a stopped rollout shows
    SANDBOX_PROXY_VERSIONS="1.80.11 1.80.0 1.108.7 1.80.11",
    SANDBOX_REDIS_PORT="6391",
    SANDBOX_LITELLM_A_PORT="4101",
)
# Sentinel caches need a release that authenticates to the sentinels (knowledge base LITELLM-CACHE-011).
SENTINEL = _project(
    "ernisentinel",
    ("topologies", "sentinel"),
    SANDBOX_REDIS_TOPOLOGY="sentinel",
    SANDBOX_PROXY_VERSION="1.108.7",
    SANDBOX_REDIS_PORT="6393",  # master 6393, replica 6394, sentinels 26393-26395
    SANDBOX_LITELLM_A_PORT="4201",
)
# One proxy of each release the gate lets run a cluster cache, sharing it.
CLUSTER = _project(
    "ernicluster",
    ("topologies", "cluster"),
    SANDBOX_REDIS_TOPOLOGY="cluster",
    SANDBOX_PROXY_VERSIONS="1.108.7 1.80.11",
    SANDBOX_REDIS_PORT="6400",  # nodes 6400-6405 (cluster bus 16400-16405)
    SANDBOX_LITELLM_A_PORT="4211",
)


def up(project):
    """Start (or restart) the project; returns its endpoints (as sandbox/endpoints.json describes the default one)."""
    env = dict(os.environ, **project)
    subprocess.run(["bash", os.path.join(ROOT, "sandbox", "up.sh")], env=env, check=True, timeout=900)
    with open(os.path.join(project["SANDBOX_OUT"], "endpoints.json"), encoding="utf-8") as f:
        return json.load(f)


def down(project):
    env = dict(os.environ, **project)
    subprocess.run(["bash", os.path.join(ROOT, "sandbox", "down.sh")], env=env, check=False, timeout=300)
