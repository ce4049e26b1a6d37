"""The litellm_cache role on a LiteLLM proxy of its own: template ownership, and check mode end to end."""

import hashlib
import os
import subprocess
import sys

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


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_check_mode_end_to_end_changes_nothing_then_template_ownership(
    tmp_path, litellm_launcher, endpoints, master_key, redis_password
):
    config = tmp_path / "conf" / "config.yaml"
    config.parent.mkdir()
    with open(endpoints["proxies"][0]["config_path"], encoding="utf-8") as f:
        config.write_text(f.read())
    proxy = litellm_launcher.start("1.80.11", config_path=str(config), port=4051)
    hostvars = {
        "litellm_cache_container": proxy.container.name,
        "litellm_cache_master_key_file": endpoints["master_key_file"],
        "litellm_cache_redis_host": "127.0.0.1",
        "litellm_cache_redis_port": endpoints["redis"]["port"],
        "litellm_cache_redis_db": 6,
        "litellm_cache_redis_password_file": endpoints["redis"]["password_file"],
        "litellm_cache_mode": "redis",
    }
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
