# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Redis settings, one table: for each setting its option name (the same in redis_cache_probe and
litellm_cache_mode; the litellm_cache role's variable is ``litellm_cache_`` + that name), the cache_params key
LiteLLM reads, redis-py's keyword, the topology it belongs to, whether it is a secret, and its type.

The names follow community.general's Redis modules (``login_host``, ``login_port``, ``login_user``,
``login_password``, ``tls``, ``validate_certs``, ``ca_certs``, ``db``) and add what LiteLLM's topologies need.
Everything else is derived from this table: the argument specs (redis_connection.py), the cache_params keys the
module writes and in which order (litellm_cache_config.py), the client's keywords (redis_probe.py) and the
topology checks. Standard library only: it travels into the LiteLLM container with redis_probe.py.
"""

from __future__ import annotations

from collections import namedtuple

TOPOLOGIES = ("standalone", "sentinel", "cluster")

# Environment variables the probe's secrets fall back to (the AWX credential type "LiteLLM cache Redis" injects them;
# the litellm_cache role reads the same names on the controller).
PASSWORD_ENV = "LITELLM_CACHE_REDIS_PASSWORD"  # noqa: S105 (the name of a variable, not a password)
USER_ENV = "LITELLM_CACHE_REDIS_USER"
SENTINEL_PASSWORD_ENV = "LITELLM_CACHE_REDIS_SENTINEL_PASSWORD"  # noqa: S105 (a variable's name)

# option: the name in every module; key: the cache_params key (None: not written into a config); kwarg: redis-py's
# keyword (None: not passed as it is); topology: the one it belongs to (None: all); secret: no_log, masked;
# type/elements: the argument spec's; default: the probe's (the cache-mode module has none: None keeps the file's
# value); env: the probe's environment fallback; config/probe: which module takes it; env_of: the option whose
# key it writes as os.environ/NAME (the cache-mode module's *_env options); no_log: the argument spec's, where it is
# not the secret's (False, said explicitly, for a name that looks like a secret's: a file's or a variable's name);
# config_no_log: the cache-mode module's, where it differs from the probe's.
Setting = namedtuple(
    "Setting",
    "option key kwarg topology secret type elements default env config probe env_of no_log config_no_log",
    defaults=(None, None, None, False, "str", None, None, None, True, True, None, None, None),
)

# In the order the cache-mode module writes the keys (where Redis is first: it depends on the topology).
SETTINGS = (
    # litellm_cache_mode refuses a URL with a password in it (url_problem): the URL it writes may be shown
    Setting("login_url", key="url", topology="standalone", secret=True, config_no_log=False),
    Setting("login_url_env", topology="standalone", config=False, no_log=False),
    Setting("login_host", key="host", kwarg="host", topology="standalone", default="localhost"),
    Setting("login_port", key="port", kwarg="port", topology="standalone", type="int", default=6379),
    Setting("login_unix_socket", kwarg="unix_socket_path", topology="standalone", type="path", config=False),
    Setting("sentinel_nodes", key="sentinel_nodes", topology="sentinel", type="list", elements="str", default=[]),
    Setting("service_name", key="service_name", topology="sentinel"),
    Setting("sentinel_password", key="sentinel_password", topology="sentinel", secret=True, env=SENTINEL_PASSWORD_ENV),
    Setting("sentinel_password_env", topology="sentinel", probe=False, env_of="sentinel_password", no_log=False),
    Setting("sentinel_password_file", topology="sentinel", type="path", config=False, no_log=False),
    Setting("cluster_nodes", key="redis_startup_nodes", topology="cluster", type="list", elements="str", default=[]),
    Setting("db", key="db", kwarg="db", type="int", default=0),
    Setting("login_user", key="username", kwarg="username", env=USER_ENV),
    Setting("login_password", key="password", kwarg="password", secret=True, env=PASSWORD_ENV),
    Setting("login_password_env", probe=False, env_of="login_password", no_log=False),
    Setting("login_password_file", type="path", config=False, no_log=False),
    Setting("tls", key="ssl", kwarg="ssl", type="bool", default=False),
    Setting("validate_certs", type="bool", default=True, config=False),
    Setting("ca_certs", key="ssl_ca_certs", kwarg="ssl_ca_certs", type="path"),
    Setting("client_cert_file", kwarg="ssl_certfile", type="path", config=False),
    Setting("client_key_file", kwarg="ssl_keyfile", type="path", config=False),
    Setting("socket_timeout", key="socket_timeout", kwarg="socket_timeout", type="float", default=5.0),
    Setting(
        "socket_connect_timeout",
        key="socket_connect_timeout",
        kwarg="socket_connect_timeout",
        type="float",
        default=5.0,
    ),
    Setting("retry_on_timeout", key="retry_on_timeout", type="bool", probe=False),
    Setting("health_check_interval", key="health_check_interval", type="int", probe=False),
    Setting("max_connections", key="max_connections", type="int", probe=False),
    Setting("topology", default="standalone"),
)
BY_OPTION = {s.option: s for s in SETTINGS}
# each password option and the file option that may hold it instead (read where the probe runs)
PASSWORD_FILES = (("login_password", "login_password_file"), ("sentinel_password", "sentinel_password_file"))


def probe_settings():
    return [s for s in SETTINGS if s.probe]


def config_settings():
    return [s for s in SETTINGS if s.config]


def config_keys():
    """{cache_params key: option} in the order the module writes them; a secret's key maps to its literal option."""
    return {s.key: s.option for s in SETTINGS if s.config and s.key}


def env_options():
    """{secret option: its *_env option}: the cache-mode module writes the secret's key as os.environ/NAME."""
    return {s.env_of: s.option for s in SETTINGS if s.env_of}


def topology_options(topology):
    """The options that belong to ``topology`` only."""
    return tuple(s.option for s in SETTINGS if s.topology == topology)


def topology_keys(topology):
    """The cache_params keys that belong to ``topology`` only."""
    return tuple(s.key for s in SETTINGS if s.topology == topology and s.key)


def client_kwargs(conn, options):
    """redis-py's keywords for ``options`` (option names) from the connection ``conn``, those given only."""
    return {BY_OPTION[o].kwarg: conn[o] for o in options if conn.get(o) not in (None, "")}
