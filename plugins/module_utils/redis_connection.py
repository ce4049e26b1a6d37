# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Redis connection options: one argument spec (documented by doc_fragments/redis.py)."""

from __future__ import annotations

CONNECTION_KEYS = (
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
)


def redis_argument_spec():
    return dict(
        login_host=dict(type="str", default="localhost"),
        login_port=dict(type="int", default=6379),
        login_user=dict(type="str"),
        login_password=dict(type="str", no_log=True),
        login_unix_socket=dict(type="path"),
        db=dict(type="int", default=0),
        tls=dict(type="bool", default=False),
        validate_certs=dict(type="bool", default=True),
        ca_certs=dict(type="path"),
        client_cert_file=dict(type="path"),
        client_key_file=dict(type="path"),
        socket_timeout=dict(type="float", default=5.0),
        socket_connect_timeout=dict(type="float", default=5.0),
    )


def connection_params(params):
    """The connection options out of a module's params, as the probe takes them."""
    return {k: params.get(k) for k in CONNECTION_KEYS}
