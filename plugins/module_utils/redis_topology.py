# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Look at a Redis Sentinel or a Redis Cluster the way LiteLLM will use it, with redis_probe.py's checks.

Sentinel: ask every sentinel which master it names for the service, how many sentinels it knows and the quorum;
then probe the elected master as a single server, and read its replicas and their lag from the master's own
INFO replication. Cluster: read CLUSTER INFO and CLUSTER NODES from the first node that answers, probe every master
that owns slots as a single server (in parallel threads), and sum what the shards hold. A scoped flush runs SCAN +
UNLINK on every master at once, never on one shard only.

Like redis_probe.py this imports only the standard library, redis-py and the collection's container-safe
module_utils, so redis_cache_probe's ``from_container`` runs these very sources inside the LiteLLM container.
Nodes arrive as [host, port] pairs (redis_connection.parse_node made them on the controller's side).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.erni_ki.litellm.plugins.module_utils.deps import available, declare
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import mask_text

# names, not the module: inside the container only the modules themselves are registered, not their packages
from ansible_collections.erni_ki.litellm.plugins.module_utils.redis_probe import (
    PART_COMMANDS,
    acl_grant,
    acl_user,
    classify_error,
    commands_text,
    empty_result,
    make_client,
    probe_part,
    resolve_url,
    run_probe,
    scope_pattern,
)

with declare("redis"):
    from redis import exceptions as redis_exc
    from redis.crc import key_slot
if not available("redis"):  # pragma: no cover - the module reports it (deps.validate)
    redis_exc = None
    key_slot = None

GLOB = set("*?[]\\")


def _addr(host, port):
    return f"{host}:{port}"


def _host_port(addr):
    """The connection options of one node, from its "host:port"."""
    host, _sep, port = addr.rpartition(":")
    return {"login_host": host, "login_port": int(port), "login_unix_socket": None}


def _client(conn, addr, **overrides):
    """A client of the node at ``addr``, with the connection's user, TLS and timeouts unless ``overrides`` say
    otherwise."""
    return make_client(dict(conn, **_host_port(addr), **overrides))


def _error(exc, secrets):
    kind, message = classify_error(exc)
    return {"kind": kind, "message": mask_text(message, secrets)}


def _as_text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _fields(raw):
    """A reply of field/value pairs as a dict of text (redis-py parses some replies already, by version)."""
    if isinstance(raw, dict):
        return {_as_text(k): _as_text(v) for k, v in raw.items()}
    return dict(zip(map(_as_text, raw[::2]), map(_as_text, raw[1::2])))


def replication(client):
    """The replicas a master reports (INFO replication): address, state, lag in seconds and in bytes of stream."""
    info = client.info("replication")
    offset = int(info.get("master_repl_offset") or 0)
    replicas = []
    for i in range(int(info.get("connected_slaves") or 0)):
        entry = info.get(f"slave{i}")
        if isinstance(entry, str):  # very old redis-py: "ip=...,port=..."
            entry = dict(part.split("=", 1) for part in entry.split(","))
        if not entry:
            continue
        replicas.append(
            {
                "addr": _addr(entry.get("ip"), entry.get("port")),
                "state": entry.get("state"),
                "lag_s": int(entry.get("lag") or 0),
                "behind_bytes": max(0, offset - int(entry.get("offset") or 0)),
            }
        )
    return replicas


def _replicas_of(conn, addr, result):
    """replication() of a master that answered a moment ago. It may be gone now (a failover): then none, and why in
    ``result``'s warnings. None when the user may not run INFO (``not_permitted`` says so): unknown, not "none"."""
    client = None
    try:
        client = _client(conn, addr)
        return probe_part(result, "replicas", lambda: replication(client))
    except (redis_exc.RedisError, OSError) as exc:
        err = _error(exc, [conn.get("login_password"), conn.get("sentinel_password")])
        result["warnings"].append(f"{addr}: its replicas could not be read: {err['kind']}: {err['message']}")
        return []
    finally:
        if client is not None:
            client.close()


def _health(available, problems, replicas_unknown):
    """A topology's health: False with a problem, None (unknown) when the replicas could not be read, else True."""
    if not available or problems:
        return False
    return None if replicas_unknown else True


# ------------------------------------------------------------------------------------------ sentinel


def sentinel_view(conn):
    """What the sentinels say: every sentinel's answer, the master they elect, the quorum and whether it holds."""
    service = conn.get("service_name")
    password = conn.get("sentinel_password")
    secrets = [password, conn.get("login_password")]
    answers = []
    for host, port in conn.get("sentinel_nodes") or ():
        entry = {"addr": _addr(host, port), "ok": False, "master": None, "error": None}
        client = None
        try:
            # the sentinels' own password (none: they ask for none); no ACL user, db 0
            client = _client(conn, entry["addr"], login_password=password or None, login_user=None, db=0)
            found = client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", service)
            raw = client.execute_command("SENTINEL", "MASTER", service)
            fields = _fields(raw)
            entry.update(
                ok=True,
                master=_addr(_as_text(found[0]), _as_text(found[1])) if found else None,
                quorum=int(fields.get("quorum") or 0),
                other_sentinels=int(fields.get("num-other-sentinels") or 0),
                flags=fields.get("flags"),
            )
        except (redis_exc.RedisError, OSError) as exc:
            entry["error"] = _error(exc, secrets)
        finally:
            if client is not None:
                client.close()
        answers.append(entry)
    reachable = [a for a in answers if a["ok"]]
    named = sorted({a["master"] for a in reachable if a["master"]})
    quorum = max((a.get("quorum") or 0 for a in reachable), default=0)
    return {
        "kind": "sentinel",
        "service_name": service,
        "sentinels": answers,
        "sentinels_reachable": len(reachable),
        "quorum": quorum,
        "quorum_reachable": bool(reachable) and len(reachable) >= quorum,
        "master": named[0] if len(named) == 1 else None,
        "masters_named": named,
        "agreed": len(named) == 1 and all(a["master"] == named[0] for a in reachable),
        "replicas": [],
    }


def _probe_sentinel(conn, opts, check_mode):
    view = sentinel_view(conn)
    if view["master"] is None:
        result = empty_result(conn)
        why = (
            f"the sentinels name different masters for {view['service_name']}: {', '.join(view['masters_named'])}"
            if view["masters_named"]
            else f"no sentinel names a master for {view['service_name']!r}"
        )
        errors = [
            f"{a['addr']}: {a['error']['kind']}: {a['error']['message']}" for a in view["sentinels"] if a["error"]
        ]
        result["error"] = {"kind": "no_master", "message": "; ".join([why] + errors)}
    else:
        result = run_probe(dict(conn, **_host_port(view["master"])), opts, check_mode)
        if result["is_available"]:
            view["replicas"] = _replicas_of(conn, view["master"], result)
    problems = []
    if not view["agreed"]:
        problems.append("the sentinels do not agree on the master")
    if not view["quorum_reachable"]:
        problems.append(f"{view['sentinels_reachable']} sentinels answer, fewer than the quorum {view['quorum']}")
    if (
        result["is_available"]
        and view["replicas"] is not None
        and not any(r["state"] == "online" for r in view["replicas"])
    ):
        problems.append("the master has no replica online: a failover has nowhere to go")
    view["healthy"] = _health(result["is_available"], problems, view["replicas"] is None)
    result["warnings"].extend(f"Redis Sentinel {view['service_name']}: {p}" for p in problems)
    result["topology"] = view
    return result


# ------------------------------------------------------------------------------------------ cluster


def parse_cluster_nodes(text):
    """CLUSTER NODES, line by line: [{id, addr, flags, master_id, link, slots: [[first, last], ...]}]."""
    nodes = []
    for line in _as_text(text).splitlines():
        parts = line.split()
        if len(parts) < 8:
            continue
        slots = []
        for token in parts[8:]:
            if token.startswith("["):
                continue  # a slot being migrated or imported
            first, _sep, last = token.partition("-")
            slots.append([int(first), int(last or first)])
        nodes.append(
            {
                "id": parts[0],
                "addr": parts[1].split("@", 1)[0],
                "flags": parts[2].split(","),
                "master_id": None if parts[3] == "-" else parts[3],
                "link": parts[7],
                "slots": slots,
            }
        )
    return nodes


def cluster_view(conn):
    """CLUSTER INFO and CLUSTER NODES from the first node that answers, with every node's error on the way."""
    secrets = [conn.get("login_password")]
    errors = []
    for host, port in conn.get("cluster_nodes") or ():
        client = None
        try:
            client = _client(conn, _addr(host, port))
            info_text = _as_text(client.execute_command("CLUSTER", "INFO"))
            info = dict(line.split(":", 1) for line in info_text.splitlines() if ":" in line)
            nodes = parse_cluster_nodes(client.execute_command("CLUSTER", "NODES"))
            return {
                "kind": "cluster",
                "asked": _addr(host, port),
                "cluster_state": info.get("cluster_state"),
                "slots_assigned": int(info.get("cluster_slots_assigned") or 0),
                "slots_ok": int(info.get("cluster_slots_ok") or 0),
                "slots_fail": int(info.get("cluster_slots_fail") or 0) + int(info.get("cluster_slots_pfail") or 0),
                "known_nodes": int(info.get("cluster_known_nodes") or 0),
                "nodes": nodes,
                "errors": errors,
            }
        except redis_exc.NoPermissionError as exc:
            # every node has the same users: asking the next one would only be refused again
            return {"kind": "cluster", "cluster_state": None, "nodes": [], "errors": errors, "not_permitted": str(exc)}
        except (redis_exc.RedisError, OSError) as exc:
            err = _error(exc, secrets)
            errors.append(f"{_addr(host, port)}: {err['kind']}: {err['message']}")
        finally:
            if client is not None:
                client.close()
    return {"kind": "cluster", "cluster_state": None, "nodes": [], "errors": errors}


def _tag_in(slots):
    """A hash tag whose slot is one of ``slots``, so that the write check's key lives on that master."""
    if key_slot is None:
        return None
    for n in range(100000):
        slot = key_slot(f"erni_ki:{n}".encode())
        if any(a <= slot <= b for a, b in slots):
            return f"erni_ki:{n}"
    return None


def _slot_owner(masters, pattern):
    """The master that owns a literal key's slot (None for a glob pattern or without redis-py's key_slot)."""
    if not pattern or key_slot is None or GLOB & set(pattern.replace("\\", "")):
        return None
    slot = key_slot(pattern.encode("utf-8"))
    return next((m["addr"] for m in masters if any(a <= slot <= b for a, b in m["slots"])), None)


def _probe_cluster(conn, opts, check_mode):
    view = cluster_view(conn)
    masters = sorted(
        (
            n
            for n in view["nodes"]
            if "master" in n["flags"] and n["slots"] and not ({"fail", "noaddr"} & set(n["flags"]))
        ),
        key=lambda n: n["slots"][0],
    )
    if view.get("not_permitted"):
        # without CLUSTER INFO and NODES the probe cannot find the masters: unusable for it, and the grant named
        result = empty_result(conn)
        user = acl_user(conn)
        result["not_permitted"].append(
            {"part": "cluster", "commands": list(PART_COMMANDS["cluster"]), "message": view["not_permitted"]}
        )
        result["error"] = {
            "kind": "not_permitted",
            "message": f"the user {user} may not run {commands_text('cluster')}, which tell the probe the cluster's "
            f"masters ({view.pop('not_permitted')}): {acl_grant(user, ['cluster'])}, or probe as a user that may",
        }
        view["healthy"] = False
        result["topology"] = view
        return result
    if not masters:
        result = empty_result(conn)
        result["error"] = {"kind": "cluster_down", "message": "; ".join(view["errors"]) or "no master owns slots"}
        view["healthy"] = False
        result["topology"] = view
        return result
    covered = sum(b - a + 1 for m in masters for a, b in m["slots"])

    def probe_master(m):
        shard = run_probe(
            dict(conn, **_host_port(m["addr"])),
            dict(opts, per_key_unlink=True, write_check_tag=_tag_in(m["slots"])),
            check_mode,
        )
        if shard["is_available"]:
            m["replicas"] = _replicas_of(conn, m["addr"], shard)
        return shard

    # every master at once: a flush of N shards takes as long as the largest, not the sum
    with ThreadPoolExecutor(max_workers=len(masters)) as pool:
        shards = list(pool.map(probe_master, masters))
    result = _merge(conn, masters, shards)
    pattern = scope_pattern(opts.get("namespace"), opts.get("key_pattern"))
    owner = _slot_owner(masters, pattern)
    if owner:
        result["keyspace"]["slot_owner"] = owner
    result["keyspace"]["found_on"] = [
        m["addr"] for m, s in zip(masters, shards) if (s.get("keyspace") or {}).get("matched")
    ]
    view.update(
        masters=[
            {
                "addr": m["addr"],
                "slots": m["slots"],
                "available": s["is_available"],
                "error": s["error"],
                "latency_ms": s["latency_ms"],
                "used_memory": s["server"].get("used_memory"),
                "dbsize": (s.get("keyspace") or {}).get("dbsize"),
                "matched": (s.get("keyspace") or {}).get("matched"),
                "flushed": s["flushed"],
                "would_flush": s["would_flush"],
                "replicas": m.get("replicas", []),
            }
            for m, s in zip(masters, shards)
        ],
        slots_covered=covered,
    )
    del view["nodes"]
    problems = []
    if view["cluster_state"] != "ok":
        problems.append(f"cluster_state is {view['cluster_state']}: LiteLLM's cache calls on the uncovered slots fail")
    if covered < 16384:
        problems.append(f"the masters that answer own {covered} of 16384 slots")
    if any(m["replicas"] == [] for m in view["masters"] if m["available"]):
        problems.append("a master has no replica: its shard cannot fail over")
    unknown = any(m["replicas"] is None for m in view["masters"] if m["available"])
    view["healthy"] = _health(result["is_available"], problems, unknown)
    result["warnings"].extend(f"Redis Cluster: {p}" for p in problems)
    if view["cluster_state"] != "ok":
        if result["is_available"]:
            result["is_available"] = False
            result["error"] = {"kind": "cluster_down", "message": f"cluster_state is {view['cluster_state']}"}
    result["topology"] = view
    return result


def _merge(conn, masters, shards):
    """One result for the whole cluster: sums of keys, memory, clients and flushes; latency over every master."""
    result = empty_result(conn)
    up = [s for s in shards if s["is_available"]]
    result["is_available"] = len(up) == len(shards)
    # the first master that is down, else the first whose result was cut short (it answered PING, then failed: a
    # failover under way)
    failed = sorted(((m, s) for m, s in zip(masters, shards) if s["error"]), key=lambda ms: ms[1]["is_available"])
    if failed:
        m, s = failed[0]
        result["error"] = {"kind": s["error"]["kind"], "message": f"master {m['addr']}: {s['error']['message']}"}
    if not up:
        return result
    # a part some master would not let the user run: once per part, from the first master that refused it
    for s in up:
        for refusal in s.get("not_permitted") or []:
            if refusal["part"] not in {r["part"] for r in result["not_permitted"]}:
                result["not_permitted"].append(refusal)
    first = up[0]
    result["server"] = dict(
        first["server"],
        used_memory=sum(s["server"].get("used_memory") or 0 for s in up),
        connected_clients=sum(s["server"].get("connected_clients") or 0 for s in up),
        evicted_keys=sum(s["server"].get("evicted_keys") or 0 for s in up),
    )
    timed = [s for s in up if s["latency_ms"]]
    if timed:
        worst = max(timed, key=lambda s: s["latency_ms"].get("max") or 0)
        result["latency_ms"] = dict(worst["latency_ms"], samples=sum(s["latency_ms"].get("samples", 0) for s in timed))
        result["latency_budget"] = {
            "ms": worst["latency_budget"]["ms"],
            "stalls": sum(s["latency_budget"]["stalls"] for s in timed),
            "exceeded": any(s["latency_budget"]["exceeded"] for s in timed),
        }
    lists = [c for s in up for c in (s["clients"].get("list") or [])]
    result["clients"] = {
        "total": sum(s["clients"].get("total") or 0 for s in up),
        "matched": sum(s["clients"].get("matched") or 0 for s in up),
        "list": lists,
    }
    # a master whose result was cut short: use what it has
    spaces = [s.get("keyspace") or {} for s in up]
    samples = [k["ttl_sample"] for k in spaces if k.get("ttl_sample")]
    result["keyspace"] = {
        "dbsize": sum(k.get("dbsize") or 0 for k in spaces),
        "pattern": next((k["pattern"] for k in spaces if "pattern" in k), None),
        "matched": sum(k.get("matched") or 0 for k in spaces),
        "ttl_sample": next((t for t in samples if t.get("sampled")), samples[0] if samples else {}),
    }
    scope = next((k["scope"] for k in spaces if "scope" in k), None)
    if scope:
        result["keyspace"]["scope"] = scope
    for total in ("other_keys", "matched_after_flush"):
        if any(total in k for k in spaces):
            result["keyspace"][total] = sum(k.get(total) or 0 for k in spaces)
    result["flushed"] = sum(s["flushed"] for s in up)
    result["would_flush"] = sum(s["would_flush"] for s in up)
    checks = [s["write_check"] for s in up if s["write_check"] is not None]
    if checks:
        result["write_check"] = next((c for c in checks if not c["ok"]), checks[0])
    for m, s in zip(masters, shards):
        for f in s["findings"]:
            result["findings"].append(dict(f, message=f"{m['addr']}: {f['message']}"))
        result["warnings"].extend(f"{m['addr']}: {w}" for w in s["warnings"])
    return result


# ------------------------------------------------------------------------------------------ entry point


def probe(conn, opts, check_mode=False, in_container=False):
    """redis_probe.run_probe for the topology in ``conn`` (standalone, sentinel, cluster), with ``topology``.
    ``in_container``: run inside the LiteLLM container, where login_url_env is read from its processes."""
    try:
        conn = resolve_url(conn, processes=in_container)
    except LookupError as exc:
        result = empty_result(conn)
        result["error"] = {"kind": "config", "message": str(exc)}
        result["topology"] = {"kind": "standalone", "healthy": False}
        return result
    topology = conn.get("topology") or "standalone"
    if topology == "sentinel":
        return _probe_sentinel(conn, opts, check_mode)
    if topology == "cluster":
        return _probe_cluster(conn, opts, check_mode)
    result = run_probe(conn, opts, check_mode)
    result["topology"] = {"kind": "standalone", "healthy": result["is_available"]}
    return result
