"""Run inside a LiteLLM image: print the parameter sets the knowledge base relies on, as JSON."""

import importlib.metadata
import inspect
import json
import re

import litellm
import litellm._redis
import redis
from litellm.caching.caching import Cache
from litellm.caching.redis_cache import RedisCache


def params(func):
    return sorted(
        name
        for name, p in inspect.signature(func).parameters.items()
        if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    )


print(
    json.dumps(
        {
            "litellm": importlib.metadata.version("litellm"),
            "redis": importlib.metadata.version("redis"),
            "cache": params(Cache.__init__),
            "redis_cache": params(RedisCache.__init__),
            "redis_redis": params(redis.Redis.__init__),
            # what LiteLLM itself accepts beyond redis.Redis()'s own arguments (url, cloud IAM logins)
            "litellm_redis_keys": sorted(set(litellm._redis._get_redis_kwargs()) - set(params(redis.Redis.__init__))),
            # the keys _redis.py reads out of the cache's kwargs itself (sentinel, cluster, url, ...)
            # how long LiteLLM keeps its async Redis client before it builds a new pool (LITELLM-FACT-012)
            "clients_cache_ttl": litellm.in_memory_llm_clients_cache.default_ttl,
            "redis_kwargs_read": sorted(
                set(re.findall(r'redis_kwargs\.get\(\s*"(\w+)"', inspect.getsource(litellm._redis)))
            ),
        }
    )
)
