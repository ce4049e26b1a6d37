# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Redis settings: the connection options (one argument spec, documented by doc_fragments/redis.py)
and what each setting accepts, shared by the probe's options and the cache_params the module writes."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback

from ansible_collections.erni_ki.litellm.plugins.module_utils import redis_settings as rs
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import (
    ENV_NAME,
    mask_url_credentials,
    read_secret_file,
)

# The settings' table, and what other modules import from here by these names.
TOPOLOGIES = rs.TOPOLOGIES
PASSWORD_FILES = rs.PASSWORD_FILES
PASSWORD_ENV, USER_ENV, SENTINEL_PASSWORD_ENV = rs.PASSWORD_ENV, rs.USER_ENV, rs.SENTINEL_PASSWORD_ENV
# what the probe connects with (a password file is read into its password option first)
CONNECTION_KEYS = tuple(s.option for s in rs.probe_settings() if s.option not in dict(PASSWORD_FILES).values())


def _spec(setting, probe):
    """One argument spec entry from the table: the probe's with its default and environment fallback, the
    cache-mode module's without (None there keeps what the file has)."""
    spec = {"type": setting.type}
    if setting.elements:
        spec["elements"] = setting.elements
    no_log = setting.no_log if setting.no_log is not None else (True if setting.secret else None)
    if not probe and setting.config_no_log is not None:
        no_log = setting.config_no_log
    if no_log is not None:
        spec["no_log"] = no_log
    if setting.option == "topology":
        spec["choices"] = list(TOPOLOGIES)
    if probe:
        if setting.default is not None:
            spec["default"] = setting.default
        if setting.env:
            spec["fallback"] = (env_fallback, [setting.env])
    return spec


def redis_argument_spec():
    """The probe's connection options (documented by doc_fragments/redis.py)."""
    return {s.option: _spec(s, probe=True) for s in rs.probe_settings()}


def config_argument_spec():
    """litellm_cache_mode's Redis options: the cache_params it writes (documented in the module)."""
    return {s.option: _spec(s, probe=False) for s in rs.config_settings()}


def read_password_files(module):
    """Fill the password options from their files, which win over an environment fallback (the module's no_log
    values learn each password). Fails naming the file when one cannot be read. Giving a password both ways is
    refused by the module's mutually_exclusive (PASSWORD_FILES)."""
    for option, file_option in PASSWORD_FILES:
        if module.params.get(file_option):
            module.params[option] = read_secret_file(module, file_option, then="; nothing was probed")


def connection_params(params):
    """The connection options out of a module's params, as the probe takes them (nodes as [host, port] pairs)."""
    conn = {k: params.get(k) for k in CONNECTION_KEYS}
    for key in ("sentinel_nodes", "cluster_nodes"):
        conn[key] = [list(parse_node(n)) for n in conn.get(key) or ()]
    return conn


def _given(setting, value):
    return value not in (None, "", [], ()) and value != setting.default


def topology_problems(params, topology, settings):
    """Messages for the options of ``settings`` (rows of the table) given in ``params`` that belong to another
    topology than ``topology``, and for a db other than 0 on a cluster (which has only db 0)."""
    out = []
    for owner in TOPOLOGIES:
        given = [s.option for s in settings if s.topology == owner != topology and _given(s, params.get(s.option))]
        if given:
            verb = "applies" if len(given) == 1 else "apply"
            where = (
                f" (a {topology} Redis is reached through {rs.topology_options(topology)[0]})"
                if owner == "standalone"
                else ""
            )
            out.append(f"{', '.join(given)} only {verb} to topology={owner}, and the topology is {topology}{where}")
    if topology == "cluster" and params.get("db"):
        out.append(f"db: {params['db']} is not possible on a Redis Cluster, which has only db 0")
    return out


def connection_problems(params):
    """The probe's messages for connection options that are missing, malformed or given for another topology."""
    topology = params.get("topology") or "standalone"
    out = []
    for key in ("sentinel_nodes", "cluster_nodes"):
        out += nodes_problems(key, params.get(key))
    if topology == "sentinel" and not (params.get("sentinel_nodes") and params.get("service_name")):
        out.append("topology=sentinel needs sentinel_nodes (host:port of each sentinel) and service_name")
    if topology == "cluster" and not params.get("cluster_nodes"):
        out.append("topology=cluster needs cluster_nodes (host:port of one or more cluster nodes)")
    if params.get("login_url") and params.get("login_url_env"):
        out.append("login_url and login_url_env both name the URL: give one")
    url = params.get("login_url")
    if url and url_scheme_problem(url):
        out.append(f"login_url: {url_scheme_problem(url)}")
    name = params.get("login_url_env")
    if name and not ENV_NAME.match(name):
        out.append(f"login_url_env: {name!r} is not an environment variable name")
    # a secret that may come from the environment (an AWX credential) is not "given" for a topology
    return out + topology_problems(params, topology, [s for s in rs.probe_settings() if not s.env])


def parse_node(node):
    """(host, port) of a "host:port" node ("[v6]:port" for an IPv6 address); ValueError when it is not one."""
    text = str(node).strip()
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"{text!r} is not host:port")
    return (host[1:-1] if host.startswith("[") and host.endswith("]") else host), int(port)


def node_problem(node):
    """Why ``node`` is not a usable host:port, or None."""
    try:
        host, port = parse_node(node)
    except ValueError as exc:
        return str(exc)
    return setting_problem("host", host) or setting_problem("port", port)


def nodes_problems(option, nodes):
    """A message, naming ``option``, for every node of the list that is not a usable host:port."""
    return [f"{option}: {p}" for p in filter(None, map(node_problem, nodes or ()))]


# ------------------------------------------------------------------------------ value checks
# What redis-py and Redis accept for each setting, by its cache_params name; a value outside fails at
# LiteLLM's first Redis call (a traceback in the container, or every write refused), not at start.
_HOST_LABEL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$")
_WHOLE = (int,)
_NUMBER = (int, float)
_RANGES = {
    # name: (types, lowest, lowest allowed itself, highest, what it is)
    "port": (_WHOLE, 1, True, 65535, "a TCP port"),
    "db": (_WHOLE, 0, True, None, "a Redis db number"),
    "socket_timeout": (_NUMBER, 0, False, None, "seconds"),
    "socket_connect_timeout": (_NUMBER, 0, False, None, "seconds"),
    "health_check_interval": (_NUMBER, 0, True, None, "seconds"),
    "max_connections": (_WHOLE, 0, False, None, "a pool size"),
    "ttl": (_NUMBER, 0, False, None, "seconds"),
}


def valid_host(name):
    """A host name (RFC 1123 labels; ``_`` allowed, as compose service names have it) or an IP address."""
    if not isinstance(name, str) or not name or len(name) > 253:
        return False
    try:
        ipaddress.ip_address(name.strip("[]"))
        return True
    except ValueError:
        pass
    return all(_HOST_LABEL.match(label) for label in name.rstrip(".").split("."))


URL_SCHEMES = ("redis", "rediss", "unix")


def url_scheme_problem(value):
    """Why ``value`` is not a Redis URL redis-py reads (redis://, rediss://, unix://), or None."""
    if urlsplit(str(value)).scheme.lower() not in URL_SCHEMES:
        return f"{mask_url_credentials(value)!r} is not a {', '.join(s + '://' for s in URL_SCHEMES)} URL"
    return None


def url_problem(value):
    """Why a literal Redis URL cannot be written into a config (a password in it would be a secret in the file and
    in Ansible's output), or None."""
    if url_scheme_problem(value):
        return url_scheme_problem(value)
    if urlsplit(str(value)).password:
        return (
            "a password in a literal URL would be written into the file and shown in Ansible's output: keep the URL in "
            "the container's environment and give os.environ/NAME"
        )
    return None


def setting_problem(name, value):
    """Why a Redis setting (cache_params spelling) cannot take ``value``, or None. Env references are not judged."""
    if value is None or (isinstance(value, str) and value.startswith("os.environ/")):
        return None
    if name == "host":
        if not valid_host(value):
            return f"{value!r} is not a host name or an IP address"
        return None
    if name == "url":
        return url_problem(value)
    if name not in _RANGES:
        return None
    types, low, low_ok, high, what = _RANGES[name]
    if isinstance(value, bool) or not isinstance(value, types):
        kind = "a whole number" if types == _WHOLE else "a number"
        return f"{value!r} is not {kind} ({what})"
    if value < low or (value == low and not low_ok) or (high is not None and value > high):
        bound = f"{low}-{high}" if high is not None else (f">= {low}" if low_ok else f"> {low}")
        shown = f"{value:g}" if isinstance(value, float) else repr(value)  # -1.0 from Ansible's float is -1
        return f"{shown} is outside {bound} ({what})"
    return None


# The probe's options and the cache_params names they share their value checks with.
PROBE_SETTINGS = {s.option: s.key for s in rs.probe_settings() if s.key and s.kwarg and s.type != "bool"}


def option_problems(params, settings):
    """Messages for the options whose values a setting refuses: ``settings`` maps option -> cache_params name."""
    out = []
    for option, name in settings.items():
        problem = setting_problem(name, params.get(option))
        if problem:
            out.append(f"{option}: {problem}")
    return out
