"""deps: one guard and one report for the libraries the modules import."""

import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils import deps
from ansible_collections.erni_ki.litellm.plugins.modules import litellm_requirements


class Failed(Exception):
    pass


class Module:
    def fail_json(self, **kw):
        raise Failed(kw)


@pytest.fixture(autouse=True)
def clean():
    saved = dict(deps._missing)
    deps._missing.clear()
    yield
    deps._missing.clear()
    deps._missing.update(saved)


def test_a_missing_library_is_recorded_with_its_traceback_and_reported_with_its_requirement():
    with deps.declare("docker"):
        import erni_ki_no_such_library  # noqa: F401, PLC0415
    assert not deps.available("docker") and deps.available("redis")
    with pytest.raises(Failed) as failed:
        deps.validate(Module(), "redis", "docker")
    report = failed.value.args[0]
    assert "required Python library (docker>=7.0)" in report["msg"]
    assert "Traceback" in report["exception"] and "erni_ki_no_such_library" in report["exception"]


def test_libraries_that_are_there_pass():
    with deps.declare("redis"):
        import json  # noqa: F401, PLC0415
    assert deps.available("redis")
    deps.validate(Module(), "redis", "docker")  # returns


def test_only_known_libraries_can_be_declared_and_other_errors_are_not_swallowed():
    with pytest.raises(ValueError, match="not in deps.REQUIREMENTS"), deps.declare("numpy"):
        pass
    with pytest.raises(ZeroDivisionError), deps.declare("redis"):
        raise ZeroDivisionError


def test_the_table_is_the_one_litellm_requirements_checks():
    assert litellm_requirements.REQUIREMENTS is deps.REQUIREMENTS
