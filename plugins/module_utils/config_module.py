# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the modules that read a LiteLLM config share (litellm_cache_mode, which changes it, and litellm_cache_info,
which only reads it; litellm_cache_rollback writes with the first's options): litellm_cache_mode's options, reading
the file, failing with what to do, planning the cache section, failing with the file left as it was and every secret
masked, and writing it (diff, backup, atomic write, file attributes)."""

from __future__ import annotations

import os
import traceback

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_cache_config as cfg
from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb
from ansible_collections.erni_ki.litellm.plugins.module_utils.config_state import ConfigState, write_atomically
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import mask_config_text, mask_text
from ansible_collections.erni_ki.litellm.plugins.module_utils.redis_connection import config_argument_spec


def gate_argument_spec():
    """The release a config is judged for and the version gate's settings (doc fragment erni_ki.litellm.gate)."""
    return dict(
        litellm_version=dict(type="str"),
        litellm_image=dict(type="str"),
        container_env=dict(type="list", elements="str", default=[]),
        min_redis_version=dict(type="str", default=kb.MIN_REDIS_VERSION),
        blocked_versions=dict(type="list", elements="str", default=[]),
    )


def read_config(module, path, required):
    """The file's text ('' when it may be missing and is); fails the module on anything it cannot read."""
    if not os.path.exists(path):
        if not required:
            return ""
        module.fail_json(
            msg=f"{path} does not exist: give the path of the LiteLLM config on the host "
            "(litellm_service returns it as config.host_path)"
        )
    if os.path.isdir(path):
        module.fail_json(msg=f"{path} is a directory, not a LiteLLM config file")
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        module.fail_json(msg=f"cannot read {path}: {exc.strerror}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        module.fail_json(msg=f"{path} is not UTF-8 text (byte {exc.start}): LiteLLM reads its config as UTF-8")


def make_plan(module, start_text, source, secrets, mode, params=None, **overrides):
    """cfg.plan for the module's params (or ``params``, and ``overrides`` of them), to ``mode``; every failure is a
    fail_json that says the file is untouched."""
    failed = dict(
        changed=False,
        previous_mode=None,
        mode=mode,
        cache_params={},
        topology={},
        findings=[],
        gate={},
    )
    try:
        request = cfg.CacheRequest.from_params(dict(params or module.params, mode=mode, **overrides))
        return cfg.plan(start_text, request, source=source)
    except cfg.GateRefused as exc:
        failed.update(gate=exc.gate, findings=exc.findings, mode=None, previous_mode=exc.previous_mode)
        module.fail_json(msg=mask_text(str(exc), secrets), **failed)
    except cfg.ConfigError as exc:
        module.fail_json(msg=mask_text(str(exc), secrets), **failed)
    except Exception as exc:  # noqa: BLE001 - never leave a traceback without saying the file is untouched
        module.fail_json(
            msg=f"unexpected error, {(params or module.params)['path'] or 'nothing'} left as it was: {exc}",
            exception=mask_text(traceback.format_exc(), secrets),
            **failed,
        )


def plan_file(module, path, content, secrets, mode, params=None):
    """(the file's text, the plan of its write): from ``content`` when given (a role that owns the whole file renders
    it), else from the file; the plan's previous_mode is the file's, which is what runs."""
    current = read_config(module, path, required=content is None)
    planned = make_plan(module, current if content is None else content, path, secrets, mode, params=params)
    if content is not None:
        try:
            planned["previous_mode"] = cfg.mode_of_text(current, path)
        except cfg.ConfigError:
            planned["previous_mode"] = None  # the file is replaced whole; what it held was not a config
    return current, planned


def plan_result(planned):
    """What both modules return of a plan: the mode judged, the cache_params (secrets masked), where Redis is, the
    findings, the gate, whether the router uses Redis, and the warnings."""
    keys = ("mode", "cache_params", "topology", "findings", "gate", "router_uses_redis")
    return dict({k: planned[k] for k in keys}, warnings_list=planned["warnings"])


def argument_spec():
    """litellm_cache_mode's options (litellm_cache_rollback validates its O(config) against them)."""
    return dict(
        path=dict(type="path"),
        content=dict(type="str"),
        mode=dict(type="str", required=True, choices=[*cfg.MODES, ORIGINAL]),
        ttl=dict(type="int"),
        supported_call_types=dict(type="list", elements="str"),
        namespace=dict(type="str"),
        # the Redis settings, from the one table (redis_settings.py): the cache_params keys it writes
        **config_argument_spec(),
        extra_cache_params=dict(type="dict", default={}),
        router_redis=dict(type="bool", default=False),
        # the release the config is judged for and the gate's settings (doc fragment erni_ki.litellm.gate)
        **gate_argument_spec(),
        on_blocked=dict(type="str", default="fail", choices=list(cfg.ON_BLOCKED)),
        force=dict(type="bool", default=False),
        backup=dict(type="bool", default=False),
        backup_keep=dict(type="int", default=5),
        backup_dir=dict(type="path"),
        file_mode=dict(type="raw"),
    )


ORIGINAL = "original"  # the mode that puts back the file as it was before the first change


def config_state(module, path, params=None):
    """The backups and original of ``path`` (module_utils/config_state.py), copied keeping owner and mode."""
    return ConfigState(path, (params or module.params)["backup_dir"], copy=module.preserved_copy)


def write_result(module, path, current, new_text, secrets, result, restoring=False, params=None):
    """Diff, backup (and the original, unless ``restoring`` it), atomic write and file attributes; returns whether
    anything changed. ``params``: litellm_cache_mode's options (the module's own by default)."""
    params = params or module.params
    changed = new_text != current
    state = config_state(module, path, params)
    backing_up = params["backup"] and os.path.exists(path)
    diffs = []
    if changed and module._diff:
        diffs.append(
            dict(
                before=mask_config_text(current, secrets),
                after=mask_config_text(new_text, secrets),
                before_header=path,
                after_header=path,
            )
        )
    if changed and not module.check_mode:
        if backing_up:
            try:
                state.ensure_dir()
            except OSError as exc:
                module.fail_json(
                    msg=f"cannot create backup_dir {state.dir}: {exc.strerror}; create it (mode 0700) or choose "
                    f"another, {path} was left as it was"
                )
            if not restoring:
                state.keep_original()
            result["backup_file"] = state.backup()
            result["backups_removed"] = state.prune_backups(params["backup_keep"])
        unsafe = params["unsafe_writes"]
        write_atomically(path, new_text.encode("utf-8"), lambda tmp, dest: module.atomic_move(tmp, dest, unsafe))
    due = changed and backing_up and not restoring and module.check_mode and state.original_due()
    result.setdefault("original_file", state.original if due or os.path.exists(state.original) else None)
    if not (module.check_mode and not os.path.exists(path)):
        # owner, group, mode (as file_mode), SELinux context and attributes, as every Ansible file module does; what
        # changes of them is a diff of its own, as the file modules show it
        file_args = module.load_file_common_arguments(dict(params, mode=params["file_mode"]), path=path)
        attributes = dict(before={}, after={}, before_header=path, after_header=path)
        changed = module.set_fs_attributes_if_different(file_args, changed, diff=attributes)
        if module._diff and attributes["before"] != attributes["after"]:
            diffs.append(attributes)
    if diffs:
        result["diff"] = diffs[0] if len(diffs) == 1 else diffs
    return changed
