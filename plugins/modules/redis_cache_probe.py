#!/usr/bin/python
# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: redis_cache_probe
short_description: See Redis as LiteLLM will, measure it against the socket_timeout, and flush only the cache's keys
version_added: 0.1.0
description:
  - Connects to Redis as LiteLLM would (host and port, unix socket, db, ACL user, password, TLS) and reports
    whether it is available, the server's facts, round-trip latency percentiles compared with the
    O(socket_timeout) LiteLLM will use, the connected clients, key counts and a TTL sample.
  - Counts and flushes with C(SCAN) (bounded C(COUNT)) and C(UNLINK) in pipelined batches. It never runs C(KEYS),
    C(FLUSHDB) or C(FLUSHALL), so a probe of a large keyspace does not stall LiteLLM.
  - Can probe from inside a container (O(from_container)), with that container's Python and redis-py, for stacks
    where Redis is reachable only on the compose network.
  - Understands Redis Sentinel (the elected master, the quorum, the replicas and their lag) and Redis Cluster
    (C(cluster_state), slot coverage, every master's latency, memory and keys; a scoped flush runs on every master
    at once, never on one shard only). See O(topology).
  - An unreachable server, a refused password or a TLS failure is a result (RV(is_available=false) with
    RV(error)), not a crash, unless O(fail_on_unavailable=true).
author:
  - erni_ki maintainers (@erni-ki)
requirements:
  - redis (redis-py) on the managed host, or in the container of O(from_container)
  - docker (Docker SDK for Python) on the managed host, for O(from_container)
extends_documentation_fragment:
  - erni_ki.litellm.redis
  - erni_ki.litellm.docker
  - erni_ki.litellm.attributes.actiongroup_docker
attributes:
  check_mode:
    support: full
    description: With O(flush=true), reports in RV(would_flush) how many keys would go and deletes none.
  diff_mode:
    support: none
    description: Nothing is diffed; a flush reports counts.
  idempotent:
    support: full
    description: Only a flush that deletes keys reports a change; a second flush finds nothing left.
options:
  from_container:
    description:
      - Name or id of a running container (the LiteLLM one) to probe from, through the Docker API.
      - The connection options are then as seen from inside that container, and certificate paths are paths in
        the container. The password travels on the process's standard input, never on a command line.
    type: str
  latency_samples:
    description: Number of C(PING) round trips to time. V(0) skips the measurement.
    type: int
    default: 50
  latency_window:
    description:
      - Seconds over which the O(latency_samples) PINGs are spread evenly. V(0) sends them in one burst, which takes a
        millisecond or two and misses a Redis that stalls now and then (a C(CLIENT PAUSE), a slow Lua script, a fork);
        a window of a few seconds sees such stalls.
      - A PING that times out counts as a sample as long as O(socket_timeout).
    type: float
    default: 0
    version_added: 0.1.0
  latency_budget_ratio:
    description:
      - The share of O(socket_timeout) that every latency sample must stay under. A sample over it is a stall
        (RV(latency_budget.stalls)); one stall sets RV(latency_budget.exceeded) and a warning.
    type: float
    default: 0.5
  namespace:
    description:
      - LiteLLM's cache key prefix (C(cache_params.namespace)). LiteLLM's cache entries under it, C(NAMESPACE:)
        followed by the 64 hexadecimal characters of a cache key, are counted and flushed.
      - The other keys LiteLLM keeps under its namespace (rate-limit counters, its daily-report marker and, on
        newer releases, spend-update buffers and pod locks) are its own state, not cache; they are counted in
        RV(keyspace.other_keys) and never flushed. To delete every key under a namespace on purpose, use
        O(key_pattern) C(NAMESPACE:*).
      - Matched literally (glob characters are escaped).
    type: str
  key_pattern:
    description: A Redis glob pattern of the keys to count and flush, instead of O(namespace).
    type: str
  client_name_filter:
    description: Only list clients whose name or library name contains this text.
    type: str
  write_check:
    description: Write, read back and delete one probe key with a 10 s TTL.
    type: bool
    default: false
  flush:
    description:
      - Delete the keys that O(namespace) or O(key_pattern) match, in the selected O(db) only.
      - Without O(namespace), O(key_pattern) or O(flush_whole_db), this is an error.
    type: bool
    default: false
  flush_whole_db:
    description:
      - With O(flush), delete every key of the selected O(db) (LiteLLM's rate-limit counters too), still by SCAN and
        UNLINK. Other dbs are never touched.
    type: bool
    default: false
  fail_on_unavailable:
    description:
      - Fail the task when Redis cannot be used, instead of returning RV(is_available=false).
      - Also when it answered but a later command failed (a timeout, a command the server has disabled or renamed),
        so that the probe stopped before its end (RV(error) set with RV(is_available=true)).
    type: bool
    default: false
notes:
  - LiteLLM's own C(/cache/flushall) endpoint runs C(FLUSHALL), which wipes every db of that Redis server. Use this
    module's scoped flush instead.
  - LiteLLM cache keys are 64 hexadecimal characters (after C(NAMESPACE:) when a namespace is set); LiteLLM also
    writes rate-limit counters into the same db.
seealso:
  - module: erni_ki.litellm.litellm_cache_mode
"""

EXAMPLES = r"""
- name: Probe the cache's Redis from inside the LiteLLM container
  erni_ki.litellm.redis_cache_probe:
    from_container: llm_litellm_1
    login_host: redis
    login_password: "{{ redis_password }}"
    db: 1
    socket_timeout: 30
    write_check: true
    fail_on_unavailable: true
  register: probe

- name: How many cache keys would a flush delete?
  erni_ki.litellm.redis_cache_probe:
    login_host: 127.0.0.1
    login_password: "{{ redis_password }}"
    namespace: litellm
    flush: true
  check_mode: true

- name: Sentinel - the master the sentinels elect, its replicas and their lag
  erni_ki.litellm.redis_cache_probe:
    topology: sentinel
    sentinel_nodes: [10.0.0.11:26379, 10.0.0.12:26379, 10.0.0.13:26379]
    service_name: litellm-cache
    sentinel_password: "{{ sentinel_password }}"
    login_password: "{{ redis_password }}"
  register: sentinel

- name: Cluster - flush the cache's namespace on every master
  erni_ki.litellm.redis_cache_probe:
    topology: cluster
    cluster_nodes: [10.0.0.21:6379]
    login_password: "{{ redis_password }}"
    namespace: litellm
    flush: true

- name: Flush LiteLLM's cache keys of db 1 only
  erni_ki.litellm.redis_cache_probe:
    login_host: 127.0.0.1
    login_password: "{{ redis_password }}"
    db: 1
    key_pattern: "????????????????????????????????????????????????????????????????"
    flush: true

- name: Probe the Redis of a url config, the URL built by the container's entrypoint (os.environ/REDIS_URL)
  erni_ki.litellm.redis_cache_probe:
    from_container: llm_litellm_1
    login_url_env: REDIS_URL
    socket_timeout: 30
    write_check: true
"""

RETURN = r"""
is_available:
  description: Whether Redis answered and accepted the credentials.
  returned: always
  type: bool
error:
  description: Why Redis could not be used.
  returned: when RV(is_available=false)
  type: dict
  contains:
    kind:
      description:
        - V(refused), V(timeout), V(auth), V(tls), V(dns), V(unreachable) or V(error) for the server itself.
        - V(config) when O(login_url_env) names a variable nothing sets; V(no_master) when no sentinel names a master
          (or they name different ones); V(cluster_down) when no cluster master owning slots answers;
          V(not_permitted) when the user may not run C(CLUSTER INFO) and C(CLUSTER NODES), which find the masters
          (the message gives the C(ACL SETUSER) line).
      type: str
      sample: auth
    message:
      description: The client library's message, secrets masked.
      type: str
server:
  description: Server facts from C(INFO).
  returned: when available
  type: dict
  contains:
    version: {description: Redis version., type: str, sample: 7.0.15}
    mode: {description: "V(standalone), V(cluster) or V(sentinel).", type: str}
    role: {description: "V(master) or V(slave).", type: str}
    used_memory: {description: Bytes in use., type: int}
    maxmemory: {description: Memory limit in bytes (0 is none)., type: int}
    maxmemory_policy: {description: Eviction policy., type: str}
    evicted_keys: {description: Keys evicted since start., type: int}
    connected_clients: {description: Connected clients., type: int}
    uptime_in_seconds: {description: Seconds since start., type: int}
latency_ms:
  description: PING round-trip times in milliseconds over O(latency_samples).
  returned: when available and O(latency_samples) > 0
  type: dict
  contains:
    samples: {description: Round trips timed., type: int}
    min: {description: Fastest., type: float}
    p50: {description: Median., type: float}
    p95: {description: 95th percentile., type: float}
    p99: {description: 99th percentile., type: float}
    max: {description: Slowest., type: float}
warnings_list:
  description: Findings about the server, also emitted as warnings (latency over budget, eviction policy).
  returned: always
  type: list
  elements: str
clients:
  description: Connected clients (the probe's own connection excluded) from C(CLIENT LIST).
  returned: when available
  type: dict
  contains:
    total: {description: All other clients., type: int}
    matched: {description: Clients matching O(client_name_filter)., type: int}
    list:
      description: The matched clients (address, name, db, age, idle, last command; no arguments or secrets).
      type: list
      elements: dict
keyspace:
  description:
    - Key counts, by SCAN.
    - Called C(keys) in development builds before the first release; renamed because ansible-core 2.21 refuses a
      return key that shadows a Python C(dict) method.
  returned: when available
  type: dict
  contains:
    dbsize: {description: Keys in the selected db., type: int}
    pattern: {description: The glob pattern used (null is every key)., type: str}
    scope:
      description: >-
        What a flush deletes, in words: C(cache entries under NAMESPACE:), C(keys matching PATTERN) or
        C(keys in the whole db).
      type: str
    matched: {description: Keys matching the pattern., type: int}
    matched_after_flush: {description: Keys still matching after a flush., type: int}
    other_keys:
      description:
        - With O(namespace), the keys under C(NAMESPACE:) that are not cache entries (LiteLLM's own state), kept by
          a flush.
      type: int
      returned: when O(namespace) is set
    ttl_sample:
      description: TTLs of up to 100 matched keys (sampled, without_ttl, min, max, avg in seconds).
      type: dict
latency_budget:
  description:
    - The share O(latency_budget_ratio) of O(socket_timeout), in milliseconds, that every sample must stay under, and
      how many did not. Judged on the worst sample, not a percentile. Branch on RV(latency_budget.exceeded), not on
      the warning text.
  returned: always
  type: dict
  contains:
    ms: {description: "The budget (null without latency samples).", type: float}
    stalls: {description: Samples over the budget., type: int}
    exceeded: {description: Whether any sample was over the budget., type: bool}
  version_added: 0.1.0
findings:
  description:
    - What makes this Redis unfit for LiteLLM's cache now, by rule id. V(REDIS-MEM-001) (error) the write check
      was refused (for example C(OOM)); V(REDIS-MEM-002) (error) at C(maxmemory) with C(noeviction); V(REDIS-MEM-003)
      (warning) keys are being evicted; V(REDIS-ACL-001) (warning) the user may not run Lua scripts (C(EVALSHA),
      asked for a script that does not exist, so nothing runs), so LiteLLM's rate limiter falls back on every
      request (knowledge base LITELLM-FACT-010). Run with O(write_check=true) to test writes.
  returned: always
  type: list
  elements: dict
  contains:
    id: {description: Rule id., type: str, sample: REDIS-MEM-002}
    severity: {description: V(error) or V(warning)., type: str}
    title: {description: What it is., type: str}
    message: {description: What was measured., type: str}
    remedy: {description: What to do., type: str}
  version_added: 0.1.0
flushed:
  description: Keys deleted.
  returned: always
  type: int
would_flush:
  description: Keys a flush would delete, in check mode.
  returned: always
  type: int
not_permitted:
  description:
    - The parts of the probe the Redis user may not run (a least-privilege ACL user), each with the commands it
      needs and Redis's NOPERM message. Their result fields stay empty and a warning names them; the module fails
      when a part was needed for what it was asked (a flush's count and delete, the write check), with the
      C(ACL SETUSER) line that grants them.
  returned: when available
  type: list
  elements: dict
  contains:
    part:
      description:
        - C(server), C(clients), C(keyspace), C(write_check) or C(flush).
        - C(replicas) (C(INFO replication) of a sentinel's or a cluster's master; its C(replicas) in RV(topology)
          are then null, unknown) or C(cluster) (C(CLUSTER INFO) and C(CLUSTER NODES)).
      type: str
    commands: {description: The commands that part runs as a Redis ACL names them., type: list, elements: str}
    message: {description: What Redis answered., type: str}
  sample:
    - {"part": "server", "commands": ["info"], "message": "User litellm has no permissions to run the 'info' command"}
write_check:
  description: >-
    Result of the write/read/delete round trip (C(ok), C(key), and C(error) and C(code) when Redis refused the write;
    C(code) is the code of Redis's error reply, such as C(OOM), C(READONLY) or C(CLUSTERDOWN)). The key goes under
    C(NAMESPACE:) when O(namespace) is set, where a user limited to that namespace may write.
  returned: when O(write_check=true) and available
  type: dict
topology:
  description:
    - What O(topology) looks like now. Always C(kind) and C(healthy).
    - For V(sentinel), what each sentinel answered (C(sentinels), each with C(addr), C(ok), C(master), C(quorum),
      C(other_sentinels), C(error)), the C(master) they elect (null when they name none or disagree), C(agreed),
      C(quorum), C(sentinels_reachable), C(quorum_reachable), and the master's C(replicas) with C(state), C(lag_s)
      and C(behind_bytes) (from the master's C(INFO replication); null, unknown, when the user may not run C(INFO)).
      The other keys of the result are the master's.
    - For V(cluster), C(cluster_state), C(slots_assigned), C(slots_ok), C(slots_fail), C(slots_covered) (by the
      masters that answer), C(known_nodes), and C(masters), each with C(addr), C(slots), C(available), C(latency_ms),
      C(used_memory), C(dbsize), C(matched), C(flushed), C(would_flush) and its C(replicas). RV(keyspace),
      RV(server.used_memory), RV(flushed) and RV(would_flush) are sums over the masters; RV(latency_ms) is the
      slowest master's; RV(keyspace) also has C(found_on) (the masters holding matched keys) and, for a
      O(key_pattern) without glob characters, C(slot_owner) (the master that owns the key's slot).
    - V(healthy) is false, with a warning that says why, when the sentinels disagree or are fewer than the quorum,
      the master has no replica online, C(cluster_state) is not C(ok), slots are not covered, or a cluster master
      has no replica. It is null (unknown) when nothing else is wrong but the user may not read the replicas
      (C(INFO)).
  returned: always
  type: dict
  sample: {kind: sentinel, healthy: true, master: "127.0.0.1:6393", agreed: true, quorum: 2}
  version_added: 0.1.0
probed_from:
  description: The container the probe ran in, or V(host).
  returned: always
  type: str
url:
  description: The URL probed (O(login_url), or the value of O(login_url_env)), its password masked; null otherwise.
  returned: always
  type: str
  sample: "redis://:********@redis:6379/1"
  version_added: 0.1.0
user:
  description:
    - The Redis ACL user the probe logged in as, as messages name it.
    - O(login_user), else the user of the URL, else C(default) (Redis's own name for a login without a user).
  returned: always
  type: str
  sample: litellm
  version_added: 0.1.0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.erni_ki.litellm.plugins.module_utils import (
    deps,
    docker_common,
    masking,
    redis_probe,
    redis_settings,
    redis_topology,
    stats,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.redis_connection import (
    PASSWORD_FILES,
    PROBE_SETTINGS,
    connection_params,
    connection_problems,
    option_problems,
    read_password_files,
    redis_argument_spec,
)

PROBE_OPTIONS = (
    "latency_samples",
    "latency_window",
    "latency_budget_ratio",
    "namespace",
    "key_pattern",
    "client_name_filter",
    "write_check",
    "flush",
    "flush_whole_db",
)


def argument_spec():
    spec = redis_argument_spec()
    spec.update(docker_common.docker_argument_spec())
    spec.update(
        from_container=dict(type="str"),
        latency_samples=dict(type="int", default=50),
        latency_window=dict(type="float", default=0.0),
        latency_budget_ratio=dict(type="float", default=0.5),
        namespace=dict(type="str"),
        key_pattern=dict(type="str", no_log=False),
        client_name_filter=dict(type="str"),
        write_check=dict(type="bool", default=False),
        flush=dict(type="bool", default=False),
        flush_whole_db=dict(type="bool", default=False),
        fail_on_unavailable=dict(type="bool", default=False),
    )
    return spec


def check_inputs(module):
    p = module.params
    if p["flush"] and not (p["namespace"] or p["key_pattern"] or p["flush_whole_db"]):
        module.fail_json(
            msg="flush needs a scope: set namespace (LiteLLM's cache_params.namespace) or key_pattern, or "
            "flush_whole_db to empty the selected db; nothing was deleted"
        )
    if p["flush_whole_db"] and not p["flush"]:
        module.fail_json(msg="flush_whole_db only says what flush deletes: set flush: true as well")
    problems = option_problems(p, PROBE_SETTINGS) + connection_problems(p)
    if p["latency_samples"] < 0:
        problems.append(f"latency_samples: {p['latency_samples']} is outside >= 0")
    if p["latency_window"] < 0:
        problems.append(f"latency_window: {p['latency_window']} is outside >= 0 (seconds)")
    if problems:
        module.fail_json(msg=f"{'; '.join(problems)}; nothing was probed")


def probe_from_container(module, conn, opts):
    """The same probe, run by the container's own Python and redis-py (masking.py, deps.py, stats.py,
    redis_settings.py, redis_probe.py and redis_topology.py sent along)."""
    p = module.params
    deps.validate(module, "docker")
    try:
        client = docker_common.connect(docker_common.docker_params(p))
        container = docker_common.get_container(client, p["from_container"])
        shipped = [masking, deps, stats, redis_settings, redis_probe, redis_topology]  # each after what it imports
        result = docker_common.call_in_container(
            client, container, shipped, "probe", conn, opts, module.check_mode, True
        )
    except docker_common.DockerAccessError as exc:
        module.fail_json(msg=masking.mask_text(exc, [p["login_password"], p["sentinel_password"]]))
    result["probed_from"] = container.name
    return result


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("namespace", "key_pattern"), *PASSWORD_FILES],
        supports_check_mode=True,
    )
    read_password_files(module)
    check_inputs(module)
    p = module.params
    conn = connection_params(p)
    opts = {k: p[k] for k in PROBE_OPTIONS}
    if p["from_container"]:
        result = probe_from_container(module, conn, opts)
    else:
        deps.validate(module, "redis")
        result = redis_topology.probe(conn, opts, check_mode=module.check_mode)
        result["probed_from"] = "host"

    result["warnings_list"] = result.pop("warnings")
    for w in result["warnings_list"]:
        module.warn(w)
    # a flush changes what it deleted; check mode, what it would delete
    result["changed"] = bool(result["flushed"] or (module.check_mode and result["would_flush"]))
    err = result["error"] or {}
    if not result["is_available"] and p["fail_on_unavailable"]:
        module.fail_json(msg=f"{where(p, result)} is not usable: {err.get('kind')}: {err.get('message')}", **result)
    if result["error"] and p["fail_on_unavailable"]:
        # it answered PING, then a command failed: what comes after it (keys, the write check, a flush) is unknown
        module.fail_json(
            msg=f"{where(p, result)} answered, but the probe could not finish: {err.get('kind')}: {err.get('message')}"
            "; what it did not reach (keys, write check, flush) is unknown and nothing after it ran",
            **result,
        )
    check_permitted(module, result)
    check_flushed(module, result)
    module.exit_json(**result)


def where(p, result=None):
    """The Redis probed, in words (a URL with its password masked)."""
    if p["login_url"] or p["login_url_env"]:
        url = (result or {}).get("url") or (masking.mask_url_credentials(p["login_url"]) if p["login_url"] else None)
        named = f" (from {p['login_url_env']})" if p["login_url_env"] else ""
        return f"Redis at {url or 'the URL in ' + p['login_url_env']}{named}"
    server = {
        "sentinel": f"Redis Sentinel service {p['service_name']} ({', '.join(p['sentinel_nodes'] or [])})",
        "cluster": f"Redis Cluster ({', '.join(p['cluster_nodes'] or [])})",
    }.get(p["topology"]) or f"Redis at {p['login_unix_socket'] or p['login_host'] + ':' + str(p['login_port'])}"
    return f"{server} (db {p['db']})"


def check_permitted(module, result):
    """A part the user may not run fails the module when the task needs it (a flush's count and delete, the write
    check); any other part is a warning that names what stays unknown. Never a silent empty result."""
    p = module.params
    needed = {"keyspace": p["flush"], "flush": p["flush"], "write_check": p["write_check"]}
    refused = [r for r in result["not_permitted"] if needed.get(r["part"])]
    if refused:
        user = result.get("user") or p["login_user"] or "default"
        parts = [r["part"] for r in refused]
        module.fail_json(
            msg=f"{where(p, result)}: the user {user} may not run what this probe was asked to do: "
            + "; ".join(f"{r['part']} needs {redis_probe.commands_text(r['part'])} ({r['message']})" for r in refused)
            + f". Grant them ({redis_probe.acl_grant(user, parts)}, with a key pattern that covers the keys) or "
            "probe as a user that has them" + ("; nothing was deleted" if "keyspace" in parts and p["flush"] else ""),
            **result,
        )


def check_flushed(module, result):
    """A flush succeeds only when nothing it was to delete is left (counted again after deleting)."""
    left = (result["keyspace"] or {}).get("matched_after_flush")
    if module.params["flush"] and not module.check_mode and left:
        module.fail_json(
            msg=f"{where(module.params, result)}: {left} {result['keyspace'].get('scope') or 'matching keys'} are "
            "still there "
            f"after the flush deleted {result['flushed']}: something writes them as fast as they go, or a command "
            "was refused on some of them; run it again once LiteLLM is switched to local",
            **result,
        )


if __name__ == "__main__":
    main()
