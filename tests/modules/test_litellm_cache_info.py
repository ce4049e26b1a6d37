"""litellm_cache_info through Ansible: the config as it is, with the gate and the knowledge base, never written."""

import os
import shutil

import pytest

SECRET = "Sup3r-s3cret-redis-pw"
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.yaml"
    shutil.copy(os.path.join(FIXTURES, "production.yaml"), path)
    return path


def files(directory):
    """Every file under ``directory`` with its bytes and its times: what a reading must leave as it was."""
    out = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        st = os.stat(path)
        with open(path, "rb") as f:
            out[name] = (f.read(), st.st_mode, st.st_mtime_ns)
    return out


def test_the_config_as_it_is_in_its_own_mode_and_nothing_written(run_module, config, tmp_path):
    before = files(tmp_path)
    local = run_module("litellm_cache_info", {"path": str(config)})
    assert not local.failed and local.result["changed"] is False, local.output
    assert local.result["config_mode"] == "local" and local.result["mode"] == "local"
    assert local.result["topology"]["kind"] is None and local.result["router_uses_redis"] is False

    switched = {"path": str(config), "mode": "redis", "login_host": "redis", "login_password": SECRET}
    assert run_module("litellm_cache_mode", dict(switched, litellm_version="1.80.11")).result["changed"]
    before = files(tmp_path)
    for check in (True, False):
        old = run_module("litellm_cache_info", {"path": str(config), "litellm_version": "1.80.0"}, check=check)
        assert not old.failed and old.result["changed"] is False, old.output
        assert old.result["config_mode"] == "redis" and old.result["mode"] == "redis"
        # the gate refuses this release for this config: said, not a failure of the reading
        assert old.result["gate"]["allowed"] is False and old.result["gate"]["blocked_by"], old.result["gate"]
        assert old.result["cache_params"]["host"] == "redis" and old.result["topology"]["kind"] == "standalone"
        assert SECRET not in old.output, "the literal password is masked"
        assert files(tmp_path) == before, "a reading wrote, moved or touched a file"


def test_another_cache_type_is_read_as_it_is(run_module, tmp_path):
    other = tmp_path / "s3.yaml"
    other.write_text("litellm_settings:\n  cache: true\n  cache_params:\n    type: s3\n    s3_bucket_name: b\n")
    s3 = run_module("litellm_cache_info", {"path": str(other)})
    assert not s3.failed and s3.result["config_mode"] == "s3" and s3.result["mode"] == "local", s3.output
    assert other.read_text().endswith("s3_bucket_name: b\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "does not exist: give the path of the LiteLLM config"),
        ("- just\n- a list\n", "not a mapping"),
    ],
)
def test_a_file_it_cannot_read_is_named(run_module, tmp_path, text, message):
    path = tmp_path / "config.yaml"
    if text is not None:
        path.write_text(text)
    run = run_module("litellm_cache_info", {"path": str(path)})
    assert run.failed and message in run.result["msg"], run.output
