#!/usr/bin/python
# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: litellm_cache_info
short_description: Read the cache of a LiteLLM config as it is, and what the knowledge base says of it
version_added: 0.1.0
description:
  - >-
    Reads a LiteLLM C(config.yaml) as it is: the cache it runs (RV(config_mode)), its C(cache_params) with every
    secret masked, where its Redis is (RV(topology)), and the version gate and the knowledge base's findings for
    that config on the release given (O(litellm_version), O(litellm_image), O(container_env)).
  - >-
    Changes nothing, ever: no write, no backup, no lock. What the C(cache_status) playbook reports comes from here.
  - To change the cache section, use M(erni_ki.litellm.litellm_cache_mode), which applies the same gate and rules
    to the config it is about to write.
author:
  - erni_ki maintainers (@erni-ki)
extends_documentation_fragment:
  - erni_ki.litellm.attributes.actiongroup_litellm
  - erni_ki.litellm.gate
attributes:
  check_mode:
    support: full
    description: The same in check mode.
  diff_mode:
    support: none
    description: Nothing changes.
  idempotent:
    support: full
    description: Reads only.
requirements:
  - ruamel.yaml >= 0.18
  - packaging
options:
  path:
    description: The LiteLLM config on the host (M(erni_ki.litellm.litellm_service) returns it as C(config.host_path)).
    type: path
    required: true
seealso:
  - module: erni_ki.litellm.litellm_cache_mode
  - module: erni_ki.litellm.litellm_service
"""

EXAMPLES = r"""
- name: What the config runs, and whether the gate would allow it on this release
  erni_ki.litellm.litellm_cache_info:
    path: /srv/llm/conf/litellm/config.yaml
    litellm_version: 1.80.11
  register: cache

- name: Say it
  ansible.builtin.debug:
    msg: >-
      {{ cache.config_mode }}{{ '' if cache.gate.allowed | default(true) else ', refused: ' ~ cache.gate.blocked_by }}
"""

RETURN = r"""
config_mode:
  description: The cache the config runs, as it says it (C(local), C(redis), C(disabled), or another cache type).
  returned: always
  type: str
  sample: redis
mode:
  description: The mode the gate and the rules judged the config in (C(local) for a cache type other than these).
  returned: always
  type: str
  sample: redis
cache_params:
  description: The config's C(cache_params), every secret masked.
  returned: always
  type: dict
topology:
  description: Where the config puts Redis (C(kind) standalone, sentinel or cluster, C(nodes), C(service_name)).
  returned: always
  type: dict
findings:
  description: The knowledge base's findings for this config on the release (id, severity, title, message, remedy).
  returned: always
  type: list
  elements: dict
gate:
  description: The version gate for this config in C(redis) mode (C(allowed), C(blocked_by), C(upgrade_to), ...).
  returned: always
  type: dict
router_uses_redis:
  description: Whether C(router_settings) point LiteLLM's router at Redis.
  returned: always
  type: bool
warnings_list:
  description: The findings and gate notes also emitted as Ansible warnings.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.erni_ki.litellm.plugins.module_utils import deps
from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_cache_config as cfg
from ansible_collections.erni_ki.litellm.plugins.module_utils.config_module import (
    gate_argument_spec,
    make_plan,
    plan_result,
    read_config,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import mask_text


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            **gate_argument_spec(),
        ),
        supports_check_mode=True,
    )
    deps.validate(module, "ruamel.yaml", "packaging")
    path = module.params["path"]
    text = read_config(module, path, required=True)
    try:
        own = cfg.mode_of_text(text, path)
    except cfg.ConfigError as exc:
        module.fail_json(msg=str(exc))
    mode = own if own in cfg.MODES else "local"
    planned = make_plan(module, text, path, [], mode, on_blocked="warn")  # a refusal is reported, never a failure
    for warning in planned["warnings"]:
        module.warn(mask_text(warning, []))
    module.exit_json(changed=False, config_mode=own, **plan_result(planned))


if __name__ == "__main__":
    main()
