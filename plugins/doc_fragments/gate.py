# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The release a config is judged for and the version gate's settings (config_module.gate_argument_spec),
    # shared by litellm_cache_mode, which writes the config, and litellm_cache_info, which reads it.
    DOCUMENTATION = r"""
options:
  litellm_version:
    description:
      - Version of the LiteLLM the config is judged for, in pip form (V(1.80.11), V(1.88.0rc3), V(1.77.2.post1)) or
        Docker tag form (V(v1.80.0.rc.1), V(v1.80.0-stable.1), V(main-v1.80.0), V(1.88.0-rc.3)).
      - M(erni_ki.litellm.litellm_service) returns it. Without it, the gate refuses V(redis), and a rule of the
        knowledge base that holds for some releases only is a warning.
    type: str
  litellm_image:
    description:
      - Image reference of the LiteLLM container (V(ghcr.io/berriai/litellm:v1.80.11-stable.1)), as
        M(erni_ki.litellm.litellm_service) returns it in RV(erni_ki.litellm.litellm_service#module:container.image).
      - Its tag is another form of the version. O(blocked_versions) entries are matched against O(litellm_version) and
        this tag, so a channel entry such as V(v1.80.11-stable) can match. An entry that no known form can ever match
        is a warning.
    type: str
  container_env:
    description:
      - Names (never values) of the environment variables of the LiteLLM container, as
        M(erni_ki.litellm.litellm_service) returns them in RV(erni_ki.litellm.litellm_service#module:env_names).
      - Used by the rules on C(REDIS_URL) and numeric C(REDIS_*) variables, and to check that every C(os.environ/NAME)
        reference names a variable the container has (rule LITELLM-CACHE-010). Empty means not known, and references
        are then not checked.
    type: list
    elements: str
    default: []
  min_redis_version:
    description:
      - Oldest LiteLLM release the gate allows on V(redis). The default is the first release that no error rule
        of the knowledge base refuses for a plain Redis cache.
    type: str
    default: 1.80.11
  blocked_versions:
    description:
      - Releases the gate never allows on V(redis), in any version form. V(1.80.0) also blocks its
        C(-stable.N) re-tags; a tag such as V(v1.80.0-stable.1) blocks only that build.
    type: list
    elements: str
    default: []
"""
