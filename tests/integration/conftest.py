"""Live fixtures: the sandbox's real Redis and real LiteLLM proxy containers on the real Docker engine.

`make test-live` brings the sandbox up first (sandbox/up.sh writes sandbox/endpoints.json). Tests
that need a proxy with a config of their own start extra containers from the same locally built
images through `litellm_launcher`; these carry the label `erni_ki.sandbox=<project>` so that
`make sandbox-down` removes any a crashed run left behind.
"""

import json
import os
import sys

import docker
import pytest
import redis

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SANDBOX = os.path.join(ROOT, "sandbox")
sys.path.insert(0, SANDBOX)

from tests.helpers import launcher  # noqa: E402
from tests.helpers.launcher import Launcher  # noqa: E402

# `make test-live` runs the live suite as three pytest processes side by side (LIVE_LANE=shared, own and guard):
# "shared" holds the modules that change the default sandbox's shared state (its proxies litellm-a/b, its files, a
# db of its Redis on 6390 that another module reads), in a row as before; "own" holds the modules that bring up
# Redis servers and proxies of their own (the fleet and topology presets, the knowledge base's labs, the images) or
# use a db of the default Redis that no other module touches (test_litellm_cache_mode_live.py: db 5 and
# proxies of its own; test_redis_cache_probe.py: its own servers, and db 3 read through litellm-a, which no shared
# module restarts), which can run beside them. Every module is in exactly one lane
# (tests/repo/test_stage_budgets.py checks), so the lanes together run the whole suite.
LANES = {
    "shared": (
        "test_awx_chain.py",
        "test_faults.py",
        "test_litellm_service.py",
        "test_playbooks.py",
        "test_role.py",
        "test_sandbox_smoke.py",
    ),
    "own": (
        "test_field_setups.py",
        "test_fleet.py",
        "test_kb_probes.py",
        "test_knowledge_evidence.py",
        "test_litellm_cache_mode_live.py",
        "test_redis_cache_probe.py",
    ),
    # the modules that wait much of their time, on instances of their own: the cache guard (a minute of flapping,
    # hold times), LiteLLM's circuit breaker (a minute of its recovery), the overlapping runs (each pair's second run
    # waits for the first's lock), the topology presets (failovers), and the release upgrade (a compose stack of its
    # own, db 14 of the default Redis); they were in the two long lanes, which they lengthened while the CPU idled
    "guard": (
        "test_cache_guard.py",
        "test_circuit_breaker.py",
        "test_litellm_cache_rollback.py",
        "test_litellm_release.py",
        "test_overlapping_runs.py",
        "test_topologies.py",
    ),
}


def pytest_collection_modifyitems(config, items):
    """With LIVE_LANE set, keep the modules of that lane only (the deselected ones run in the other processes).
    Every test here is ``live``: tests/conftest.py marks it."""
    lane = os.environ.get("LIVE_LANE")
    if not lane:
        return
    if lane not in LANES:
        raise pytest.UsageError(f"LIVE_LANE must be one of {', '.join(LANES)}, got {lane!r}")
    unassigned = sorted({item.path.name for item in items} - {f for files in LANES.values() for f in files})
    if unassigned:
        raise pytest.UsageError(f"live test modules in no lane of tests/integration/conftest.py LANES: {unassigned}")
    keep = [item for item in items if item.path.name in LANES[lane]]
    config.hook.pytest_deselected(items=[item for item in items if item.path.name not in LANES[lane]])
    items[:] = keep


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


@pytest.fixture(scope="session")
def endpoints():
    path = os.path.join(SANDBOX, "endpoints.json")
    if not os.path.exists(path):
        pytest.fail("sandbox/endpoints.json is missing: run `make sandbox-up` (make test-live does)")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def image_tags():
    return launcher.image_tags()


@pytest.fixture(scope="session")
def redis_password(endpoints):
    return _read(endpoints["redis"]["password_file"])


@pytest.fixture(scope="session")
def master_key(endpoints):
    return _read(endpoints["master_key_file"])


@pytest.fixture(scope="session")
def secrets(master_key, redis_password):
    """The sandbox's secrets, which no output, log or file a run leaves may contain."""
    return [master_key, redis_password]


@pytest.fixture(scope="session")
def redis_port(endpoints):
    return endpoints["redis"]["port"]


@pytest.fixture
def redis_client(endpoints, redis_password):
    def make(db=0):
        return redis.Redis(host="127.0.0.1", port=endpoints["redis"]["port"], db=db, password=redis_password)

    return make


@pytest.fixture(scope="session")
def docker_client():
    return docker.from_env()


@pytest.fixture
def litellm_launcher(docker_client, endpoints, image_tags, tmp_path_factory):
    launcher = Launcher(docker_client, endpoints, image_tags, tmp_path_factory)
    yield launcher
    launcher.cleanup()
