"""A second sandbox project beside the default one: four proxies of mixed releases (tests and benchmarks)."""

import json
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FLEET = {
    "SANDBOX_PROJECT": "ernifleet",
    "SANDBOX_INSTANCES": "4",
    # litellm-b runs a release the gate refuses; it is not last, so a stopped rollout shows
    "SANDBOX_PROXY_VERSIONS": "1.80.11 1.80.0 1.108.7 1.80.11",
    "SANDBOX_REDIS_PORT": "6391",
    "SANDBOX_LITELLM_A_PORT": "4101",
    "SANDBOX_RUN": os.path.join(ROOT, "sandbox", "fleet", "run"),
    "SANDBOX_OUT": os.path.join(ROOT, "sandbox", "fleet"),
}


def up():
    """Start (or restart) the fleet; returns its endpoints (as sandbox/endpoints.json describes the default one)."""
    env = dict(os.environ, **FLEET)
    subprocess.run(["bash", os.path.join(ROOT, "sandbox", "up.sh")], env=env, check=True, timeout=900)
    with open(os.path.join(FLEET["SANDBOX_OUT"], "endpoints.json"), encoding="utf-8") as f:
        return json.load(f)


def down():
    env = dict(os.environ, **FLEET)
    subprocess.run(["bash", os.path.join(ROOT, "sandbox", "down.sh")], env=env, check=False, timeout=300)
