# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan and apply a cache-mode change to a LiteLLM config: the logic behind litellm_cache_mode.

Pure Python over the round-trip document: no Ansible here, so it is unit-tested directly.
"""

from __future__ import annotations

import re

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb
from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_version import (
    LiteLLMVersion,
    LiteLLMVersionError,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import MASK, mask_secrets, mask_url_credentials
from ansible_collections.erni_ki.litellm.plugins.module_utils.yaml_roundtrip import (
    RoundTripDocument,
    YamlEditError,
    new_mapping,
    plain,
)

MODES = ("local", "redis", "disabled")
ENV_PREFIX = "os.environ/"
_SECRET_KEY = re.compile(r"(password|passwd|secret|token|api_key|master_key|credential)", re.IGNORECASE)
_SECRET_LINE = re.compile(
    r"^(?P<lead>\s*-?\s*[\"']?(?P<key>[\w.-]*(?:password|passwd|secret|token|api_key|master_key)[\w.-]*)[\"']?\s*:\s*)"
    r"(?P<value>\S.*?)(?P<comment>\s+#.*)?$",
    re.IGNORECASE,
)


class ConfigError(ValueError):
    """The config cannot be changed as asked; the file was not touched."""


def is_secret_key(key):
    return bool(_SECRET_KEY.search(str(key)))


def mask_value(key, value):
    if value is None:
        return None
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        return value
    if is_secret_key(key):
        return MASK
    if isinstance(value, str):
        return mask_url_credentials(value)
    return value


def mask_mapping(mapping):
    out = {}
    for k, v in (mapping or {}).items():
        out[str(k)] = mask_mapping(v) if isinstance(v, dict) else mask_value(k, plain(v))
    return out


def mask_text(text, secrets=()):
    """Mask secret values in config text (for diffs): password-like keys, URL credentials, known secrets."""
    lines = []
    for line in text.splitlines(keepends=True):
        end = "\n" if line.endswith("\n") else ""
        body = line[:-1] if end else line
        m = _SECRET_LINE.match(body)
        if m and not m.group("value").strip("\"'").startswith(ENV_PREFIX):
            body = m.group("lead") + MASK + (m.group("comment") or "")
        lines.append(mask_url_credentials(body) + end)
    return mask_secrets("".join(lines), secrets)


def yaml_kind(value):
    """The YAML name of a value's kind, for messages."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "str"
    if value is None:
        return "null"
    return type(value).__name__


def _same(old, new):
    """Equal as LiteLLM would read them: 30 and 30.0 are the same, True and 1 are not."""
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool) and old == new
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new))
    return old == new


def _number(value):
    """Whole floats are written as integers (socket_timeout: 30, not 30.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _set(mapping, key, value, after=None):
    """Set a key in place; a new key goes right after ``after`` (or at the end). Returns True if changed."""
    if key in mapping:
        if _same(mapping[key], value):
            return False
        mapping[key] = value
        return True
    keys = list(mapping.keys())
    if after is not None and after in mapping:
        mapping.insert(keys.index(after) + 1, key, value)
    else:
        mapping[key] = value
    return True


def _delete(mapping, key):
    if key not in mapping:
        return False
    # Comments attached to the deleted key (a trailing comment block) go to the key before it.
    keys = list(mapping.keys())
    idx = keys.index(key)
    comment = mapping.ca.items.pop(key, None) if hasattr(mapping, "ca") else None
    del mapping[key]
    if comment and idx > 0 and comment[2] is not None:
        prev = keys[idx - 1]
        entry = mapping.ca.items.setdefault(prev, [None, None, None, None])
        if entry[2] is None:
            entry[2] = comment[2]
    return True


def parse_target_version(text):
    if text in (None, ""):
        return None
    try:
        return LiteLLMVersion(text)
    except LiteLLMVersionError as exc:
        raise ConfigError(str(exc)) from None


def desired_cache_params(params, mode):
    """The cache_params keys and values the module owns for ``mode`` (secrets as given)."""
    want = {}
    for key in ("ttl", "namespace", "supported_call_types"):
        if params.get(key) is not None:
            want[key] = params[key]
    if mode != "redis":
        return want
    mapping = {
        "host": "redis_host",
        "port": "redis_port",
        "db": "redis_db",
        "username": "redis_username",
        "ssl": "redis_ssl",
        "socket_timeout": "socket_timeout",
        "socket_connect_timeout": "socket_connect_timeout",
        "retry_on_timeout": "retry_on_timeout",
        "health_check_interval": "health_check_interval",
        "max_connections": "max_connections",
    }
    for key, opt in mapping.items():
        if params.get(opt) is not None:
            want[key] = _number(params[opt])
    if params.get("redis_password_env"):
        want["password"] = ENV_PREFIX + params["redis_password_env"]
    elif params.get("redis_password") is not None:
        want["password"] = params["redis_password"]
    for key, value in (params.get("extra_cache_params") or {}).items():
        want[key] = value
    return want


def gate(params, version, findings):
    """The version gate for redis mode: {allowed, version, reason, blocked_by}."""
    result = {"allowed": True, "version": None if version is None else version.text, "reason": "", "blocked_by": []}
    if params["mode"] != "redis":
        result["reason"] = f"mode {params['mode']} needs no Redis gate"
        return result
    reasons = []
    if version is None:
        reasons.append("the LiteLLM version is unknown: pass litellm_version (litellm_service returns it)")
        result["blocked_by"].append("version_unknown")
    else:
        minimum = params.get("min_redis_version")
        if minimum and version < parse_target_version(minimum):
            reasons.append(
                f"LiteLLM {version.text} is older than min_redis_version {minimum}: "
                f"upgrade to {minimum} or later, or lower min_redis_version"
            )
            result["blocked_by"].append("min_redis_version")
        for entry in params.get("blocked_versions") or []:
            try:
                hit = version.matches(entry)
            except LiteLLMVersionError as exc:
                raise ConfigError(f"blocked_versions entry {entry!r}: {exc}") from None
            if hit:
                reasons.append(f"LiteLLM {version.text} is in blocked_versions ({entry})")
                result["blocked_by"].append("blocked_versions")
    for f in findings:
        if f["severity"] == "error":
            reasons.append(f"{f['id']} {f['title']}: {f['message']}. Remedy: {f['remedy'].rstrip('.')}")
            result["blocked_by"].append(f["id"])
    if reasons:
        result["allowed"] = False
        result["reason"] = "; ".join(reasons)
        if params.get("force"):
            result["allowed"] = True
            result["reason"] = "forced past the gate: " + result["reason"]
    else:
        result["reason"] = f"LiteLLM {version.text} passes the gate for redis mode"
    return result


def _get_mapping(parent, key, where):
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigError(f"{where}.{key} is a {yaml_kind(value)}, not a mapping; fix the config by hand first")
    return value


def apply_mode(doc, params, mode):
    """Edit ``doc.data`` for ``mode``. Returns the previous mode."""
    root = doc.data
    if root is None:
        root = doc.data = new_mapping()
    if not isinstance(root, dict):
        raise ConfigError(f"{doc.source}: the top level is a {yaml_kind(root)}, not a mapping")
    ls = _get_mapping(root, "litellm_settings", doc.source)
    previous = current_mode(root)
    if ls is None:
        if mode == "disabled":
            return previous
        ls = new_mapping()
        root["litellm_settings"] = ls
    cp = _get_mapping(ls, "cache_params", "litellm_settings")

    if mode == "disabled":
        _set(ls, "cache", False)
        return previous

    _set(ls, "cache", True)
    if cp is None:
        cp = new_mapping()
        ls["cache_params"] = cp
    if "type" in cp:
        _set(cp, "type", mode)
    else:
        cp.insert(0, "type", mode)
    want = desired_cache_params(params, mode)
    owned = set(kb.REDIS_KEYS) | set((params.get("extra_cache_params") or {}).keys())
    if mode == "local":
        for key in kb.REDIS_KEYS:
            _delete(cp, key)
        for key in params.get("extra_cache_params") or {}:
            _delete(cp, key)
        for key, value in want.items():
            _set(cp, key, value)
    else:
        after = "type"
        for key in list(kb.REDIS_KEYS) + [k for k in want if k not in kb.REDIS_KEYS]:
            if key in want:
                _set(cp, key, want[key], after=after if key in owned else None)
                if key in owned:
                    after = key
            elif key in cp and key in owned:
                after = key

    if params.get("router_redis"):
        _apply_router(root, params, mode)
    return previous


def _apply_router(root, params, mode):
    rs = _get_mapping(root, "router_settings", "config")
    if mode != "redis":
        if rs is not None:
            for key in kb.ROUTER_REDIS_KEYS:
                _delete(rs, key)
            ck = rs.get("cache_kwargs")
            if isinstance(ck, dict):
                _delete(ck, "db")
                if not ck:
                    _delete(rs, "cache_kwargs")
        return
    if rs is None:
        rs = new_mapping()
        root["router_settings"] = rs
    if params.get("redis_host") is not None:
        _set(rs, "redis_host", params["redis_host"])
    if params.get("redis_port") is not None:
        _set(rs, "redis_port", params["redis_port"])
    if params.get("redis_password_env"):
        _set(rs, "redis_password", ENV_PREFIX + params["redis_password_env"])
    elif params.get("redis_password") is not None:
        _set(rs, "redis_password", params["redis_password"])
    if params.get("redis_db") is not None:
        version = params.get("_version")
        if version is not None and version < LiteLLMVersion("1.81.9"):
            # redis_db is dropped by these releases; cache_kwargs is honoured (LITELLM-CACHE-004).
            _delete(rs, "redis_db")
            ck = rs.get("cache_kwargs")
            if ck is None:
                ck = new_mapping()
                rs["cache_kwargs"] = ck
            _set(ck, "db", params["redis_db"])
        else:
            _set(rs, "redis_db", params["redis_db"])


def current_mode(root):
    if not isinstance(root, dict):
        return "disabled"
    ls = root.get("litellm_settings")
    if not isinstance(ls, dict):
        return "disabled"
    cache = ls.get("cache")
    if cache is False or (cache is None and "cache_params" not in ls):
        return "disabled"
    cp = ls.get("cache_params")
    if not isinstance(cp, dict):
        return "local"
    return str(cp.get("type") or "local")


def plan(text, params, source="<config>"):
    """Everything the module decides, without touching any file.

    Returns a dict: new_text, changed, previous_mode, mode, cache_params (masked), findings, gate,
    warnings. Raises ConfigError or YamlEditError (the file is then left as it was).
    """
    mode = params["mode"]
    if mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    version = parse_target_version(params.get("litellm_version"))
    params = dict(params, _version=version)
    try:
        doc = RoundTripDocument(text, source=source)
    except YamlEditError as exc:
        raise ConfigError(str(exc)) from None
    root = doc.data
    if root is not None and not isinstance(root, dict):
        raise ConfigError(f"{source}: the top level is a {yaml_kind(root)}, not a mapping of LiteLLM settings")
    before_ls = root.get("litellm_settings") if isinstance(root, dict) else None
    if before_ls is not None and not isinstance(before_ls, dict):
        raise ConfigError(
            f"{source}: litellm_settings is a {yaml_kind(before_ls)}, not a mapping; "
            "fix it by hand (it must hold cache and cache_params), then run again"
        )
    before_cp = before_ls.get("cache_params") if isinstance(before_ls, dict) else None
    before_cp = plain(before_cp) if isinstance(before_cp, dict) else None

    warnings = []
    effective = mode
    # The document is parsed once; it is parsed again only when the gate falls back to local.
    previous = apply_mode(doc, params, mode)
    findings, gate_result = _evaluate(doc, params, mode, version, before_cp)
    if not gate_result["allowed"]:
        policy = params.get("on_blocked") or "fail"
        if policy == "fail":
            raise GateRefused(gate_result, findings)
        if policy == "fallback_local":
            effective = "local"
            warnings.append(f"redis mode refused, falling back to local: {gate_result['reason']}")
            doc = RoundTripDocument(text, source=source)
            apply_mode(doc, params, effective)
            findings = _evaluate(doc, params, effective, version, before_cp)[0]
        else:
            warnings.append(
                f"redis mode refused by the gate, applied anyway (on_blocked=warn): {gate_result['reason']}"
            )
    elif gate_result["reason"].startswith("forced"):
        warnings.append(gate_result["reason"])

    try:
        new_text = doc.render()
    except YamlEditError as exc:
        raise ConfigError(str(exc)) from None
    ls = doc.data.get("litellm_settings") if isinstance(doc.data, dict) else None
    cp = ls.get("cache_params") if isinstance(ls, dict) else None
    for f in findings:
        if f["severity"] in ("warning", "error") and not any(f["id"] in w for w in warnings):
            warnings.append(f"{f['id']} ({f['severity']}): {f['message']}. Remedy: {f['remedy']}")
    return {
        "new_text": new_text,
        "changed": new_text != text,
        "previous_mode": previous,
        "mode": effective,
        "cache_params": mask_mapping(cp) if isinstance(cp, dict) else {},
        "findings": findings,
        "gate": gate_result,
        "warnings": warnings,
    }


def _evaluate(doc, params, mode, version, before_cp):
    """Knowledge-base findings and the gate decision for the document as edited for ``mode``."""
    data = doc.data if isinstance(doc.data, dict) else {}
    ls = data.get("litellm_settings") or {}
    cp = ls.get("cache_params") if isinstance(ls, dict) else None
    rs = data.get("router_settings")
    findings = kb.evaluate(
        version,
        mode,
        plain(cp) if isinstance(cp, dict) else {},
        router_settings=plain(rs) if isinstance(rs, dict) else {},
        container_env=params.get("container_env") or (),
        cache_params_before=before_cp,
    )
    return findings, gate(params, version, findings)


class GateRefused(ConfigError):
    def __init__(self, gate_result, findings):
        self.gate = gate_result
        self.findings = findings
        super().__init__(f"redis mode refused by the version gate: {gate_result['reason']}")
