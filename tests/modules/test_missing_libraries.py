"""A managed host whose Python lacks a library: each module fails naming the pip requirement, with the import's
traceback (shown with ANSIBLE_DISPLAY_TRACEBACK=error from ansible-core 2.19, at -vvv before; plugins/module_utils/
deps.py), and litellm_requirements lists every missing one."""

import os
import subprocess
import sys

import pytest


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """A Python with the standard library only: a virtualenv without pip or site packages."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return str(venv / "bin" / "python")


@pytest.mark.parametrize(
    "module,args,requirement,library",
    [
        ("litellm_cache_mode", {"path": "/nonexistent/config.yaml", "mode": "local"}, "ruamel.yaml>=0.18", "ruamel"),
        ("litellm_cache_info", {"path": "/nonexistent/config.yaml"}, "ruamel.yaml>=0.18", "ruamel"),
        ("litellm_service", {"container": "erni-none"}, "docker>=7.0", "docker"),
        ("litellm_release", {"container": "erni-none", "release": "1.93.0"}, "docker>=7.0", "docker"),
        ("redis_cache_probe", {"login_host": "127.0.0.1", "login_port": 1}, "redis>=5.0", "redis"),
        ("redis_cache_probe", {"from_container": "erni-none"}, "docker>=7.0", "docker"),
    ],
)
def test_a_missing_library_is_named_with_its_requirement_and_traceback(
    run_module, bare_python, module, args, requirement, library
):
    run = run_module(module, args, interpreter=bare_python, env={"ANSIBLE_DISPLAY_TRACEBACK": "error"})
    assert run.failed
    assert f"Failed to import the required Python library ({requirement})" in run.result["msg"], run.result
    assert f"ModuleNotFoundError: No module named '{library}'" in run.output, run.output


def test_litellm_requirements_lists_every_missing_library(run_module, bare_python):
    run = run_module("litellm_requirements", {"fail_on_missing": False}, interpreter=bare_python)
    assert not run.failed, run.output
    missing = {m["import"] for m in run.result["missing"]}
    assert missing == {"redis", "hiredis", "docker", "ruamel.yaml", "packaging"}, run.result
    assert run.result["python"]["executable"] == bare_python or os.path.realpath(
        run.result["python"]["executable"]
    ) == os.path.realpath(bare_python)
