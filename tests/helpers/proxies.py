"""What a user checks on live proxies: the cache each one runs, the mode its config says, and whether two proxies
share one Redis cache. ``endpoints`` is a sandbox's endpoints.json (the default sandbox, the fleet, ...)."""

import contextlib
import os
import time

import redis
import requests
import yaml


def chat(url, key, content, timeout=30):
    """One chat completion on the mock model; returns the response (headers say hit or miss)."""
    return requests.post(
        url + "/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "mock-gpt", "messages": [{"role": "user", "content": content}]},
        timeout=timeout,
    )


class ProxyContainer:
    """A LiteLLM proxy container a test started: its log, and the wait until it serves or dies."""

    def __init__(self, container, url):
        self.container, self.url = container, url

    def logs(self, tail=60):
        return self.container.logs(tail=tail).decode("utf-8", "replace")

    def wait(self, timeout=180, poll=0.5):
        """'ready' once /health/readiness answers 200, or 'exited' (the proxy died at start)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.container.reload()
            if self.container.status in ("exited", "dead"):
                return "exited"
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url + "/health/readiness", timeout=3).status_code == 200:
                    return "ready"
            time.sleep(poll)
        raise TimeoutError(f"{self.container.name}: neither ready nor exited after {timeout} s:\n{self.logs()}")


def wait_ready(url, timeout=180, poll=0.1):
    """Until the proxy at ``url`` answers /health/readiness with 200 (the bare floor the benchmarks measure, and the
    fleet tests' reset); TimeoutError naming it after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url + "/health/readiness", timeout=2).status_code == 200:
                return
        time.sleep(poll)
    raise TimeoutError(f"{url} did not serve again within {timeout} s")


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
    key, content = key_of(endpoints), f"shared {os.urandom(8).hex()}"
    chat(first["url"], key, content).raise_for_status()
    return bool(chat(second["url"], key, content).headers.get("x-litellm-cache-key"))


def cached_in_redis(endpoints, proxy):
    """A repeated request on ``proxy`` is a hit whose key is in the sandbox's Redis: it caches through Redis."""
    key, content = key_of(endpoints), f"wave {os.urandom(8).hex()}"
    for _request in range(2):
        resp = chat(proxy["url"], key, content)
        resp.raise_for_status()
    key = resp.headers.get("x-litellm-cache-key")
    with open(endpoints["redis"]["password_file"], encoding="utf-8") as f:
        client = redis.Redis(host="127.0.0.1", port=endpoints["redis"]["port"], password=f.read().strip())
    return bool(key) and client.exists(key) == 1
