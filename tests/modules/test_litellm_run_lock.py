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
