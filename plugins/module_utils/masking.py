# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets never reach output: the one place that masks them, in text, in config text and in mappings.

Standard library only, on purpose: redis_cache_probe's ``from_container`` runs this file inside the
LiteLLM container next to redis_probe.py (docker_common.call_in_container), so the probe masks there
exactly as the modules mask here.
"""

from __future__ import annotations

import re

MASK = "********"
# LiteLLM resolves a value "os.environ/NAME" from the environment at start: a reference, not a secret.
ENV_REFERENCE = "os.environ/"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # what os.environ/NAME may name

_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]+)@", re.IGNORECASE)
_BEARER = re.compile(r"(sk-[A-Za-z0-9_-]{6,})")
# The words that make a name hold a secret, the one list: a config key (``password``, ``master_key``, ...) and an
# environment variable's name (SECRET_ENV_WORDS: also any ``*KEY*`` and ``*URL*``, as REDIS_URL carries a password).
SECRET_WORDS = ("password", "passwd", "secret", "token", "api_key", "master_key", "credential")
SECRET_ENV_WORDS = SECRET_WORDS + ("key", "url")
_SECRET_KEY = re.compile("|".join(SECRET_WORDS), re.IGNORECASE)
_SECRET_ENV_NAME = re.compile("|".join(SECRET_ENV_WORDS), re.IGNORECASE)
_SECRET_LINE = re.compile(
    r"^(?P<lead>\s*-?\s*[\"']?(?P<key>[\w.-]*(?:" + "|".join(SECRET_WORDS) + r")[\w.-]*)[\"']?\s*:\s*)"
    r"(?P<value>\S.*?)(?P<comment>\s+#.*)?$",
    re.IGNORECASE,
)


def mask_url_credentials(text):
    """``redis://user:pw@host`` -> ``redis://user:********@host``."""
    return _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:{MASK}@", str(text))


def mask_secrets(text, secrets):
    """Replace every known secret value (longest first, so no part of one survives)."""
    text = str(text)
    for s in sorted({str(s) for s in secrets if s}, key=len, reverse=True):
        text = text.replace(s, MASK)
    return text


def mask_text(text, secrets=()):
    """Free text (messages, logs): known secrets, URL credentials and LiteLLM keys (``sk-...``)."""
    return _BEARER.sub(MASK, mask_secrets(mask_url_credentials(text), secrets))


def is_secret_key(key):
    """Whether a config key holds a secret (SECRET_WORDS)."""
    return bool(_SECRET_KEY.search(str(key)))


def is_secret_env_name(name):
    """Whether an environment variable's value is to be treated as a secret (SECRET_ENV_WORDS)."""
    return bool(_SECRET_ENV_NAME.search(str(name)))


def mask_value(key, value):
    """A config value as it may be shown: secrets masked, ``os.environ/`` references kept."""
    if value is None:
        return None
    if isinstance(value, str) and value.startswith(ENV_REFERENCE):
        return value
    if is_secret_key(key):
        return MASK
    if isinstance(value, str):
        return mask_url_credentials(value)
    return value


def mask_mapping(mapping):
    """A plain mapping (nested) with every secret value masked."""
    out = {}
    for k, v in (mapping or {}).items():
        out[str(k)] = mask_mapping(v) if isinstance(v, dict) else mask_value(k, v)
    return out


def mask_config_text(text, secrets=()):
    """Config text (for diffs and returned content): values of password-like keys, URL credentials, known secrets."""
    lines = []
    for line in str(text).splitlines(keepends=True):
        end = "\n" if line.endswith("\n") else ""
        body = line[:-1] if end else line
        m = _SECRET_LINE.match(body)
        if m and not m.group("value").strip("\"'").startswith(ENV_REFERENCE):
            body = m.group("lead") + MASK + (m.group("comment") or "")
        lines.append(mask_url_credentials(body) + end)
    return mask_secrets("".join(lines), secrets)


def read_secret_file(module, option, then=""):
    """The secret in the file that the module's option ``option`` names (surrounding whitespace dropped), added to
    the module's no_log values; a file that cannot be read fails the module naming the option and the file, and
    ``then`` (what that means, such as "; nothing was probed")."""
    path = module.params[option]
    try:
        with open(path, encoding="utf-8") as f:
            secret = f.read().strip()
    except OSError as exc:
        module.fail_json(msg=f"cannot read {option} {path}: {exc.strerror}{then}")
    module.no_log_values.add(secret)
    return secret
