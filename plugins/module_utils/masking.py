# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets never reach output: the one place that masks them in text.

(redis_probe.py keeps a two-line equivalent of mask_secrets because it must run inside a LiteLLM
container with nothing but the standard library and redis-py.)
"""

from __future__ import annotations

import re

MASK = "********"
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]+)@", re.IGNORECASE)


def mask_url_credentials(text):
    """``redis://user:pw@host`` -> ``redis://user:********@host``."""
    return _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:{MASK}@", str(text))


def mask_secrets(text, secrets):
    """Replace every known secret value (longest first, so no part of one survives)."""
    text = str(text)
    for s in sorted({str(s) for s in secrets if s}, key=len, reverse=True):
        text = text.replace(s, MASK)
    return text
