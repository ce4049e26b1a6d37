"""litellm_cache_mode against real LiteLLM releases: what it writes really runs, and the rules are real."""

import shutil
import uuid

import pytest
from conftest import chat

PORTS = {"1.80.0": 4021, "1.80.11": 4022, "1.108.7": 4023}


def sandbox_copy(endpoints, tmp_path):
    path = tmp_path / "config.yaml"
    shutil.copy(endpoints["proxies"][0]["config_path"], path)
    return path


def redis_args(redis_port, version, **kw):
    """Module arguments for redis mode on the sandbox's Redis, password from the container env."""
    return dict(
        mode="redis",
        redis_host="127.0.0.1",
        redis_port=redis_port,
        redis_password_env="REDIS_PASSWORD",
        litellm_version=version,
        min_redis_version="1.80.0",
        **kw,
    )


def switch(run_module, path, **kw):
    run = run_module("litellm_cache_mode", dict({"path": str(path)}, **kw))
    assert not run.failed, run.output
    return run


@pytest.mark.parametrize("version", ["1.80.11", "1.108.7"])
def test_written_redis_config_starts_and_caches_into_the_configured_db(
    version, run_module, endpoints, litellm_launcher, redis_client, redis_port, master_key, tmp_path
):
    db = 5
    path = sandbox_copy(endpoints, tmp_path)
    args = redis_args(
        redis_port, version, redis_db=db, socket_timeout=30, container_env=["REDIS_PASSWORD", "LITELLM_MASTER_KEY"]
    )
    args["min_redis_version"] = "1.80.11"
    run = switch(run_module, path, **args)
    assert run.result["changed"] and run.result["mode"] == "redis"
    proxy = litellm_launcher.start(version, config_path=str(path), port=PORTS[version])
    prompt = f"live {version} {uuid.uuid4()}"
    assert chat(proxy.url, master_key, prompt).status_code == 200
    hit = chat(proxy.url, master_key, prompt)
    key = hit.headers.get("x-litellm-cache-key")
    assert key, f"second identical request was not a cache hit on {version}"
    assert redis_client(db).exists(key) == 1, f"cache key not in Redis db {db}"
    assert redis_client(0).exists(key) == 0


def test_connection_pool_timeout_really_crashes_1_80_0(run_module, endpoints, litellm_launcher, redis_port, tmp_path):
    """Pins LITELLM-CACHE-001 by evidence: the module refuses the key, and LiteLLM does crash on it."""
    path = sandbox_copy(endpoints, tmp_path)
    args = redis_args(redis_port, "1.80.0", extra_cache_params={"connection_pool_timeout": 5})
    refused = run_module("litellm_cache_mode", dict(args, path=str(path)))
    assert refused.failed and "LITELLM-CACHE-001" in refused.result["msg"]
    # Write it anyway (force) and watch the real proxy die of it.
    switch(run_module, path, force=True, **args)
    proxy = litellm_launcher.start("1.80.0", config_path=str(path), port=PORTS["1.80.0"], wait=False)
    assert proxy.wait_exit(timeout=120) != 0
    assert "unexpected keyword argument 'connection_pool_timeout'" in proxy.logs(tail=80)


@pytest.mark.parametrize(("version", "expected_db"), [("1.80.0", 3), ("1.108.7", 1)])
def test_redis_url_in_env_overrides_cache_params_db_before_1_96(
    version, expected_db, run_module, endpoints, litellm_launcher, redis_client, redis_port, master_key, tmp_path
):
    """Pins LITELLM-CACHE-005: with REDIS_URL in the container env, 1.80.0 uses the URL's db."""
    path = sandbox_copy(endpoints, tmp_path)
    # the names the started container has: its entrypoint exports these three (SANDBOX_EXPORT_REDIS_URL below)
    env = ["REDIS_URL", "REDIS_PASSWORD", "LITELLM_MASTER_KEY"]
    args = redis_args(redis_port, version, redis_db=1, socket_timeout=30, container_env=env)
    run = run_module("litellm_cache_mode", dict(args, path=str(path)))
    if version == "1.80.0":
        assert run.failed and "LITELLM-CACHE-005" in run.result["msg"]
        switch(run_module, path, force=True, **args)
    else:
        assert not run.failed and "LITELLM-CACHE-005" not in [f["id"] for f in run.result["findings"]]
    proxy = litellm_launcher.start(
        version, config_path=str(path), port=PORTS[version] + 10, env={"SANDBOX_EXPORT_REDIS_URL": f"{redis_port}/3"}
    )
    prompt = f"url {version} {uuid.uuid4()}"
    chat(proxy.url, master_key, prompt)
    key = chat(proxy.url, master_key, prompt).headers.get("x-litellm-cache-key")
    assert key
    assert redis_client(expected_db).exists(key) == 1
    other_db = 1 if expected_db == 3 else 3
    assert redis_client(other_db).exists(key) == 0
