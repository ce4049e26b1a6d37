"""LiteLLM releases as sandbox images, built on demand: pinned by sandbox/images/litellm/pin.sh, built by
sandbox/images.sh (cached by hash), with the fallback for releases whose open ranges resolve, today, to versions their
proxy cannot import. Used by make test-kb (tests/kb) and tools/kb_bisect.py."""

import os
import subprocess
import tempfile

from packaging.version import Version

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SANDBOX = os.path.join(ROOT, "sandbox")
CONSTRAINTS = os.path.join(SANDBOX, "images", "litellm", "constraints-{}.txt")
PY = os.environ.get("SANDBOX_HOST_PYTHON", "python3.11")


def releases():
    """Every final release of litellm the machine's package index offers, oldest first (post releases folded)."""
    out = subprocess.run(
        [PY, "-m", "pip", "index", "versions", "litellm"], capture_output=True, text=True, check=True
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("Available versions:"))
    found = {Version(v.strip()) for v in line.split(":", 1)[1].split(",")}
    return sorted({Version(v.base_version) for v in found if not v.is_prerelease})


# Held back when a release's open dependency ranges resolve, today, to versions its proxy cannot import
# (measured: litellm[proxy] 1.95.1 and 1.96.0 resolve fastapi 0.165.0, which no longer has
# fastapi.dependencies.utils.get_flat_dependant; 0.140.0 is the newest that has it).
COMPAT_PINS = ("fastapi<=0.140.0",)


def image(version, log):
    """The image tag of ``version`` (pinned and built when missing), or None when the release does not install or
    its proxy cannot even be imported."""
    v = str(version)
    tag = _build(v, (), log)
    if tag and not _proxy_imports(tag):
        log(f"{v}: the proxy does not import with today's resolution; pinned again with {' '.join(COMPAT_PINS)}")
        os.remove(CONSTRAINTS.format(v))
        tag = _build(v, COMPAT_PINS, log)
        if tag and not _proxy_imports(tag):
            log(f"{v}: does not run (the proxy does not import, even with {' '.join(COMPAT_PINS)})")
            os.remove(CONSTRAINTS.format(v))
            tag = None
    return tag


def _proxy_imports(tag):
    probe = ["docker", "run", "--rm", "--network", "host", "--entrypoint", "/opt/litellm/bin/python", tag]
    done = subprocess.run([*probe, "-c", "import litellm.proxy.proxy_server"], capture_output=True, check=False)
    return done.returncode == 0


def _build(v, extra, log):
    if not os.path.exists(CONSTRAINTS.format(v)):
        pin = subprocess.run(
            ["bash", os.path.join(SANDBOX, "images", "litellm", "pin.sh"), v, *extra],
            capture_output=True,
            text=True,
            check=False,
        )
        if pin.returncode != 0 or not os.path.exists(CONSTRAINTS.format(v)):
            log(f"{v}: does not install (pin: {(pin.stdout + pin.stderr).strip()[-300:]})")
            if os.path.exists(CONSTRAINTS.format(v)):
                os.remove(CONSTRAINTS.format(v))
            return None
    with tempfile.NamedTemporaryFile("r", suffix=".env") as env:
        build = subprocess.run(
            ["bash", os.path.join(SANDBOX, "images.sh"), v],
            check=False,
            capture_output=True,
            text=True,
            env=dict(os.environ, SANDBOX_IMAGES_ENV=env.name),
        )
        if build.returncode != 0:
            log(f"{v}: does not install (build: {(build.stdout + build.stderr).strip()[-300:]})")
            os.remove(CONSTRAINTS.format(v))
            return None
        # opened again by name: images.sh replaces the file (an atomic rename), so the handle above is the old one
        with open(env.name, encoding="utf-8") as written:
            tags = dict(line.strip().split("=", 1) for line in written if "=" in line)
    return tags[f"LITELLM_TAG_{v.replace('.', '_')}"]
