import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb
from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_version import LiteLLMVersion

REDIS_CP = {"type": "redis", "host": "redis", "port": 6379, "socket_timeout": 30}


def ids(version, **kw):
    kw.setdefault("cache_params", REDIS_CP)
    v = None if version is None else LiteLLMVersion(version)
    return {f["id"]: f["severity"] for f in kb.evaluate(v, kw.pop("mode", "redis"), **kw)}


def test_every_rule_is_complete_and_unique():
    seen = set()
    for r in kb.RULES:
        assert r["id"] not in seen
        seen.add(r["id"])
        for field in ("title", "evidence", "remedy"):
            assert len(r[field]) > 20, (r["id"], field)
        assert r["severity"] in ("error", "warning", "info")


def test_clean_redis_config_on_current_release_has_no_findings():
    assert ids("1.108.7") == {}


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.74.15", "error"),
        ("1.79.3", "error"),
        ("1.80.0", "error"),
        ("1.80.10", "error"),
        ("v1.80.5-stable.1", "error"),
        ("1.80.11", None),
        ("1.108.7", None),
    ],
)
def test_shared_client_rule_by_version(version, expected):
    found = ids(version, router_settings={"redis_host": "redis"})
    assert found.get("LITELLM-CACHE-003") == expected


@pytest.mark.parametrize(("version", "expected"), [("1.80.11", "warning"), ("1.81.6", "warning"), ("1.81.7", None)])
def test_router_redis_db_rule_by_version(version, expected):
    assert ids(version, router_settings={"redis_db": 1}).get("LITELLM-CACHE-004") == expected


@pytest.mark.parametrize(("version", "expected"), [("1.80.0", "error"), ("1.92.2", "error"), ("1.93.0", None)])
def test_redis_url_rule_by_version(version, expected):
    assert ids(version, container_env={"REDIS_URL", "PATH"}).get("LITELLM-CACHE-005") == expected


@pytest.mark.parametrize(("version", "expected"), [("1.80.11", "error"), ("1.100.9", "error"), ("1.101.0", None)])
def test_env_numbers_rule_by_version(version, expected):
    assert ids(version, container_env={"REDIS_SOCKET_CONNECT_TIMEOUT"}).get("LITELLM-CACHE-006") == expected


def test_env_rules_do_not_fire_in_local_mode():
    assert ids("1.80.0", mode="local", cache_params={"type": "local"}, container_env={"REDIS_URL"}) == {}


def test_default_timeout_is_info():
    assert ids("1.108.7", cache_params={"type": "redis", "host": "r"}) == {"LITELLM-CACHE-008": "info"}


def test_connection_pool_timeout_is_its_own_rule():
    found = ids("1.108.7", cache_params=dict(REDIS_CP, connection_pool_timeout=5))
    assert found == {"LITELLM-CACHE-001": "error"}


def test_accepted_keys_include_cache_redis_cache_and_redis_py():
    keys = kb.accepted_cache_keys(LiteLLMVersion("1.80.0"))
    for k in ("type", "ttl", "namespace", "socket_timeout", "db", "ssl_ca_certs", "max_connections", "url"):
        assert k in keys
    assert "connection_pool_timeout" not in keys


def test_unknown_version_downgrades_bounded_errors_to_warnings():
    found = ids(None, container_env={"REDIS_URL"})
    assert found["LITELLM-CACHE-005"] == "warning"


def test_every_measurement_agrees_with_the_rules_release_range():
    """The gate refuses exactly the releases where the probe saw the problem (pure data: the measured rows)."""
    for rule_id, rows in kb.MEASUREMENTS.items():
        r = kb.rule(rule_id)
        for m in rows:
            applies = kb.applies(r, LiteLLMVersion(m["release"]))
            assert applies is m["shows"], f"{rule_id} on {m['release']}: the probe saw shows={m['shows']}"


def test_every_bounded_rule_has_a_measured_boundary_pair():
    """Each end of a rule's release range is a pair of measured releases whose probe results differ there."""
    bounded = [r for r in kb.RULES if r["id"] in kb.MEASUREMENTS and (r["min"] or r["max"])]
    assert bounded
    for r in bounded:
        b = kb.BOUNDARIES[r["id"]]
        if r["max"]:  # the problem ends (fixed)
            assert kb.measurement(r["id"], b["last_shows"])["shows"] is True
            assert kb.measurement(r["id"], b["first_fixed"])["shows"] is False
            assert r["max"] == b["first_fixed"], f"{r['id']}: the range must end where the probe saw the fix"
        starts = [(r["min"], b)] if r["min"] else []
        starts += [(r["again_from"], b["regressed"])] if r.get("again_from") else []
        for first, back in starts:  # the problem begins (or comes back)
            assert kb.measurement(r["id"], back["last_fixed"])["shows"] is False
            assert kb.measurement(r["id"], back["first_shows"])["shows"] is True
            assert first == back["first_shows"], f"{r['id']}: the range must start where the probe first saw it"


@pytest.mark.parametrize(
    ("version", "ssl", "expected"),
    [
        ("1.80.11", False, "error"),
        ("1.80.11", "false", "error"),
        ("1.92.2", False, "error"),
        ("1.93.0", False, None),
        ("1.108.7", False, None),
        ("1.80.11", True, None),
    ],
)
def test_a_false_ssl_is_refused_where_its_presence_dials_tls(version, ssl, expected):
    assert ids(version, cache_params=dict(REDIS_CP, ssl=ssl)).get("LITELLM-CACHE-012") == expected
    assert ids(version, cache_params=dict(REDIS_CP, ssl=ssl), mode="local").get("LITELLM-CACHE-012") is None


AWS_IAM = {"aws_iam_auth": True, "aws_iam_user_name": "litellm", "aws_iam_cache_name": "cache", "aws_iam_region": "x"}


@pytest.mark.parametrize(
    ("version", "extra", "expected"),
    [
        ("1.108.7", AWS_IAM, None),  # the release reads the ElastiCache IAM keys and removes them
        ("1.108.7", {"azure_redis_ad_token": "true", "azure_client_id": "id"}, None),
        ("1.80.11", AWS_IAM, "error"),  # it hands them to redis.Redis(): a crash at start
        ("1.93.0", AWS_IAM, "error"),  # not measured: judged by 1.80.11's keys, and said so
        ("1.80.11", {"gcp_service_account": "sa"}, None),
    ],
)
def test_cloud_login_keys_are_judged_by_the_release_that_reads_them(version, extra, expected):
    found = kb.evaluate(LiteLLMVersion(version), "redis", dict(REDIS_CP, **extra))
    rule = next((f for f in found if f["id"] == "LITELLM-CACHE-002"), None)
    assert (rule and rule["severity"]) == expected, found
    if rule:
        assert all(k in rule["message"] for k in extra), rule["message"]
        nearest = "judged by the keys of 1.80.11, the nearest measured release below it"
        assert (nearest in rule["message"]) is (version == "1.93.0"), rule["message"]


# the url: form as the real stack writes it (its entrypoint builds REDIS_URL from a Docker secret)
URL_CP = {
    "type": "redis",
    "url": "os.environ/REDIS_URL",
    "ttl": 1800,
    "socket_connect_timeout": 10,
    "socket_timeout": 30,
    "connection_pool_timeout": 5,
    "retry_on_timeout": True,
    "health_check_interval": 30,
}


def test_the_url_forms_settings_are_named_where_only_the_url_reaches_redis():
    last, first = kb.BOUNDARIES["LITELLM-CACHE-013"]["last_shows"], kb.BOUNDARIES["LITELLM-CACHE-013"]["first_fixed"]
    for version in ("1.80.0", last):
        found = {f["id"]: f for f in kb.evaluate(LiteLLMVersion(version), "redis", URL_CP)}
        assert found["LITELLM-CACHE-013"]["severity"] == "warning", version
        message = found["LITELLM-CACHE-013"]["message"]
        assert "health_check_interval, retry_on_timeout, socket_connect_timeout, socket_timeout beside it" in message
        assert "as long as the stall lasts" in message and "URL's own query" in message
    for version in (first, "1.108.7"):
        assert "LITELLM-CACHE-013" not in ids(version, cache_params=URL_CP), version


def test_a_url_config_is_not_judged_by_the_host_forms_rules():
    """connection_pool_timeout does not crash it (001), REDIS_URL beside it does not override it (005), and where only
    the URL reaches redis-py there is no 5.0 s default either (008 would say there is)."""
    for version in ("1.80.0", "1.80.11", "1.108.7"):
        found = ids(version, cache_params=URL_CP, container_env={"REDIS_URL", "LITELLM_MASTER_KEY"})
        assert not {"LITELLM-CACHE-001", "LITELLM-CACHE-005"} & set(found), (version, found)
    no_timeout = {"type": "redis", "url": "os.environ/REDIS_URL"}
    assert "LITELLM-CACHE-008" not in ids("1.80.11", cache_params=no_timeout)
    assert ids("1.108.7", cache_params=no_timeout) == {"LITELLM-CACHE-008": "info"}
    # the host form keeps both rules
    assert "LITELLM-CACHE-001" in ids("1.108.7", cache_params=dict(REDIS_CP, connection_pool_timeout=5))
    assert "LITELLM-CACHE-005" in ids("1.80.0", container_env={"REDIS_URL"})


def test_tls_settings_beside_a_url_are_named_and_only_on_the_url_form():
    url_cp = {"type": "redis", "url": "os.environ/REDIS_URL", "ssl_ca_certs": "/certs/ca.crt"}
    found = {f["id"]: f for f in kb.evaluate(LiteLLMVersion("1.108.7"), "redis", url_cp)}
    assert found["LITELLM-CACHE-014"]["severity"] == "warning"
    assert "ssl_ca_certs beside the url are not used" in found["LITELLM-CACHE-014"]["message"]
    host_cp = {"type": "redis", "host": "r", "ssl": True, "ssl_ca_certs": "/certs/ca.crt"}
    assert "LITELLM-CACHE-014" not in {f["id"] for f in kb.evaluate(LiteLLMVersion("1.108.7"), "redis", host_cp)}
    query = {"type": "redis", "url": "rediss://r:6380/0?ssl_ca_certs=/certs/ca.crt"}
    assert "LITELLM-CACHE-014" not in {f["id"] for f in kb.evaluate(LiteLLMVersion("1.108.7"), "redis", query)}


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.80.0", "info"), ("1.90.7", "info"), ("1.91.0", None), ("1.109.3", None), ("1.110.0", "info")],
)
def test_counters_outside_the_namespace_are_named_where_the_release_writes_them_there(version, expected):
    """LITELLM-CACHE-015: two ranges (fixed in 1.91.0, back in 1.110.0), and only with a namespace to be outside of."""
    with_ns = dict(REDIS_CP, namespace="litellm")
    assert ids(version, cache_params=with_ns).get("LITELLM-CACHE-015") == expected
    assert "LITELLM-CACHE-015" not in ids(version)  # no namespace: every key is at the top anyway
    if expected:
        message = next(f for f in kb.evaluate(LiteLLMVersion(version), "redis", with_ns) if f["id"].endswith("015"))
        assert "~litellm:*" in message["message"] and message["versions"] == "<1.91.0 or >=1.110.0"


@pytest.mark.parametrize(("version", "expected"), [("1.80.11", "warning"), ("1.86.7", "warning"), ("1.87.0", None)])
def test_a_cluster_cache_is_warned_where_its_client_takes_no_timeout(version, expected):
    cluster = {"type": "redis", "redis_startup_nodes": [{"host": "r1", "port": 7000}], "socket_timeout": 2}
    found = {f["id"]: f for f in kb.evaluate(LiteLLMVersion(version), "redis", cluster)}
    assert (found["LITELLM-CACHE-016"]["severity"] if "LITELLM-CACHE-016" in found else None) == expected
    if expected:
        assert "socket_timeout in cache_params is not used" in found["LITELLM-CACHE-016"]["message"]
    assert "LITELLM-CACHE-016" not in ids(version)  # a standalone Redis: its client takes the timeouts


@pytest.mark.parametrize(("version", "expected"), [("1.109.3", None), ("1.110.0", "warning"), ("1.110.2", "warning")])
def test_the_settings_the_rust_client_ignores_are_named_from_1_110(version, expected):
    """LITELLM-CACHE-017: the ERNI-KI config's retry_on_timeout and a max_connections, named with the client's reason;
    the settings it takes are not."""
    params = dict(REDIS_CP, retry_on_timeout=True, max_connections=50, socket_connect_timeout=10)
    found = {f["id"]: f for f in kb.evaluate(LiteLLMVersion(version), "redis", params)}
    assert (found["LITELLM-CACHE-017"]["severity"] if "LITELLM-CACHE-017" in found else None) == expected
    if expected:
        message = found["LITELLM-CACHE-017"]["message"]
        assert "ignores retry_on_timeout, max_connections" in message and "no connection cap" in message, message
        assert "socket" not in message.split("(")[0], "socket_timeout and socket_connect_timeout are taken"
    assert "LITELLM-CACHE-017" not in ids(version), "no ignored setting, no finding"
