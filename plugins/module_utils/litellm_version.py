# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LiteLLM version strings: pip form and Docker tag form, normalised to one comparable version.

LiteLLM's Docker tags (``v1.80.0.rc.1``, ``v1.80.0-stable.1``, ``main-v1.80.0``, ``1.88.0-rc.3``) are
not PEP 440; the package inside the image reports the plain release. This module turns every form
the project has met into a PEP 440 version (compared with ``packaging``, which ansible-core itself
depends on) and keeps the original text for messages.
"""

from __future__ import annotations

import re

from ansible_collections.erni_ki.litellm.plugins.module_utils import deps

with deps.declare("packaging"):
    from packaging.version import InvalidVersion, Version
if not deps.available("packaging"):  # pragma: no cover - ansible-core requires packaging; the module reports it
    Version = None
    InvalidVersion = ValueError

# Prefixes and suffixes of LiteLLM's Docker tags that say which build channel, not which release.
_TAG_RE = re.compile(
    r"""^(?:[A-Za-z0-9_.-]+-)?v?            # main-, litellm_stable_release_branch-, v
        (?P<release>\d+\.\d+\.\d+)
        (?:
            [.-]?(?P<pre>rc|a|b|alpha|beta|dev)[.-]?(?P<pre_n>\d+)?   # .rc.1  -rc.3  rc3
          | [.-]post[.-]?(?P<post>\d+)                              # .post1
          | -(?P<channel>stable|nightly|patch)(?:[.-]?(?P<ch_n>[\w.]+))?  # -stable.1
        )?$""",
    re.VERBOSE,
)
_PRE = {"rc": "rc", "a": "a", "alpha": "a", "b": "b", "beta": "b", "dev": "dev"}


class LiteLLMVersionError(ValueError):
    """The text is not a LiteLLM version in any form the module knows."""


class LiteLLMVersion:
    """A LiteLLM version parsed from pip or Docker tag form. Compares as its PEP 440 normal form."""

    def __init__(self, text):
        if not deps.available("packaging"):  # pragma: no cover
            raise LiteLLMVersionError("the Python library 'packaging' is required to compare LiteLLM versions")
        self.text = str(text).strip()
        self.channel = None
        m = _TAG_RE.match(self.text)
        if not m:
            raise LiteLLMVersionError(
                f"cannot read LiteLLM version {self.text!r}: expected a pip version (1.80.11, 1.88.0rc3, "
                f"1.77.2.post1) or a Docker tag (v1.80.0.rc.1, v1.80.0-stable.1, main-v1.80.0, 1.88.0-rc.3)"
            )
        pep440 = m.group("release")
        if m.group("pre"):
            pep440 += _PRE[m.group("pre")] + (m.group("pre_n") or "0")
        elif m.group("post"):
            pep440 += ".post" + m.group("post")
        elif m.group("channel"):
            # -stable.N is a re-tag of the release it names; it is that release for every rule.
            self.channel = m.group("channel")
        try:
            self.version = Version(pep440)
        except InvalidVersion as exc:  # pragma: no cover - the regex only admits valid forms
            raise LiteLLMVersionError(str(exc)) from exc

    @property
    def normalized(self):
        return str(self.version)

    @property
    def release(self):
        """The release the package inside reports (``v1.80.0.rc.1`` -> ``1.80.0``)."""
        return self.version.base_version

    @property
    def is_prerelease(self):
        return self.version.is_prerelease

    def __repr__(self):
        return f"LiteLLMVersion({self.text!r})"

    def __str__(self):
        return self.text

    def _key(self, other):
        if not isinstance(other, LiteLLMVersion):
            other = LiteLLMVersion(other)
        return other.version

    def __eq__(self, other):
        return self.version == self._key(other)

    def __hash__(self):
        return hash(self.version)

    def __lt__(self, other):
        return self.version < self._key(other)

    def __le__(self, other):
        return self.version <= self._key(other)

    def __gt__(self, other):
        return self.version > self._key(other)

    def __ge__(self, other):
        return self.version >= self._key(other)

    def matches(self, text):
        """True when the block-list entry ``text`` names this version.

        ``1.80.0`` matches 1.80.0 in every form, its ``-stable.N`` re-tags included;
        ``v1.80.0-stable.1`` matches only builds of that channel; ``v1.80.0.rc.1`` only that rc.
        """
        entry = LiteLLMVersion(text)
        if entry.version != self.version:
            return False
        return entry.channel is None or entry.channel == self.channel


def image_tag(image):
    """The tag of an image reference (``ghcr.io/berriai/litellm:v1.80.0-stable.1`` -> ``v1.80.0-stable.1``); a
    registry host may carry a port, so the tag is looked for after the last ``/``. None without a tag."""
    name = (image or "").split("@", 1)[0].rsplit("/", 1)[-1]
    return name.rsplit(":", 1)[1] if ":" in name else None


def version_of_tag(image):
    """The LiteLLM version an image reference's tag names, or None (no tag, or a tag that is no version)."""
    tag = image_tag(image)
    if not tag:
        return None
    try:
        return LiteLLMVersion(tag)
    except LiteLLMVersionError:
        return None


def in_range(version, min_version=None, max_version=None):
    """min inclusive, max exclusive; pre-releases of a bound count as before it (1.80.11rc1 < 1.80.11)."""
    if min_version is not None and version < LiteLLMVersion(min_version):
        return False
    return not (max_version is not None and version >= LiteLLMVersion(max_version))
