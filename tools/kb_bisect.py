"""Find the LiteLLM release where a knowledge-base rule's behaviour changes, on real releases.

    python tools/kb_bisect.py LITELLM-CACHE-005 --old 1.80.11 --new 1.108.7   # bisect between two releases
    python tools/kb_bisect.py LITELLM-CACHE-005 --check 1.95.1 1.96.0         # the probe on given releases

Every candidate release is installed the way the sandbox installs its own (sandbox/images/litellm/
pin.sh pins its wheel set, sandbox/images.sh builds the image from a host-side wheelhouse, cached by hash), then the
rule's probe (tests/helpers/kb_probes.py) runs it against a real Redis. A release that does not install (a pin
missing from the index, a conflict) is reported and skipped. The bisection keeps the two sides' behaviours apart
and ends on a pair of adjacent installable releases. Prints one line per measurement (release, rule, behaviour,
what was seen) and writes them to build/kb/<rule>.json.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

from packaging.version import Version

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

from tests.helpers.kb_probes import PROBES, Lab  # noqa: E402

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


class Bisect:
    def __init__(self, rule, lab):
        self.rule, self.lab = rule, lab
        self.results, self.skipped = [], []

    def log(self, text):
        print(text, flush=True)

    def measure(self, version):
        tag = image(version, self.log)
        if tag is None:
            self.skipped.append(str(version))
            return None
        obs = PROBES[self.rule](self.lab, tag)
        row = {"release": str(version), "rule": self.rule, "behaviour": obs.behaviour, "shows": obs.shows}
        row["detail"] = obs.detail
        self.results.append(row)
        self.log(f"{str(version):>10}  {self.rule}  {obs.behaviour:<22} shows={str(obs.shows):<5} {obs.detail}")
        return obs

    def run(self, old, new):
        candidates = [v for v in releases() if Version(old) <= v <= Version(new)]
        if Version(old) not in candidates or Version(new) not in candidates:
            raise SystemExit(f"{old} and {new} must both be releases on the index")
        lo, hi = 0, len(candidates) - 1
        a, b = self.measure(candidates[lo]), self.measure(candidates[hi])
        if a is None or b is None:
            raise SystemExit("both ends must install")
        if a.behaviour == b.behaviour:
            raise SystemExit(f"{old} and {new} behave the same ({a.behaviour}): no boundary between them")
        dead = set()
        while True:
            inside = [i for i in range(lo + 1, hi) if i not in dead]
            if not inside:
                break
            mid = min(inside, key=lambda i: abs(i - (lo + hi) / 2))
            obs = self.measure(candidates[mid])
            if obs is None:
                dead.add(mid)
            elif obs.behaviour == a.behaviour:
                lo = mid
            else:
                hi = mid
        between = [str(candidates[i]) for i in range(lo + 1, hi)]
        self.log(
            f"boundary {self.rule}: {candidates[lo]} ({a.behaviour}) -> {candidates[hi]} "
            f"({b.behaviour})"
            + (f"; not installable between them: {', '.join(between)}" if between else "; adjacent releases")
        )
        return str(candidates[lo]), str(candidates[hi]), between


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rule", choices=sorted(PROBES))
    ap.add_argument("--old", help="a release on one side of the change")
    ap.add_argument("--new", help="a release on the other side")
    ap.add_argument("--check", nargs="+", metavar="RELEASE", help="only run the probe on these releases")
    args = ap.parse_args()
    with Lab() as lab:
        bisect = Bisect(args.rule, lab)
        summary = {}
        if args.check:
            for v in args.check:
                bisect.measure(Version(v))
        else:
            if not (args.old and args.new):
                ap.error("give --old and --new, or --check")
            last_old, first_new, between = bisect.run(args.old, args.new)
            summary = {"last_old": last_old, "first_new": first_new, "not_installable_between": between}
    os.makedirs(os.path.join(ROOT, "build", "kb"), exist_ok=True)
    out = os.path.join(ROOT, "build", "kb", f"{args.rule}.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(
            {
                "date": datetime.date.today().isoformat(),
                "measurements": bisect.results,
                "skipped": bisect.skipped,
                **summary,
            },
            f,
            indent=2,
        )
    print(f"written {out}")


if __name__ == "__main__":
    main()
