# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # How a module finds a LiteLLM proxy container and authenticates to it (module_utils/litellm_instance.py),
    # shared by litellm_service and litellm_release.
    DOCUMENTATION = r"""
options:
  container:
    description: Name or id of the LiteLLM container.
    type: str
  compose_project:
    description: Docker Compose project (label C(com.docker.compose.project)).
    type: str
  compose_service:
    description: Docker Compose service (label C(com.docker.compose.service)).
    type: str
  url:
    description:
      - Base URL of the proxy. Default derived from the published port, or for host networking from the C(--host) and
        C(--port) arguments (C(127.0.0.1) for a wildcard bind).
    type: str
  master_key:
    description:
      - LiteLLM master key, for the authenticated readiness details of newer releases. Never shown.
      - Default is the E(LITELLM_MASTER_KEY) environment variable where the module runs (LiteLLM's own name for
        it; what the AWX credential type C(LiteLLM master key) of this collection injects) when neither this
        option nor O(master_key_file) is set.
    type: str
  master_key_file:
    description: File on the managed host holding the master key (as the stack's docker secret does).
    type: path
"""
