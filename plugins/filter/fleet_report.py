# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's reading of the status rows: one verdict per instance, failing first, grouped, in human units.

The templates (roles/litellm_cache/templates/report.*.j2) only lay out what this returns; what makes an instance
failing or a warning is decided here, once, and tested in tests/unit/plugins/filter/test_fleet_report.py.
"""

from __future__ import annotations

import re
import time

from ansible.module_utils.common.text.formatters import bytes_to_human

from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_knowledge import mode_advice

VERDICTS = ("failing", "warning", "ok")  # the order the report shows them in

# every field of a status row (roles/litellm_cache/tasks/status.yml) the templates read, with its value when the row
# has none (a row of an older run, or one a test made)
ROW_DEFAULTS = dict.fromkeys(
    (
        "version",
        "config_mode",
        "running_cache",
        "readiness",
        "redis_available",
        "redis_error",
        "redis_target",
        "redis_topology",
        "gate",
        "gate_allowed",
        "topology_healthy",
        "latency_p50_ms",
        "latency_p99_ms",
        "socket_timeout",
        "key_count",
        "used_memory",
        "maxmemory",
        "evicted_keys",
        "backup",
        "hit_latency",
        "hit_latency_error",
    )
) | {"redis": "not used", "findings": [], "gate_blocked_by": [], "redis_not_permitted": []}


def verdict_of(row):
    """(verdict, reasons): ``failing`` when the instance does not serve the cache its config names, ``warning``
    when it does but something needs a look, ``ok`` otherwise. The first reason is the headline."""
    failing, warning = [], []
    if row.get("readiness") != "healthy":
        failing.append(f"readiness {row.get('readiness') or 'unknown'}")
    expected = None if row.get("config_mode") == "disabled" else row.get("config_mode")
    if row.get("running_cache") != expected:
        failing.append(
            f"the config says {row.get('config_mode')}, the proxy runs {row.get('running_cache') or 'no cache'}"
            " (not restarted since the config changed?)"
        )
    if row.get("redis_available") is False:
        failing.append(f"Redis down ({row.get('redis_error') or 'unavailable'})")
    elif row.get("redis_error"):
        warning.append(f"the Redis probe could not finish ({row['redis_error']})")
    if row.get("gate_allowed") is False:
        failing.append("the gate refuses Redis on this release: " + ", ".join(row.get("gate_blocked_by") or []))
    if row.get("topology_healthy") is False:
        failing.append("Redis topology not healthy")
    elif row.get("redis_available") and row.get("topology_healthy") is None:
        warning.append("Redis topology health unknown")
    for finding in row.get("findings") or []:
        into = {"error": failing, "warning": warning}.get(finding.get("severity"))
        if into is not None:
            into.append(f"{finding['id']}: {finding.get('title') or finding.get('message') or ''}".rstrip(": "))
    if row.get("redis_not_permitted"):
        warning.append("not permitted to the Redis user: " + ", ".join(row["redis_not_permitted"]))
    warning.extend(_hit_warnings(row))
    if failing:
        return "failing", failing + warning
    return ("warning", warning) if warning else ("ok", [])


def _hit_warnings(row):
    hits = row.get("hit_latency")
    if row.get("hit_latency_error"):
        return [f"hit latency not measured: {row['hit_latency_error']}"]
    if not hits:
        return []
    found = []
    if hits.get("hits", 0) < hits.get("requests", 0):
        found.append(f"the cache answered {hits['hits']} of {hits['requests']} repeated requests")
    cross = hits.get("cross")
    if cross and cross.get("hits", 0) < cross.get("requests", 0):
        found.append(
            f"only {cross['hits']} of {cross['requests']} requests {cross['from']} sent first were hits here: "
            "the cache is not shared"
        )
    return found


def redis_where(target):
    """The Redis a cache uses (the status row's ``redis_target``), in one line; passwords are masked before they reach
    a row. Instances with the same line share one cache."""
    if not target:
        return None
    kind = target.get("kind") or "standalone"
    if target.get("url"):
        where = target["url"]
    elif kind == "sentinel":
        where = f"sentinel {target.get('service_name')} ({', '.join(target.get('nodes') or [])})"
    elif kind == "cluster":
        where = f"cluster ({', '.join(target.get('nodes') or [])})"
    else:
        where = f"{target.get('host')}:{target.get('port')}"
    if kind != "cluster" and not target.get("url"):
        where += f" db {target.get('db', 0)}"
    if target.get("namespace"):
        where += f", namespace {target['namespace']}"
    return where


def age_text(seconds):
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def memory_text(row):
    used, limit = row.get("used_memory"), row.get("maxmemory")
    if used is None:
        return None
    if not limit:
        return f"{bytes_to_human(used)} (no limit)"
    return f"{bytes_to_human(used)} of {bytes_to_human(limit)} ({100.0 * used / limit:.0f} %)"


def anchor(*parts):
    return re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(str(p) for p in parts)).strip("-").lower()


def instance(row, now):
    row = dict(ROW_DEFAULTS, **row)
    verdict, reasons = verdict_of(row)
    backup = row.get("backup")
    return dict(
        row,
        verdict=verdict,
        reasons=reasons,
        anchor=anchor("instance", row["host"]),
        redis_where=redis_where(row.get("redis_target")),
        memory_text=memory_text(row),
        backup_text=f"{backup['name']}, {age_text(now - backup['mtime'])}" if backup else None,
        findings=[dict(f, anchor=anchor("finding", row["host"], f["id"])) for f in row.get("findings") or []],
    )


def fleet_report(rows, now=None):
    """Everything the report shows: the instances (failing first, then warning, then ok; by release, Redis and name
    inside), the counts, the groups (verdict > release and Redis), and the knowledge base's advice on the mode."""
    now = time.time() if now is None else float(now)
    order = {v: i for i, v in enumerate(VERDICTS)}
    instances = sorted(
        (instance(r, now) for r in rows),
        key=lambda i: (order[i["verdict"]], _release_key(i.get("version")), i["redis_where"] or "", i["host"]),
    )
    groups = []
    for verdict in VERDICTS:
        members = [i for i in instances if i["verdict"] == verdict]
        if not members:
            continue
        sub = {}
        for i in members:
            sub.setdefault((i.get("version"), i["redis_where"]), []).append(i)
        groups.append(
            {
                "verdict": verdict,
                "instances": members,
                "groups": [
                    {"release": release, "redis": redis, "instances": these} for (release, redis), these in sub.items()
                ],
            }
        )
    return {
        "instances": instances,
        "counts": {v: sum(1 for i in instances if i["verdict"] == v) for v in VERDICTS},
        "groups": groups,
        "by_release": _count(instances, "version"),
        "by_cache": _count(instances, "running_cache"),
        "by_redis": _count(instances, "redis_where"),
        "advice": mode_advice(
            [{"host": i["host"], "cache": i.get("running_cache"), "redis": i["redis_where"]} for i in instances]
        ),
        "hits_measured": any(i.get("hit_latency") for i in instances),
        "hits_max_p50": max(_p50s(instances), default=None),
    }


def _p50s(instances):
    """Every measured p50 (miss, hit, cross-instance hit): the scale of the report's bars."""
    for i in instances:
        h = i.get("hit_latency") or {}
        for pair in (h.get("miss_ms"), h.get("hit_ms"), (h.get("cross") or {}).get("hit_ms")):
            if pair and pair.get("p50") is not None:
                yield pair["p50"]


def _release_key(version):
    """1.80.11 before 1.108.7 (numbers, not text); an unknown version last."""
    numbers = [int(n) for n in re.findall(r"\d+", version or "")]
    return (not numbers, numbers)


def _count(instances, field):
    counts = {}
    for i in instances:
        name = i.get(field) or "none"
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


class FilterModule:
    def filters(self):
        return {"fleet_report": fleet_report, "redis_where": redis_where}
