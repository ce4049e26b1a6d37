# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Redis settings: the connection options (one argument spec, documented by doc_fragments/redis.py)
and what each setting accepts, shared by the probe's options and the cache_params the module writes."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback

from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import (
    ENV_NAME,
    mask_url_credentials,
    read_secret_file,
)

# Environment variables the connection options fall back to (the AWX credential type "LiteLLM cache
# Redis" injects them; the litellm_cache role reads the same names on the controller).
PASSWORD_ENV = "LITELLM_CACHE_REDIS_PASSWORD"  # noqa: S105 (the name of a variable, not a password)
USER_ENV = "LITELLM_CACHE_REDIS_USER"

CONNECTION_KEYS = (
    "login_url",
    "login_url_env",
    "login_host",
    "login_port",
    "login_user",
    "login_password",
    "login_unix_socket",
    "db",
    "tls",
    "validate_certs",
    "ca_certs",
    "client_cert_file",
    "client_key_file",
    "socket_timeout",
    "socket_connect_timeout",
    "topology",
    "sentinel_nodes",
    "service_name",
    "sentinel_password",
    "cluster_nodes",
)
TOPOLOGIES = ("standalone", "sentinel", "cluster")
SENTINEL_PASSWORD_ENV = "LITELLM_CACHE_REDIS_SENTINEL_PASSWORD"  # noqa: S105 (a variable's name)


def redis_argument_spec():
    return dict(
        login_url=dict(type="str", no_log=True),
        login_url_env=dict(type="str", no_log=False),
        login_host=dict(type="str", default="localhost"),
        login_port=dict(type="int", default=6379),
        login_user=dict(type="str", fallback=(env_fallback, [USER_ENV])),
        login_password=dict(type="str", no_log=True, fallback=(env_fallback, [PASSWORD_ENV])),
        login_unix_socket=dict(type="path"),
        db=dict(type="int", default=0),
        tls=dict(type="bool", default=False),
        validate_certs=dict(type="bool", default=True),
        ca_certs=dict(type="path"),
        client_cert_file=dict(type="path"),
        client_key_file=dict(type="path"),
        socket_timeout=dict(type="float", default=5.0),
        socket_connect_timeout=dict(type="float", default=5.0),
        topology=dict(type="str", default="standalone", choices=list(TOPOLOGIES)),
        sentinel_nodes=dict(type="list", elements="str", default=[]),
        service_name=dict(type="str"),
        sentinel_password=dict(type="str", no_log=True, fallback=(env_fallback, [SENTINEL_PASSWORD_ENV])),
        sentinel_password_file=dict(type="path"),
        cluster_nodes=dict(type="list", elements="str", default=[]),
        login_password_file=dict(type="path"),
    )


# each password option and the file option that may hold it instead (read where the module runs)
PASSWORD_FILES = (("login_password", "login_password_file"), ("sentinel_password", "sentinel_password_file"))


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


def topology_problems(params):
    """Messages for topology options that are missing, malformed or given for another topology."""
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
    if (url or name) and topology != "standalone":
        out.append(f"login_url and login_url_env are the standalone form; topology is {topology}")
    if topology == "cluster" and params.get("db"):
        out.append(f"db: {params['db']} is not possible on a Redis Cluster, which has only db 0")
    for key, owner in (("sentinel_nodes", "sentinel"), ("service_name", "sentinel"), ("cluster_nodes", "cluster")):
        if params.get(key) and topology != owner:
            out.append(f"{key} only applies to topology={owner} (topology is {topology})")
    return out


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


# The probe's options and the cache_params names they share their checks with.
PROBE_SETTINGS = {
    "login_host": "host",
    "login_port": "port",
    "db": "db",
    "socket_timeout": "socket_timeout",
    "socket_connect_timeout": "socket_connect_timeout",
}


def option_problems(params, settings):
    """Messages for the options whose values a setting refuses: ``settings`` maps option -> cache_params name."""
    out = []
    for option, name in settings.items():
        problem = setting_problem(name, params.get(option))
        if problem:
            out.append(f"{option}: {problem}")
    return out
