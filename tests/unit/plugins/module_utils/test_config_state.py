"""config_state: backups, the original and the atomic write of litellm_cache_mode, without Ansible and without
sleeps (the clock is given)."""

import os
import stat
import time

import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils.config_state import (
    BACKUP_SUFFIX,
    ConfigState,
    write_atomically,
)


class Clock:
    """A local time that moves one second per call."""

    def __init__(self):
        self.now = time.mktime((2026, 12, 4, 10, 0, 0, 0, 0, -1))

    def __call__(self):
        self.now += 1
        return time.localtime(self.now)


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("v: 0\n")
    return path


def test_backups_are_named_as_backup_local_and_pruned_newest_kept(config):
    state = ConfigState(str(config), clock=Clock())
    made = []
    for i in range(5):
        config.write_text(f"v: {i}\n")
        made.append(state.backup())
        os.utime(made[-1], (1_000_000 + i, 1_000_000 + i))  # the order the backups were made in
    assert all(BACKUP_SUFFIX.match(b[len(str(config)) :]) for b in made), made
    assert os.path.basename(made[0]) == f"config.yaml.{os.getpid()}.2026-12-04@10:00:01~"
    assert state.prune_backups(0) == [] and len(state.backups()) == 5, "0 keeps every backup"
    removed = state.prune_backups(2)
    assert sorted(removed) == sorted(made[:3])
    assert state.backups() == [made[4], made[3]]
    assert open(made[4], encoding="utf-8").read() == "v: 4\n"


def test_other_files_in_the_directory_are_never_taken_for_backups(config, tmp_path):
    state = ConfigState(str(config), clock=Clock())
    others = ("config.yaml.original", "config.yaml.bak", "other.yaml.1.2026-12-04@10:00:00~", "config.yaml.1.x~")
    for name in others:
        (tmp_path / name).write_text("keep")
    os.utime(state.backup(), (1, 1))  # the oldest file of all
    assert len(state.backups()) == 1 and state.prune_backups(1) == []
    assert all((tmp_path / name).read_text() == "keep" for name in others)


def test_the_original_is_kept_once_then_again_after_a_restore(config, tmp_path):
    state = ConfigState(str(config), backup_dir=str(tmp_path / "state"), clock=Clock())
    state.ensure_dir()
    assert stat.S_IMODE(os.stat(state.dir).st_mode) == 0o700
    assert state.original_due()
    assert state.keep_original() == str(tmp_path / "state" / "config.yaml.original")
    config.write_text("v: 1\n")
    state.keep_original()
    assert open(state.original, encoding="utf-8").read() == "v: 0\n", "the first change's file stays the original"
    assert not state.original_due()
    state.mark_restored()
    assert "was put back on 2026-12-04T10:00:01" in open(state.restored, encoding="utf-8").read()
    assert state.original_due(), "after a restore the next change keeps the file as it is then"
    config.write_text("v: 2 (the operator's edit)\n")
    state.keep_original()
    assert open(state.original, encoding="utf-8").read() == "v: 2 (the operator's edit)\n"
    assert not os.path.exists(state.restored)
    assert sorted(os.listdir(state.dir)) == ["config.yaml.original"], "no temporary file stays behind"


def test_a_state_directory_that_cannot_be_made_raises_with_the_reason(config, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError):
        ConfigState(str(config), backup_dir=str(blocker / "state")).ensure_dir()


def test_the_write_is_a_move_of_a_temporary_file_beside_the_target(config, tmp_path):
    seen = {}

    def move(tmp, dest):
        seen["tmp"] = tmp
        assert os.path.dirname(tmp) == os.path.dirname(dest) and open(tmp, "rb").read() == b"v: 9\n"
        os.replace(tmp, dest)

    write_atomically(str(config), b"v: 9\n", move)
    assert config.read_bytes() == b"v: 9\n" and not os.path.exists(seen["tmp"])


def test_a_failed_move_leaves_the_file_and_no_temporary_file(config, tmp_path):
    def refuse(tmp, dest):
        raise OSError(13, "Permission denied")

    with pytest.raises(OSError):
        write_atomically(str(config), b"v: 9\n", refuse)
    assert config.read_bytes() == b"v: 0\n" and os.listdir(tmp_path) == ["config.yaml"]
