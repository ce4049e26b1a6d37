# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The third-party libraries the modules import on the managed host: one table, one import guard, one report.

As community.general's ``module_utils/deps.py``: a module_util wraps its imports in ``with declare("docker"):``;
a missing library is recorded with its traceback instead of raised, and the module, once it has parsed its
arguments, calls ``validate(module, "docker")``, which fails naming the pip requirement (from REQUIREMENTS, the
same table ``litellm_requirements`` checks and ``requirements.txt`` holds) with the import's traceback as the
exception (shown with ``ANSIBLE_DISPLAY_TRACEBACK=error`` from ansible-core 2.19, at ``-vvv`` before).

Standard library only at import, on purpose: redis_cache_probe's ``from_container`` sends this file into the LiteLLM
container beside redis_probe.py, which declares its redis-py imports here too.
"""

from __future__ import annotations

import traceback
from contextlib import contextmanager

# (module imported, pip requirement): the collection's requirements.txt, which tests/repo checks this against.
REQUIREMENTS = (
    ("redis", "redis>=5.0"),
    ("hiredis", "hiredis>=2.0"),
    ("docker", "docker>=7.0"),
    ("ruamel.yaml", "ruamel.yaml>=0.18"),
    ("packaging", "packaging"),
)
REQUIREMENT = dict(REQUIREMENTS)

_missing = {}  # import name -> the traceback of its failed import


@contextmanager
def declare(name):
    """Guard the imports of library ``name`` (a key of REQUIREMENTS): an ImportError inside is recorded, not
    raised, so the module can still load, parse its arguments and say what is missing."""
    if name not in REQUIREMENT:
        raise ValueError(f"{name} is not in deps.REQUIREMENTS")
    try:
        yield
    except ImportError:
        _missing[name] = traceback.format_exc()


def available(name):
    """Whether every import declared for ``name`` succeeded."""
    return name not in _missing


def validate(module, *names):
    """Fail ``module`` when a library of ``names`` could not be imported: the message names its pip requirement,
    the exception is the import's traceback. Returns when all are there."""
    from ansible.module_utils.basic import missing_required_lib  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

    for name in names:
        if name in _missing:
            module.fail_json(msg=missing_required_lib(REQUIREMENT[name]), exception=_missing[name])
