# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The action groups of meta/runtime.yml, documented as community.docker documents its own.
    DOCUMENTATION = r"""
options: {}
"""

    ACTIONGROUP_LITELLM = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/erni_ki.litellm.litellm) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - erni_ki.litellm.litellm
"""

    ACTIONGROUP_DOCKER = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/erni_ki.litellm.docker) or C(group/erni_ki.litellm.litellm) in C(module_defaults) to set
      defaults for this module (the Docker connection options, for instance).
    support: full
    membership:
      - erni_ki.litellm.docker
      - erni_ki.litellm.litellm
"""
