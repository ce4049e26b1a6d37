"""litellm_run_lock through Ansible: the lock file in lock_dir, away from the config's directory."""

import os


def test_the_lock_goes_to_lock_dir_and_is_given_back(run_module, tmp_path):
    conf = tmp_path / "repo" / "config.yaml"
    conf.parent.mkdir()
    conf.write_text("model_list: []\n")
    state = tmp_path / "state"
    args = {"path": str(conf), "lock_dir": str(state), "run_id": "run-1", "playbook": "test"}
    check = run_module("litellm_run_lock", args, check=True)
    assert not check.failed and not state.exists(), check.output
    taken = run_module("litellm_run_lock", args)
    assert not taken.failed and taken.result["lock_file"] == str(state / ".config.yaml.erni_ki.lock"), taken.output
    assert os.path.exists(taken.result["lock_file"]) and os.stat(state).st_mode & 0o7777 == 0o700
    assert os.listdir(conf.parent) == ["config.yaml"]
    other = run_module("litellm_run_lock", dict(args, run_id="run-2"))
    assert other.failed and "run-1" in other.result["msg"], other.output
    back = run_module("litellm_run_lock", dict(args, state="absent"))
    assert back.result["changed"] and not os.path.exists(taken.result["lock_file"])


def test_the_guard_mark_is_set_and_taken_away_with_the_lock(run_module, tmp_path):
    """The cache guard's mark changes in the call that gives the lock back, and only for the run that held it."""
    conf = tmp_path / "config.yaml"
    conf.write_text("model_list: []\n")
    mark = tmp_path / ".config.yaml.erni_ki.guard"
    args = {"path": str(conf), "run_id": "guard-1"}
    assert not run_module("litellm_run_lock", args).failed
    refused = run_module("litellm_run_lock", dict(args, guard_mark="present"))
    assert refused.failed and "use it with state=absent" in refused.result["msg"], refused.output
    back = run_module("litellm_run_lock", dict(args, state="absent", guard_mark="present"))
    assert back.result["guard_mark"] == {"path": str(mark), "exists": True}, back.output
    assert mark.exists() and os.stat(mark).st_mode & 0o777 == 0o600 and "guard-1" in mark.read_text()
    # a run that does not hold the lock (here: nobody does) changes no mark
    stray = run_module("litellm_run_lock", dict(args, run_id="other", state="absent", guard_mark="absent"))
    assert not stray.failed and stray.result["guard_mark"]["exists"] and mark.exists(), stray.output
    # an operator's run that completed takes it away; check mode changes nothing
    operator = dict(args, run_id="operator-1")
    assert not run_module("litellm_run_lock", operator).failed
    check = run_module("litellm_run_lock", dict(operator, state="absent", guard_mark="absent"), check=True)
    assert check.result["guard_mark"]["exists"] and mark.exists(), check.output
    gone = run_module("litellm_run_lock", dict(operator, state="absent", guard_mark="absent"))
    assert gone.result["guard_mark"] == {"path": str(mark), "exists": False} and not mark.exists(), gone.output
