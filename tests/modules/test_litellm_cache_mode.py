"""litellm_cache_mode through Ansible: check mode, diff, idempotence, backup, masking, failures."""

import os
import shutil

import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
SECRET = "Sup3r-s3cret-redis-pw"
REDIS = {
    "mode": "redis",
    "login_host": "redis",
    "login_port": 6379,
    "db": 1,
    "login_password_env": "REDIS_PASSWORD",
    "socket_timeout": 30,
    "litellm_version": "v1.80.11-stable.1",
}


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.yaml"
    shutil.copy(os.path.join(FIXTURES, "production.yaml"), path)
    os.chmod(path, 0o640)
    return path


def snapshot(path):
    st = os.stat(path)
    return path.read_bytes(), st.st_mode & 0o7777, st.st_uid, st.st_gid, st.st_ino


def test_check_mode_reports_the_change_and_writes_nothing(run_module, config):
    before = snapshot(config)
    run = run_module("litellm_cache_mode", dict(REDIS, path=str(config)), check=True, diff=True)
    assert not run.failed, run.output
    assert run.result["changed"] is True
    assert run.result["previous_mode"] == "local" and run.result["mode"] == "redis"
    assert "+    type: redis" in run.output and "+    host: redis" in run.output
    assert snapshot(config) == before


def test_apply_then_second_run_is_unchanged_and_untouched(run_module, config):
    first = run_module("litellm_cache_mode", dict(REDIS, path=str(config)))
    assert not first.failed and first.result["changed"], first.output
    text = config.read_text()
    assert "    type: redis\n    host: redis\n    port: 6379\n    db: 1\n" in text
    assert "password: os.environ/REDIS_PASSWORD" in text
    assert os.stat(config).st_mode & 0o7777 == 0o640, "file mode must be kept"
    after_first = snapshot(config)
    second = run_module("litellm_cache_mode", dict(REDIS, path=str(config)))
    assert not second.failed and second.result["changed"] is False
    assert snapshot(config) == after_first, "an unchanged run must not rewrite the file (same inode, same bytes)"
    check = run_module("litellm_cache_mode", dict(REDIS, path=str(config)), check=True)
    assert check.result["changed"] is False


def test_local_redis_local_restores_the_original_bytes(run_module, config):
    original = config.read_bytes()
    assert run_module("litellm_cache_mode", dict(REDIS, path=str(config))).result["changed"]
    back = run_module("litellm_cache_mode", {"path": str(config), "mode": "local"})
    assert back.result["changed"] and back.result["previous_mode"] == "redis"
    assert config.read_bytes() == original


def test_backup_keeps_the_original(run_module, config):
    original = config.read_bytes()
    run = run_module("litellm_cache_mode", dict(REDIS, path=str(config), backup=True))
    backup = run.result["backup_file"]
    assert os.path.exists(backup)
    with open(backup, "rb") as f:
        assert f.read() == original


def test_literal_password_never_appears_in_output(run_module, config):
    args = dict(REDIS, path=str(config), login_password=SECRET)
    del args["login_password_env"]
    run = run_module("litellm_cache_mode", args, diff=True, verbosity=3)
    assert not run.failed, run.output
    assert SECRET in config.read_text(), "the literal is written to the file as asked"
    assert SECRET not in run.output
    assert "hunter2" not in run.output, "credentials already in the file are masked in the diff"
    assert run.result["cache_params"]["password"] == "********"
    # and it goes away again
    back = run_module("litellm_cache_mode", {"path": str(config), "mode": "local"}, diff=True)
    assert SECRET not in back.output
    assert SECRET not in config.read_text()


def test_file_owner_group_and_mode_options(run_module, config):
    run = run_module("litellm_cache_mode", {"path": str(config), "mode": "local", "file_mode": "0600"})
    assert run.result["changed"] is True
    assert os.stat(config).st_mode & 0o7777 == 0o600
    assert (
        run_module("litellm_cache_mode", {"path": str(config), "mode": "local", "file_mode": "0600"}).result["changed"]
        is False
    )


def test_gate_refusal_fails_names_the_rule_and_changes_nothing(run_module, config):
    before = snapshot(config)
    run = run_module("litellm_cache_mode", dict(REDIS, path=str(config), container_env=["REDIS_URL", "HOME"]))
    assert run.failed
    assert "LITELLM-CACHE-005" in run.result["msg"] and kb.CACHE_PARAMS_WIN_OVER_REDIS_URL_FROM in run.result["msg"]
    assert run.result["gate"]["allowed"] is False
    assert snapshot(config) == before


def test_fallback_local_warns(run_module, config):
    before = snapshot(config)
    run = run_module(
        "litellm_cache_mode", dict(REDIS, path=str(config), litellm_version="1.80.0", on_blocked="fallback_local")
    )
    assert not run.failed and run.result["mode"] == "local" and run.result["changed"] is False
    assert "falling back to local" in run.output
    assert snapshot(config) == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("litellm_settings: [cache]\n# keep me\n", "litellm_settings is a list, not a mapping"),
        ("model_list:\n  - model_name: a\n   bad: indent\n", "is not valid YAML at line 3"),
        ("litellm_settings:\n  cache_params: {type: local,\n    ttl: 60}\n", "left as it was"),
    ],
)
def test_files_the_module_cannot_handle_stay_byte_for_byte(run_module, tmp_path, content, expected):
    path = tmp_path / "config.yaml"
    path.write_text(content)
    before = snapshot(path)
    run = run_module("litellm_cache_mode", {"path": str(path), "mode": "local", "ttl": 30})
    assert run.failed
    assert expected in run.result["msg"]
    assert snapshot(path) == before


def test_non_utf8_file_is_refused(run_module, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_bytes(b"litellm_settings:\n  cache: true # caf\xe9\n")
    before = snapshot(path)
    run = run_module("litellm_cache_mode", {"path": str(path), "mode": "local"})
    assert run.failed and "not UTF-8" in run.result["msg"]
    assert snapshot(path) == before


def test_missing_file_and_bad_version_and_exclusive_passwords(run_module, tmp_path, config):
    missing = run_module("litellm_cache_mode", {"path": str(tmp_path / "nope.yaml"), "mode": "local"})
    assert missing.failed and "does not exist" in missing.result["msg"]
    bad = run_module("litellm_cache_mode", dict(REDIS, path=str(config), litellm_version="latest"))
    assert bad.failed and "cannot read LiteLLM version 'latest'" in bad.result["msg"]
    both = run_module("litellm_cache_mode", dict(REDIS, path=str(config), login_password=SECRET))
    assert both.failed and "mutually exclusive" in both.result["msg"]
    assert SECRET not in both.output


def test_without_path_returns_the_computed_section(run_module):
    run = run_module("litellm_cache_mode", dict(REDIS))
    assert not run.failed and run.result["changed"] is False
    assert run.result["cache_params"]["type"] == "redis"
    assert "cache_params:\n    type: redis\n" in run.result["content"]


RENDERED_WITH_REDIS = """\
# Ansible managed
model_list:
- model_name: mock-gpt
  litellm_params:
    model: openai/mock-gpt
litellm_settings:
  drop_params: true
  cache: true
  cache_params:
    type: redis
    host: redis
    port: 6379
    password: os.environ/REDIS_PASSWORD
    socket_timeout: 30
    ttl: 600
"""


def test_content_is_edited_like_a_file_and_replaces_it(run_module, tmp_path, config):
    """Template ownership: the rendered config goes through the same plan; Redis keys go for local."""
    target = tmp_path / "new" / "config.yaml"
    target.parent.mkdir()
    created = run_module("litellm_cache_mode", {"path": str(target), "content": RENDERED_WITH_REDIS, "mode": "local"})
    assert not created.failed and created.result["changed"], created.output
    assert created.result["previous_mode"] == "disabled", "no file before: nothing ran a cache from it"
    text = target.read_text()
    assert "cache_params:\n    type: local\n    ttl: 600\n" in text
    for key in ("host:", "port:", "password:", "socket_timeout:"):
        assert key not in text, f"{key} left in a local cache section"
    assert text.startswith("# Ansible managed\n"), "the rendered document is kept, only the cache section changes"
    again = run_module("litellm_cache_mode", {"path": str(target), "content": RENDERED_WITH_REDIS, "mode": "local"})
    assert again.result["changed"] is False

    # the file's own mode is what previous_mode reports (what runs), not the content's
    original = config.read_bytes()
    switched = run_module(
        "litellm_cache_mode", dict(REDIS, path=str(config), content=RENDERED_WITH_REDIS, backup=True), diff=True
    )
    assert not switched.failed and switched.result["previous_mode"] == "local"
    with open(switched.result["backup_file"], "rb") as f:
        assert f.read() == original, "the backup is the file as it was, byte for byte"
    assert config.read_text().startswith("# Ansible managed\n") and "drop_params: true" in config.read_text()


def test_content_router_redis_block_is_judged_on_1_80_0(run_module, tmp_path):
    """The gate sees the whole rendered document: a router Redis block on 1.80.0-1.80.10 is refused."""
    target = tmp_path / "config.yaml"
    content = RENDERED_WITH_REDIS + "router_settings:\n  redis_host: redis\n  redis_port: 6379\n"
    run = run_module(
        "litellm_cache_mode",
        dict(REDIS, path=str(target), content=content, litellm_version="1.80.0", min_redis_version="1.80.0"),
    )
    assert run.failed and "LITELLM-CACHE-003" in run.result["msg"]
    assert run.result["gate"]["blocked_by"] == ["LITELLM-CACHE-003"]
    assert not target.exists(), "a refused plan writes nothing"
    # the advice: the release that clears it, and the change that clears it instead
    assert run.result["gate"]["upgrade_to"] == "1.80.11"
    assert run.result["gate"]["advice"][0]["change"].startswith("Upgrade LiteLLM to 1.80.11 or later, or drop")
    assert "To clear them: upgrade LiteLLM to 1.80.11: that clears LITELLM-CACHE-003" in run.result["msg"]


SENTINEL = {
    "mode": "redis",
    "topology": "sentinel",
    "sentinel_nodes": ["sentinel-1:26379", "sentinel-2:26379"],
    "service_name": "litellm-cache",
    "login_password_env": "REDIS_PASSWORD",
    "socket_timeout": 5,
    "litellm_version": "1.108.7",
}


def test_sentinel_literal_password_never_appears_and_local_restores_the_bytes(run_module, config):
    original = config.read_bytes()
    args = dict(SENTINEL, path=str(config), sentinel_password=SECRET)
    check = run_module("litellm_cache_mode", args, check=True, diff=True, verbosity=3)
    assert not check.failed and check.result["changed"] and config.read_bytes() == original, check.output
    assert "+    sentinel_nodes:" in check.output and "+      - [sentinel-1, 26379]" in check.output
    run = run_module("litellm_cache_mode", args, diff=True, verbosity=3)
    assert not run.failed, run.output
    assert run.result["topology"] == {
        "kind": "sentinel",
        "nodes": ["sentinel-1:26379", "sentinel-2:26379"],
        "service_name": "litellm-cache",
    }
    assert SECRET in config.read_text() and SECRET not in run.output
    assert run.result["cache_params"]["sentinel_password"] == "********"
    assert run_module("litellm_cache_mode", args).result["changed"] is False
    back = run_module("litellm_cache_mode", {"path": str(config), "mode": "local"}, diff=True)
    assert SECRET not in back.output and config.read_bytes() == original


def test_sentinel_on_a_release_that_cannot_authenticate_is_refused_and_nothing_changes(run_module, config):
    before = snapshot(config)
    run = run_module("litellm_cache_mode", dict(SENTINEL, path=str(config), litellm_version="1.80.11"))
    assert run.failed and "LITELLM-CACHE-011" in run.result["msg"] and kb.SENTINEL_AUTH_FROM in run.result["msg"]
    assert snapshot(config) == before


def test_cluster_with_a_db_is_refused_saying_why(run_module, config):
    before = snapshot(config)
    args = {
        "path": str(config),
        "mode": "redis",
        "topology": "cluster",
        "cluster_nodes": ["node-1:6379"],
        "db": 1,
        "litellm_version": "1.108.7",
    }
    run = run_module("litellm_cache_mode", args)
    assert run.failed and "which has only db 0" in run.result["msg"] and "Nothing was changed" in run.result["msg"]
    assert snapshot(config) == before


@pytest.fixture
def url_config(tmp_path):
    path = tmp_path / "config.yaml"
    shutil.copy(os.path.join(FIXTURES, "url_form.yaml"), path)
    return path


URL = {"mode": "redis", "login_url": "os.environ/REDIS_URL", "litellm_version": "1.108.7"}


def test_url_form_redis_local_redis_in_check_diff_and_for_real(run_module, url_config):
    """The url: stack goes to local (url, timeouts and connection_pool_timeout removed) and back to a url cache, with
    check mode and diff telling the truth and a second run changing nothing."""
    before = snapshot(url_config)
    check = run_module("litellm_cache_mode", {"path": str(url_config), "mode": "local"}, check=True, diff=True)
    assert check.result["changed"] and snapshot(url_config) == before, check.output
    assert "-    url: os.environ/REDIS_URL" in check.output and "-    connection_pool_timeout: 5" in check.output
    local = run_module("litellm_cache_mode", {"path": str(url_config), "mode": "local"})
    assert local.result["changed"] and "url" not in local.result["cache_params"], local.output
    assert "    url:" not in url_config.read_text() and "connection_pool_timeout" not in url_config.read_text()
    back = run_module("litellm_cache_mode", dict(URL, path=str(url_config), socket_timeout=30), diff=True)
    assert not back.failed and back.result["changed"], back.output
    text = url_config.read_text()
    assert (
        '    type: "redis"   # shared by every replica\n    url: os.environ/REDIS_URL\n    socket_timeout: 30\n' in text
    )
    assert "host:" not in text.split("router_settings")[0]
    again = run_module("litellm_cache_mode", dict(URL, path=str(url_config), socket_timeout=30))
    assert again.result["changed"] is False and url_config.read_text() == text


def test_host_options_on_a_url_config_fail_and_leave_the_bytes(run_module, url_config):
    before = snapshot(url_config)
    run = run_module("litellm_cache_mode", dict(REDIS, path=str(url_config), litellm_version="1.108.7"))
    assert run.failed and "cache_params connects by url (os.environ/REDIS_URL)" in run.result["msg"], run.output
    assert snapshot(url_config) == before


def test_a_literal_url_with_a_password_is_refused_and_never_shown(run_module, config):
    before = snapshot(config)
    url = f"redis://litellm:{SECRET}@redis:6379/1"
    run = run_module("litellm_cache_mode", dict(URL, path=str(config), login_url=url), diff=True)
    assert run.failed and "a password in a literal URL" in run.result["msg"], run.output
    assert snapshot(config) == before
    assert SECRET not in run.output


# ------------------------------------------------------------------ the original, mode=original, backup_dir


def test_the_url_stack_goes_redis_local_redis_and_back_to_its_original_byte_for_byte(run_module, url_config, tmp_path):
    """Issue 22's done-when, on the module: the original is kept at the first change, apart from the rotated backups
    (backup_keep=1 does not prune it), and mode=original puts it back in check mode (diff, nothing written), for real,
    and a second time without a change."""
    state = tmp_path / "state"
    original = url_config.read_bytes()
    keep = {"backup": True, "backup_dir": str(state), "backup_keep": 1}
    first = run_module("litellm_cache_mode", dict(keep, path=str(url_config), mode="local"))
    assert first.result["changed"], first.output
    assert first.result["original_file"] == str(state / "config.yaml.original")
    assert os.stat(state).st_mode & 0o7777 == 0o700
    assert run_module("litellm_cache_mode", dict(URL, **keep, path=str(url_config), socket_timeout=5)).result["changed"]
    assert run_module("litellm_cache_mode", dict(keep, path=str(url_config), mode="local")).result["changed"]
    backups = sorted(p.name for p in state.iterdir() if p.name.endswith("~"))
    assert len(backups) == 1, backups
    assert sorted(os.listdir(url_config.parent)) == ["config.yaml", "state"], "nothing but the config beside it"
    before = snapshot(url_config)
    check = run_module("litellm_cache_mode", dict(keep, path=str(url_config), mode="original"), check=True, diff=True)
    assert check.result["changed"] and snapshot(url_config) == before, check.output
    assert "+    url: os.environ/REDIS_URL" in check.output and "+    connection_pool_timeout: 5" in check.output
    restored = run_module("litellm_cache_mode", dict(keep, path=str(url_config), mode="original"))
    assert restored.result["changed"] and url_config.read_bytes() == original, restored.output
    assert restored.result["previous_mode"] == "local" and restored.result["mode"] == "redis"
    assert restored.result["cache_params"]["url"] == "os.environ/REDIS_URL"
    again = run_module("litellm_cache_mode", dict(keep, path=str(url_config), mode="original"))
    assert again.result["changed"] is False and url_config.read_bytes() == original, again.output


def test_original_without_one_kept_fails_and_changes_nothing(run_module, config):
    before = snapshot(config)
    run = run_module("litellm_cache_mode", {"path": str(config), "mode": "original", "backup": True})
    assert run.failed and snapshot(config) == before
    msg = run.result["msg"]
    assert "config.yaml.original" in msg and "backup=true" in msg and "Nothing was changed" in msg, msg


def test_after_a_restore_the_operators_edits_become_the_original(run_module, config):
    """An original put back and then edited by hand: the next change keeps the edited file, so a later restore does
    not lose the edits. Without a restore in between, the first original stays (the operator's edits of a switched
    file are in the rotated backups)."""
    keep = {"backup": True}
    assert run_module("litellm_cache_mode", dict(REDIS, **keep, path=str(config))).result["changed"]
    assert run_module("litellm_cache_mode", dict(keep, path=str(config), mode="original")).result["changed"]
    edited = config.read_bytes() + b"# a model added by hand after the restore\n"
    config.write_bytes(edited)
    assert run_module("litellm_cache_mode", dict(REDIS, **keep, path=str(config))).result["changed"]
    config.write_bytes(config.read_bytes() + b"# an edit of the switched file\n")
    assert run_module("litellm_cache_mode", dict(keep, path=str(config), mode="local")).result["changed"]
    assert run_module("litellm_cache_mode", dict(keep, path=str(config), mode="original")).result["changed"]
    assert config.read_bytes() == edited


def test_a_restore_diff_masks_the_credentials_of_the_original(run_module, config):
    keep = {"backup": True}
    assert run_module("litellm_cache_mode", dict(REDIS, **keep, path=str(config))).result["changed"]
    config.write_text(config.read_text().replace("hunter2", "changed-by-hand"))
    run = run_module("litellm_cache_mode", dict(keep, path=str(config), mode="original"), diff=True, verbosity=3)
    assert run.result["changed"] and "hunter2" in config.read_text(), run.output
    assert "hunter2" not in run.output and "changed-by-hand" not in run.output


def test_a_mode_change_shows_in_the_diff_in_check_mode_and_for_real(run_module, config):
    """Owner, group and mode changes are part of the diff, as Ansible's file modules show them; check mode changes
    nothing."""
    before = snapshot(config)
    args = {"path": str(config), "mode": "local", "file_mode": "0600"}
    check = run_module("litellm_cache_mode", args, check=True, diff=True)
    assert check.result["changed"] is True and snapshot(config) == before
    assert '-    "mode": "0640"' in check.output and '+    "mode": "0600"' in check.output, check.output

    real = run_module("litellm_cache_mode", args, diff=True)
    assert real.result["changed"] is True and os.stat(config).st_mode & 0o7777 == 0o600
    assert '+    "mode": "0600"' in real.output, real.output
    again = run_module("litellm_cache_mode", args, diff=True)
    assert again.result["changed"] is False and '"mode": "0600"' not in again.output.split("=>")[0], again.output


def test_a_content_change_and_a_mode_change_show_both(run_module, config):
    run = run_module("litellm_cache_mode", {"path": str(config), "file_mode": "0600", **REDIS}, check=True, diff=True)
    assert run.result["changed"] is True, run.output
    shown = run.output.split("=>")[0]
    assert "+    type: redis" in shown and '+    "mode": "0600"' in shown, shown
    assert SECRET not in run.output
