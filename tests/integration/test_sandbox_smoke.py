"""End-to-end smoke test of the sandbox: a Redis-backed cache shared by two real LiteLLM proxies."""

import uuid

import requests

from tests.helpers.proxies import chat

REDIS_CONFIG = """\
model_list:
  - model_name: mock-gpt
    litellm_params:
      model: openai/mock-gpt
      api_key: "sk-sandbox-not-a-real-key"
      mock_response: "Hello from the erni_ki sandbox"
litellm_settings:
  cache: true
  cache_params:
    type: redis
    host: 127.0.0.1
    port: {port}
    db: {db}
    password: os.environ/REDIS_PASSWORD
    ttl: 600
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
"""


def test_sandbox_proxies_serve_in_local_mode(endpoints, master_key):
    assert len(endpoints["proxies"]) == 2
    for proxy in endpoints["proxies"]:
        assert proxy["url"].startswith("http://127.0.0.1:")
        ready = requests.get(proxy["url"] + "/health/readiness", timeout=5).json()
        assert ready["status"] in ("healthy", "connected")
        with open(proxy["config_path"], encoding="utf-8") as f:
            assert "    type: local\n" in f.read()
        assert chat(proxy["url"], master_key, "hello").status_code == 200


def test_redis_cache_is_shared_across_two_proxies(litellm_launcher, redis_client, redis_port, master_key):
    db = 2
    config = REDIS_CONFIG.format(port=redis_port, db=db)
    a = litellm_launcher.start("1.80.11", config, port=4011)
    b = litellm_launcher.start("1.80.11", config, port=4012)
    prompt = f"smoke {uuid.uuid4()}"

    first = chat(a.url, master_key, prompt)
    assert first.status_code == 200, first.text
    assert "x-litellm-cache-key" not in first.headers, "the first request cannot be a hit"

    second = chat(b.url, master_key, prompt)
    assert second.status_code == 200, second.text
    key = second.headers.get("x-litellm-cache-key")
    assert key, f"the same request on the other proxy was not a cache hit: {dict(second.headers)}"
    assert redis_client(db).exists(key) == 1, f"cache key {key} is not in Redis db {db}"
