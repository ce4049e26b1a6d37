# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the modules that read a LiteLLM config share (litellm_cache_mode, which changes it, and litellm_cache_info,
which only reads it): reading the file, failing with what to do, and planning the cache section, failing with the
file left as it was and every secret masked."""

from __future__ import annotations

import os
import traceback

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_cache_config as cfg
from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import mask_text


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


def make_plan(module, start_text, source, secrets, mode, **overrides):
    """cfg.plan for the module's params (and ``overrides`` of them), to ``mode``; every failure is a fail_json that
    says the file is untouched."""
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
        request = cfg.CacheRequest.from_params(dict(module.params, mode=mode, **overrides))
        return cfg.plan(start_text, request, source=source)
    except cfg.GateRefused as exc:
        failed.update(gate=exc.gate, findings=exc.findings, mode=None, previous_mode=exc.previous_mode)
        module.fail_json(msg=mask_text(str(exc), secrets), **failed)
    except cfg.ConfigError as exc:
        module.fail_json(msg=mask_text(str(exc), secrets), **failed)
    except Exception as exc:  # noqa: BLE001 - never leave a traceback without saying the file is untouched
        module.fail_json(
            msg=f"unexpected error, {module.params['path'] or 'nothing'} left as it was: {exc}",
            exception=mask_text(traceback.format_exc(), secrets),
            **failed,
        )


def plan_result(planned):
    """What both modules return of a plan: the mode judged, the cache_params (secrets masked), where Redis is, the
    findings, the gate, whether the router uses Redis, and the warnings."""
    keys = ("mode", "cache_params", "topology", "findings", "gate", "router_uses_redis")
    return dict({k: planned[k] for k in keys}, warnings_list=planned["warnings"])
