"""Each LiteLLM fact has one home, litellm_knowledge.py: every place that states one must agree with it."""

import os

import yaml

from ansible_collections.erni_ki.litellm.plugins.doc_fragments import gate as gate_fragment
from ansible_collections.erni_ki.litellm.plugins.doc_fragments import redis as redis_fragment
from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb
from ansible_collections.erni_ki.litellm.plugins.modules import litellm_cache_mode
from tests.helpers.sandboxes import releases

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROLE = os.path.join(ROOT, "roles", "litellm_cache")


def _yaml(*parts):
    with open(os.path.join(*parts), encoding="utf-8") as f:
        return yaml.safe_load(f)


def test_min_redis_version_is_the_knowledge_base_boundary():
    doc = yaml.safe_load(gate_fragment.ModuleDocFragment.DOCUMENTATION)
    assert str(doc["options"]["min_redis_version"]["default"]) == kb.MIN_REDIS_VERSION
    assert litellm_cache_mode.argument_spec()["min_redis_version"]["default"] == kb.MIN_REDIS_VERSION
    assert str(_yaml(ROLE, "defaults", "main.yml")["litellm_cache_min_redis_version"]) == kb.MIN_REDIS_VERSION
    spec = _yaml(ROLE, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    assert str(spec["litellm_cache_min_redis_version"]["default"]) == kb.MIN_REDIS_VERSION
    assert kb.MIN_REDIS_VERSION == kb.SHARED_CLIENT_FIXED_IN


def test_default_socket_timeout_is_the_knowledge_base_value():
    doc = yaml.safe_load(litellm_cache_mode.DOCUMENTATION)
    assert f"LiteLLM uses {kb.DEFAULT_SOCKET_TIMEOUT}" in " ".join(doc["options"]["socket_timeout"]["description"])
    assert _yaml(ROLE, "defaults", "main.yml")["litellm_cache_probe_socket_timeout"] == kb.DEFAULT_SOCKET_TIMEOUT
    spec = _yaml(ROLE, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    assert spec["litellm_cache_probe_socket_timeout"]["default"] == kb.DEFAULT_SOCKET_TIMEOUT
    fragment = yaml.safe_load(redis_fragment.ModuleDocFragment.DOCUMENTATION)
    assert fragment["options"]["socket_timeout"]["default"] == kb.DEFAULT_SOCKET_TIMEOUT


def test_router_db_boundary_in_the_docs_is_the_rule_boundary():
    doc = yaml.safe_load(litellm_cache_mode.DOCUMENTATION)
    text = " ".join(doc["options"]["router_redis"]["description"])
    assert f"before {kb.ROUTER_REDIS_DB_HONOURED_FROM}" in text
    rule = kb.rule("LITELLM-CACHE-004")
    assert rule["max"] == kb.ROUTER_REDIS_DB_HONOURED_FROM


def test_role_readme_states_the_same_defaults():
    with open(os.path.join(ROLE, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    assert f"| `litellm_cache_min_redis_version` | `{kb.MIN_REDIS_VERSION}` |" in readme
    assert f"(LiteLLM: {kb.DEFAULT_SOCKET_TIMEOUT} s)" in readme


def test_every_rule_with_a_probe_is_measured_on_every_sandbox_release():
    """The live suite re-measures the sandbox releases (sandbox/images/litellm/releases): each needs a record."""
    for rule_id, rows in kb.MEASUREMENTS.items():
        assert set(releases()) <= {m["release"] for m in rows}, rule_id
