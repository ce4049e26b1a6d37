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
import sys

from packaging.version import Version

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

from tests.helpers.kb_images import image, releases  # noqa: E402
from tests.helpers.kb_probes import PROBES, Lab  # noqa: E402


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
