# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The Docker engine connection options, shared by every module of the collection that talks to Docker
    # (argument spec: module_utils/docker_common.py). They are community.docker's connection options and
    # environment variables; the names carry a docker_ prefix because the Redis options already use tls and
    # validate_certs.
    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - The Docker engine's address, C(unix://PATH) or C(tcp://HOST:PORT), as for community.docker's C(docker_host).
      - If not given, the environment variable E(DOCKER_HOST) is used, else C(unix:///var/run/docker.sock).
    type: str
    default: unix:///var/run/docker.sock
    aliases: [docker_url]
  docker_tls:
    description:
      - Talk to the engine over TLS without verifying its certificate (community.docker's C(tls)). See
        O(docker_validate_certs) to verify it.
      - If not given, the environment variable E(DOCKER_TLS) is used.
    type: bool
    default: false
    version_added: 0.1.0
  docker_validate_certs:
    description:
      - Talk to the engine over TLS and verify its certificate against O(docker_ca_path) (community.docker's
        C(validate_certs), alias C(tls_verify)).
      - If not given, the environment variable E(DOCKER_TLS_VERIFY) is used.
    type: bool
    default: false
    aliases: [docker_tls_verify]
    version_added: 0.1.0
  docker_ca_path:
    description:
      - CA certificate for O(docker_validate_certs). If not given and E(DOCKER_CERT_PATH) is set, C(ca.pem) in that
        directory.
    type: path
    aliases: [docker_ca_cert]
    version_added: 0.1.0
  docker_client_cert:
    description:
      - Client certificate for TLS client authentication. If not given and E(DOCKER_CERT_PATH) is set, C(cert.pem)
        in that directory.
    type: path
    version_added: 0.1.0
  docker_client_key:
    description:
      - Key of O(docker_client_cert). If not given and E(DOCKER_CERT_PATH) is set, C(key.pem) in that directory.
    type: path
    version_added: 0.1.0
  docker_api_version:
    description:
      - Docker API version to use; V(auto) asks the engine.
      - If not given, the environment variable E(DOCKER_API_VERSION) is used.
    type: str
    default: auto
    version_added: 0.1.0
  docker_timeout:
    description:
      - Seconds to wait for an answer of the engine, also while a command runs inside a container.
      - If not given, the environment variable E(DOCKER_TIMEOUT) is used.
    type: int
    default: 120
    version_added: 0.1.0
"""
