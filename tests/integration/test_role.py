"""The litellm_cache role on a LiteLLM proxy of its own: template ownership, and check mode end to end."""

import glob
import hashlib
import os
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLAY = """
- name: Role under test
  hosts: proxies
  gather_facts: false
  tasks:
    - name: Run the role
      ansible.builtin.include_role:
        name: erni_ki.litellm.litellm_cache
"""


def run_role(tmp_path, hostvars, check=False):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "proxies": {
                    "hosts": {
                        "solo": dict(hostvars, ansible_connection="local", ansible_python_interpreter=sys.executable)
                    }
                }
            }
        )
    )
    play = tmp_path / "play.yml"
    play.write_text(PLAY)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"), ANSIBLE_NOCOLOR="1")
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(inventory), str(play)]
    if check:
        cmd += ["--check", "--diff"]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)


def proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, version, port):
    """A proxy of its own, on a copy of the sandbox's config: (config path, proxy)."""
    config = tmp_path / "conf" / "config.yaml"
    config.parent.mkdir()
    with open(endpoints["proxies"][0]["config_path"], encoding="utf-8") as f:
        config.write_text(f.read())
    return config, litellm_launcher.start(version, config_path=str(config), port=port)


def role_vars(endpoints, proxy, **extra):
    """The role's inputs for that proxy on the sandbox's Redis (secrets from the sandbox's files)."""
    return {
        "litellm_cache_container": proxy.container.name,
        "litellm_cache_master_key_file": endpoints["master_key_file"],
        "litellm_cache_redis_host": "127.0.0.1",
        "litellm_cache_redis_port": endpoints["redis"]["port"],
        "litellm_cache_redis_password_file": endpoints["redis"]["password_file"],
        **extra,
    }


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_check_mode_end_to_end_changes_nothing_then_template_ownership(
    tmp_path, litellm_launcher, endpoints, master_key, redis_password
):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4051)
    hostvars = role_vars(endpoints, proxy, litellm_cache_redis_db=6, litellm_cache_mode="redis")
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
    for text in (check.stdout + check.stderr, out, again.stdout):
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
