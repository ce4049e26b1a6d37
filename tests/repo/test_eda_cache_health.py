"""The cache_health event source's decisions (pure logic; the guard against a real Redis and real proxies is
tests/integration/test_cache_guard.py): one event per instance per change of state, one more when a bad state has
lasted the hold time, and what makes a poll healthy, degraded or down."""

import importlib.util
import pathlib

from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_knowledge import circuit_breaker
from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_version import LiteLLMVersion

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "cache_health", ROOT / "extensions" / "eda" / "plugins" / "event_source" / "cache_health.py"
)
cache_health = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cache_health)


def test_one_event_per_change_and_one_when_the_hold_has_passed():
    watch = cache_health.Watch("litellm-a", "redis://127.0.0.1:6390/0", hold=10)
    first = watch.observe("healthy", [], 100.0)
    assert [(e["state"], e["held"]) for e in first] == [("healthy", False)]
    assert first[0]["meta"] == {"hosts": "litellm-a"}
    assert watch.observe("healthy", [], 102.0) == []
    down = watch.observe("down", ["unreachable: ConnectionError"], 104.0)
    assert [(e["state"], e["held"], e["reasons"]) for e in down] == [("down", False, ["unreachable: ConnectionError"])]
    assert watch.observe("down", ["unreachable: ConnectionError"], 110.0) == [], "the hold has not passed"
    held = watch.observe("down", ["unreachable: ConnectionError"], 114.0)
    assert [(e["state"], e["held"]) for e in held] == [("down", True)]
    assert held[0]["since"].endswith("+00:00")
    assert watch.observe("down", [], 130.0) == [], "held is said once"
    assert [e["state"] for e in watch.observe("healthy", [], 132.0)] == ["healthy"]


def test_a_flapping_redis_never_holds():
    watch = cache_health.Watch("litellm-a", "redis", hold=10)
    events = []
    for t in range(0, 60, 3):
        events += watch.observe("down" if t % 6 == 0 else "healthy", [], float(t))
    assert events and not [e for e in events if e["held"]]


def test_what_a_poll_says():
    assert cache_health.classify(1.2, None, None, 5) == ("healthy", [])
    assert cache_health.classify(None, "unreachable: ConnectionError", None, 5) == (
        "down",
        ["unreachable: ConnectionError"],
    )
    state, reasons = cache_health.classify(3000.0, None, "OOM", 5)
    assert state == "degraded" and len(reasons) == 2 and reasons[1] == "writes refused: OOM"


def test_healthy_after_a_bad_state_holds_only_with_healthy_hold():
    watch = cache_health.Watch("litellm-a", "redis", hold=4, healthy_hold=10)
    assert [e["held"] for e in watch.observe("healthy", [], 0.0)] == [False]
    assert watch.observe("healthy", [], 60.0) == [], "healthy from the start is not a recovery: no held event"
    watch.observe("down", ["unreachable: ConnectionError"], 61.0)
    assert [(e["state"], e["held"]) for e in watch.observe("down", [], 65.0)] == [("down", True)]
    assert [(e["state"], e["held"]) for e in watch.observe("healthy", [], 66.0)] == [("healthy", False)]
    assert watch.observe("healthy", [], 75.0) == [], "the healthy hold has not passed"
    held = watch.observe("healthy", [], 76.0)
    assert [(e["state"], e["held"], e["cache"]) for e in held] == [("healthy", True, None)]
    assert watch.observe("healthy", [], 200.0) == [], "held is said once"
    # a flap back to down and up again starts the healthy hold anew
    watch.observe("down", [], 201.0)
    watch.observe("healthy", [], 202.0)
    assert watch.observe("healthy", [], 211.0) == []
    assert [e["held"] for e in watch.observe("healthy", [], 212.0)] == [True]


def test_without_healthy_hold_a_recovery_is_one_event():
    watch = cache_health.Watch("litellm-a", "redis", hold=4)
    watch.observe("down", [], 0.0)
    watch.observe("healthy", [], 1.0)
    assert watch.observe("healthy", [], 1e6) == []


def test_a_release_with_a_circuit_breaker_holds_a_dead_redis_as_long_as_the_breaker():
    """The knowledge base's LITELLM-FACT-007: from 1.83.7 LiteLLM stops calling a dead Redis and tries it again after
    60 s; the guard waits that long before it restarts an instance into local (a stall keeps the plain hold)."""
    assert circuit_breaker(LiteLLMVersion("1.80.11")) is None
    assert circuit_breaker(None) is None
    breaker = circuit_breaker(LiteLLMVersion("1.108.7"))
    assert breaker == {"fact": "LITELLM-FACT-007", "failures": 5, "recovery_s": 60.0}
    assert (
        circuit_breaker(LiteLLMVersion("1.108.7"), {"REDIS_CIRCUIT_BREAKER_RECOVERY_TIMEOUT": "10"})["recovery_s"] == 10
    )
    assert circuit_breaker(LiteLLMVersion("1.108.7"), {"REDIS_CIRCUIT_BREAKER_ENABLED": "False"}) is None

    watch = cache_health.Watch("litellm-a", "redis", hold=10)
    watch.observe("healthy", [], 0.0)
    watch.breaker = breaker
    down = watch.observe("down", ["refused: ConnectionError"], 1.0)
    assert "circuit breaker (LITELLM-FACT-007)" in down[0]["policy"] and "hold 60 s, not 10 s" in down[0]["policy"]
    assert watch.observe("down", [], 20.0) == [], "within the breaker's recovery time: LiteLLM copes by itself"
    assert [e["held"] for e in watch.observe("down", [], 61.0)] == [True]
    watch.observe("degraded", ["slow"], 62.0)
    assert [e["held"] for e in watch.observe("degraded", ["slow"], 72.0)] == [True], "a stall keeps the plain hold"


def test_a_url_built_in_the_container_is_read_there_and_named_never_shown():
    hv = {"inventory_hostname": "litellm-a", "litellm_cache_login_url": "os.environ/REDIS_URL"}
    try:
        cache_health.connection(hv)
    except ValueError as exc:
        assert "name the container (litellm_cache_container" in str(exc)
    else:
        raise AssertionError("a URL built in no named container was accepted")
    conn = cache_health.connection(dict(hv, litellm_cache_compose_project="llm", litellm_cache_compose_service="lite"))
    assert conn["login_url_env"] == "REDIS_URL" and "login_url" not in conn
    assert conn["in_container"] == {
        "container": None,
        "compose_project": "llm",
        "compose_service": "lite",
        "docker_host": None,
    }
    assert conn["label"] == "os.environ/REDIS_URL of llm/lite"
    by_name = cache_health.connection(dict(hv, litellm_cache_container="llm-litellm-1"))
    assert by_name["label"] == "os.environ/REDIS_URL of llm-litellm-1"
