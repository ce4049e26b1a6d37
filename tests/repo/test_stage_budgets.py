"""make test's stages (tools/test_stages.py): every stage has a budget, an overrun is loud, and the live suite's two
lanes together hold every live test module exactly once."""

import glob
import importlib.util
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


stages = _load("test_stages", "tools/test_stages.py")


def test_every_stage_has_a_budget_and_every_budget_a_stage():
    budgets = stages.read_budgets()
    assert set(budgets) == {*stages.STAGES, "total"}
    assert all(minutes > 0 for minutes in budgets.values())


def test_the_budgets_are_explained_in_docs_testing():
    with open(os.path.join(ROOT, "docs", "testing.md"), encoding="utf-8") as f:
        text = f.read()
    for stage in stages.STAGES:
        assert f"`{stage}`" in text, stage


def test_an_overrun_of_more_than_half_the_budget_is_a_loud_warning():
    budgets = {"sanity": 600.0, "lint": 60.0, "units": 60.0}
    results = {
        "sanity": {"result": "ok", "seconds": 901.0},  # 1.5x + 1 s: loud
        "lint": {"result": "ok", "seconds": 89.0},  # over, within 1.5x: marked only
        "units": {"result": "rc 2", "seconds": 500.0},  # failed: the failure speaks, not the clock
    }
    text, warnings = stages.table(results, budgets)
    assert len(warnings) == 1 and warnings[0].startswith("WARNING: stage sanity took 15.0 min"), warnings
    rows = {line.split()[0]: line for line in text.splitlines()[1:]}
    assert (
        rows["sanity"].endswith("WARNING")
        and rows["lint"].endswith("over")
        and rows["units"].split()[-2:] == ["8.3", "1.0"]
    )
    assert stages.verdict(60.0, 60.0) == "" and stages.verdict(10.0, None) == ""


def test_every_live_module_is_in_exactly_one_lane():
    lanes = _load("live_conftest", "tests/integration/conftest.py").LANES
    modules = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "tests", "integration", "test_*.py")))
    assigned = sorted(f for files in lanes.values() for f in files)
    assert assigned == modules


def test_no_proxy_port_is_used_by_two_lanes():
    """The lanes run at once on the host's network: a fixed proxy port (40xx-42xx) written in a module of one lane
    must not be in a module of another, or one lane's proxy answers for the other's (it happened: a proxy of
    test_faults.py on 4074 answered readiness "local" for test_overlapping_runs.py right after its switch to redis)."""
    lanes = _load("live_conftest", "tests/integration/conftest.py").LANES
    owner = {}
    for lane, files in lanes.items():
        for name in files:
            with open(os.path.join(ROOT, "tests", "integration", name), encoding="utf-8") as f:
                # a port, not a slice such as out[-4000:]
                for port in set(re.findall(r"(?<![-\w])4[0-2]\d\d\b", f.read())):
                    owner.setdefault(port, set()).add(lane)
    assert {port: sorted(ls) for port, ls in owner.items() if len(ls) > 1} == {}


def test_no_test_port_is_one_of_a_preset_sandbox():
    """A preset sandbox (sandbox/presets/*.env: the fleet, sentinel, cluster) puts its proxies on its first port and
    the next ones: a fixed port of a live module must not be among them (test_litellm_release.py's stack on 4101
    collided with the fleet's litellm-a when the two ran in different lanes)."""
    taken = {}
    for path in glob.glob(os.path.join(ROOT, "sandbox", "presets", "*.env")):
        with open(path, encoding="utf-8") as f:
            env = dict(line.strip().split("=", 1) for line in f if "=" in line and not line.startswith("#"))
        first, count = int(env["SANDBOX_LITELLM_A_PORT"]), int(env.get("SANDBOX_INSTANCES", "2"))
        taken.update({str(port): os.path.basename(path) for port in range(first, first + count)})
    for path in glob.glob(os.path.join(ROOT, "tests", "integration", "test_*.py")):
        with open(path, encoding="utf-8") as f:
            used = set(re.findall(r"(?<![-\w])4[0-2]\d\d\b", f.read()))
        assert not used & set(taken), (os.path.basename(path), {p: taken[p] for p in used & set(taken)})


def test_the_table_says_how_busy_the_machine_was():
    """A stage near 100 % is CPU-bound: only less work makes it faster (docs/testing.md)."""
    assert stages.cpu_busy((100, 1000), (250, 1200)) == 75
    assert stages.cpu_busy(None, (1, 2)) is None and stages.cpu_busy((5, 10), (5, 10)) is None
    busy, total = stages.cpu_ticks()
    assert 0 <= busy <= total
    text, _warnings = stages.table({"lint": {"result": "ok", "seconds": 30.0, "cpu_busy": 97}}, {"lint": 60.0})
    assert text.splitlines()[0].split()[-2:] == ["cpu", "%"] and text.splitlines()[1].split()[-1] == "97"


def test_the_live_marker_selects_the_live_suite_and_only_it():
    """`pytest -m "not live" tests` is the fast loop: no test of tests/integration or tests/kb, every other one."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    def collected(marker):
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-m", marker, "tests"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return [line for line in run.stdout.splitlines() if "::" in line]

    live, rest = collected("live"), collected("not live")
    assert live and all(t.startswith(("tests/integration/", "tests/kb/")) for t in live), live[:5]
    assert {t.split("/")[1] for t in live} == {"integration", "kb"}
    assert {t.split("/")[1] for t in rest} == {"unit", "repo", "modules"}
