"""The knowledge base's parameter tables, re-read from the real LiteLLM releases."""

import json
import os

import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb
from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_version import LiteLLMVersion

FILES = os.path.join(os.path.dirname(__file__), "files")


@pytest.mark.parametrize("version", sorted(kb.CACHE_PARAMS, key=LiteLLMVersion))
def test_parameter_tables_match_the_release(version, docker_client, image_tags):
    out = docker_client.containers.run(
        image_tags[version],
        entrypoint=["/opt/litellm/bin/python", "/files/kb_signatures.py"],
        command=[],
        network_mode="host",
        volumes={FILES: {"bind": "/files", "mode": "ro"}},
        remove=True,
    )
    real = json.loads(out.decode().strip().splitlines()[-1])
    assert real["litellm"] == version
    assert real["redis"] == "5.2.1", "the image must carry the redis-py LiteLLM's requirements pin"
    assert set(real["cache"]) == kb.CACHE_PARAMS[version]
    assert set(real["redis_cache"]) == kb.REDIS_CACHE_PARAMS[version]
    assert set(real["redis_redis"]) == kb.REDIS_PY_ARGS
    # the keys LiteLLM's _redis.py accepts on top of them (its _get_redis_kwargs()): the URL, the cloud IAM logins
    assert set(real["litellm_redis_keys"]) == kb.LITELLM_REDIS_KEYS[version]
    # ... and reads the Sentinel keys out of cache_params itself (LITELLM-CACHE-011; the probe measures the rest)
    assert set(kb.SENTINEL_KEYS) <= set(real["redis_kwargs_read"]), real["redis_kwargs_read"]
    assert "connection_pool_timeout" not in kb.accepted_cache_keys(LiteLLMVersion(version))
    # LITELLM-FACT-012: the async Redis client is cached for this long, then a new pool is built
    assert real["clients_cache_ttl"] == kb.ASYNC_CLIENT_TTL_S
