"""Sandbox projects beside the default one (tests and benchmarks), each described once by sandbox/presets/NAME.env
and brought up by sandbox/up.sh with SANDBOX_PRESET=NAME: the fleet of four proxies of mixed releases, and two
proxies on each Redis topology (sentinel, cluster)."""

import json
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SANDBOX = os.path.join(ROOT, "sandbox")
FLEET, SENTINEL, CLUSTER = "fleet", "sentinel", "cluster"


def releases():
    """The LiteLLM releases the sandbox builds images of (sandbox/images/litellm/releases), oldest first."""
    with open(os.path.join(SANDBOX, "images", "litellm", "releases"), encoding="utf-8") as f:
        return tuple(v for line in f if not line.startswith("#") for v in line.split())


def preset(name):
    """The preset's settings (KEY=VALUE lines of sandbox/presets/NAME.env)."""
    settings = {}
    with open(os.path.join(SANDBOX, "presets", f"{name}.env"), encoding="utf-8") as f:
        for line in f:
            key, sep, value = line.strip().partition("=")
            if sep and not key.startswith("#"):
                settings[key] = value
    return settings


def _env(name):
    # the preset alone decides: the same variables in the caller's environment would win over it
    drop = set(preset(name)) | {"SANDBOX_RUN", "SANDBOX_PROXY_VERSION", "SANDBOX_PROXY_VERSIONS", "SANDBOX_INSTANCES"}
    return dict({k: v for k, v in os.environ.items() if k not in drop}, SANDBOX_PRESET=name)


def up(name):
    """Start (or restart) the preset's project; returns its endpoints (as sandbox/endpoints.json describes the
    default one)."""
    subprocess.run(["bash", os.path.join(SANDBOX, "up.sh")], env=_env(name), check=True, timeout=900)
    with open(os.path.join(SANDBOX, preset(name)["SANDBOX_OUT"], "endpoints.json"), encoding="utf-8") as f:
        return json.load(f)


def down(name):
    subprocess.run(["bash", os.path.join(SANDBOX, "down.sh")], env=_env(name), check=False, timeout=300)
