"""`make test`: every stage of the test suite, timed against its budget.

After the set-up (the venv and the collection link), two streams run side by side:

- static: the stages that need no Docker engine (lints, sanity, units, Galaxy import, docs site, the
  pytest unit and module tests);
- live: `prepare` (the engine, the sandbox images, the execution environment, the sshd), then the live
  suite, then molecule.

The streams overlap because the static stream is mostly CPU on one core while `prepare` waits on
image builds. The static stages are independent: each runs whatever the one before did, so one run
reports every failure. In the live stream a failed stage stops the stages after it (they would fail
for its reason). Each stage's output goes
to build/logs/STAGE.log and is printed whole when the stage ends. At the end, pass or fail, a table
gives each stage's wall time against its budget (tests/stage_budgets.txt, explained in
docs/testing.md), and build/test-times.json holds the same figures. A stage more than 50 % over its
budget gets a loud WARNING (a warning, not a failure: the machine is noisy).

Usage: python3 tools/test_stages.py [--only STAGE ...]   (run with make's environment: `make test`)
Standard library only: it runs before the venv exists.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUDGETS = os.path.join(ROOT, "tests", "stage_budgets.txt")
LOGS = os.path.join(ROOT, "build", "logs")
TIMES = os.path.join(ROOT, "build", "test-times.json")
OVER = 1.5  # warn above budget x OVER

SETUP = ("setup",)
STREAMS = {
    "static": ("lint", "sanity", "units", "galaxy-import", "docsite", "test-unit", "test-modules"),
    "live": ("prepare", "test-live", "test-molecule"),
}
DEPENDENT = {"live"}  # streams whose stages need the one before
# The live stream is the critical path and CPU-bound on two cores: the static stream yields the CPU to it (nice),
# and takes what the live suite leaves while it waits on restarts.
NICE = {"static": 10}
STAGES = SETUP + STREAMS["static"] + STREAMS["live"]
TARGETS = {"setup": ("venv", "collection-link")}  # a stage is the make target of its name unless listed here


def read_budgets(path=BUDGETS):
    """{stage: seconds} from lines `STAGE MINUTES  # why`."""
    budgets = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            stage, minutes = text.split()
            budgets[stage] = float(minutes) * 60
    return budgets


def cpu_ticks():
    """(busy, all) clock ticks of the whole machine so far, from /proc/stat; None where there is none."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and iowait
    return sum(fields) - idle, sum(fields)


def cpu_busy(before, after):
    """How busy the machine was between two cpu_ticks(), in percent (None when unknown): a stage near 100 is
    CPU-bound, and only less work makes it faster."""
    if not before or not after or after[1] == before[1]:
        return None
    return round(100 * (after[0] - before[0]) / (after[1] - before[1]))


def verdict(seconds, budget):
    """'' within budget, 'over' up to OVER x budget, 'WARNING' beyond: the loud one."""
    if budget is None or seconds <= budget:
        return ""
    return "WARNING" if seconds > budget * OVER else "over"


def table(results, budgets):
    """The end-of-run table: stage, outcome, minutes, budget, verdict; then the warnings, loud."""
    lines = [f"{'stage':<15} {'result':<8} {'minutes':>8} {'budget':>7} {'cpu %':>5}"]
    warnings = []
    for stage in (*STAGES, "total"):
        if stage not in results:
            continue
        r = results[stage]
        budget = budgets.get(stage)
        mark = verdict(r["seconds"], budget) if r["result"] == "ok" else ""
        busy = r.get("cpu_busy")
        lines.append(
            f"{stage:<15} {r['result']:<8} {r['seconds'] / 60:>8.1f} "
            f"{(budget / 60 if budget else 0):>7.1f} {'' if busy is None else busy:>5} {mark}".rstrip()
        )
        if mark == "WARNING":
            warnings.append(
                f"WARNING: stage {stage} took {r['seconds'] / 60:.1f} min, more than {OVER:.0%} of its budget of "
                f"{budget / 60:.1f} min (tests/stage_budgets.txt): find what got slower before CI's 90 minutes do"
            )
    return "\n".join(lines), warnings


class Runner:
    def __init__(self, make):
        self.make = make
        self.results = {}
        self.print_lock = threading.Lock()
        os.makedirs(LOGS, exist_ok=True)

    def say(self, text):
        with self.print_lock:
            print(text, flush=True)

    def stage(self, name, nice=0):
        log = os.path.join(LOGS, f"{name}.log")
        targets = TARGETS.get(name, (name,))
        prefix = ["nice", "-n", str(nice)] if nice else []
        self.say(f"==> {name}: started ({time.strftime('%H:%M:%S')}), log in {os.path.relpath(log, ROOT)}")
        start, ticks = time.monotonic(), cpu_ticks()
        with open(log, "w", encoding="utf-8") as out:
            code = subprocess.call(
                [*prefix, self.make, "--no-print-directory", *targets], cwd=ROOT, stdout=out, stderr=out
            )
        seconds = time.monotonic() - start
        self.results[name] = {
            "result": "ok" if code == 0 else f"rc {code}",
            "seconds": round(seconds, 1),
            "cpu_busy": cpu_busy(ticks, cpu_ticks()),  # the whole machine's, whatever else ran beside the stage
        }
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
        self.say(f"==> {name}: {'ok' if code == 0 else 'FAILED (rc %d)' % code} in {seconds / 60:.1f} min\n{text}")
        return code == 0

    def stream(self, stages, dependent, nice=0):
        for name in stages:
            if not self.stage(name, nice) and dependent:
                for rest in stages[stages.index(name) + 1 :]:
                    self.results[rest] = {"result": "skipped", "seconds": 0.0}
                return


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--only", nargs="*", choices=STAGES, help="run these stages only (set-up always runs)")
    args = parser.parse_args(argv)
    runner = Runner(os.environ.get("MAKE", "make"))
    budgets = read_budgets()
    start, ticks = time.monotonic(), cpu_ticks()
    if runner.stage("setup"):
        streams = {name: [s for s in stages if not args.only or s in args.only] for name, stages in STREAMS.items()}
        threads = [
            threading.Thread(target=runner.stream, args=(stages, name in DEPENDENT, NICE.get(name, 0)))
            for name, stages in streams.items()
            if stages
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    total = time.monotonic() - start
    failed = [s for s, r in runner.results.items() if r["result"] not in ("ok", "skipped")]
    runner.results["total"] = {
        "result": "failed" if failed else "ok",
        "seconds": round(total, 1),
        "cpu_busy": cpu_busy(ticks, cpu_ticks()),
    }
    text, warnings = table(runner.results, budgets)
    with open(TIMES, "w", encoding="utf-8") as f:
        json.dump({"stages": runner.results, "budgets": budgets}, f, indent=1)
    print(f"\nmake test: stage times in minutes (build/test-times.json)\n{text}")
    for w in warnings:
        print("\n" + "!" * 100 + "\n" + w + "\n" + "!" * 100, file=sys.stderr)
    if failed:
        print(f"make test: FAILED in {', '.join(failed)} (logs in build/logs/)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
