"""Run the collection's modules through Ansible itself (ansible ad-hoc on localhost), as users do.

The result is the one Ansible registers, read from the tree callback's file (``ansible -t DIR``); the
printed output (minimal callback, with diffs) is kept for what a user sees, such as leaked secrets.
"""

import json
import os
import subprocess
import sys
import tempfile

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


def _run(module, args, check=False, diff=False, verbosity=0, env=None, interpreter=None):
    """Run one module as `ansible localhost -m` does. ``env``: more environment (a secret belongs there, as an
    operator's does: on a failure ansible echoes the task's arguments); ``interpreter``: the Python that runs the
    module (the test's own by default)."""
    env = dict(os.environ, **(env or {}))
    env.update(
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="minimal",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_PYTHON_INTERPRETER=interpreter or sys.executable,
    )
    with tempfile.TemporaryDirectory(prefix="erni-tree-") as tree:
        cmd = [
            os.path.join(os.path.dirname(sys.executable), "ansible"),
            "localhost",
            "-i",
            "localhost,",
            "-c",
            "local",
            "-t",
            tree,
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
        path = os.path.join(tree, "localhost")
        if not os.path.exists(path):
            raise AssertionError(f"Ansible registered no result:\n{out}")
        with open(path, encoding="utf-8") as f:
            result = json.load(f)
        with open(path, encoding="utf-8") as f:
            out += f.read()  # what the tree file holds must be free of secrets too
    return ModuleRun(proc.returncode, result, out)


LIVE = tuple(os.path.join(ROOT, "tests", folder) + os.sep for folder in ("integration", "kb"))


def pytest_collection_modifyitems(items):
    """The tests that need the sandbox (real Docker engine, LiteLLM, Redis) are marked ``live``: those of
    tests/integration and tests/kb. ``pytest -m "not live" tests`` is the fast loop."""
    for item in items:
        if str(item.path).startswith(LIVE):
            item.add_marker(pytest.mark.live)


@pytest.fixture
def run_module():
    return _run
