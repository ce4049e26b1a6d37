"""Sentinel and Cluster caches: what litellm_cache_mode writes, what it refuses, and the probe's pure logic."""

import pytest
import yaml

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_cache_config as cfg
from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb
from ansible_collections.erni_ki.litellm.plugins.module_utils import redis_topology as rt
from ansible_collections.erni_ki.litellm.plugins.module_utils.redis_connection import (
    connection_params,
    connection_problems,
    parse_node,
)

SENTINEL = {
    "topology": "sentinel",
    "sentinel_nodes": ["sentinel-1:26379", "sentinel-2:26379", "[::1]:26380"],
    "service_name": "litellm-cache",
    "sentinel_password_env": "SENTINEL_PASSWORD",
    "login_password_env": "REDIS_PASSWORD",
    "socket_timeout": 5,
}
CLUSTER = {
    "topology": "cluster",
    "cluster_nodes": ["node-1:6379", "node-2:6379"],
    "login_password_env": "REDIS_PASSWORD",
    "socket_timeout": 5,
}
STANDALONE = {
    "topology": "standalone",
    "login_host": "redis",
    "login_port": 6379,
    "login_password_env": "REDIS_PASSWORD",
    "socket_timeout": 5,
}


def params(**kw):
    return cfg.CacheRequest(**{"mode": "redis", "litellm_version": "1.108.7", **kw})


def cache_section(text):
    return text[text.index("  cache_params:") :]


def cache_params(text):
    return yaml.safe_load(text)["litellm_settings"]["cache_params"]


def test_sentinel_cache_params_in_the_form_litellm_reads(fixture_text):
    out = cfg.plan(fixture_text("production.yaml"), params(**SENTINEL))
    section = cache_section(out["new_text"])
    assert (
        "    type: redis\n"
        "    sentinel_nodes:\n"
        "      - [sentinel-1, 26379]\n"
        "      - [sentinel-2, 26379]\n"
        "      - ['::1', 26380]\n"
        "    service_name: litellm-cache\n"
        "    sentinel_password: os.environ/SENTINEL_PASSWORD\n"
        "    password: os.environ/REDIS_PASSWORD\n"
        "    socket_timeout: 5\n"
    ) in section
    assert "host" not in cache_params(out["new_text"])
    assert out["topology"] == {
        "kind": "sentinel",
        "nodes": ["sentinel-1:26379", "sentinel-2:26379", "::1:26380"],
        "service_name": "litellm-cache",
    }
    assert out["gate"]["allowed"]


def test_cluster_cache_params_use_redis_startup_nodes_and_no_db(fixture_text):
    out = cfg.plan(fixture_text("production.yaml"), params(**CLUSTER, db=0))
    section = cache_section(out["new_text"])
    assert (
        "    redis_startup_nodes:\n      - {host: node-1, port: 6379}\n      - {host: node-2, port: 6379}\n" in section
    )
    assert "db" not in cache_params(out["new_text"])
    assert out["topology"]["kind"] == "cluster" and out["topology"]["nodes"] == ["node-1:6379", "node-2:6379"]


@pytest.mark.parametrize("topology", [SENTINEL, CLUSTER])
def test_local_topology_local_is_byte_identical_and_idempotent(fixture_text, topology):
    text = fixture_text("production.yaml")
    first = cfg.plan(text, params(**topology))["new_text"]
    assert not cfg.plan(first, params(**topology))["changed"]
    assert cfg.plan(first, params(mode="local"))["new_text"] == text


def test_switching_topology_removes_the_keys_of_the_one_before(fixture_text):
    text = fixture_text("production.yaml")
    standalone = cfg.plan(text, params(**STANDALONE, db=1))["new_text"]
    sentinel = cfg.plan(standalone, params(**SENTINEL))["new_text"]
    cp = cache_params(sentinel)
    assert "host" not in cp and "port" not in cp and cp["db"] == 1 and cp["sentinel_nodes"][0] == ["sentinel-1", 26379]
    cluster = cfg.plan(sentinel, params(**CLUSTER))["new_text"]
    cp = cache_params(cluster)
    assert not {"sentinel_nodes", "service_name", "sentinel_password", "db", "host"} & set(cp)
    assert cp["redis_startup_nodes"] == [{"host": "node-1", "port": 6379}, {"host": "node-2", "port": 6379}]
    back = cfg.plan(cluster, params(**STANDALONE, db=1))["new_text"]
    assert back == standalone


def test_without_redis_topology_the_files_topology_is_kept(fixture_text):
    sentinel = cfg.plan(fixture_text("production.yaml"), params(**SENTINEL))["new_text"]
    again = cfg.plan(sentinel, params(socket_timeout=10))
    assert again["topology"]["kind"] == "sentinel" and "socket_timeout: 10" in again["new_text"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"topology": "sentinel", "service_name": "x"}, "needs sentinel_nodes"),
        ({"topology": "cluster"}, "needs cluster_nodes"),
        ({**CLUSTER, "db": 2}, "has only db 0"),
        ({**CLUSTER, "sentinel_nodes": ["s:1"]}, "sentinel_nodes only applies to topology=sentinel"),
        (
            {**SENTINEL, "login_host": "redis"},
            "login_host only applies to topology=standalone, and the topology is sentinel \\(a sentinel Redis is "
            "reached through sentinel_nodes\\)",
        ),
        ({**SENTINEL, "sentinel_nodes": ["sentinel-1"]}, "'sentinel-1' is not host:port"),
        ({**CLUSTER, "cluster_nodes": ["node:99999"]}, "99999 is outside 1-65535"),
        ({**SENTINEL, "sentinel_password_env": "NOT A NAME"}, "is not an environment variable name"),
    ],
)
def test_bad_topology_input_is_refused_and_says_what_to_do(fixture_text, extra, message):
    with pytest.raises(cfg.ConfigError, match=message):
        cfg.plan(fixture_text("production.yaml"), params(**extra))


def test_sentinel_is_refused_where_litellm_cannot_authenticate_to_the_sentinels(fixture_text):
    with pytest.raises(cfg.GateRefused) as refused:
        cfg.plan(fixture_text("production.yaml"), params(**SENTINEL, litellm_version="1.80.11"))
    assert refused.value.gate["blocked_by"] == ["LITELLM-CACHE-011"]
    assert cfg.plan(fixture_text("production.yaml"), params(**CLUSTER, litellm_version="1.80.11"))["gate"]["allowed"]
    assert cfg.plan(fixture_text("production.yaml"), params(**SENTINEL, litellm_version=kb.SENTINEL_AUTH_FROM))["gate"][
        "allowed"
    ]


def test_a_literal_sentinel_password_is_masked(fixture_text):
    out = cfg.plan(
        fixture_text("production.yaml"),
        params(**{**SENTINEL, "sentinel_password_env": None, "sentinel_password": "s3cret-sentinel"}),
    )
    assert out["cache_params"]["sentinel_password"] != "s3cret-sentinel"


def test_topology_of_follows_litellms_order():
    assert kb.topology_of({"host": "r"}) == "standalone"
    assert kb.topology_of({"sentinel_nodes": [["s", 1]], "service_name": "x"}) == "sentinel"
    assert (
        kb.topology_of({"redis_startup_nodes": [{"host": "n", "port": 1}], "sentinel_nodes": [["s", 1]]}) == "cluster"
    )


def test_nodes_parse_and_travel_as_pairs():
    assert parse_node("10.0.0.1:26379") == ("10.0.0.1", 26379)
    assert parse_node("[fe80::1]:6379") == ("fe80::1", 6379)
    conn = connection_params({"topology": "cluster", "cluster_nodes": ["a:1", "b:2"], "sentinel_nodes": []})
    assert conn["cluster_nodes"] == [["a", 1], ["b", 2]]
    assert connection_problems({"topology": "sentinel", "sentinel_nodes": ["a:1"]}) == [
        "topology=sentinel needs sentinel_nodes (host:port of each sentinel) and service_name"
    ]
    assert connection_problems({"topology": "standalone", "cluster_nodes": ["a:1"]}) == [
        "cluster_nodes only applies to topology=cluster, and the topology is standalone"
    ]


CLUSTER_NODES = (
    "07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:6404@16404 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca "
    "0 1 4 connected\n"
    """\
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:6401@16401 master - 0 1 2 connected 5461-10922
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:6400@16400 myself,master - 0 0 1 connected 0-5460
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:6402@16402 master,fail - 0 1 3 disconnected 10923-16383 [93->-e7d1]
"""
)


def test_cluster_nodes_are_parsed_with_slots_and_flags():
    nodes = rt.parse_cluster_nodes(CLUSTER_NODES)
    assert [n["addr"] for n in nodes] == ["127.0.0.1:6404", "127.0.0.1:6401", "127.0.0.1:6400", "127.0.0.1:6402"]
    assert nodes[0]["master_id"] == "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca" and nodes[0]["slots"] == []
    assert nodes[2]["flags"] == ["myself", "master"] and nodes[2]["slots"] == [[0, 5460]]
    assert nodes[3]["slots"] == [[10923, 16383]] and "fail" in nodes[3]["flags"]


def test_the_slot_owner_of_a_literal_key_and_none_for_a_glob():
    masters = [{"addr": "a", "slots": [[0, 5460]]}, {"addr": "b", "slots": [[5461, 16383]]}]
    assert rt._slot_owner(masters, "foo") == "b"  # CLUSTER KEYSLOT foo = 12182
    assert rt._slot_owner(masters, "{user1000}.following") == "a"  # 3443
    assert rt._slot_owner(masters, "ns:*") is None


def test_the_write_checks_tag_lands_on_the_masters_slots():
    for slots in ([[0, 5460]], [[5461, 10922]], [[10923, 16383]]):
        tag = rt._tag_in(slots)
        slot = rt.key_slot(f"erni_ki:probe:{{{tag}}}:x".encode())
        assert slots[0][0] <= slot <= slots[0][1]


def shard(available=True, error=None, **parts):
    result = rt.empty_result({"socket_timeout": 5.0})
    result.update(is_available=available, error=error, **parts)
    return result


def test_a_cluster_result_sums_the_shards_and_survives_a_master_cut_short():
    """A master that answered PING and died mid-probe (a failover) has a result cut short: no crash, an error."""
    full = shard(
        server={"used_memory": 100, "connected_clients": 2, "evicted_keys": 0, "version": "7.0.15"},
        latency_ms={"samples": 3, "max": 0.5},
        latency_budget={"ms": 2500.0, "stalls": 0, "exceeded": False},
        clients={"total": 2, "matched": 2, "list": [{"id": 1}]},
        keyspace={"dbsize": 10, "pattern": "ns:*", "matched": 4, "ttl_sample": {"sampled": 4, "min": 1}},
        flushed=4,
    )
    cut = shard(error={"kind": "refused", "message": "Connection refused"})
    masters = [{"addr": "n1:1", "slots": [[0, 8000]]}, {"addr": "n2:2", "slots": [[8001, 16383]]}]
    merged = rt._merge({"socket_timeout": 5.0}, masters, [full, cut])
    assert merged["is_available"] is True and merged["error"]["message"] == "master n2:2: Connection refused"
    assert merged["keyspace"] == {"dbsize": 10, "pattern": "ns:*", "matched": 4, "ttl_sample": {"sampled": 4, "min": 1}}
    assert merged["server"]["used_memory"] == 100 and merged["flushed"] == 4 and merged["clients"]["total"] == 2
    down = rt._merge(
        {"socket_timeout": 5.0}, masters, [full, shard(available=False, error={"kind": "refused", "message": "x"})]
    )
    assert down["is_available"] is False and down["error"]["kind"] == "refused"


def test_url_options_are_the_standalone_form_and_checked():
    assert connection_problems({"login_url": "redis://h/1", "login_url_env": "REDIS_URL"}) == [
        "login_url and login_url_env both name the URL: give one"
    ]
    assert connection_problems({"login_url": "http://:pw@h/1"}) == [
        "login_url: 'http://:********@h/1' is not a redis://, rediss://, unix:// URL"
    ]
    assert connection_problems({"login_url_env": "os.environ/REDIS_URL"}) == [
        "login_url_env: 'os.environ/REDIS_URL' is not an environment variable name"
    ]
    assert connection_problems(
        {"login_url_env": "REDIS_URL", "topology": "sentinel", "sentinel_nodes": ["a:1"], "service_name": "m"}
    ) == [
        "login_url_env only applies to topology=standalone, and the topology is sentinel (a sentinel Redis is reached "
        "through sentinel_nodes)"
    ]
