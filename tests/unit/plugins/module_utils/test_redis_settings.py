"""The one table of Redis settings (redis_settings.py): every option maps to its cache_params key, its client keyword
and its role variable and back, and the modules' argument specs are the table's."""

import os

import pytest
import yaml

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_cache_config as cfg
from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb
from ansible_collections.erni_ki.litellm.plugins.module_utils import redis_connection
from ansible_collections.erni_ki.litellm.plugins.module_utils import redis_settings as rs
from ansible_collections.erni_ki.litellm.plugins.modules import litellm_cache_mode, redis_cache_probe

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def role_variables():
    with open(os.path.join(ROOT, "roles", "litellm_cache", "meta", "argument_specs.yml"), encoding="utf-8") as f:
        specs = yaml.safe_load(f)["argument_specs"]
    return {name for entry in specs.values() for name in entry.get("options", {})}


def test_every_option_maps_to_its_key_and_back():
    for setting in rs.config_settings():
        if setting.key:
            assert cfg.REDIS_OPTIONS[setting.key] == setting.option
    assert sorted(cfg.REDIS_OPTIONS.values()) == sorted(s.option for s in rs.config_settings() if s.key)
    assert len(set(cfg.REDIS_OPTIONS.values())) == len(cfg.REDIS_OPTIONS)  # one option per key, one key per option


def test_every_option_maps_to_its_client_keyword_and_back():
    with_kwarg = [s for s in rs.SETTINGS if s.kwarg]
    conn = {s.option: f"value of {s.option}" for s in with_kwarg}
    kwargs = rs.client_kwargs(conn, [s.option for s in with_kwarg])
    assert {kwargs[s.kwarg] for s in with_kwarg} == set(conn.values())
    assert len(kwargs) == len(with_kwarg)  # no two options share a keyword
    assert rs.client_kwargs({"db": None, "login_user": ""}, ["db", "login_user"]) == {}  # what is not given stays out


def test_each_secret_is_written_from_its_literal_or_its_variable():
    assert cfg.ENV_OPTIONS == {"login_password": "login_password_env", "sentinel_password": "sentinel_password_env"}
    req = cfg.CacheRequest(mode="redis", login_password="pw", sentinel_password_env="SENTINEL_PASSWORD")
    assert req.secret_value("login_password") == "pw"
    assert req.secret_value("sentinel_password") == "os.environ/SENTINEL_PASSWORD"


def test_the_argument_specs_are_the_tables():
    probe = redis_cache_probe.argument_spec()
    for setting in rs.probe_settings():
        assert probe[setting.option]["type"] == setting.type
        assert probe[setting.option].get("default") == setting.default
        assert probe[setting.option].get("no_log", False) == setting.secret
    module = litellm_cache_mode.argument_spec()
    for setting in rs.config_settings():
        assert module[setting.option]["type"] == setting.type
        assert "default" not in module[setting.option]  # None keeps what the file has
    assert module["login_url"]["no_log"] is False  # the module refuses a URL with a password (url_problem)
    # said for every name that looks like a secret, or Ansible warns "Module did not set no_log for ..."
    for spec in (probe, module):
        assert all("no_log" in v for k, v in spec.items() if "password" in k), spec
    assert set(redis_connection.config_argument_spec()) == {s.option for s in rs.config_settings()}


@pytest.mark.parametrize("topology", ["sentinel", "cluster"])
def test_the_topology_keys_are_the_ones_litellm_reads(topology):
    assert rs.topology_keys(topology) == kb.TOPOLOGY_KEYS[topology]


def test_a_role_variable_is_litellm_cache_and_the_option():
    variables = role_variables()
    exposed = [s.option for s in rs.SETTINGS if f"litellm_cache_{s.option}" in variables]
    assert {"login_host", "login_port", "db", "login_user", "topology", "tls", "ca_certs", "cluster_nodes"} <= set(
        exposed
    )
    # no second vocabulary: the role's only variable with "redis" in its name is the router switch
    assert sorted(v for v in variables if "redis" in v) == [
        "litellm_cache_min_redis_version",
        "litellm_cache_router_redis",
    ]


def test_an_option_of_another_topology_is_named_with_the_way_to_give_it():
    problems = redis_connection.topology_problems(
        {"login_host": "redis", "cluster_nodes": ["a:1"], "db": 1}, "sentinel", rs.config_settings()
    )
    assert problems == [
        "login_host only applies to topology=standalone, and the topology is sentinel (a sentinel Redis is reached "
        "through sentinel_nodes)",
        "cluster_nodes only applies to topology=cluster, and the topology is sentinel",
    ]
    assert redis_connection.topology_problems({"db": 2}, "cluster", rs.config_settings()) == [
        "db: 2 is not possible on a Redis Cluster, which has only db 0"
    ]
