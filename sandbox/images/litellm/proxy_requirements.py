"""Write requirements-<version>.txt for a LiteLLM release whose `litellm[proxy]==<version>` does not resolve.

From 1.108.8 on, LiteLLM's proxy extra pins packages the package index does not have (`litellm-proxy==X`, whose
code ships inside litellm itself, and `litellm-proxy-extras` / `litellm-enterprise` post releases that were never
published). This reads the release's own metadata (its wheel, downloaded with no dependencies), keeps every
requirement of the proxy extra for CPython 3.11 on linux x86_64, and replaces each exact pin the index does not
have: `litellm-proxy` is dropped, any other package takes its newest published version. Every change is written at
the top of the file as a `# replaced:` line; images.sh puts those lines in the image's label.

Usage: python3.11 proxy_requirements.py VERSION   (run by pin.sh; needs only pip)
"""

import email.parser
import os
import subprocess
import sys
import tempfile
import zipfile

from pip._vendor.packaging.requirements import Requirement

HERE = os.path.dirname(os.path.abspath(__file__))
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
TARGET = {
    "python_version": "3.11",
    "python_full_version": "3.11.2",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}
# the proxy's code is in the litellm wheel itself (litellm/proxy/proxy_server.py); the split-out package is unpublished
DROPPED = {"litellm-proxy": "not published; the proxy's code ships in litellm itself"}


def _pip(*args):
    return subprocess.run([*PIP, *args], capture_output=True, text=True, check=False)


def published(name, version):
    with tempfile.TemporaryDirectory() as d:
        return _pip("download", "-q", "--no-deps", "--only-binary=:all:", "-d", d, f"{name}=={version}").returncode == 0


def newest(name):
    out = _pip("index", "versions", name).stdout
    first = next((x for x in out.splitlines() if x.startswith(name)), "")
    return first.split("(", 1)[1].rstrip(")") if "(" in first else None


def proxy_requirements(version):
    with tempfile.TemporaryDirectory() as d:
        done = _pip("download", "-q", "--no-deps", "-d", d, f"litellm=={version}")
        wheels = [f for f in os.listdir(d) if f.endswith(".whl")]
        if done.returncode != 0 or not wheels:
            sys.exit(f"litellm=={version} is not on the package index")
        with zipfile.ZipFile(os.path.join(d, wheels[0])) as whl:
            meta = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
            headers = email.parser.Parser().parsestr(whl.read(meta).decode())
    reqs = [Requirement(r) for r in headers.get_all("Requires-Dist") or ()]
    return [
        r
        for r in reqs
        if r.marker
        and r.marker.evaluate(dict(TARGET, extra="proxy"))
        and not r.marker.evaluate(dict(TARGET, extra="no-such-extra"))
    ]


def main(version):
    lines, notes = [f"litellm=={version}"], []
    for req in proxy_requirements(version):
        req.marker = None
        pins = [s.version for s in req.specifier if s.operator == "=="]
        if pins and not published(req.name, pins[0]):
            if req.name in DROPPED:
                notes.append(f"{req.name}=={pins[0]} dropped ({DROPPED[req.name]})")
                continue
            latest = newest(req.name)
            if latest is None:
                sys.exit(f"{req.name}=={pins[0]} is not published and the index has no {req.name} at all")
            notes.append(f"{req.name}=={pins[0]} -> {latest} (not published; the newest published)")
            req.specifier = type(req.specifier)(f"=={latest}")
        lines.append(str(req))
    lines.append("async-timeout>=4.0.3")
    path = os.path.join(HERE, f"requirements-{version}.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            f"# litellm[proxy]=={version} does not resolve from the package index; its proxy extra for CPython 3.11\n"
            f"# linux x86_64, read from the release's metadata by proxy_requirements.py, with these changes:\n"
        )
        f.writelines(f"# replaced: {n}\n" for n in notes)
        f.writelines(f"{x}\n" for x in lines)
    print(f"wrote {path} ({len(notes)} pins replaced)")


if __name__ == "__main__":
    main(sys.argv[1])
