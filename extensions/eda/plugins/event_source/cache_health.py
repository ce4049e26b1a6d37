# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""erni_ki.litellm.cache_health: an Event-Driven Ansible source that watches the Redis of every LiteLLM instance of
an inventory group and emits one event per instance per change of state.

Options (``args`` of the source in a rulebook):

  inventory:      path of the Ansible inventory (the playbooks' own; required)
  group:          the group of LiteLLM instances (default ``litellm_proxies``)
  interval:       seconds between two polls (default 2)
  hold:           seconds a state other than ``healthy`` lasts before its event says ``held: true`` (default 10)
  healthy_hold:   seconds ``healthy`` lasts after a bad state before its event says ``held: true`` (the guard's
                  opt-in return; default: never)
  socket_timeout: seconds; a PING slower than half of it is ``degraded`` (default 5, LiteLLM's default)

Each instance's Redis is read from its inventory variables as the litellm_cache role reads them (``litellm_cache_``
+ the setting's name: ``login_host``, ``login_port``, ``db`` or a literal ``login_url``; ``topology`` with
``sentinel_nodes``, ``service_name`` and ``sentinel_password_file``, or ``cluster_nodes``; ``login_user``,
``login_password_file``, ``tls``, ``ca_certs``) and reached with the probe's own settings (redis_cache_probe: no
retries, so one poll is one attempt): one server, the master the sentinels name (asked again for every new
connection, so a failover is followed), or the cluster (the key's shard). A URL built inside the container
(``litellm_cache_login_url: os.environ/NAME``, as an entrypoint builds REDIS_URL from a Docker secret) is read from
the LiteLLM process of the instance's container (``litellm_cache_container``, or ``litellm_cache_compose_project``
and ``_compose_service``; the engine at ``litellm_cache_docker_host``), as redis_cache_probe's ``login_url_env``
reads it there, when the source first polls and again after a poll that failed (the entrypoint may build another
one when the container restarts); the URL's host must be reachable from where the source runs. Each poll sends one PING
and one SET with a one-second TTL of the key ``[<litellm_cache_namespace>:]erni_ki:guard:<instance>`` (a full or
read-only Redis refuses it; under the namespace, a user limited to LiteLLM's keys may write it): two commands per
instance. Secrets are read from the files, never put into an event: a reason names the kind of failure (``refused``,
``timeout``, ``auth``, ``tls``, ...) and the reply's code (``OOM``, ``READONLY``, ``NOPERM``), never its text.

Where the instance's release has LiteLLM's own Redis circuit breaker (the knowledge base's LITELLM-FACT-007: it
stops calling a dead Redis and tries it again after a recovery time), a ``down`` state is held that long at least
(a Redis back within it needs no restart), and its events say so (``policy``); the release is read from LiteLLM's
readiness when Redis goes down.

A held event also says which cache the instance runs now (``cache``: ``redis``, ``local``, ... or ``null`` when the
proxy does not answer), read from LiteLLM's readiness (``litellm_cache_url``; with the master key of
``litellm_cache_master_key_file`` on releases that moved it behind the key): the guard rolls back only an instance
that is not already on local (one an operator or the guard put there), and returns only one that is.

An event: ``{"instance", "redis", "state": healthy|degraded|down, "reasons": [...], "since", "held", "cache",
"policy", "meta": {"hosts": instance}}``; ``meta.hosts`` limits a rulebook's ``run_playbook`` to that instance.
"""

from __future__ import annotations

import asyncio
import datetime
import sys
import time

HEALTHY, DEGRADED, DOWN = "healthy", "degraded", "down"


class Watch:
    """The state of one instance's Redis over time: which poll results make an event (pure logic)."""

    def __init__(self, instance, redis, hold, healthy_hold=None):
        self.instance = instance
        self.redis = redis
        self.hold = hold
        self.healthy_hold = healthy_hold
        # LiteLLM's own circuit breaker on the instance's release (the knowledge base's; set when Redis goes down)
        self.breaker = None
        self.state = None
        self.since = None
        self.reasons = []
        self.held_sent = False
        self.recovered = False  # healthy after a bad state (not healthy since the first poll)

    def observe(self, state, reasons, now):
        """The events one poll's result makes: on a change of state, and once when a state other than healthy has
        lasted ``hold`` seconds, or healthy after a bad state has lasted ``healthy_hold`` seconds."""
        events = []
        if state != self.state:
            self.recovered = state == HEALTHY and self.state not in (None, HEALTHY)
            self.state, self.since, self.reasons, self.held_sent = state, now, reasons, False
            events.append(self.event(held=False))
        elif not self.held_sent and now - self.since >= self._hold():
            self.held_sent = True
            self.reasons = reasons
            events.append(self.event(held=True))
        return events

    def _hold(self):
        if self.state == DOWN and self.breaker:
            # the release stops calling a dead Redis by itself and tries it again after recovery_s: a Redis back
            # within that time needs no restart, so the guard waits that long before it acts
            return max(self.hold, self.breaker["recovery_s"])
        if self.state != HEALTHY:
            return self.hold
        return self.healthy_hold if self.recovered and self.healthy_hold is not None else float("inf")

    def policy(self):
        """Why the hold of this state is what it is, when it is not the configured one."""
        if self.state == DOWN and self.breaker and self.breaker["recovery_s"] > self.hold:
            return (
                f"hold {self.breaker['recovery_s']:g} s, not {self.hold:g} s: this release's circuit breaker "
                f"({self.breaker['fact']}) stops using a dead Redis after {self.breaker['failures']} failures and "
                f"tries it again after {self.breaker['recovery_s']:g} s"
            )
        return None

    def event(self, held):
        since = datetime.datetime.fromtimestamp(self.since, datetime.timezone.utc).isoformat(timespec="seconds")
        return {
            "instance": self.instance,
            "redis": self.redis,
            "state": self.state,
            "reasons": list(self.reasons),
            "since": since,
            "held": held,
            "cache": None,
            "policy": self.policy(),
            "meta": {"hosts": self.instance},
        }


def classify(ping_ms, error, write_error, socket_timeout):
    """(state, reasons) of one poll."""
    if error is not None:
        return DOWN, [error]
    reasons = []
    if ping_ms is not None and ping_ms > socket_timeout * 1000 / 2:
        reasons.append(f"slow: PING took {ping_ms:.0f} ms, more than half of socket_timeout {socket_timeout} s")
    if write_error:
        reasons.append(f"writes refused: {write_error}")
    return (DEGRADED, reasons) if reasons else (HEALTHY, [])


def _read(path):
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def instances(inventory, group):
    """[Target] of the group's hosts, from their inventory variables."""
    from ansible.inventory.manager import InventoryManager  # noqa: PLC0415
    from ansible.parsing.dataloader import DataLoader  # noqa: PLC0415
    from ansible.vars.manager import VariableManager  # noqa: PLC0415

    loader = DataLoader()
    manager = InventoryManager(loader=loader, sources=[inventory])
    variables = VariableManager(loader=loader, inventory=manager)
    return [
        Target(host.name, connection(hv), hv.get("litellm_cache_url"), hv.get("litellm_cache_master_key_file"))
        for host, hv in ((host, variables.get_vars(host=host)) for host in manager.get_hosts(group))
    ]


def connection(hv):
    """The probe's connection options from one host's role variables (``litellm_cache_`` + the option's name in
    redis_settings.py): a standalone Redis by host and port or by a literal ``litellm_cache_login_url``, a Sentinel
    setup by its sentinels and service, a Cluster by its nodes; the passwords from their files."""
    settings = _collection_module("redis_settings")
    parse_node = _collection_module("redis_connection").parse_node
    given = {s.option: hv.get("litellm_cache_" + s.option) for s in settings.probe_settings()}
    url = given["login_url"] or None
    conn = {
        "topology": given["topology"] or "standalone",
        "login_user": given["login_user"] or None,
        "login_password": _read(given["login_password_file"]) or given["login_password"],
        "tls": bool(given["tls"]),
        "ca_certs": given["ca_certs"] or None,
        "db": int(given["db"] or 0),
        "key": guard_key(hv.get("litellm_cache_namespace") or None, hv.get("inventory_hostname")),
    }
    scheme = "rediss" if conn["tls"] else "redis"
    if url and str(url).startswith("os.environ/"):
        return dict(conn, login_url_env=str(url)[len("os.environ/") :], **_built_in(hv, str(url)))
    if url:
        return dict(conn, login_url=url, label=_collection_module("masking").mask_url_credentials(url))
    if conn["topology"] == "sentinel":
        nodes = [parse_node(n) for n in given["sentinel_nodes"] or ()]
        if not (nodes and given["service_name"]):
            raise ValueError("litellm_cache_topology sentinel needs litellm_cache_sentinel_nodes and _service_name")
        password = _read(given["sentinel_password_file"]) or given["sentinel_password"]
        label = f"sentinel {given['service_name']} at {','.join(f'{h}:{p}' for h, p in nodes)} db {conn['db']}"
        return dict(
            conn, sentinel_nodes=nodes, service_name=given["service_name"], sentinel_password=password, label=label
        )
    if conn["topology"] == "cluster":
        nodes = [parse_node(n) for n in given["cluster_nodes"] or ()]
        if not nodes:
            raise ValueError("litellm_cache_topology cluster needs litellm_cache_cluster_nodes")
        return dict(conn, cluster_nodes=nodes, db=0, label=f"cluster {','.join(f'{h}:{p}' for h, p in nodes)}")
    host, port = given["login_host"] or "localhost", int(given["login_port"] or 6379)
    return dict(conn, login_host=host, login_port=port, label=f"{scheme}://{host}:{port}/{conn['db']}")


def _built_in(hv, url):
    """Where a URL built inside the container is read: the container (by name, or its compose project and service)
    and the Docker engine; the label names the variable and the container, never the URL."""
    where = {
        "container": hv.get("litellm_cache_container") or None,
        "compose_project": hv.get("litellm_cache_compose_project") or None,
        "compose_service": hv.get("litellm_cache_compose_service") or None,
    }
    if not (where["container"] or (where["compose_project"] and where["compose_service"])):
        raise ValueError(
            f"litellm_cache_login_url {url}: the URL is built inside the container, and the source reads it there; "
            "name the container (litellm_cache_container, or litellm_cache_compose_project and _compose_service)"
        )
    named = where["container"] or f"{where['compose_project']}/{where['compose_service']}"
    return {
        "in_container": dict(where, docker_host=hv.get("litellm_cache_docker_host") or None),
        "label": f"{url} of {named}",
    }


def url_in_container(conn):
    """The URL login_url_env names, read in the LiteLLM process of the container in_container names, with the
    container's own Python (redis_probe.resolve_url, as redis_cache_probe's login_url_env). Raises LookupError
    saying what could not be found."""
    docker_common = _collection_module("docker_common")
    li = _collection_module("litellm_instance")
    at = conn["in_container"]
    name = conn["login_url_env"]
    shipped = [_collection_module(m) for m in ("masking", "deps", "stats", "redis_settings", "redis_probe")]
    try:
        client = docker_common.connect({"docker_host": at["docker_host"]})
        container = li.locate(client, at["container"], at["compose_project"], at["compose_service"])[0]
        read = docker_common.call_in_container(client, container, shipped, "resolve_url", {"login_url_env": name}, True)
    except (docker_common.DockerAccessError, docker_common.DockerException, li.InstanceError) as exc:
        # its last line: the error raised in the container (a traceback before it), or the engine's
        said = str(exc).strip().splitlines()[-1]
        raise LookupError(f"os.environ/{name} could not be read in the container: {said}") from None
    return read["login_url"]


def guard_key(namespace, instance):
    """The key each poll writes (one second): under LiteLLM's namespace when it has one."""
    return f"{namespace}:erni_ki:guard:{instance}" if namespace else f"erni_ki:guard:{instance}"


class Target:
    """One watched instance: its name, how to reach its Redis (the probe's options), and its proxy."""

    def __init__(self, name, conn, url, key_file):
        conn = dict(conn)
        self.name, self.label, self.key, self.url, self.key_file = (
            name,
            conn.pop("label"),
            conn.pop("key"),
            url,
            key_file,
        )
        self.conn = conn

    def readiness(self):
        """What the proxy's readiness says now (litellm_instance.readiness, with the master key when its file reads)."""
        try:
            key = _read(self.key_file)
        except OSError:
            key = None
        return _collection_module("litellm_instance").readiness(self.url, key=key)

    def running_cache(self):
        """The cache the proxy runs now (None when it does not answer)."""
        return self.readiness()["cache_type"]

    def circuit_breaker(self):
        """LiteLLM's circuit breaker on the release the proxy runs (the knowledge base's defaults; None when the
        release has none, or does not say which it is)."""
        version = self.readiness()["litellm_version"]
        try:
            parsed = _collection_module("litellm_version").LiteLLMVersion(version) if version else None
        except ValueError:
            parsed = None
        return _collection_module("litellm_knowledge").circuit_breaker(parsed)


def _collection_module(name):
    """A module_utils module of this collection: importable as ansible_collections.erni_ki.litellm... when the
    collection's root is on the path (ansible-rulebook does not put it there), else from the tree this file is in."""
    import importlib  # noqa: PLC0415
    import os  # noqa: PLC0415

    dotted = f"ansible_collections.erni_ki.litellm.plugins.module_utils.{name}"
    try:
        return importlib.import_module(dotted)
    except ImportError:
        root = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 7))
        if not os.path.isdir(os.path.join(root, "ansible_collections")):
            raise
        sys.path.append(root)
        return importlib.import_module(dotted)


def redis_client(conn, socket_timeout):
    """The client the source polls one instance's Redis with, the probe's own settings (no retries: one poll, one
    attempt; every command bounded by socket_timeout): one server; the master the sentinels name now (asked again
    for every new connection, so a failover is followed); or the cluster, made again after a failure (a cluster
    client reads the slots' owners when it is made)."""
    import redis  # noqa: PLC0415

    probe = _collection_module("redis_probe")
    conn = dict(conn, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout)
    topology = conn.get("topology") or "standalone"
    if conn.get("login_url_env"):  # read in the container when made, and again after a failure
        return Reconnecting(lambda: probe.make_client(dict(conn, login_url=url_in_container(conn))))
    if topology == "standalone":
        return probe.make_client(conn)
    kwargs = probe.session_kwargs(conn)
    if conn.get("tls"):
        kwargs.update(ssl=True, **probe.tls_kwargs(conn))
    if topology == "sentinel":
        from redis.sentinel import Sentinel  # noqa: PLC0415

        # the sentinels' own password (none: they ask for none), no ACL user
        asking = dict(probe.session_kwargs({**conn, "login_user": None}), password=conn["sentinel_password"])
        nodes = [tuple(n) for n in conn["sentinel_nodes"]]
        sentinels = Sentinel(nodes, sentinel_kwargs=asking, db=conn["db"], **kwargs)
        return sentinels.master_for(conn["service_name"])
    nodes = [redis.cluster.ClusterNode(host, port) for host, port in conn["cluster_nodes"]]
    return Reconnecting(lambda: redis.cluster.RedisCluster(startup_nodes=nodes, **kwargs))


class Reconnecting:
    """A client made before a poll needs it (ready) and made again after any failure."""

    def __init__(self, make):
        self.make, self.client = make, None

    def ready(self):
        """Make the client now, so that a poll's PING times the PING, not the reading of the cluster's slots."""
        import redis  # noqa: PLC0415

        if self.client is None:
            try:
                self.client = self.make()
            except (redis.exceptions.RedisError, redis.exceptions.RedisClusterException, OSError, LookupError):
                self.client = None
                raise

    def _call(self, name, *args, **kwargs):
        import redis  # noqa: PLC0415

        try:
            self.ready()
            return getattr(self.client, name)(*args, **kwargs)
        except (redis.exceptions.RedisError, redis.exceptions.RedisClusterException, OSError, LookupError):
            self.client = None
            raise

    def ping(self):
        return self._call("ping")

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)


def poll(client, key, socket_timeout):
    """One poll: (state, reasons)."""
    import redis  # noqa: PLC0415

    probe = _collection_module("redis_probe")
    try:
        if hasattr(client, "ready"):
            client.ready()  # a cluster client reads the slots when it is made: not part of the PING's time
        start = time.perf_counter()
        client.ping()
        ping_ms = (time.perf_counter() - start) * 1000
        write_error = None
        try:
            client.set(key, "1", ex=1)
        except redis.exceptions.NoPermissionError:
            write_error = "NOPERM"
        except redis.exceptions.ResponseError as exc:
            # OOM, READONLY, ...: the reply's code (redis-py keeps only the text after it), never the rest of it
            write_error = probe.reply_code(exc)
    except LookupError as exc:  # a URL built in the container that could not be read there: what was missing
        return classify(None, f"config: {exc}", None, socket_timeout)
    except (redis.exceptions.RedisError, redis.exceptions.RedisClusterException, OSError) as exc:
        # refused, timeout, auth, tls, dns, unreachable, error: the kind, never the text (it may name a user); a
        # cluster client that cannot be made (no node answers, slots not covered) is not a RedisError
        kind = probe.classify_error(exc)[0]
        if kind == "timeout":
            return classify(
                None, f"timeout: no answer within socket_timeout {socket_timeout:g} s", None, socket_timeout
            )
        return classify(None, f"{kind}: {type(exc).__name__}", None, socket_timeout)
    return classify(ping_ms, None, write_error, socket_timeout)


async def main(queue, args):
    interval = float(args.get("interval", 2))
    hold = float(args.get("hold", 10))
    healthy_hold = args.get("healthy_hold")
    healthy_hold = float(healthy_hold) if healthy_hold not in (None, "") else None
    socket_timeout = float(args.get("socket_timeout", 5))
    watched = []
    for target in instances(args["inventory"], args.get("group", "litellm_proxies")):
        client = redis_client(target.conn, socket_timeout)
        watched.append((client, target, Watch(target.name, target.label, hold, healthy_hold)))
    loop = asyncio.get_running_loop()

    async def one(client, target, watch, now):
        state, reasons = await loop.run_in_executor(None, poll, client, target.key, socket_timeout)
        if state == DOWN and watch.state != DOWN:  # the release may have changed since the last outage
            watch.breaker = await loop.run_in_executor(None, target.circuit_breaker)
        for event in watch.observe(state, reasons, now):
            if event["held"]:  # what the rulebook acts on: which cache the instance runs now
                event["cache"] = await loop.run_in_executor(None, target.running_cache)
            await queue.put(event)

    # every instance at once (a stalled Redis costs one socket_timeout, not one per instance), on a fixed cadence:
    # a poll every ``interval`` seconds from the first, so a state is held exactly ``hold`` seconds after the poll
    # that saw it first (polls that overran are not made up for)
    tick = loop.time()
    while True:
        now = time.time()
        await asyncio.gather(*(one(client, target, watch, now) for client, target, watch in watched))
        tick += interval
        tick = max(tick, loop.time())
        await asyncio.sleep(tick - loop.time())


if __name__ == "__main__":  # pragma: no cover - by hand: python cache_health.py INVENTORY

    class _Print:
        async def put(self, event):
            print(event, flush=True)

    asyncio.run(main(_Print(), {"inventory": sys.argv[1], "interval": 1, "hold": 5, "healthy_hold": 10}))
