# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What LiteLLM really does with its cache and Redis settings, by version: the knowledge base.

Every rule has an id, the LiteLLM versions it applies to (``min`` inclusive, ``max`` exclusive), the
evidence it rests on, a severity and a remedy. ``error`` findings block ``redis`` mode (by the
caller's ``on_blocked`` policy); ``warning`` and ``info`` findings are reported.

The parameter sets below were read from the real releases (``inspect.signature`` inside the sandbox
images, which install each release with the redis-py its own requirements pin);
``tests/integration/test_knowledge_evidence.py`` re-reads them from the images and fails when this
table and a release disagree. This file is the one home of these facts: docs and modules refer here.
"""

from __future__ import annotations

from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_version import LiteLLMVersion, in_range
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import ENV_NAME, ENV_REFERENCE
from ansible_collections.erni_ki.litellm.plugins.module_utils.redis_connection import setting_problem

# What LiteLLM resolves after "os.environ/": an environment variable name.

# RedisCache's own default when cache_params has no socket_timeout (litellm/constants.py).
DEFAULT_SOCKET_TIMEOUT = 5.0

# The releases where a behaviour changes: the rules' version ranges below are made of these.
SHARED_CLIENT_FIXED_IN = "1.80.11"  # LITELLM-CACHE-003: cache and router stop sharing one client
ROUTER_REDIS_DB_HONOURED_FROM = "1.81.7"  # LITELLM-CACHE-004: router_settings.redis_db is honoured
CACHE_PARAMS_WIN_OVER_REDIS_URL_FROM = "1.93.0"  # LITELLM-CACHE-005
ENV_NUMBERS_CONVERTED_FROM = "1.101.0"  # LITELLM-CACHE-006
ASYNC_CLIENT_TTL_S = 600  # LITELLM-FACT-012: in_memory_llm_clients_cache's default_ttl, read from every sandbox image
CLUSTER_TIMEOUTS_APPLY_FROM = "1.87.0"  # LITELLM-CACHE-016
RUST_CLIENT_FROM = "1.110.0"  # LITELLM-CACHE-017: a Rust client talks to Redis
# The cache_params settings the Rust client says it ignores, and why (its own log line), read by LITELLM-CACHE-017's
# probe on 1.110.0 and 1.110.2 from the settings operators write (tests/helpers/kb_probes.py CLIENT_SETTINGS; the
# others of them, socket_timeout, socket_connect_timeout, socket_keepalive and health_check_interval, it takes).
RUST_CLIENT_IGNORES = {
    "retry_on_timeout": "the Rust client has no equivalent",
    "single_connection_client": "the Rust client has no equivalent",
    "client_name": "the Rust client has no equivalent",
    "encoding_errors": "the Rust client has no equivalent",
    "max_connections": "the Rust client has no connection cap",
}
# Tables a rule's probe reads off the release itself: where the problem shows, the live suite compares them
PROBED_TABLES = {"LITELLM-CACHE-017": RUST_CLIENT_IGNORES}
COUNTERS_IN_NAMESPACE_FROM = "1.91.0"  # LITELLM-CACHE-015: the counters under the namespace ...
COUNTERS_OUTSIDE_NAMESPACE_AGAIN_FROM = "1.110.0"  # ... and outside it again (the Rust Redis client)
SENTINEL_AUTH_FROM = "1.85.0"  # LITELLM-CACHE-011: sentinel_password reaches the sentinels
SSL_VALUE_HONOURED_FROM = "1.93.0"  # LITELLM-CACHE-012: ssl: false no longer dials TLS
URL_SETTINGS_APPLY_FROM = "1.96.0"  # LITELLM-CACHE-013: the settings beside a url reach the connection
# The oldest release the gate lets run a Redis cache unless told otherwise (min_redis_version's default):
# the first one that no error rule refuses for a plain Redis cache.
MIN_REDIS_VERSION = SHARED_CLIENT_FIXED_IN

# Keyword arguments LiteLLM's proxy passes from cache_params to Cache(); measured per release.
_CACHE_COMMON = frozenset(
    """azure_account_url azure_blob_container default_in_memory_ttl default_in_redis_ttl disk_cache_dir
    gcp_service_account gcp_ssl_ca_certs gcs_bucket_name gcs_path gcs_path_service_account host mode
    namespace password port qdrant_api_base qdrant_api_key qdrant_collection_name qdrant_quantization_config
    qdrant_semantic_cache_embedding_model redis_flush_size redis_semantic_cache_embedding_model
    redis_semantic_cache_index_name redis_startup_nodes s3_api_version s3_aws_access_key_id
    s3_aws_secret_access_key s3_aws_session_token s3_bucket_name s3_config s3_endpoint_url s3_path
    s3_region_name s3_use_ssl s3_verify similarity_threshold supported_call_types ttl type""".split()
)
_CACHE_1_108 = _CACHE_COMMON | frozenset(
    """_backend max_messages qdrant_semantic_cache_vector_size semantic_cache_embedding_max_input_tokens
    semantic_cache_embedding_timeout semantic_cache_scope valkey_semantic_cache_embedding_model
    valkey_semantic_cache_index_name""".split()
)
CACHE_PARAMS = {
    "1.80.0": _CACHE_COMMON,
    "1.80.11": _CACHE_COMMON,
    "1.108.7": _CACHE_1_108,
    "1.110.2": _CACHE_1_108,  # read 2026-12-04: the same set as 1.108.7
}
# RedisCache.__init__ keyword parameters (it hands the rest to redis.Redis()).
_REDIS_CACHE = frozenset("host namespace password port redis_flush_size socket_timeout startup_nodes".split())
REDIS_CACHE_PARAMS = {"1.80.0": _REDIS_CACHE, "1.80.11": _REDIS_CACHE, "1.108.7": _REDIS_CACHE, "1.110.2": _REDIS_CACHE}
# redis.Redis.__init__ arguments of redis-py 5.2.1 (pinned by LiteLLM's requirements.txt).
REDIS_PY_ARGS = frozenset(
    """host port db password socket_timeout socket_connect_timeout socket_keepalive socket_keepalive_options
    connection_pool unix_socket_path encoding encoding_errors charset errors decode_responses retry_on_timeout
    retry_on_error ssl ssl_keyfile ssl_certfile ssl_cert_reqs ssl_ca_certs ssl_ca_path ssl_ca_data
    ssl_check_hostname ssl_password ssl_validate_ocsp ssl_validate_ocsp_stapled ssl_ocsp_context
    ssl_ocsp_expected_cert ssl_min_version ssl_ciphers max_connections single_connection_client
    health_check_interval client_name lib_name lib_version username retry redis_connect_func
    credential_provider protocol cache cache_config""".split()
)
# The keys each release's own _redis.py accepts beyond redis.Redis()'s (its _get_redis_kwargs() minus those): the
# URL and the cloud logins it reads and removes before it builds the client (GCP IAM in every measured release;
# AWS ElastiCache IAM and Azure Entra in 1.108.7 and 1.110.2). Read from the images by
# tests/integration/test_knowledge_evidence.py.
_LITELLM_REDIS_KEYS_1_80 = frozenset(("url", "gcp_service_account", "gcp_ssl_ca_certs"))
_LITELLM_REDIS_KEYS_1_108 = _LITELLM_REDIS_KEYS_1_80 | frozenset(
    """aws_iam_auth aws_iam_cache_name aws_iam_region aws_iam_serverless aws_iam_user_name azure_client_id
    azure_client_secret azure_redis_ad_token azure_tenant_id""".split()
)
LITELLM_REDIS_KEYS = {
    "1.80.0": _LITELLM_REDIS_KEYS_1_80,
    "1.80.11": _LITELLM_REDIS_KEYS_1_80,
    "1.108.7": _LITELLM_REDIS_KEYS_1_108,
    "1.110.2": _LITELLM_REDIS_KEYS_1_108,
}
# cache_params keys LiteLLM's _redis.py reads itself for a Redis Sentinel (read in 1.80.0, 1.80.11 and 1.108.7)
# (in the order litellm_cache_mode writes them)
SENTINEL_KEYS = ("sentinel_nodes", "service_name", "sentinel_password")

# Which Redis client LiteLLM builds from cache_params (_redis.py, every measured release): url wins, then cluster
# startup nodes (Cache(redis_startup_nodes=...) makes a RedisClusterCache), then sentinel nodes with a service name.
TOPOLOGY_KEYS = {
    "sentinel": SENTINEL_KEYS,
    "cluster": ("redis_startup_nodes",),
}


def topology_of(cache_params):
    """standalone, sentinel or cluster: the Redis LiteLLM connects to for these cache_params."""
    cp = cache_params if isinstance(cache_params, dict) else {}
    if cp.get("redis_startup_nodes") or cp.get("startup_nodes"):
        return "cluster"
    if cp.get("sentinel_nodes"):
        return "sentinel"
    return "standalone"


# Container env variables LiteLLM's _redis.py maps onto redis.Redis() arguments (REDIS_<ARG>).
NUMERIC_REDIS_ENV = {
    "REDIS_SOCKET_CONNECT_TIMEOUT": "measured",
    "REDIS_SOCKET_TIMEOUT": "same code path",
    "REDIS_HEALTH_CHECK_INTERVAL": "same code path",
    "REDIS_MAX_CONNECTIONS": "same code path",
}


def _measured_key(version):
    """The measured release whose parameter set applies to ``version`` (the newest not after it)."""
    known = sorted(CACHE_PARAMS, key=LiteLLMVersion)
    if version is None:
        return known[-1]
    chosen = known[0]
    for k in known:
        if LiteLLMVersion(k) <= version:
            chosen = k
    return chosen


def accepted_cache_keys(version):
    """Every cache_params key the release accepts without crashing at start (the tables of the newest measured
    release not after it)."""
    k = _measured_key(version)
    return CACHE_PARAMS[k] | REDIS_CACHE_PARAMS[k] | REDIS_PY_ARGS | LITELLM_REDIS_KEYS[k] | frozenset(SENTINEL_KEYS)


def redis_connection_keys(version):
    """The cache_params keys that only a Redis cache reads (its connection: RedisCache's own parameters, redis.Redis()
    arguments, the keys _redis.py reads itself, the topologies' keys and connection_pool_timeout), not the ones every
    cache type shares (ttl, namespace, supported_call_types, ...): what a switch to an in-memory cache removes."""
    k = _measured_key(version)
    redis_only = REDIS_CACHE_PARAMS[k] | REDIS_PY_ARGS | LITELLM_REDIS_KEYS[k] | frozenset(SENTINEL_KEYS)
    return (redis_only | {"redis_startup_nodes", "startup_nodes", "connection_pool_timeout"}) - {"namespace"}


# ----------------------------------------------------------------------------------------- rules
# Each check takes the context and returns None or a message. The context holds:
#   version (LiteLLMVersion or None), mode, cache_params (dict, as written), cache_params_before,
#   router_settings (dict, as written), container_env (set of names)


def _by_url(cache_params):
    """The cache connects by cache_params.url (LiteLLM then hands redis-py the URL, not host, port, db, password)."""
    return cache_params.get("url") not in (None, "")


FORMS = ("host", "url")  # a rule judges both unless its "forms" names one


def form_of(cache_params):
    """The connection form a rule's ``forms`` names: "url" (cache_params.url) or "host" (host, sentinel, cluster)."""
    return "url" if _by_url(cache_params or {}) else "host"


def _check_pool_timeout(ctx):
    if ctx["mode"] == "redis" and "connection_pool_timeout" in ctx["cache_params"]:
        return (
            "cache_params.connection_pool_timeout crashes the proxy at start "
            "(TypeError: Redis.__init__() got an unexpected keyword argument 'connection_pool_timeout')"
        )
    return None


def _check_unknown_keys(ctx):
    if ctx["mode"] != "redis":
        return None
    accepted = accepted_cache_keys(ctx["version"])
    unknown = sorted(k for k in ctx["cache_params"] if k not in accepted and k != "connection_pool_timeout")
    if unknown:
        measured = _measured_key(ctx["version"])
        exact = ctx["version"] is not None and ctx["version"] == LiteLLMVersion(measured)
        source = "" if exact else f" (judged by the keys of {measured}, the nearest measured release below it)"
        return (
            f"cache_params keys {', '.join(unknown)} are neither Cache() parameters, redis.Redis() arguments nor "
            f"keys LiteLLM's _redis.py reads itself in LiteLLM {ctx['version'] or 'of unknown version'}{source}: "
            "the proxy crashes at start with TypeError: unexpected keyword argument"
        )
    return None


def router_uses_redis(router):
    """Whether router_settings (a mapping) point the router at Redis."""
    return any(router.get(k) for k in ("redis_host", "redis_url", "redis_port"))


def _check_shared_client(ctx):
    if ctx["mode"] == "redis" and router_uses_redis(ctx["router_settings"]):
        return (
            "both cache_params and router_settings use Redis: this release shares one async Redis client "
            "between the cache and the router, so the router's keys land in the cache's db (the URL's, with a url), "
            f"or the cache runs with the router's settings (socket_timeout {DEFAULT_SOCKET_TIMEOUT}, db 0)"
        )
    return None


def _check_router_db(ctx):
    if ctx["router_settings"].get("redis_db") is not None:
        return "router_settings.redis_db is silently dropped by this release: the router uses db 0"
    return None


def _check_redis_url_env(ctx):
    if ctx["mode"] == "redis" and "REDIS_URL" in ctx["container_env"]:
        return (
            "REDIS_URL is set in the container environment: this release connects through the URL, whose "
            f"db wins over cache_params.db, and a Redis stall costs {DEFAULT_SOCKET_TIMEOUT} s whatever "
            "socket_timeout says"
        )
    return None


def _check_env_numbers(ctx):
    names = sorted(n for n in NUMERIC_REDIS_ENV if n in ctx["container_env"])
    if ctx["mode"] == "redis" and names:
        return (
            f"{', '.join(names)} set in the container environment reach redis.Redis() as strings in this "
            "release: a string timeout breaks every Redis call"
        )
    return None


def _check_no_type(ctx):
    before = ctx["cache_params_before"]
    if before is not None and "type" not in before:
        return "the config's cache_params has no type: LiteLLM then runs an in-memory cache, not Redis"
    return None


def env_references(mapping, where):
    """(place, NAME) for every "os.environ/NAME" value of a mapping (nested)."""
    for key, value in (mapping or {}).items():
        if isinstance(value, dict):
            yield from env_references(value, f"{where}.{key}")
        elif isinstance(value, str) and value.startswith(ENV_REFERENCE):
            yield f"{where}.{key}", value[len(ENV_REFERENCE) :]


def _check_values(ctx):
    if ctx["mode"] != "redis":
        return None
    problems = [f"{k}: {p}" for k, p in ((k, setting_problem(k, v)) for k, v in ctx["cache_params"].items()) if p]
    if problems:
        return (
            f"cache_params values redis-py or Redis refuse ({'; '.join(problems)}): the proxy starts, then fails "
            "at its first Redis call (a traceback, or every cache write refused)"
        )
    return None


def _check_env_references(ctx):
    if ctx["mode"] != "redis":
        return None
    refs = list(env_references(ctx["cache_params"], "cache_params"))
    refs += list(env_references(ctx["router_settings"], "router_settings"))
    bad = [f"{place}: {name!r} is not a variable name" for place, name in refs if not ENV_NAME.match(name)]
    known = ctx["container_env"]
    if known:
        bad += [
            f"{place}: os.environ/{name} is not set in the container"
            for place, name in refs
            if ENV_NAME.match(name) and name not in known
        ]
    if bad:
        have = sorted(n for n in known if n.startswith(("REDIS", "LITELLM")))
        return f"{'; '.join(bad)} (the container has {', '.join(have) or 'no REDIS_* or LITELLM_* variables'})"
    return None


def _check_sentinel_auth(ctx):
    if ctx["mode"] == "redis" and topology_of(ctx["cache_params"]) == "sentinel":
        return (
            "a Redis Sentinel cache on this release sends no password to the sentinels and authenticates to the "
            "master with sentinel_password (password is ignored), with a 0.1 s socket timeout: against sentinels "
            "that ask for a password it never finds the master, and every request silently runs without a cache"
        )
    return None


def url_settings_apply(version):
    """Whether ``version`` passes the connection settings beside a url to redis-py (LITELLM-CACHE-013); unknown: no."""
    return version is not None and version >= LiteLLMVersion(URL_SETTINGS_APPLY_FROM)


def _check_url_alone(ctx):
    cp = ctx["cache_params"]
    if ctx["mode"] != "redis":
        return None
    dropped = sorted(k for k in cp if k in REDIS_PY_ARGS)
    what = f"{', '.join(dropped)} beside it do not apply" if dropped else "no socket_timeout applies"
    return (
        f"cache_params connects by url, and this release hands redis-py the URL alone: {what}, so a stalled Redis "
        "makes every request wait as long as the stall lasts, unless the URL's own query sets socket_timeout"
    )


TLS_FILE_KEYS = ("ssl_ca_certs", "ssl_ca_path", "ssl_ca_data", "ssl_certfile", "ssl_keyfile", "ssl_cert_reqs")


def _check_tls_beside_url(ctx):
    beside = [k for k in TLS_FILE_KEYS if k in ctx["cache_params"]]
    if ctx["mode"] != "redis" or not beside:
        return None
    return (
        f"{', '.join(beside)} beside the url are not used: the TLS connection trusts the container's default CAs only, "
        "so a Redis whose certificate a private CA signed fails every cache call, while the proxy answers from its "
        "in-memory layer without an error"
    )


def _check_ssl_false(ctx):
    ssl = ctx["cache_params"].get("ssl", None)
    if ctx["mode"] == "redis" and "ssl" in ctx["cache_params"] and str(ssl).strip().lower() in ("false", "0", "no"):
        return (
            f"cache_params has ssl: {ssl}: this release connects with TLS whenever the key ssl is present, whatever "
            "its value, so a plaintext Redis gets a TLS handshake: every cache call fails and the proxy silently runs "
            "from its in-memory layer"
        )
    return None


def _check_counters_outside_namespace(ctx):
    namespace = ctx["cache_params"].get("namespace")
    if ctx["mode"] != "redis" or not namespace:
        return None
    return (
        f"this release writes its rate-limit counters ({{api_key:...}}:tokens, {{model_per_key:...}}:tokens, "
        f"{{user:...}}:tokens) outside the namespace {namespace}: a Redis user limited to ~{namespace}:* is refused "
        "them (NOPERM), so each instance counts its own limits, and a flush of the namespace leaves them in place"
    )


def _check_cluster_timeouts(ctx):
    if ctx["mode"] != "redis" or topology_of(ctx["cache_params"]) != "cluster":
        return None
    given = [k for k in ("socket_timeout", "socket_connect_timeout") if k in ctx["cache_params"]]
    said = f" ({', '.join(given)} in cache_params is not used)" if given else ""
    return (
        "this release's Redis Cluster client takes no socket timeout" + said + ": a node that stops answering holds "
        "every request that needs it for as long as it does"
    )


def _check_rust_ignored(ctx):
    ignored = [k for k in ctx["cache_params"] if k in RUST_CLIENT_IGNORES]
    if ctx["mode"] != "redis" or not ignored:
        return None
    why = "; ".join(f"{k}: {RUST_CLIENT_IGNORES[k]}" for k in ignored)
    return f"this release's Rust Redis client ignores {', '.join(ignored)} ({why})"


def _check_default_timeout(ctx):
    cp = ctx["cache_params"]
    if _by_url(cp) and not url_settings_apply(ctx["version"]):
        return None  # the URL alone reaches redis-py: no default either (LITELLM-CACHE-013 says so)
    if ctx["mode"] == "redis" and "socket_timeout" not in cp:
        return (
            f"no socket_timeout: LiteLLM uses {DEFAULT_SOCKET_TIMEOUT} s, and a stalled Redis makes every "
            "request wait that long, silently (no error, no log line), before it becomes a cache miss"
        )
    return None


RULES = (
    {
        "id": "LITELLM-CACHE-001",
        "title": "connection_pool_timeout in cache_params crashes the proxy",
        "min": None,
        "max": None,
        "severity": "error",
        "check": _check_pool_timeout,
        # measured: with a url, 1.80.0 hands redis-py the URL alone and starts (LITELLM-CACHE-013's probe)
        "forms": ("host",),
        "evidence": "The proxy exits at start with TypeError: Redis.__init__() got an unexpected keyword argument "
        "'connection_pool_timeout' (measured on every release below, 1.74.15 to the newest installable). Not with a "
        "url in cache_params: _redis.py then keeps only the URL (1.80.x) or redis-py's connection arguments (1.108.7), "
        "and the proxy starts (LITELLM-CACHE-013's probe, 1.80.0, 1.80.11 and 1.108.7).",
        "remedy": "Remove connection_pool_timeout from cache_params; set the env var REDIS_CONNECTION_POOL_TIMEOUT "
        "in the container instead (default 5 s, pool of 50).",
    },
    {
        "id": "LITELLM-CACHE-002",
        "title": "cache_params key that is neither a Cache() parameter nor a redis.Redis() argument",
        "min": None,
        "max": None,
        "severity": "error",
        "check": _check_unknown_keys,
        "evidence": "Cache() passes unknown keys to RedisCache and on to redis.Redis(**kwargs) (litellm/_redis.py); "
        "parameter sets read from 1.80.0, 1.80.11 and 1.108.7 with redis-py 5.2.1.",
        "remedy": "Remove the key, or correct its spelling; see the accepted keys in docs/knowledge_base.md.",
    },
    {
        "id": "LITELLM-CACHE-003",
        "title": "cache and router share one Redis client",
        "min": None,
        "max": SHARED_CLIENT_FIXED_IN,
        "severity": "error",
        "check": _check_shared_client,
        "evidence": "Releases before 1.80.11 keep one async Redis client for every RedisCache (a single "
        "async-redis-client slot in litellm/caching/redis_cache.py; 1.80.11 keys the slot by the connection settings). "
        "With cache_params redis on db 1 and router_settings.redis_* on db 0, the probe saw the router's usage keys in "
        "db 1 on 1.74.15, 1.79.3, 1.80.0 and 1.80.10 (the router ran on the cache's connection; the side made first "
        "wins, and an earlier measurement saw the cache run with the router's 5.0 s and db 0), and in db 0 from "
        "1.80.11 (bisected 2026-11-29). The url: form the same (cache_params url: os.environ/CACHE_REDIS_URL on db 1): "
        "the router's usage keys in the URL's db 1 on 1.80.0, in db 0 on 1.80.11 and 1.108.7 (2026-12-04).",
        "remedy": "Upgrade LiteLLM to 1.80.11 or later, or drop router_settings.redis_* (router_redis: false).",
    },
    {
        "id": "LITELLM-CACHE-004",
        "title": "router_settings.redis_db is dropped",
        "min": None,
        "max": ROUTER_REDIS_DB_HONOURED_FROM,
        "severity": "warning",
        "check": _check_router_db,
        "evidence": "With router_settings.redis_db: 2 and usage-based routing, the router's usage keys landed in db 0 "
        "on 1.80.0 - 1.81.6 and in db 2 from 1.81.7 (bisected 2026-11-29; an earlier note placed it at 1.81.9). "
        "router_settings.cache_kwargs reaches the router's RedisCache on every release (router.py). With the cache on "
        "a url (db 1) beside it, 1.80.0's router wrote to the URL's db 1 whatever redis_db said (LITELLM-CACHE-003's "
        "shared client), 1.80.11's to db 0, 1.108.7's to db 2 (2026-12-04): a stack whose every key sits in the URL's "
        "db is seeing LITELLM-CACHE-003.",
        "remedy": "Use router_settings.cache_kwargs: {db: N} (router_redis: true writes that form), or upgrade to "
        "1.81.7 or later.",
    },
    {
        "id": "LITELLM-CACHE-005",
        "title": "REDIS_URL in the container environment overrides cache_params",
        "min": None,
        "max": CACHE_PARAMS_WIN_OVER_REDIS_URL_FROM,
        "severity": "error",
        "check": _check_redis_url_env,
        # a url in cache_params wins over the environment's (measured: LITELLM-CACHE-013's probe)
        "forms": ("host",),
        "evidence": "With REDIS_URL=.../3 in the container and cache_params {db: 1, socket_timeout: 30}, the cache "
        "keys landed in db 3 on 1.74.15 - 1.92.2 and in db 1 from 1.93.0 (bisected 2026-11-29; an earlier note placed "
        "it at 1.96.0). On 1.80.0 the URL's settings also replaced the timeout: an 8 s stall cost 5.0 s instead of "
        "30 s. /cache/ping still reports the cache_params values, not the effective ones. A url in cache_params wins "
        "over REDIS_URL on every measured release (the environment's settings first, cache_params over them, in "
        "_get_redis_client_logic; LITELLM-CACHE-013's probe: REDIS_URL .../3 beside it, the keys in the url's db 1).",
        "remedy": "Stop exporting REDIS_URL in the container entrypoint (export REDIS_PASSWORD only and reference "
        "it as os.environ/REDIS_PASSWORD), or upgrade LiteLLM to 1.93.0 or later.",
    },
    {
        "id": "LITELLM-CACHE-006",
        "title": "numeric Redis env values stay strings",
        "min": None,
        "max": ENV_NUMBERS_CONVERTED_FROM,
        "severity": "error",
        "check": _check_env_numbers,
        "evidence": "Before 1.101.0 REDIS_* env values reach redis.Redis() unconverted: with "
        "REDIS_SOCKET_CONNECT_TIMEOUT=10 in the container, no cache key ever reached Redis on 1.80.0 - 1.100.5, and "
        "from 1.101.0 it did (bisected 2026-11-29); the other numeric REDIS_* names take the same code path.",
        "remedy": "Remove the variable from the container environment and set the value in cache_params "
        "(socket_connect_timeout, socket_timeout, ...), or upgrade LiteLLM to 1.101.0 or later.",
    },
    {
        "id": "LITELLM-CACHE-007",
        "title": "cache_params without type is an in-memory cache",
        "min": None,
        "max": None,
        "severity": "warning",
        "check": _check_no_type,
        "evidence": "Cache(type=...) defaults to local (LiteLLM issue 26233).",
        "remedy": "Always set cache_params.type; this module writes it.",
    },
    {
        "id": "LITELLM-CACHE-008",
        "title": "default socket_timeout of 5.0 s",
        "min": None,
        "max": None,
        "severity": "info",
        "check": _check_default_timeout,
        "evidence": "RedisCache defaults socket_timeout=5.0; an 8 s Redis stall cost 5.0 s per request with no error "
        "and no log line (measured on 1.74.15 - 1.108.7; on 1.74.15 one run in five waited out the whole 8 s). "
        "REDIS_SOCKET_TIMEOUT in env does not change it (sentinel only).",
        "remedy": "Set socket_timeout explicitly (and check the probe's latency against it).",
    },
    {
        "id": "LITELLM-CACHE-009",
        "title": "cache_params value that redis-py or Redis refuses",
        "min": None,
        "max": None,
        "severity": "error",
        "check": _check_values,
        "evidence": "Fault matrix on 1.80.11, 2026-11-29: socket_timeout -1 ended in a Python traceback from the "
        "container, max_connections -1 passed the start and crashed the proxy, ttl -5 made every cache write fail "
        "(two restarts before the rollback); redis-py refuses a negative timeout and a pool size below 1, and Redis "
        "an expiry below 1.",
        "remedy": "Use a positive socket_timeout, socket_connect_timeout, ttl and max_connections, a port in 1-65535, "
        "a db of 0 or more and a valid host name.",
    },
    {
        "id": "LITELLM-CACHE-010",
        "title": "os.environ/ reference to a variable the container does not have",
        "min": None,
        "max": None,
        "severity": "error",
        "check": _check_env_references,
        "evidence": "LiteLLM resolves os.environ/NAME when it starts; fault matrix on 1.80.11, 2026-11-29: "
        "password: os.environ/NO_SUCH_VAR was written and the switch ended rc=0 with no password in effect.",
        "remedy": "Reference a variable the container's entrypoint exports (litellm_service returns env_names), "
        "or export it first.",
    },
    {
        "id": "LITELLM-CACHE-011",
        "title": "Redis Sentinel without a password to the sentinels",
        "min": None,
        "max": SENTINEL_AUTH_FROM,
        "severity": "error",
        "check": _check_sentinel_auth,
        "evidence": "litellm/_redis.py of 1.80.x builds redis.Sentinel(nodes, socket_timeout=REDIS_SOCKET_TIMEOUT "
        "(0.1), password=sentinel_password) and master_for(service_name) with nothing else: redis-py gives the "
        "sentinels only the socket_* options, and the master gets sentinel_password. Later releases pass "
        "sentinel_kwargs with sentinel_password to the sentinels and cache_params (password, db, socket_timeout) to "
        "master_for. Probe (a sentinel with requirepass; sentinel_password and password set): no key on the master, "
        "'No master found' in the log and every request answered 200 (silently uncached) on 1.80.0 - 1.84.10; the "
        "cache through the sentinel's master from 1.85.0 (bisected 2026-11-29).",
        "remedy": "Upgrade LiteLLM to 1.85.0 or later for a Sentinel cache; or (forced, at your own risk) run "
        "sentinels without a password and give the master's password as sentinel_password.",
    },
    {
        "id": "LITELLM-CACHE-012",
        "title": "ssl: false in cache_params dials TLS",
        "min": None,
        "max": SSL_VALUE_HONOURED_FROM,
        "severity": "error",
        "check": _check_ssl_false,
        "evidence": "litellm/_redis.py's get_redis_connection_pool of 1.80.x picks SSLConnection when the key ssl is "
        "in the connection arguments, not when it is true. Probe (a plaintext Redis, cache_params ssl: false): a "
        "cache hit from the in-memory layer and no entry in Redis on 1.80.0 - 1.92.2; the entry in Redis from "
        "1.93.0 (bisected 2026-12-04).",
        "remedy": "Remove ssl from cache_params for a plaintext Redis (litellm_cache_mode does with tls: false; "
        "it never writes ssl: false), or upgrade LiteLLM to 1.93.0 or later.",
    },
    {
        "id": "LITELLM-CACHE-013",
        "title": "the settings beside a url do not reach Redis",
        "min": None,
        "max": URL_SETTINGS_APPLY_FROM,
        "severity": "warning",
        "check": _check_url_alone,
        "forms": ("url",),
        "evidence": "With a url in cache_params, get_redis_client and get_redis_async_client of 1.80.x hand "
        "redis.Redis.from_url the URL alone (_get_redis_url_kwargs inspects from_url, whose signature names no "
        "connection argument). Probe (cache_params url: os.environ/CACHE_REDIS_URL, socket_timeout: 2, "
        "connection_pool_timeout: 5; an 8 s CLIENT PAUSE): the proxy starts, the keys land in the URL's db, and the "
        "request waited the whole 8.0-8.1 s on 1.80.0 - 1.95.1, 2.0 s from 1.96.0 (bisected 2026-12-04). With the "
        "timeout in the URL's query (redis://...:6379/1?socket_timeout=2) 1.80.0 waited 2.0 s. The probe now "
        "freezes Redis for 15 s instead: 1.80.0 and 1.80.11 had not answered when it ended, 1.108.7 answered after "
        "2.0 s (6.0 s on a loaded machine, LITELLM-FACT-007).",
        "remedy": "Put the settings into the URL's query, which redis-py reads "
        "(redis://:PASSWORD@redis:6379/1?socket_timeout=30&socket_connect_timeout=10, in the variable the "
        "entrypoint builds), or upgrade LiteLLM to 1.96.0 or later.",
    },
    {
        "id": "LITELLM-CACHE-014",
        "title": "TLS settings beside a url are not used",
        "min": None,
        "max": None,
        "severity": "warning",
        "check": _check_tls_beside_url,
        "forms": ("url",),
        "evidence": "A TLS Redis with a private CA, cache_params url: rediss://... (os.environ/CACHE_REDIS_URL) and "
        "ssl_ca_certs beside it: the proxy starts and answers 200 with in-memory hits, no key reaches Redis, and the "
        "log says CERTIFICATE_VERIFY_FAILED, on 1.80.0, 1.80.11 and 1.108.7 (2026-12-04; socket_timeout beside a url "
        "does apply from 1.96.0, LITELLM-CACHE-013). The same CA in the URL's query (rediss://...?ssl_ca_certs=PATH), "
        "or the host form with ssl: true and ssl_ca_certs, puts the keys in Redis on all three.",
        "remedy": "Put the TLS settings into the URL's query, which redis-py reads "
        "(rediss://:PASSWORD@redis:6380/0?ssl_ca_certs=/certs/ca.crt, in the variable the entrypoint builds), or use "
        "the host form (litellm_cache_mode's login_host, tls: true, ca_certs).",
    },
    {
        "id": "LITELLM-CACHE-015",
        "title": "rate-limit counters are written outside the namespace",
        "min": None,
        "max": COUNTERS_IN_NAMESPACE_FROM,
        "again_from": COUNTERS_OUTSIDE_NAMESPACE_AGAIN_FROM,
        # info: it matters to a Redis user limited to the namespace, which the config does not say
        "severity": "info",
        "check": _check_counters_outside_namespace,
        "evidence": "Probe (cache_params with namespace kbns, password auth, no router Redis; a miss and a hit, then "
        "every key in the db read): 1.80.0 - 1.90.7 write {api_key:<hash>}:tokens, "
        "{api_key:<hash>}:max_parallel_requests, {model_per_key:<hash>:MODEL}:tokens and {user:...}:tokens at the "
        "top of the db, only cache entries and daily_metrics_report_sent under kbns: (namespace litellm alike); "
        "1.91.0 - 1.109.3 write the counters under kbns: (bisected: 1.90.7 -> 1.91.0, adjacent); from 1.110.0, "
        "whose counters go through its Rust Redis client (litellm.rust_bridge), at the top again (bisected "
        "2026-12-04: 1.109.3 -> 1.110.0, adjacent; host and url form alike). On 1.80.11 it is the rate limiter's "
        "Lua script that writes them unprefixed: a Redis user limited to ~litellm:* without "
        "@scripting (LITELLM-FACT-010) has EVALSHA refused, and the plain pipeline LiteLLM falls back to writes them "
        "under the namespace. On 1.110.2 the pipeline too writes them unprefixed: as such a user it logged "
        "'Redis async_increment_cache_pipeline failed, falling back to in-memory result: Redis rejected the command' "
        "and Redis's ACL LOG named {api_key:...}:tokens, {user:default_user_id}:tokens and deployment:<hash>:... "
        "(reason key); the cache itself was a hit through Redis.",
        "remedy": "Give LiteLLM's Redis user the counters' keys too (ACL SETUSER litellm ~NAMESPACE:* ~{api_key:* "
        "~{model_per_key:* ~{user:* ~deployment:*), or run a release that keeps them under the namespace; the "
        "namespace flush never deletes them (they are not cache entries).",
    },
    {
        "id": "LITELLM-CACHE-016",
        "title": "a Redis Cluster cache ignores its socket timeouts",
        "min": None,
        "max": CLUSTER_TIMEOUTS_APPLY_FROM,
        "severity": "warning",
        "check": _check_cluster_timeouts,
        "evidence": "Probe (a three-master Redis Cluster, cache_params redis_startup_nodes with socket_timeout: 2 and "
        "socket_connect_timeout: 2; a cached request, then one while every node is frozen with docker pause for "
        "25 s): 1.80.0 - 1.86.7 had not answered when the freeze ended; from 1.87.0 the request was answered after "
        "6.0 - 8.0 s (200, from the model: the cache calls timed out), 1.108.7 and 1.110.2 included (bisected "
        "2026-12-04: 1.86.7 -> 1.87.0, adjacent).",
        "remedy": "Upgrade LiteLLM to 1.87.0 or later (measured); until then keep the cluster's nodes behind "
        "something that fails fast, or use a standalone or Sentinel Redis, whose clients take the timeouts.",
    },
    {
        "id": "LITELLM-CACHE-017",
        "title": "Redis settings the Rust client ignores",
        "min": RUST_CLIENT_FROM,
        "max": None,
        "severity": "warning",
        "check": _check_rust_ignored,
        "evidence": "From 1.110.0 LiteLLM talks to Redis through a Rust client (litellm.rust_bridge). Probe "
        "(cache_params with the redis.Redis() settings operators write: socket_timeout, socket_connect_timeout, "
        "socket_keepalive, health_check_interval, retry_on_timeout, max_connections, client_name, "
        "single_connection_client, encoding_errors): 1.110.0 and 1.110.2 log 'Redis setting NAME is not supported by "
        "the Rust client and is ignored' for retry_on_timeout, single_connection_client, client_name, encoding_errors "
        "('the Rust client has no equivalent') and max_connections ('the Rust client has no connection cap'), and "
        "the cache works; 1.109.3 and older log nothing of the kind (bisected 2026-12-04: 1.109.3 -> 1.110.0, "
        "adjacent). The same client's messages also name settings it does not read from a url's query.",
        "remedy": "Drop the settings it names, or keep them knowing they do nothing on this release: a cap on Redis "
        "connections belongs in Redis then (maxclients, per-user limits), not in max_connections.",
    },
)


# Behaviour that no config rule can catch, but that the role's verification and the operators rely on.
FACTS = (
    {
        "id": "LITELLM-FACT-001",
        "fact": "With type redis every proxy keeps an in-memory layer in front of Redis: a repeated request to the "
        "same instance is a hit even when Redis is down. Only a hit on another instance, or the key seen in "
        "Redis, proves Redis caching.",
        "pinned_by": "role verify (cross-instance hit + key in Redis); molecule scenario redis",
    },
    {
        "id": "LITELLM-FACT-002",
        "fact": "When Redis's password changes under LiteLLM 1.80.11 (CONFIG SET requirepass), the restarted proxy "
        "starts, reports healthy and answers every request; the cache silently stops being shared (no hit on "
        "the other instance), with no error to the client.",
        "pinned_by": "molecule scenario rollback (the role's verification catches it and rolls back)",
    },
    {
        "id": "LITELLM-FACT-003",
        "fact": "1.80.x reports the cache type and version on the public /health/readiness; 1.108.x does not, and "
        "/health/readiness/details (master key) does.",
        "pinned_by": "tests/integration/test_litellm_service.py::test_version_from_each_image_and_env_names",
    },
    {
        "id": "LITELLM-FACT-004",
        "fact": "A request-level mock_response is cached like a real answer and shared through Redis, so "
        "verification requests need no provider.",
        "pinned_by": "role verify; molecule scenario redis",
    },
    {
        "id": "LITELLM-FACT-005",
        "fact": "/cache/ping returns the Redis password in clear text (health_check_cache_params.redis_kwargs), "
        "and /cache/flushall runs FLUSHALL on the whole Redis server. The collection reads only cache_type "
        "from the first and never calls the second.",
        "pinned_by": "design facts of 2026-11-29; litellm_service keeps only cache_type",
    },
    {
        "id": "LITELLM-FACT-006",
        "fact": "redis-py is not a dependency of litellm[proxy] (it arrives through rq, unpinned: a fresh pip "
        "install gets redis 8.x); LiteLLM's own image pins redis==5.2.1 in requirements.txt. The accepted "
        "cache_params keys depend on it.",
        "pinned_by": "tests/integration/test_knowledge_evidence.py (the sandbox images carry 5.2.1)",
    },
    {
        "id": "LITELLM-FACT-007",
        "fact": "From 1.83.7 (absent in 1.81.9; read in redis_cache.py) LiteLLM opens a Redis circuit breaker after 5 "
        "consecutive connection failures and fast-fails every Redis call for REDIS_CIRCUIT_BREAKER_RECOVERY_TIMEOUT "
        "(60 s): after a master was killed and replaced within 4-6 s, 1.108.7 answered every request (none failed, "
        "none slower than 0.3 s) but used no Redis for 60-62 s, and the instances sharing the cache with it missed "
        "as long. Its knobs are the container env REDIS_CIRCUIT_BREAKER_RECOVERY_TIMEOUT, "
        "REDIS_CIRCUIT_BREAKER_FAILURE_THRESHOLD and REDIS_CIRCUIT_BREAKER_ENABLED. After a short outage of one "
        "Redis, 1.108.7 cached through it again 60.3 s after it was back, 10.0 s with "
        "REDIS_CIRCUIT_BREAKER_RECOVERY_TIMEOUT=10, and 1.80.11 at once (0.0 s). In 1.108.7 (read in redis_cache.py) "
        "timeouts alone (a Redis that stalls, not one that refuses) open it only after 5 of them spanning "
        "REDIS_CIRCUIT_BREAKER_TIMEOUT_MIN_DURATION (5 s): until then a request's Redis calls time out one after "
        "another, so socket_timeout 2 does not bound what a stall costs one request to 2 s. A request during a Redis "
        "stall waited 2.0 s on this machine and 6.0 s on a "
        "loaded CI machine (1.108.7, LITELLM-CACHE-013's probe).",
        "pinned_by": "tests/integration/test_topologies.py::test_a_master_killed_is_measured_and_pinned, "
        "tests/integration/test_circuit_breaker.py, tests/integration/test_kb_probes.py (LITELLM-CACHE-013 on 1.108.7: "
        "no more than 10 s during a 15 s stall)",
    },
    {
        "id": "LITELLM-FACT-008",
        "fact": "A Redis Sentinel cache (1.108.7) and a Redis Cluster cache (1.108.7 and 1.80.11, redis_startup_nodes) "
        "follow a failover without a restart: with down-after-milliseconds / cluster-node-timeout 2000, the new "
        "master answered 4-6 s after the old one was killed (redis_cache_probe: unavailable until then), and "
        "the cache was shared again once the circuit breaker closed (LITELLM-FACT-007). The cluster cache of "
        "1.80.11 reads an entry 1.108.7 wrote.",
        "pinned_by": "tests/integration/test_topologies.py (failover and switch tests), docs/redis_topologies.md",
    },
    {
        "id": "LITELLM-FACT-009",
        "fact": "LiteLLM keeps more than cache entries under cache_params.namespace. Its cache entries are "
        "NAMESPACE:<64 hex> (TTL = the cache ttl). Beside them, measured 2026-12-04 with LITELLM-CACHE-015's probe "
        "(password auth, a miss and a hit): 1.80.0 - 1.90.7 write NAMESPACE:daily_metrics_report_sent at start "
        "(60 s TTL) and their rate-limit counters {api_key:...}:tokens, {api_key:...}:max_parallel_requests, "
        "{model_per_key:...}:tokens and {user:...}:tokens outside the namespace; 1.91.0 - 1.109.3 put the counters "
        "under it (NAMESPACE:{api_key:...}:tokens, ..., 60 s TTL); 1.110.0 on writes daily_metrics_report_sent under "
        "it and the counters outside again. LiteLLM's code from about 1.101.0 also puts spend-update buffers, daily "
        "spend buffers and pod locks there; they need a database, which the sandbox does not run, so they are read "
        "in the code, not measured. A NAMESPACE:* delete is not a cache flush: it loses those. redis_cache_probe and "
        "flush_cache therefore count and delete NAMESPACE:<64 hex> only and report the other keys as kept; "
        "key_pattern NAMESPACE:* clears a whole namespace on purpose. On 1.110.2, a namespace flush removed every "
        "cache entry and left every other key, family by family.",
        "pinned_by": "tests/integration/test_kb_probes.py::"
        "test_a_namespace_flush_on_the_newest_release_deletes_its_cache_entries_and_no_other_key, "
        "tests/integration/test_awx_chain.py::test_flush_job_counts_then_deletes_the_namespace_only, "
        "tests/integration/test_topologies.py::test_flush_removes_the_namespace_on_every_shard_and_nothing_else, "
        "tests/integration/test_redis_cache_probe.py::test_namespace_flush_removes_only_the_namespace",
    },
    {
        "id": "LITELLM-FACT-010",
        "fact": "A Redis ACL user limited to its namespace, as production stacks give LiteLLM (~NAMESPACE:* +@read "
        "+@write +@connection +@string +@hash -@dangerous -@admin), is enough for the cache: measured 2026-12-04 on "
        "1.80.0, 1.80.11 and 1.108.7, host form (username + password) and url form alike, every key LiteLLM wrote "
        "was under the namespace (cache entries; rate-limit counters {api_key:...}:tokens, {model_per_key:...}:tokens, "
        "{user:...}:tokens; on 1.80.x also {api_key:...}:max_parallel_requests and daily_metrics_report_sent) and "
        "the cache was a hit. One thing is refused: the rate limiter's Lua script (EVALSHA, category @scripting). "
        "LiteLLM then logs 'TTL preservation failed, falling back to regular pipeline: this user has no "
        "permissions to run the 'evalsha' command' twice per request and goes on with a plain pipeline. Granting "
        "+evalsha +eval (or +@scripting) keeps the counters' TTLs on 1.108.7, but on 1.80.x the script writes the "
        "counters outside the namespace, where this user is refused (LITELLM-CACHE-015, measured 2026-12-04 with "
        "password auth); 1.110.2 writes them outside the namespace either way. Without a namespace (keys outside "
        "the user's pattern), 1.108.7's writes were refused while a repeated request was still a hit on the same "
        "instance (the in-memory layer, LITELLM-FACT-001): the role's verification found no key in Redis, failed "
        "and rolled back.",
        "pinned_by": "tests/integration/test_role.py::test_the_url_stack_goes_local_redis_and_back_to_its_original "
        "(1.108.7, url form: every key under the namespace, the EVALSHA fallback logged, the switch verified); "
        "the role's verification (the key looked up in Redis as the same user)",
    },
    {
        "id": "LITELLM-FACT-011",
        "fact": "A cache hit costs the proxy's request path, not the cache: measured 2026-12-04 on this machine "
        "(1.80.11, two proxies, Redis on loopback, mock_response, 10 requests each, cache_status "
        "litellm_cache_measure_hits), a miss took 29-33 ms (p50), a hit of the local cache 28-39 ms, a repeated "
        "request on a Redis-cached instance 28-31 ms (answered by its in-memory layer, LITELLM-FACT-001) and a hit "
        "on a request another instance sent first, read from Redis, 30-32 ms. Redis buys sharing, not speed: one "
        "instance gains nothing from it but a dependency that can stall requests when Redis degrades "
        "(LITELLM-FACT-007); several instances that serve the same traffic each miss what another already "
        "answered unless they share Redis. Hence local for one instance, Redis for several.",
        "pinned_by": "tests/integration/test_fleet.py::test_fleet_report_shows_every_instance_as_it_runs "
        "(every instance's miss, hit and cross-instance hit measured and shown; the advice applied to the fleet)",
    },
    {
        "id": "LITELLM-FACT-012",
        "fact": "LiteLLM keeps its async Redis client in litellm.in_memory_llm_clients_cache, whose entries live "
        "600 s (default_ttl, the same in 1.80.0, 1.80.11, 1.108.7 and 1.110.2); the first request after that builds "
        "a new connection pool. Measured 2026-12-04 over 16 min, one request every 5 s, CLIENT LIST every 5 s: "
        "1.80.11 held 3 connections, opened a 4th at 601.7 s and kept the old one open to the end (3 -> 4); 1.110.2 "
        "held 4, opened one at 602.8 s and closed two (4 -> 3). So on 1.80.x each 600 s adds a pool while the old "
        "one's connections stay open until they are collected: size Redis's maxclients for at least twice each "
        "proxy's pool (max_connections, or its busiest concurrency) plus 3, per proxy, and watch "
        "connected_clients (redis_cache_probe's clients) after the first 10 minutes, not at start.",
        "pinned_by": "tests/integration/test_knowledge_evidence.py (the 600 s read from every sandbox image); "
        "tools/measure_client_pool.py RELEASE --minutes 16 (the connection count over time; too long for make test)",
    },
    {
        "id": "LITELLM-FACT-013",
        "fact": "cache_params.supported_call_types keeps embeddings out of the cache as documented: with "
        "[acompletion] the same embedding request twice left no cache entry in Redis, with [acompletion, aembedding] "
        "one, on 1.80.0, 1.80.11, 1.108.7 and 1.110.2 (2026-12-04, a mock_response embedding model). Reports of "
        "embeddings cached in spite of the list did not reproduce with the mock; a real provider's embedding path "
        "was not tried (no provider is reachable here).",
        "pinned_by": "tests/kb/test_kb_boundaries.py::test_supported_call_types_keep_embeddings_out_of_the_cache "
        "(make test-kb; tests/helpers/kb_probes.py::fact_013)",
    },
    {
        "id": "LITELLM-FACT-014",
        "fact": "Write errors never open LiteLLM's Redis circuit breaker: against a Redis at maxmemory with noeviction "
        "(every SET refused with OOM), twelve new requests were all answered (200) and Redis counted twelve refused "
        "SETs, on 1.80.11 (no breaker yet), 1.90.5, 1.93.0, 1.108.7 and 1.110.2 (2026-12-04): the breaker "
        "(LITELLM-FACT-007) counts timeouts and connection failures, so a full Redis silently stops storing while "
        "every request still pays its failed write, and the cache reads as working. Reports that only 1.83.7 - "
        "1.93.x swallowed these errors do not match: no measured release opens on them. redis_cache_probe's write "
        "check and memory findings (REDIS-MEM-001, REDIS-MEM-002) are what tells a full Redis.",
        "pinned_by": "tests/kb/test_kb_boundaries.py::test_write_errors_never_open_the_circuit_breaker (make test-kb; "
        "tests/helpers/kb_probes.py::fact_014)",
    },
)


# LITELLM-FACT-011 applied to a fleet as it is: the advice of the fleet report (plugins/filter/fleet_report.py).
MODE_ADVICE = {
    "alone_on_redis": "{hosts}: the only instance on {redis}. Nothing is shared: Redis adds a dependency that can "
    "stall requests when it degrades, and the local cache answers the same hits as fast (LITELLM-FACT-011). Keep "
    "Redis if more instances will join it.",
    "several_local": "{hosts}: {n} instances on the local cache. A request one of them answered is a miss on each of "
    "the others; if they serve the same traffic, Redis shares the answers (LITELLM-FACT-011).",
    "shared": "{hosts}: {n} instances share {redis}: an answer cached by one is a hit on every other.",
    "one_local": "{hosts}: one instance on the local cache, right for a single instance (LITELLM-FACT-011).",
}


def mode_advice(instances):
    """The knowledge base's guidance on local versus Redis (local for one instance, Redis for several), applied to
    ``instances`` ({host, cache, redis}: the running cache and the Redis it uses): one advice per group."""
    local = sorted(i["host"] for i in instances if i.get("cache") == "local")
    on_redis = {}
    for i in instances:
        if i.get("cache") == "redis" and i.get("redis"):  # one its config does not name is a failing row, no choice
            on_redis.setdefault(i["redis"], []).append(i["host"])
    advice = []
    if local:
        kind = "several_local" if len(local) > 1 else "one_local"
        advice.append({"kind": kind, "hosts": local, "text": _advice(kind, local)})
    for redis, hosts in sorted(on_redis.items()):
        kind = "shared" if len(hosts) > 1 else "alone_on_redis"
        advice.append({"kind": kind, "hosts": sorted(hosts), "redis": redis, "text": _advice(kind, hosts, redis)})
    return advice


def _advice(kind, hosts, redis=None):
    return MODE_ADVICE[kind].format(hosts=", ".join(sorted(hosts)), n=len(hosts), redis=redis)


# What each rule's probe (tests/helpers/kb_probes.py, one per rule) observed on real releases: the behaviour code
# it reports, and whether the rule's problem shows. tools/kb_bisect.py measured the boundaries; the live suite
# re-measures the sandbox releases on every `make test` (on the newest, the rules that changed there), and
# `make test-kb` every row below.
MEASURED_ON = "2026-11-29"
MEASUREMENTS = {
    "LITELLM-CACHE-001": (
        ("1.74.15", "crashes-at-start", True),
        ("1.79.3", "crashes-at-start", True),
        ("1.80.0", "crashes-at-start", True),
        ("1.80.11", "crashes-at-start", True),
        ("1.108.7", "crashes-at-start", True),
        ("1.109.3", "crashes-at-start", True),
        ("1.110.2", "crashes-at-start", True),
    ),
    "LITELLM-CACHE-002": (
        ("1.74.15", "crashes-at-start", True),
        ("1.79.3", "crashes-at-start", True),
        ("1.80.0", "crashes-at-start", True),
        ("1.80.11", "crashes-at-start", True),
        ("1.108.7", "crashes-at-start", True),
        ("1.109.3", "crashes-at-start", True),
        ("1.110.2", "crashes-at-start", True),
    ),
    "LITELLM-CACHE-003": (
        ("1.74.15", "one-shared-client", True),
        ("1.79.3", "one-shared-client", True),
        ("1.80.0", "one-shared-client", True),
        ("1.80.10", "one-shared-client", True),
        ("1.80.11", "separate-clients", False),
        ("1.108.7", "separate-clients", False),
        ("1.109.3", "separate-clients", False),
        ("1.110.2", "separate-clients", False),
    ),
    "LITELLM-CACHE-004": (
        ("1.74.15", "router-in-db-0", True),
        ("1.79.3", "router-in-db-0", True),
        ("1.80.0", "router-in-db-0", True),
        ("1.80.11", "router-in-db-0", True),
        ("1.81.0", "router-in-db-0", True),
        ("1.81.4", "router-in-db-0", True),
        ("1.81.6", "router-in-db-0", True),
        ("1.81.7", "router-in-db-2", False),
        ("1.81.8", "router-in-db-2", False),
        ("1.81.9", "router-in-db-2", False),
        ("1.108.7", "router-in-db-2", False),
        ("1.109.3", "router-in-db-2", False),
        ("1.110.2", "router-in-db-2", False),
    ),
    "LITELLM-CACHE-005": (
        ("1.74.15", "redis-url-wins", True),
        ("1.79.3", "redis-url-wins", True),
        ("1.80.0", "redis-url-wins", True),
        ("1.80.11", "redis-url-wins", True),
        ("1.85.3", "redis-url-wins", True),
        ("1.89.4", "redis-url-wins", True),
        ("1.91.2", "redis-url-wins", True),
        ("1.91.5", "redis-url-wins", True),
        ("1.92.1", "redis-url-wins", True),
        ("1.92.2", "redis-url-wins", True),
        ("1.93.0", "cache-params-win", False),
        ("1.95.1", "cache-params-win", False),
        ("1.96.0", "cache-params-win", False),
        ("1.108.7", "cache-params-win", False),
        ("1.109.3", "cache-params-win", False),
        ("1.110.2", "cache-params-win", False),
    ),
    "LITELLM-CACHE-006": (
        ("1.74.15", "cache-broken", True),
        ("1.79.3", "cache-broken", True),
        ("1.80.0", "cache-broken", True),
        ("1.80.11", "cache-broken", True),
        ("1.100.5", "cache-broken", True),
        ("1.101.0", "cache-works", False),
        ("1.108.7", "cache-works", False),
        ("1.109.3", "cache-works", False),
        ("1.110.2", "cache-works", False),
    ),
    "LITELLM-CACHE-007": (
        ("1.74.15", "in-memory", True),
        ("1.79.3", "in-memory", True),
        ("1.80.0", "in-memory", True),
        ("1.80.11", "in-memory", True),
        ("1.108.7", "in-memory", True),
        ("1.109.3", "in-memory", True),
        ("1.110.2", "in-memory", True),
    ),
    "LITELLM-CACHE-008": (
        ("1.74.15", "stall-costs-5s", True, ("stall-costs-8s",)),
        ("1.79.3", "stall-costs-5s", True),
        ("1.80.0", "stall-costs-5s", True),
        ("1.80.11", "stall-costs-5s", True),
        ("1.108.7", "stall-costs-5s", True),
        ("1.109.3", "stall-costs-5s", True),
        ("1.110.2", "stall-costs-5s", True),
    ),
    "LITELLM-CACHE-011": (
        ("1.80.0", "master-not-found", True),
        ("1.80.11", "master-not-found", True),
        ("1.81.9", "master-not-found", True),
        ("1.83.7", "master-not-found", True),
        ("1.84.3", "master-not-found", True),
        ("1.84.8", "master-not-found", True),
        ("1.84.9", "master-not-found", True),
        ("1.84.10", "master-not-found", True),
        ("1.85.0", "cache-through-sentinel", False),
        ("1.85.3", "cache-through-sentinel", False),
        ("1.108.7", "cache-through-sentinel", False),
        ("1.109.3", "cache-through-sentinel", False),
        ("1.110.2", "cache-through-sentinel", False),
    ),
    "LITELLM-CACHE-012": (
        ("1.80.0", "no-redis-entry", True),
        ("1.80.11", "no-redis-entry", True),
        ("1.90.5", "no-redis-entry", True),
        ("1.91.3", "no-redis-entry", True),
        ("1.92.0", "no-redis-entry", True),
        ("1.92.1", "no-redis-entry", True),
        ("1.92.2", "no-redis-entry", True),
        ("1.93.0", "plaintext", False),
        ("1.98.0", "plaintext", False),
        ("1.103.1", "plaintext", False),
        ("1.108.7", "plaintext", False),
        ("1.109.3", "plaintext", False),
        ("1.110.2", "plaintext", False),
    ),
    "LITELLM-CACHE-014": (
        ("1.80.0", "ca-unused", True),
        ("1.80.11", "ca-unused", True),
        ("1.108.7", "ca-unused", True),
        ("1.109.3", "ca-unused", True),
        ("1.110.2", "ca-unused", True),
    ),
    "LITELLM-CACHE-013": (
        ("1.80.0", "url-alone", True),
        ("1.80.11", "url-alone", True),
        ("1.90.5", "url-alone", True),
        ("1.93.0", "url-alone", True),
        ("1.94.3", "url-alone", True),
        ("1.95.0", "url-alone", True),
        ("1.95.1", "url-alone", True),
        ("1.96.0", "settings-apply", False),
        ("1.98.0", "settings-apply", False),
        ("1.103.1", "settings-apply", False),
        ("1.108.7", "settings-apply", False),
        ("1.109.3", "settings-apply", False),
        ("1.110.2", "settings-apply", False),
    ),
    "LITELLM-CACHE-016": (
        ("1.80.0", "timeouts-ignored", True),
        ("1.80.11", "timeouts-ignored", True),
        ("1.84.4", "timeouts-ignored", True),
        ("1.85.5", "timeouts-ignored", True),
        ("1.86.3", "timeouts-ignored", True),
        ("1.86.6", "timeouts-ignored", True),
        ("1.86.7", "timeouts-ignored", True),
        ("1.87.0", "timeouts-apply", False),
        ("1.87.1", "timeouts-apply", False),
        ("1.90.5", "timeouts-apply", False),
        ("1.108.7", "timeouts-apply", False),
        ("1.110.2", "timeouts-apply", False),
    ),
    "LITELLM-CACHE-017": (
        ("1.80.0", "settings-taken", False),
        ("1.80.11", "settings-taken", False),
        ("1.108.7", "settings-taken", False),
        ("1.109.3", "settings-taken", False),
        ("1.110.0", "settings-ignored", True),
        ("1.110.2", "settings-ignored", True),
    ),
    "LITELLM-CACHE-015": (
        ("1.80.0", "keys-outside-namespace", True),
        ("1.80.11", "keys-outside-namespace", True),
        ("1.90.5", "keys-outside-namespace", True),
        ("1.90.6", "keys-outside-namespace", True),
        ("1.90.7", "keys-outside-namespace", True),
        ("1.91.0", "all-under-namespace", False),
        ("1.91.3", "all-under-namespace", False),
        ("1.93.0", "all-under-namespace", False),
        ("1.98.0", "all-under-namespace", False),
        ("1.103.1", "all-under-namespace", False),
        ("1.108.7", "all-under-namespace", False),
        ("1.108.14", "all-under-namespace", False),
        ("1.109.2", "all-under-namespace", False),
        ("1.109.3", "all-under-namespace", False),
        ("1.110.0", "keys-outside-namespace", True),
        ("1.110.2", "keys-outside-namespace", True),
    ),
}
# A fourth field names behaviours also seen on that release: the probe is not deterministic there.
MEASUREMENTS = {
    rule: tuple(
        {"release": row[0], "behaviour": row[1], "shows": row[2], "also": tuple(row[3]) if len(row) > 3 else ()}
        for row in rows
    )
    for rule, rows in MEASUREMENTS.items()
}
# A version-bounded rule's boundary: the last measured release where the problem shows and the first where it does
# not, adjacent among the releases that install (those that do not are named).
BOUNDARIES = {
    "LITELLM-CACHE-003": {"last_shows": "1.80.10", "first_fixed": "1.80.11", "not_installable_between": ()},
    "LITELLM-CACHE-004": {"last_shows": "1.81.6", "first_fixed": "1.81.7", "not_installable_between": ()},
    "LITELLM-CACHE-005": {"last_shows": "1.92.2", "first_fixed": "1.93.0", "not_installable_between": ()},
    "LITELLM-CACHE-006": {"last_shows": "1.100.5", "first_fixed": "1.101.0", "not_installable_between": ()},
    "LITELLM-CACHE-011": {"last_shows": "1.84.10", "first_fixed": "1.85.0", "not_installable_between": ()},
    "LITELLM-CACHE-012": {"last_shows": "1.92.2", "first_fixed": "1.93.0", "not_installable_between": ()},
    "LITELLM-CACHE-013": {"last_shows": "1.95.1", "first_fixed": "1.96.0", "not_installable_between": ()},
    "LITELLM-CACHE-016": {"last_shows": "1.86.7", "first_fixed": "1.87.0", "not_installable_between": ()},
    "LITELLM-CACHE-017": {"last_fixed": "1.109.3", "first_shows": "1.110.0", "not_installable_between": ()},
    "LITELLM-CACHE-015": {
        "last_shows": "1.90.7",
        "first_fixed": "1.91.0",
        "not_installable_between": (),
        "regressed": {"last_fixed": "1.109.3", "first_shows": "1.110.0", "not_installable_between": ()},
    },
}


# Releases tried that the sandbox cannot run as released, and why (the boundaries above skip them).
INSTALL_NOTES = (
    (
        "1.108.8 and later",
        "do not install as litellm[proxy]==X: the extra pins packages the index never published (litellm-enterprise "
        "0.1.79.post2 in 1.108.8 - 1.108.13, litellm-proxy-extras 0.4.113 and litellm-enterprise 0.1.82.post1 in "
        "1.109.3, litellm-proxy 1.110.2 in 1.110.2). They install from the release's own proxy extra with those pins "
        "replaced by the newest published ones (sandbox/images/litellm/proxy_requirements.py, each replacement in "
        "requirements-X.txt and the image's label), and serve: every probe ran on 1.109.3 and 1.110.2, "
        "LITELLM-CACHE-015's on 1.108.14, 1.109.2 and 1.110.0 too.",
    ),
    (
        "1.95.0, 1.95.1, 1.96.0",
        "install, but their proxy does not import: today's resolution of fastapi>=0.136.3 is 0.165.0, which no longer "
        "has fastapi.dependencies.utils.get_flat_dependant; measured with fastapi<=0.140.0 held back "
        "(tools/kb_bisect.py COMPAT_PINS, recorded in their constraints files).",
    ),
)


# LiteLLM's Redis circuit breaker (LITELLM-FACT-007) as data, for what acts on it (the cache guard's hold): from which
# release it exists, after how many connection failures it opens, how long it then uses no Redis, and the container
# variables that change those.
CIRCUIT_BREAKER = {
    "fact": "LITELLM-FACT-007",
    "from": "1.83.7",
    "failures": 5,
    "recovery_s": 60.0,
    "env": {
        "enabled": "REDIS_CIRCUIT_BREAKER_ENABLED",
        "failures": "REDIS_CIRCUIT_BREAKER_FAILURE_THRESHOLD",
        "recovery_s": "REDIS_CIRCUIT_BREAKER_RECOVERY_TIMEOUT",
    },
}


def circuit_breaker(version, env=None):
    """LiteLLM's Redis circuit breaker on ``version`` with the container variables ``env`` (a dict; None: not known,
    the defaults): {fact, failures, recovery_s}, or None when the release has none, or the variables disable it, or
    the release is unknown."""
    if version is None or not in_range(version, CIRCUIT_BREAKER["from"], None):
        return None
    env = env or {}
    names = CIRCUIT_BREAKER["env"]
    if str(env.get(names["enabled"], "true")).strip().lower() in ("false", "0", "no", "off"):
        return None
    found = {"fact": CIRCUIT_BREAKER["fact"], "failures": CIRCUIT_BREAKER["failures"]}
    found["recovery_s"] = CIRCUIT_BREAKER["recovery_s"]
    for key, cast in (("failures", int), ("recovery_s", float)):
        try:
            found[key] = cast(env[names[key]])
        except (KeyError, ValueError):
            pass
    return found


def measured_releases():
    """Every release the knowledge base has evidence for (probes and parameter tables), oldest first: the releases
    the gate may advise an upgrade to."""
    found = {m["release"] for rows in MEASUREMENTS.values() for m in rows} | set(CACHE_PARAMS)
    return sorted(found, key=LiteLLMVersion)


def rule(rule_id):
    """The rule ``rule_id`` of RULES (KeyError when there is none)."""
    found = next((r for r in RULES if r["id"] == rule_id), None)
    if found is None:
        raise KeyError(rule_id)
    return found


def measurement(rule, release):
    """The recorded observation of ``rule``'s probe on ``release`` (None when not measured)."""
    return next((m for m in MEASUREMENTS.get(rule, ()) if m["release"] == release), None)


def router_redis_db_honoured(version):
    """Whether router_settings.redis_db takes effect on ``version`` (unknown: assume a current release)."""
    return version is None or version >= LiteLLMVersion(ROUTER_REDIS_DB_HONOURED_FROM)


def evaluate(version, mode, cache_params, router_settings=None, container_env=(), cache_params_before=None):
    """Findings for this configuration on this release, as returned to the user."""
    ctx = {
        "version": version,
        "mode": mode,
        "cache_params": dict(cache_params or {}),
        "cache_params_before": None if cache_params_before is None else dict(cache_params_before),
        "router_settings": dict(router_settings or {}),
        "container_env": set(container_env or ()),  # empty: not known, so not judged
    }
    findings = []
    form = form_of(ctx["cache_params"])
    for r in RULES:
        if form not in r.get("forms", FORMS):
            continue  # a rule about the other connection form (host, port... or url)
        if version is not None and not applies(r, version):
            continue  # an unknown release: version-bounded rules cannot be ruled out, reported as warnings below
        message = r["check"](ctx)
        if message is None:
            continue
        severity = r["severity"]
        if version is None and (r["min"] or r["max"]) and severity == "error":
            severity = "warning"
            message += " (applies to some releases; the target's version is unknown)"
        findings.append(
            {
                "id": r["id"],
                "severity": severity,
                "title": r["title"],
                "message": message,
                "remedy": r["remedy"],
                "evidence": r["evidence"],
                "versions": range_text(r),
            }
        )
    return findings


def forms_text(r):
    """The connection forms a rule judges, for the docs."""
    forms = r.get("forms", FORMS)
    names = {"host": "host, sentinel or cluster keys (no url)", "url": "cache_params.url"}
    return "any" if set(forms) == set(FORMS) else ", ".join(names[f] for f in forms)


def applies(r, version):
    """Whether rule ``r`` covers ``version``: its range [min, max), or from again_from on (a problem fixed once and
    back in a later release)."""
    again = r.get("again_from")
    return in_range(version, r["min"], r["max"]) or (again is not None and version >= LiteLLMVersion(again))


def range_text(r):
    if r["min"] and r["max"]:
        text = f">={r['min']},<{r['max']}"
    elif r["min"]:
        text = f">={r['min']}"
    elif r["max"]:
        text = f"<{r['max']}"
    else:
        text = "all"
    return f"{text} or >={r['again_from']}" if r.get("again_from") else text
