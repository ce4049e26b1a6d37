"""What a user checks on live proxies: the cache each one runs, the mode its config says, and whether two proxies
share one Redis cache. ``endpoints`` is a sandbox's endpoints.json (the default sandbox, the fleet, ...)."""

import os

import redis
import requests
import yaml


def key_of(endpoints):
    with open(endpoints["master_key_file"], encoding="utf-8") as f:
        return f.read().strip()


def running_cache(url, key):
    """The cache the proxy runs: public readiness on 1.80.x, the key-protected details on newer releases."""
    cache = requests.get(url + "/health/readiness", timeout=10).json().get("cache")
    if cache is None:
        details = requests.get(
            url + "/health/readiness/details", headers={"Authorization": f"Bearer {key}"}, timeout=10
        )
        cache = details.json().get("cache")
    return cache


def mode_of(path):
    ls = (yaml.safe_load(open(path, encoding="utf-8")) or {}).get("litellm_settings") or {}  # noqa: SIM115
    return "disabled" if ls.get("cache") is False else (ls.get("cache_params") or {}).get("type", "local")


def shared_hit(endpoints, first, second):
    """A request answered on ``first``, then from the cache on ``second``: the cache is shared through Redis."""
    key = key_of(endpoints)
    body = {"model": "mock-gpt", "messages": [{"role": "user", "content": f"shared {os.urandom(8).hex()}"}]}
    headers = {"Authorization": f"Bearer {key}"}
    requests.post(first["url"] + "/v1/chat/completions", headers=headers, json=body, timeout=30).raise_for_status()
    hit = requests.post(second["url"] + "/v1/chat/completions", headers=headers, json=body, timeout=30)
    return bool(hit.headers.get("x-litellm-cache-key"))


def cached_in_redis(endpoints, proxy):
    """A repeated request on ``proxy`` is a hit whose key is in the sandbox's Redis: it caches through Redis."""
    headers = {"Authorization": f"Bearer {key_of(endpoints)}"}
    body = {"model": "mock-gpt", "messages": [{"role": "user", "content": f"wave {os.urandom(8).hex()}"}]}
    for _request in range(2):
        resp = requests.post(proxy["url"] + "/v1/chat/completions", headers=headers, json=body, timeout=30)
        resp.raise_for_status()
    key = resp.headers.get("x-litellm-cache-key")
    with open(endpoints["redis"]["password_file"], encoding="utf-8") as f:
        client = redis.Redis(host="127.0.0.1", port=endpoints["redis"]["port"], password=f.read().strip())
    return bool(key) and client.exists(key) == 1
