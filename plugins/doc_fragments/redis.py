# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The Redis connection options, shared by every module of the collection that talks to Redis.
    # Names follow community.general's redis modules (login_*, tls, validate_certs, ca_certs, db); the topologies,
    # the URL form and the timeouts are added. They are the rows of plugins/module_utils/redis_settings.py, the one
    # table from which the argument specs come: litellm_cache_mode takes the same names for what it writes, and
    # the litellm_cache role's variable is litellm_cache_ + the name.
    DOCUMENTATION = r"""
options:
  login_host:
    description:
      - Host running Redis, as seen from where the probe runs (the managed host, or the container of
        O(from_container)).
    type: str
    default: localhost
  login_port:
    description: Port Redis listens on.
    type: int
    default: 6379
  login_user:
    description:
      - Redis ACL user to authenticate as.
      - Default is the E(LITELLM_CACHE_REDIS_USER) environment variable where the module runs.
    type: str
  login_password:
    description:
      - Password to authenticate with. Never shown in output or logs.
      - Default is the E(LITELLM_CACHE_REDIS_PASSWORD) environment variable where the module runs (what the
        AWX credential type C(LiteLLM cache Redis) of this collection injects).
    type: str
  login_password_file:
    description:
      - A file on the host where the module runs that holds the password (the stack's secret file; surrounding
        whitespace is dropped), read by the module itself, so the password never passes through the controller.
        Never shown in output or logs.
      - Mutually exclusive with O(login_password).
    type: path
    version_added: 0.1.0
  login_url:
    description:
      - >-
        Redis as one URL, the C(url) form of LiteLLM's C(cache_params): V(redis://[[USER]:PASSWORD@]HOST:PORT/DB),
        V(rediss://...) (TLS) or V(unix://PATH?db=DB). Host, port, db, user, password and TLS come from it, and
        O(login_host), O(login_port), O(db) and O(tls) are not used; O(login_password) and O(login_user) fill in what
        the URL does not say. Never shown in output (its password masked).
      - Only with O(topology=standalone).
    type: str
    version_added: 0.1.0
  login_url_env:
    description:
      - The name of an environment variable that holds that URL (the C(os.environ/NAME) of C(cache_params.url)), read
        where the probe runs. With O(from_container), it is read from the environment the container's LiteLLM process
        was started with, so a URL its entrypoint builds (from a Docker secret, say) is found too; else from the
        process that ran the container's command (PID 1), else from the container's configured environment.
      - The probe fails, naming the variable, when no such process has it.
    type: str
    version_added: 0.1.0
  login_unix_socket:
    description:
      - Path of a Redis unix socket. When set, O(login_host) and O(login_port) are not used.
    type: path
  db:
    description: Redis logical database to select.
    type: int
    default: 0
  tls:
    description: Connect over TLS.
    type: bool
    default: false
  validate_certs:
    description: Validate the server's TLS certificate (and its host name).
    type: bool
    default: true
  ca_certs:
    description: Path of the CA certificates file used to validate the server.
    type: path
  client_cert_file:
    description: Path of the client certificate file, for TLS client authentication.
    type: path
  client_key_file:
    description: Path of the client private key file, for TLS client authentication.
    type: path
  socket_timeout:
    description:
      - Seconds a Redis command may take. Defaults to LiteLLM's own default, so the probe sees Redis as
        LiteLLM will; set it to the C(socket_timeout) of the LiteLLM config.
    type: float
    default: 5.0
  socket_connect_timeout:
    description: Seconds to wait for the connection.
    type: float
    default: 5.0
  topology:
    description:
      - How the Redis is laid out. V(standalone) is one server at O(login_host) and O(login_port).
      - V(sentinel) is a Redis Sentinel setup; the sentinels at O(sentinel_nodes) name the master of O(service_name),
        and the master is what is probed (O(login_host) and O(login_port) are not used).
      - V(cluster) is a Redis Cluster reached through O(cluster_nodes); every master that owns slots is probed, and
        counts, memory and flushes cover all of them (O(db) must be V(0)).
    type: str
    choices: [standalone, sentinel, cluster]
    default: standalone
    version_added: 0.1.0
  sentinel_nodes:
    description: With O(topology=sentinel), the sentinels, as C(host:port) (C([v6addr]:port) for IPv6).
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  service_name:
    description: With O(topology=sentinel), the name the sentinels monitor the master under (LiteLLM's C(service_name)).
    type: str
    version_added: 0.1.0
  sentinel_password:
    description:
      - With O(topology=sentinel), the sentinels' own password (their C(requirepass)); none when they ask for none.
        O(login_password) is the master's.
      - If not given, the environment variable E(LITELLM_CACHE_REDIS_SENTINEL_PASSWORD) is used.
    type: str
    version_added: 0.1.0
  sentinel_password_file:
    description:
      - A file on the host where the module runs that holds O(sentinel_password), read by the module itself.
      - Mutually exclusive with O(sentinel_password).
    type: path
    version_added: 0.1.0
  cluster_nodes:
    description: With O(topology=cluster), one or more cluster nodes, as C(host:port); the others are discovered.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
requirements:
  - redis (redis-py) >= 5.0 on the host that runs the module
notes:
  - Passwords never appear in the module's output; error messages are masked.
"""
