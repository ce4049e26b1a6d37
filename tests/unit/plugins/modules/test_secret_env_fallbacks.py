"""The secrets the modules take from the environment an AWX credential injects (pure logic: the argument spec and
the key precedence; the AWX-chain live test runs the role with them)."""

import types

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_instance as li
from ansible_collections.erni_ki.litellm.plugins.module_utils import redis_connection


def test_redis_login_falls_back_to_the_credential_environment(monkeypatch):
    monkeypatch.setenv("LITELLM_CACHE_REDIS_PASSWORD", "from-env")
    monkeypatch.setenv("LITELLM_CACHE_REDIS_USER", "cache-user")
    result = ArgumentSpecValidator(redis_connection.redis_argument_spec()).validate({})
    assert result.validated_parameters["login_password"] == "from-env"
    assert result.validated_parameters["login_user"] == "cache-user"
    assert "from-env" in result._no_log_values, "the password from the environment is masked like any other"


def test_an_explicit_redis_password_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("LITELLM_CACHE_REDIS_PASSWORD", "from-env")
    result = ArgumentSpecValidator(redis_connection.redis_argument_spec()).validate({"login_password": "given"})
    assert result.validated_parameters["login_password"] == "given"


def fake_module(**params):
    base = {"master_key": None, "master_key_file": None}
    return types.SimpleNamespace(params={**base, **params}, no_log_values=set(), fail_json=None)


def test_master_key_precedence_option_then_file_then_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-env")
    key_file = tmp_path / "key"
    key_file.write_text("sk-file\n")
    assert li.read_master_key(fake_module(master_key="sk-given")) == "sk-given"
    assert li.read_master_key(fake_module(master_key_file=str(key_file))) == "sk-file"
    module = fake_module()
    assert li.read_master_key(module) == "sk-env"
    assert "sk-env" in module.no_log_values


def test_no_master_key_anywhere_is_none(monkeypatch):
    monkeypatch.delenv("LITELLM_MASTER_KEY", raising=False)
    assert li.read_master_key(fake_module()) is None
