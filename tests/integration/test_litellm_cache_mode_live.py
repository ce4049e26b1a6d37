"""litellm_cache_mode against real LiteLLM releases: what it writes really runs, and the rules are real."""

import shutil
import uuid

import pytest

from tests.helpers.proxies import chat

PORTS = {"1.80.0": 4021, "1.80.11": 4022, "1.108.7": 4023}


def sandbox_copy(endpoints, tmp_path):
    path = tmp_path / "config.yaml"
    shutil.copy(endpoints["proxies"][0]["config_path"], path)
    return path


def redis_args(redis_port, version, **kw):
    """Module arguments for redis mode on the sandbox's Redis, password from the container env."""
    return dict(
        mode="redis",
        login_host="127.0.0.1",
        login_port=redis_port,
        login_password_env="REDIS_PASSWORD",
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
        redis_port, version, db=db, socket_timeout=30, container_env=["REDIS_PASSWORD", "LITELLM_MASTER_KEY"]
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


def test_a_url_config_written_by_the_module_caches_into_the_urls_db(
    run_module, endpoints, litellm_launcher, redis_client, redis_port, master_key, tmp_path
):
    """The url: form as real stacks run it: the module writes url: os.environ/REDIS_URL (and removes the host form's
    keys), the container's entrypoint builds REDIS_URL from the Docker secret, and LiteLLM 1.108.7 caches into the
    URL's db: the module wrote what really runs."""
    version, db = "1.108.7", 7  # a db no other test uses
    path = sandbox_copy(endpoints, tmp_path)
    run = switch(
        run_module,
        path,
        mode="redis",
        login_url="os.environ/REDIS_URL",
        socket_timeout=30,
        litellm_version=version,
        container_env=["REDIS_URL", "REDIS_PASSWORD", "LITELLM_MASTER_KEY"],
    )
    cache_params = run.result["cache_params"]
    assert cache_params["url"] == "os.environ/REDIS_URL", cache_params
    assert not {"host", "port", "db", "password"} & set(cache_params), cache_params
    proxy = litellm_launcher.start(
        version, config_path=str(path), port=4024, env={"SANDBOX_EXPORT_REDIS_URL": f"{redis_port}/{db}"}
    )
    prompt = f"url form {uuid.uuid4()}"
    assert chat(proxy.url, master_key, prompt).status_code == 200
    key = chat(proxy.url, master_key, prompt).headers.get("x-litellm-cache-key")
    assert key, "the second identical request was not a cache hit"
    assert redis_client(db).exists(key) == 1, f"cache key not in the URL's db {db}"
    assert redis_client(0).exists(key) == 0


def test_connection_pool_timeout_is_refused(run_module, endpoints, redis_port, tmp_path):
    """LITELLM-CACHE-001 in the module: the key is refused and the file untouched. That LiteLLM really crashes on it is
    the rule's probe (tests/helpers/kb_probes.py::probe_001, run on every sandbox release by test_kb_probes.py)."""
    path = sandbox_copy(endpoints, tmp_path)
    before = path.read_bytes()
    args = redis_args(redis_port, "1.80.0", extra_cache_params={"connection_pool_timeout": 5})
    refused = run_module("litellm_cache_mode", dict(args, path=str(path)))
    assert refused.failed and "LITELLM-CACHE-001" in refused.result["msg"]
    assert path.read_bytes() == before


@pytest.mark.parametrize("version", ["1.80.0", "1.108.7"])
def test_redis_url_in_the_container_env_is_refused_before_1_96(version, run_module, endpoints, redis_port, tmp_path):
    """LITELLM-CACHE-005 in the module: with REDIS_URL among the container's variables, 1.80.0 is refused and 1.108.7
    is not. Where the keys really land is the rule's probe (kb_probes.probe_005, on every sandbox release)."""
    path = sandbox_copy(endpoints, tmp_path)
    env = ["REDIS_URL", "REDIS_PASSWORD", "LITELLM_MASTER_KEY"]
    args = redis_args(redis_port, version, db=1, socket_timeout=30, container_env=env)
    run = run_module("litellm_cache_mode", dict(args, path=str(path)))
    if version == "1.80.0":
        assert run.failed and "LITELLM-CACHE-005" in run.result["msg"]
    else:
        assert not run.failed and "LITELLM-CACHE-005" not in [f["id"] for f in run.result["findings"]]
