"""The users' execution environment definition is one ansible-builder accepts (the sandbox's is built and run by
`make ee` and the AWX-chain test)."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_ansible_builder_accepts_the_user_ee_definition(tmp_path):
    builder = os.path.join(os.path.dirname(sys.executable), "ansible-builder")
    definition = ROOT / "extensions" / "ee" / "user" / "execution-environment.yml"
    done = subprocess.run(
        [builder, "create", "-f", str(definition), "-c", str(tmp_path), "--output-filename", "Containerfile"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    containerfile = (tmp_path / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile
    assert "FROM base AS final" in containerfile
