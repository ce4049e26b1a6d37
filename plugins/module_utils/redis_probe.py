# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Look at Redis the way LiteLLM will: availability, server facts, latency, clients, keys, scoped flush.

This file imports only the standard library, redis-py, masking.py, stats.py and deps.py, on purpose: redis_cache_probe's
``from_container`` runs these very sources inside the LiteLLM container, with that container's Python
and redis-py (``docker_common.call_in_container``), so a probe from inside the compose network and a
direct probe give the same results.

Keys are counted and deleted with SCAN (bounded COUNT) and UNLINK in pipelined batches, never KEYS
and never FLUSHALL/FLUSHDB: every server-side step stays short, so other clients (LiteLLM) do not
stall during a probe of a large keyspace.
"""

from __future__ import annotations

import errno
import os
import socket
import ssl
import time
import uuid
from urllib.parse import urlsplit

# names, not the module: inside the container only the modules themselves are registered, not their packages
from ansible_collections.erni_ki.litellm.plugins.module_utils.deps import declare
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import mask_text, mask_url_credentials
from ansible_collections.erni_ki.litellm.plugins.module_utils.redis_settings import client_kwargs
from ansible_collections.erni_ki.litellm.plugins.module_utils.stats import percentiles

with declare("redis"):
    import redis
    from redis import exceptions as redis_exc
    from redis.backoff import NoBackoff
    from redis.retry import Retry

SCAN_COUNT = 1000  # keys the server looks at per SCAN step: each step stays well under a millisecond
BATCH = 1000  # UNLINKs per pipeline round trip
TTL_SAMPLE = 100
CLIENT_FIELDS = ("id", "addr", "laddr", "name", "age", "idle", "db", "cmd", "user", "lib-name", "lib-ver")
# The commands each part of the probe runs, as a Redis ACL names them: a least-privilege user (real deployments
# give LiteLLM one limited to ~NAMESPACE:*) may lack some, and the probe then says which, part by part.
PART_COMMANDS = {
    "server": ("info",),
    "clients": ("client|list", "client|id"),
    "keyspace": ("dbsize", "scan", "ttl"),
    "write_check": ("set", "get", "unlink"),
    "flush": ("scan", "unlink"),
    # Sentinel and Cluster (redis_topology.py): a master's replicas, and the cluster's masters and slots
    "replicas": ("info",),
    "cluster": ("cluster|info", "cluster|nodes"),
}


def glob_escape(text):
    """Escape Redis glob characters so a namespace is matched literally."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


# A LiteLLM cache entry's key: the 64 hex characters of its hash (after "NAMESPACE:" when a namespace is set).
CACHE_ENTRY_GLOB = "[0-9a-f]" * 64


def namespace_pattern(namespace):
    """Every key under ``namespace``: the cache entries and LiteLLM's own state (LITELLM-FACT-009)."""
    return glob_escape(namespace) + ":*"


def scope_pattern(namespace=None, key_pattern=None):
    """The keys a probe counts and a flush deletes. With ``namespace``: LiteLLM's cache entries under it only
    (``NAMESPACE:`` + 64 hex), never the other keys LiteLLM keeps under its namespace (rate-limit counters, its
    daily-report marker and, on newer releases, spend buffers and locks: LITELLM-FACT-009). ``key_pattern`` is used
    as given: the way to clear a whole namespace on purpose."""
    if namespace:
        return glob_escape(namespace) + ":" + CACHE_ENTRY_GLOB
    return key_pattern


def scope_text(namespace=None, key_pattern=None, whole_db=False):
    """What a flush with these options deletes, in words for messages (the cache-entry glob is 64 brackets long)."""
    if whole_db:
        return "keys in the whole db"
    if namespace:
        return f"cache entries under {namespace}:"
    if key_pattern:
        return f"keys matching {key_pattern}"
    return "keys in the whole db"


def _environ(proc, pid):
    try:
        with open(os.path.join(proc, str(pid), "environ"), "rb") as f:
            raw = f.read()
    except OSError:
        return {}
    pairs = (item.partition(b"=") for item in raw.split(b"\0") if item)
    return {k.decode("utf-8", "replace"): v.decode("utf-8", "replace") for k, _sep, v in pairs}


def _cmdline(proc, pid):
    try:
        with open(os.path.join(proc, str(pid), "cmdline"), "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def process_env(name, proc="/proc"):
    """``name`` as the container's LiteLLM process has it, read in the container: from the environment a process that
    runs litellm was started with (an entrypoint that exports REDIS_URL and then starts LiteLLM gives it only there),
    else PID 1's (the container's command), else this process's own (the container's configured environment). None
    when none has it."""
    mine = {os.getpid(), os.getppid()}
    try:
        pids = sorted(int(p) for p in os.listdir(proc) if p.isdigit())
    except OSError:
        pids = []
    runs_litellm = [
        pid
        for pid in pids
        if pid not in mine and any(os.path.basename(arg) == b"litellm" for arg in _cmdline(proc, pid)[:3])
    ]
    for pid in [*runs_litellm, 1]:
        env = _environ(proc, pid)
        if name in env:
            return env[name]
    return os.environ.get(name)


def resolve_url(conn, processes=False):
    """``conn`` with login_url read from the variable login_url_env names (from the container's processes when
    ``processes``, else from this process's environment). Raises LookupError when nothing has it."""
    name = conn.get("login_url_env")
    if not name:
        return conn
    url = process_env(name) if processes else os.environ.get(name)
    if not url:
        where = "the LiteLLM process of the container, its PID 1, or its configured environment"
        raise LookupError(
            f"{name} is not set in {where if processes else 'the environment of the module'}: name the variable "
            f"cache_params.url reads (os.environ/{name}), or give the URL itself as login_url"
        )
    return dict(conn, login_url=url)


def connection_secrets(conn):
    """The secret values of ``conn``, for masking: the passwords and the password inside a URL."""
    url = conn.get("login_url")
    return [conn.get("login_password"), conn.get("sentinel_password"), urlsplit(str(url)).password if url else None]


def tls_kwargs(conn):
    """redis-py's TLS keywords for ``conn`` (the CA, the client certificate, whether to verify the server)."""
    verify = conn.get("validate_certs", True)
    kwargs = dict(ssl_cert_reqs="required" if verify else "none", ssl_check_hostname=bool(verify))
    return kwargs | client_kwargs(conn, ("ca_certs", "client_cert_file", "client_key_file"))


def session_kwargs(conn):
    """What every connection of ``conn`` takes whatever Redis it reaches: the timeouts, the user and password, and
    no retries (redis-py >= 6 retries a refused connection 3 times with backoff by default, 3.7 s measured, which
    would hide a dead server, a failover in progress and every stall the probe is there to see)."""
    names = ("socket_timeout", "socket_connect_timeout", "login_user", "login_password")
    return dict(client_kwargs(conn, names), retry=Retry(NoBackoff(), 0))


def make_client(conn):
    """A redis-py client for the connection options ``conn`` (their keywords from redis_settings.SETTINGS)."""
    kwargs = dict(session_kwargs(conn), client_name="erni_ki.redis_cache_probe")
    url = conn.get("login_url")
    if url:
        # as LiteLLM connects by cache_params.url (redis.Redis.from_url): what the URL says wins, the options fill in
        if urlsplit(url).scheme.lower() == "rediss":
            kwargs.update(tls_kwargs(conn))
        return redis.Redis.from_url(url, **kwargs)
    kwargs.update(db=conn.get("db") or 0)
    if conn.get("login_unix_socket"):
        kwargs.update(client_kwargs(conn, ("login_unix_socket",)))
    else:
        kwargs.update(host=conn.get("login_host") or "localhost", port=conn.get("login_port") or 6379)
        if conn.get("tls"):
            kwargs.update(ssl=True, **tls_kwargs(conn))
    return redis.Redis(**kwargs)


# Redis's error replies start with a code (OOM, READONLY, CLUSTERDOWN, ...); redis-py turns the ones it knows into
# these classes and keeps only the text after the code. Older redis-py (a LiteLLM container's) may lack one.
REPLY_CODES = (
    ("ClusterDownError", "CLUSTERDOWN"),
    ("OutOfMemoryError", "OOM"),
    ("ReadOnlyError", "READONLY"),
    ("NoPermissionError", "NOPERM"),
)


def reply_code(exc):
    """The code of a Redis error reply: from redis-py's exception class where the client maps the code to one; for
    a reply it does not map, redis-py keeps the whole reply, and the code is its first word, as the protocol puts it
    (the client's own parser splits it off the same way). "ERR" for the rest."""
    known = ((getattr(redis_exc, name, None), code) for name, code in REPLY_CODES)
    code = next((code for cls, code in known if cls is not None and isinstance(exc, cls)), None)
    if code:
        return code
    if isinstance(exc, redis_exc.ResponseError):  # a subclass's text starts after its code
        first = str(exc).split(" ", 1)[0]
        if first.isalpha() and first.isupper():
            return first
    return "ERR"


# What a failed connection means, decided by the exception's type and the operating system's error number along its
# chain (redis-py raises its ConnectionError from the OSError it caught), never by the words of its message, which
# differ between redis-py releases, languages and platforms.
ERRNO_KINDS = {
    errno.ECONNREFUSED: "refused",
    errno.ETIMEDOUT: "timeout",
    errno.ENOENT: "unreachable",  # a unix socket that is not there
    errno.EACCES: "unreachable",  # a unix socket the user may not open
    errno.ECONNRESET: "unreachable",
    errno.ECONNABORTED: "unreachable",
    errno.EPIPE: "unreachable",
    errno.EHOSTUNREACH: "unreachable",
    errno.ENETUNREACH: "unreachable",
}
# Replies that say the login is wrong or the user may not: redis-py (>= 4.6) raises these classes for NOAUTH,
# WRONGPASS, "ERR invalid password" and NOPERM; an older client leaves the reply's code in place (reply_code).
AUTH_CLASSES = ("AuthenticationError", "AuthenticationWrongNumberOfArgsError", "NoPermissionError")
AUTH_CODES = ("NOAUTH", "WRONGPASS", "NOPERM")


def _chain(exc):
    """``exc`` and the exceptions it was raised from or during, innermost last (at most five)."""
    chain = [exc]
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(chain) < 5:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


def _is_a(exc, *names):
    classes = tuple(c for c in (getattr(redis_exc, n, None) for n in names) if c is not None)
    return bool(classes) and isinstance(exc, classes)


def classify_error(exc):
    """(kind, message) of an exception of a Redis connection or command: kind is one of refused, timeout, auth, tls,
    dns, unreachable (no usable server: closed, reset, no socket file, no master, no cluster node) or error."""
    chain = _chain(exc)
    text = str(exc)
    if _is_a(exc, *AUTH_CLASSES) or reply_code(exc) in AUTH_CODES:
        return "auth", text
    if _is_a(exc, "TimeoutError") or any(isinstance(c, socket.timeout) for c in chain):
        return "timeout", text
    if any(isinstance(c, ssl.SSLError) for c in chain):
        return "tls", text
    if any(isinstance(c, socket.gaierror) for c in chain):
        return "dns", text
    numbers = [c.errno for c in chain if isinstance(c, OSError) and c.errno in ERRNO_KINDS]
    if numbers:
        return ERRNO_KINDS[numbers[0]], text
    # the server hung up (redis-py: "Connection closed by server"), Sentinel knows no master, no cluster node answers
    if _is_a(exc, "ConnectionError", "RedisClusterException") or isinstance(exc, OSError):
        return "unreachable", text
    return "error", text


def measure_latency(client, samples, window=0.0):
    """PING round trips in milliseconds: ``samples`` of them, spread evenly over ``window`` seconds (0: one
    burst). A burst takes a millisecond or two and misses a Redis that stalls now and then; a window sees it.
    A PING that times out counts as a sample of the whole socket_timeout. Returns (summary, values)."""
    values = []
    count = max(1, samples)
    interval = (window or 0.0) / count
    start = time.perf_counter()
    for i in range(count):
        wait = start + i * interval - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        t0 = time.perf_counter()
        try:
            client.ping()
        except redis_exc.TimeoutError:
            pass  # a stall as long as the client's timeout: the sample is that long
        values.append((time.perf_counter() - t0) * 1000.0)
    pct = percentiles(values)
    summary = {
        "samples": len(values),
        "window_s": round(window or 0.0, 3),
        "min": round(min(values), 3),
        "p50": round(pct[50], 3),
        "p95": round(pct[95], 3),
        "p99": round(pct[99], 3),
        "max": round(max(values), 3),
    }
    return summary, values


def server_facts(client):
    info = client.info()
    return {
        "version": info.get("redis_version"),
        "mode": info.get("redis_mode"),
        "role": info.get("role"),
        "used_memory": info.get("used_memory"),
        "maxmemory": info.get("maxmemory"),
        "maxmemory_policy": info.get("maxmemory_policy"),
        "evicted_keys": info.get("evicted_keys"),
        "connected_clients": info.get("connected_clients"),
        "uptime_in_seconds": info.get("uptime_in_seconds"),
    }


def list_clients(client, name_filter=None):
    entries = client.client_list()
    own = client.client_id()
    listed = []
    for e in entries:
        if str(e.get("id")) == str(own):
            continue
        if name_filter and name_filter not in (e.get("name") or "") and name_filter not in (e.get("lib-name") or ""):
            continue
        listed.append({k: e.get(k) for k in CLIENT_FIELDS if k in e})
    return {"total": len(entries) - 1, "matched": len(listed), "list": listed}


def scan_keys(client, pattern, count=SCAN_COUNT):
    """Yield keys matching ``pattern`` (all keys when None), one bounded SCAN step at a time."""
    cursor = 0
    while True:
        cursor, keys = client.scan(cursor=cursor, match=pattern, count=count)
        yield from keys
        if cursor == 0:
            return


def count_keys(client, pattern):
    if pattern is None:
        return client.dbsize()
    return sum(1 for _key in scan_keys(client, pattern))


def ttl_stats(client, pattern, sample=TTL_SAMPLE):
    keys = []
    for key in scan_keys(client, pattern):
        keys.append(key)
        if len(keys) >= sample:
            break
    if not keys:
        return {"sampled": 0, "without_ttl": 0, "min": None, "max": None, "avg": None}
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.ttl(key)
    ttls = pipe.execute()
    live = [t for t in ttls if t is not None and t >= 0]
    return {
        "sampled": len(keys),
        "without_ttl": sum(1 for t in ttls if t == -1),
        "min": min(live) if live else None,
        "max": max(live) if live else None,
        "avg": round(sum(live) / len(live), 1) if live else None,
    }


def write_check(client, ttl_ms=10000, tag=None, namespace=None):
    """Write, read back and delete one key; a refused write (OOM, READONLY replica) is a result, a command the
    user may not run raises NoPermissionError (the caller reports it as not permitted, not as a full Redis).
    ``tag``: a hash tag that puts the key in a slot of this node (a cluster master answers MOVED otherwise).
    ``namespace``: the key goes under it, where a user limited to ~NAMESPACE:* may write (never a cache entry's
    shape, so a flush of cache entries never counts it)."""
    prefix = f"{namespace}:erni_ki:probe" if namespace else "erni_ki:probe"
    key = f"{prefix}:{{{tag}}}:{uuid.uuid4().hex}" if tag else f"{prefix}:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    try:
        client.set(key, value, px=ttl_ms)
    except redis_exc.NoPermissionError:
        raise
    except redis_exc.ResponseError as exc:
        return {"ok": False, "key": key, "error": str(exc), "code": reply_code(exc)}
    read = client.get(key)
    client.unlink(key)
    got = read.decode() if isinstance(read, bytes) else read
    return {"ok": got == value, "key": key, "error": None, "code": None}


def flush_keys(client, pattern, dry_run=False, batch=BATCH, per_key=False):
    """Delete the keys matching ``pattern`` (all keys of the selected db when None) with SCAN + UNLINK.

    One round trip per SCAN step: the UNLINK of a step's keys travels in the same pipeline as the SCAN of the next
    step, so the server is never idle waiting for the client (a third faster than SCAN, then UNLINK). Every
    server-side step stays short (SCAN COUNT ``batch``, an UNLINK of at most one step's keys).
    ``per_key``: one UNLINK per key (still in the same round trip), for a cluster node, which refuses a multi-key
    UNLINK whose keys hash to different slots (CROSSSLOT)."""
    deleted = 0
    cursor, keys = client.scan(cursor=0, match=pattern, count=batch)
    while True:
        if dry_run:
            deleted += len(keys)
            keys = []
        pipe = client.pipeline(transaction=False)
        unlinks = 0
        if keys:
            groups = [[k] for k in keys] if per_key else [keys]
            for group in groups:
                pipe.unlink(*group)
            unlinks = len(groups)
        if cursor != 0:
            pipe.scan(cursor=cursor, match=pattern, count=batch)
        replies = pipe.execute() if (unlinks or cursor != 0) else []
        deleted += sum(replies[:unlinks])
        if cursor == 0:
            return deleted
        cursor, keys = replies[-1]


def latency_budget(values, conn, ratio):
    """The share ``ratio`` of LiteLLM's socket_timeout, in ms, that every sample must stay under: {ms, stalls (the
    samples over it), exceeded (the worst sample was over it)}. Judged on the worst sample, not a percentile:
    one stall is one LiteLLM request that waited and missed the cache."""
    timeout = conn.get("socket_timeout")
    if not (timeout and ratio and values):
        return {"ms": None, "stalls": 0, "exceeded": False}
    budget = timeout * 1000.0 * ratio
    stalls = sum(1 for v in values if v > budget)
    return {"ms": round(budget, 3), "stalls": stalls, "exceeded": stalls > 0}


# Redis states that make it unfit for LiteLLM's cache, by id (cache_status and the role's preflight show them): rules
# in the knowledge base's shape (litellm_knowledge.RULES: severity, title, remedy), findings in its finding shape.
REDIS_RULES = {
    "REDIS-MEM-001": {
        "severity": "error",
        "title": "Redis refuses writes",
        "remedy": "Free memory or raise maxmemory, or set an evicting maxmemory-policy (allkeys-lru), before switching",
    },
    "REDIS-MEM-002": {
        "severity": "error",
        "title": "Redis is at maxmemory with policy noeviction: every new cache entry will be refused",
        "remedy": "Raise maxmemory or set maxmemory-policy allkeys-lru (or volatile-lru with a cache ttl)",
    },
    "REDIS-MEM-003": {
        "severity": "warning",
        "title": "Redis is evicting keys: cache entries leave before their ttl",
        "remedy": "Raise maxmemory if the hit rate matters",
    },
    "REDIS-ACL-001": {
        "severity": "warning",
        "title": "Redis refuses Lua scripts to this user: LiteLLM's rate limiter falls back to a plain pipeline and "
        "logs 'TTL preservation failed' on every request (LITELLM-FACT-010)",
        "remedy": "Grant LiteLLM's Redis user the scripting commands (ACL SETUSER {user} +evalsha +eval), or accept "
        "the fallback",
    },
}


def scripts_refused(client):
    """Why EVALSHA (what LiteLLM's rate limiter runs) is refused to this user, or None when it may run it. Asks for a
    script that does not exist: NOSCRIPT means permitted, and nothing runs."""
    try:
        client.evalsha("0" * 40, 0)
    except redis_exc.NoScriptError:
        return None
    except redis_exc.ResponseError as exc:  # NOPERM, or scripting disabled (an unknown command)
        return str(exc)
    return None


def memory_findings(server, write):
    """Findings about memory and writes, from the server facts and the write check (None when not run)."""
    found = []
    # a write a down cluster refuses says nothing of memory: the cluster's state is its own finding (redis_topology)
    if write is not None and not write.get("ok") and write.get("code") != "CLUSTERDOWN":
        found.append(
            ("REDIS-MEM-001", f"the write check failed: {write.get('error') or 'read back a different value'}")
        )
    maxmemory = server.get("maxmemory") or 0
    used = server.get("used_memory") or 0
    policy = server.get("maxmemory_policy") or ""
    if maxmemory and policy == "noeviction" and used >= 0.95 * maxmemory:
        found.append(("REDIS-MEM-002", f"used_memory {used} of maxmemory {maxmemory}"))
    if maxmemory and (server.get("evicted_keys") or 0) > 0:
        found.append(("REDIS-MEM-003", f"{server['evicted_keys']} keys evicted ({policy}, maxmemory {maxmemory})"))
    return [finding(rid, msg) for rid, msg in found]


def finding(rid, message, user="default"):
    """A finding of REDIS_RULES' rule ``rid``, with what was measured (``user`` named in the remedy)."""
    rule = REDIS_RULES[rid]
    return {
        "id": rid,
        "severity": rule["severity"],
        "title": rule["title"],
        "message": message,
        "remedy": rule["remedy"].format(user=user),
    }


def _keyspace(client, pattern, opts):
    """Counts under ``pattern``; with a namespace also the keys under it that are not cache entries (kept)."""
    namespace = opts.get("namespace")
    space = {
        "dbsize": client.dbsize(),
        "pattern": pattern,
        "scope": scope_text(namespace, opts.get("key_pattern"), opts.get("flush_whole_db")),
        "matched": count_keys(client, pattern),
        "ttl_sample": ttl_stats(client, pattern),
    }
    if namespace:
        space["other_keys"] = count_keys(client, namespace_pattern(namespace)) - space["matched"]
    return space


def probe_part(result, part, run):
    """Run one part of the probe; a command the user may not run is recorded in ``not_permitted`` for that part
    (None is returned) and the other parts go on. The module fails when the part was needed for what it was asked."""
    try:
        return run()
    except redis_exc.NoPermissionError as exc:
        result["not_permitted"].append({"part": part, "commands": list(PART_COMMANDS[part]), "message": str(exc)})
        result["warnings"].append(f"not permitted: {commands_text(part)} ({part} unknown): {exc}")
        return None


def commands_text(part):
    """A part's commands as an operator reads them: CLIENT LIST, not client|list."""
    return ", ".join(c.replace("|", " ").upper() for c in PART_COMMANDS[part])


def acl_grant(user, parts):
    """The ACL line that gives ``user`` the commands of ``parts``."""
    commands = sorted({c for part in parts for c in PART_COMMANDS[part]})
    return f"ACL SETUSER {user or 'default'} " + " ".join("+" + c for c in commands)


def _flush(client, opts, pattern, check_mode, result):
    flush_pattern = None if opts.get("flush_whole_db") else pattern
    if check_mode:
        result["would_flush"] = flush_keys(client, flush_pattern, dry_run=True)
    else:
        result["flushed"] = flush_keys(client, flush_pattern, per_key=bool(opts.get("per_key_unlink")))
        result["keyspace"]["matched_after_flush"] = count_keys(client, pattern)


def _inspect(client, conn, opts, check_mode, result):
    """Everything the probe does once connected; fills ``result``."""
    result["server"] = probe_part(result, "server", lambda: server_facts(client)) or {}
    if (opts.get("latency_samples") or 0) > 0:
        lat, values = measure_latency(client, opts["latency_samples"], opts.get("latency_window") or 0.0)
        result["latency_ms"] = lat
        budget = result["latency_budget"] = latency_budget(values, conn, opts.get("latency_budget_ratio"))
        if budget["exceeded"]:
            result["warnings"].append(
                f"{budget['stalls']} of {lat['samples']} PINGs over {lat['window_s']:g} s took longer than "
                f"{opts['latency_budget_ratio']:g} of socket_timeout {conn['socket_timeout']:g} s "
                f"({budget['ms']:g} ms; worst {lat['max']:g} ms): LiteLLM's requests would stall and miss the cache"
            )
    result["clients"] = (
        probe_part(result, "clients", lambda: list_clients(client, opts.get("client_name_filter"))) or {}
    )
    pattern = scope_pattern(opts.get("namespace"), opts.get("key_pattern"))
    result["keyspace"] = probe_part(result, "keyspace", lambda: _keyspace(client, pattern, opts)) or {}
    if opts.get("write_check"):
        result["write_check"] = probe_part(
            result,
            "write_check",
            lambda: write_check(client, tag=opts.get("write_check_tag"), namespace=opts.get("namespace")),
        )
    if opts.get("flush"):
        probe_part(result, "flush", lambda: _flush(client, opts, pattern, check_mode, result))
    result["findings"] = memory_findings(result["server"], result["write_check"])
    refused = scripts_refused(client)
    if refused:
        result["findings"].append(finding("REDIS-ACL-001", f"EVALSHA: {refused}", acl_user(conn)))
    policy = result["server"].get("maxmemory_policy") or ""
    if result["server"].get("maxmemory") and not policy.startswith(("allkeys", "volatile")) and not result["findings"]:
        result["warnings"].append(
            f"maxmemory is set with policy {policy}: when Redis is full, LiteLLM's cache writes fail"
        )
    for f in result["findings"]:
        result["warnings"].append(f"{f['id']} ({f['severity']}): {f['title']}: {f['message']}. Remedy: {f['remedy']}")


def run_probe(conn, opts, check_mode=False):
    """The whole probe as one plain dict (what the module returns, before Ansible adds its keys).

    ``opts``: latency_samples, latency_window, latency_budget_ratio, namespace, key_pattern, client_name_filter,
    write_check, flush, flush_whole_db. An unusable server is a result (``error``), never an exception.
    """
    secrets = connection_secrets(conn)
    result = empty_result(conn)
    client = None
    try:
        client = make_client(conn)
        client.ping()
        result["is_available"] = True
        _inspect(client, conn, opts, check_mode, result)
    except (redis_exc.RedisError, OSError) as exc:
        kind, message = classify_error(exc)
        result["error"] = {"kind": kind, "message": mask_text(message, secrets)}
    finally:
        if client is not None:
            try:
                client.close()
            except Exception:  # noqa: BLE001, S110 - closing a broken connection is best effort
                pass
    return result


def empty_result(conn):
    """The probe's result before it learns anything: an unavailable server."""
    return {
        "is_available": False,
        "error": None,
        "server": {},
        "latency_ms": {},
        "latency_budget": {"ms": None, "stalls": 0, "exceeded": False},
        "findings": [],
        "warnings": [],
        "clients": {},
        "keyspace": {},
        "flushed": 0,
        "would_flush": 0,
        "write_check": None,
        "not_permitted": [],
        "socket_timeout": conn.get("socket_timeout"),
        "url": mask_url_credentials(conn["login_url"]) if conn.get("login_url") else None,
        "user": acl_user(conn),
    }


def acl_user(conn):
    """The ACL user the probe logs in as: login_user, else the URL's user, else Redis's ``default``."""
    url = conn.get("login_url")
    return conn.get("login_user") or (urlsplit(str(url)).username if url else None) or "default"
