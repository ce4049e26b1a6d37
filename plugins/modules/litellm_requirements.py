#!/usr/bin/python
# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: litellm_requirements
short_description: Check that the managed host's Python has what this collection's modules need
version_added: 0.1.0
description:
  - The modules of erni_ki.litellm run on the managed host and import redis-py, hiredis, the Docker SDK for Python,
    ruamel.yaml and packaging there. This module tries each import with the interpreter that runs modules, and
    returns what is missing with the pip requirement that provides it.
  - With O(fail_on_missing=true) (the default) it fails with a message that names every missing library and the
    C(pip install) line that adds them. The P(erni_ki.litellm.litellm_cache#role) role calls it first, and with
    C(litellm_cache_install_requirements=true) installs the requirements into a virtualenv instead of failing.
author:
  - erni_ki maintainers (@erni-ki)
extends_documentation_fragment:
  - erni_ki.litellm.attributes.actiongroup_litellm
attributes:
  check_mode:
    support: full
    description: Only reads; the same result in check mode.
  diff_mode:
    support: none
    description: Nothing to diff.
  idempotent:
    support: full
    description: Never changes anything.
options:
  fail_on_missing:
    description: Fail when a library is missing (V(false) only reports it in RV(missing)).
    type: bool
    default: true
seealso:
  - module: erni_ki.litellm.litellm_service
"""

EXAMPLES = r"""
- name: Fail early, naming what the managed host lacks
  erni_ki.litellm.litellm_requirements:

- name: Install what is missing into a virtualenv and use it for the rest of the play
  block:
    - name: What is missing
      erni_ki.litellm.litellm_requirements:
        fail_on_missing: false
      register: reqs

    - name: Install the requirements into a virtualenv
      ansible.builtin.pip:
        name: "{{ reqs.requirements }}"
        virtualenv: /opt/erni_ki_litellm/venv
        virtualenv_command: python3 -m venv
      when: reqs.missing | length > 0

    - name: Run the modules with it
      ansible.builtin.set_fact:
        ansible_python_interpreter: /opt/erni_ki_litellm/venv/bin/python
      when: reqs.missing | length > 0
"""

RETURN = r"""
python:
  description: The interpreter that ran the module, and its version.
  returned: always
  type: dict
  sample: {"executable": "/usr/bin/python3", "version": "3.11.2"}
requirements:
  description: Every pip requirement of the modules (the collection's requirements.txt), for C(ansible.builtin.pip).
  returned: always
  type: list
  elements: str
  sample: ["redis>=5.0", "hiredis>=2.0", "docker>=7.0", "ruamel.yaml>=0.18", "packaging"]
missing:
  description: The libraries that cannot be imported, each with the requirement that provides it and the error.
  returned: always
  type: list
  elements: dict
  sample: [{"import": "docker", "requirement": "docker>=7.0", "error": "No module named 'docker'"}]
"""

import importlib
import platform
import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.erni_ki.litellm.plugins.module_utils import deps

REQUIREMENTS = deps.REQUIREMENTS  # (module imported, pip requirement), checked against requirements.txt


def missing_requirements(importer=importlib.import_module):
    missing = []
    for name, requirement in REQUIREMENTS:
        try:
            importer(name)
        except ImportError as exc:
            missing.append({"import": name, "requirement": requirement, "error": str(exc)})
    return missing


def main():
    module = AnsibleModule(
        argument_spec=dict(fail_on_missing=dict(type="bool", default=True)), supports_check_mode=True
    )
    missing = missing_requirements()
    result = dict(
        changed=False,
        python=dict(executable=sys.executable, version=platform.python_version()),
        requirements=[req for _name, req in REQUIREMENTS],
        missing=missing,
    )
    if missing and module.params["fail_on_missing"]:
        pip_line = " ".join(f"'{m['requirement']}'" for m in missing)
        module.fail_json(
            msg=(
                f"the Python of this host ({sys.executable}) lacks {', '.join(m['import'] for m in missing)}, which "
                f"the erni_ki.litellm modules import: install them for that interpreter (pip install {pip_line}), "
                "or let the litellm_cache role install them into a virtualenv (litellm_cache_install_requirements=true)"
            ),
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
