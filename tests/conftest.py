"""Run the collection's modules through Ansible itself (ansible ad-hoc on localhost), as users do."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


class ModuleRun:
    def __init__(self, rc, result, output):
        self.rc = rc
        self.result = result
        self.output = output

    @property
    def failed(self):
        return self.result.get("failed", False) or self.rc != 0


def _run(module, args, check=False, diff=False, verbosity=0):
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="minimal",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
    )
    cmd = [
        os.path.join(os.path.dirname(sys.executable), "ansible"),
        "localhost",
        "-i",
        "localhost,",
        "-c",
        "local",
        "-m",
        f"erni_ki.litellm.{module}",
        "-a",
        json.dumps(args),
    ]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    marker = out.find("localhost | ")
    if marker < 0:
        raise AssertionError(f"no module result in the output:\n{out}")
    start = out.index("{", marker)
    result, _end = json.JSONDecoder().raw_decode(out[start:])
    return ModuleRun(proc.returncode, result, out)


@pytest.fixture
def run_module():
    return _run
