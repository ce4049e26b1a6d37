"""The litellm_cache role on a LiteLLM proxy of its own: template ownership, check mode end to end, the state
directory and the restore of the original."""

import glob
import os
import shutil
import subprocess

import pytest
import yaml

from tests.helpers.role_runs import proxy_on_a_copy, role_vars, run_playbook, run_role, sha, summary

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_check_mode_end_to_end_changes_nothing_then_template_ownership(
    tmp_path, litellm_launcher, endpoints, master_key, redis_password
):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4051)
    state = tmp_path / "state"  # backups, the original and the lock, away from the config's directory
    hostvars = role_vars(
        endpoints, proxy, litellm_cache_redis_db=6, litellm_cache_mode="redis", litellm_cache_state_dir=str(state)
    )
    original = config.read_bytes()
    before = sha(config)
    started = proxy.container.attrs["State"]["StartedAt"]

    check = run_role(tmp_path, hostvars, check=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "+    type: redis" in check.stdout
    assert sha(config) == before
    proxy.container.reload()
    assert proxy.container.attrs["State"]["StartedAt"] == started, "check mode restarted the proxy"

    templated = dict(
        hostvars,
        litellm_cache_config_ownership="template",
        litellm_cache_socket_timeout=20,
        litellm_cache_config={
            "model_list": [
                {
                    "model_name": "mock-gpt",
                    "litellm_params": {
                        "model": "openai/mock-gpt",
                        "api_key": "sk-sandbox-not-a-real-key",
                        "mock_response": "templated",
                    },
                }
            ],
            "litellm_settings": {"drop_params": True},
            "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
        },
    )
    run = run_role(tmp_path, templated)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "cache hit on solo" in out
    rendered = yaml.safe_load(config.read_text())
    assert rendered["litellm_settings"] == {
        "drop_params": True,
        "cache": True,
        "cache_params": {
            "type": "redis",
            "host": "127.0.0.1",
            "port": endpoints["redis"]["port"],
            "db": 6,
            "password": "os.environ/REDIS_PASSWORD",
            "socket_timeout": 20,
        },
    }
    assert rendered["model_list"][0]["litellm_params"]["mock_response"] == "templated"
    again = run_role(tmp_path, templated)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout
    assert os.listdir(config.parent) == ["config.yaml"], "backups and the lock go to litellm_cache_state_dir"
    assert (state / "config.yaml.original").read_bytes() == original
    outputs = [check.stdout + check.stderr, out, again.stdout]

    # restore_cache: the file as it was before the first change, in check mode (diff, nothing restarted), for real
    # (restarted and verified in the mode it has), and again (nothing to do)
    inventory = str(tmp_path / "inventory.yml")  # run_role's, with the templated host's variables
    switched = sha(config)
    dry = run_playbook(inventory, "erni_ki.litellm.restore_cache", check=True)
    outputs.append(dry.stdout + dry.stderr)
    assert dry.returncode == 0 and "-    type: redis" in dry.stdout, outputs[-1][-4000:]
    assert sha(config) == switched
    restored = run_playbook(inventory, "erni_ki.litellm.restore_cache")
    outputs.append(restored.stdout + restored.stderr)
    assert restored.returncode == 0, outputs[-1][-4000:]
    assert summary(restored.stdout) == {"solo": "restored the original (local)"}
    assert config.read_bytes() == original, "restore puts the original back byte for byte"
    assert proxy.wait_ready(60).get("cache") == "local", "restarted on the original"
    twice = run_playbook(inventory, "erni_ki.litellm.restore_cache")
    outputs.append(twice.stdout + twice.stderr)
    assert twice.returncode == 0 and summary(twice.stdout) == {"solo": "unchanged (the original, local)"}, outputs[-1]
    assert config.read_bytes() == original
    for text in outputs:
        assert master_key not in text and redis_password not in text


@pytest.fixture(scope="module")
def other_python(tmp_path_factory):
    """A managed-host interpreter that is not the controller's: Python 3.12 with requirements.txt only."""
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12")))
    found = shutil.which("python3.12")
    for python in ([found] if found else []) + candidates:
        if subprocess.run([python, "-c", "pass"], capture_output=True, check=False).returncode == 0:
            break
    else:
        pytest.fail("no working python3.12 for the managed host (make test expects pyenv's 3.12)")
    venv = tmp_path_factory.mktemp("managed") / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "-r", os.path.join(ROOT, "requirements.txt")],
        check=True,
        capture_output=True,
    )
    return str(venv / "bin" / "python")


TEMPLATED_REDIS_CONFIG = {
    "model_list": [
        {
            "model_name": "mock-gpt",
            "litellm_params": {"model": "openai/mock-gpt", "api_key": "sk-sandbox-not-a-real-key"},
        }
    ],
    "litellm_settings": {
        "cache": True,
        "cache_params": {
            "type": "redis",
            "host": "127.0.0.1",
            "port": 6390,
            "password": "os.environ/REDIS_PASSWORD",
            "socket_timeout": 20,
            "ttl": 300,
        },
    },
    "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
}


def test_template_mode_to_local_leaves_no_redis_key_with_another_managed_python(
    tmp_path, litellm_launcher, endpoints, other_python, master_key, redis_password
):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4052)
    hostvars = role_vars(
        endpoints,
        proxy,
        litellm_cache_config_ownership="template",
        litellm_cache_config=TEMPLATED_REDIS_CONFIG,
        litellm_cache_mode="local",
        ansible_python_interpreter=other_python,
    )
    run = run_role(tmp_path, hostvars)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    rendered = yaml.safe_load(config.read_text())
    assert rendered["litellm_settings"] == {"cache": True, "cache_params": {"type": "local", "ttl": 300}}
    assert config.read_text().startswith("# "), "the role's header comment is kept"
    assert proxy.wait_ready()["cache"] == "local"
    again = run_role(tmp_path, hostvars)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout
    assert master_key not in out and redis_password not in out


def test_template_mode_router_redis_block_is_refused_on_1_80_0(tmp_path, litellm_launcher, endpoints):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.0", 4053)
    before = sha(config)
    with_router = dict(
        TEMPLATED_REDIS_CONFIG, router_settings={"redis_host": "127.0.0.1", "redis_port": endpoints["redis"]["port"]}
    )
    hostvars = role_vars(
        endpoints,
        proxy,
        litellm_cache_config_ownership="template",
        litellm_cache_config=with_router,
        litellm_cache_mode="redis",
        litellm_cache_min_redis_version="1.80.0",
    )
    run = run_role(tmp_path, hostvars)
    out = run.stdout + run.stderr
    assert run.returncode != 0 and "LITELLM-CACHE-003" in out, out
    assert sha(config) == before, "a refused template run must not touch the config"
