# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""erni_ki.litellm.cache_health: an Event-Driven Ansible source that watches the Redis of every LiteLLM instance of
an inventory group and emits one event per instance per change of state.

Options (``args`` of the source in a rulebook):

  inventory:      path of the Ansible inventory (the playbooks' own; required)
  group:          the group of LiteLLM instances (default ``litellm_proxies``)
  interval:       seconds between two polls (default 2)
  hold:           seconds a state other than ``healthy`` lasts before its event says ``held: true`` (default 10)
  socket_timeout: seconds; a PING slower than half of it is ``degraded`` (default 5, LiteLLM's default)

Each instance's Redis is read from its inventory variables as the litellm_cache role reads them
(``litellm_cache_redis_host``, ``_port``, ``_db``, ``_user``, ``_password_file``). Each poll sends one PING and one
SET with a one-second TTL of the key ``erni_ki:guard:<instance>`` (a full or read-only Redis refuses it): two
commands per instance. Secrets are read from the files, never put into an event.

An event: ``{"instance", "redis", "state": healthy|degraded|down, "reasons": [...], "since", "held",
"meta": {"hosts": instance}}``; ``meta.hosts`` limits a rulebook's ``run_playbook`` to that instance.
"""

from __future__ import annotations

import asyncio
import datetime
import sys
import time

HEALTHY, DEGRADED, DOWN = "healthy", "degraded", "down"


class Watch:
    """The state of one instance's Redis over time: which poll results make an event (pure logic)."""

    def __init__(self, instance, redis, hold):
        self.instance = instance
        self.redis = redis
        self.hold = hold
        self.state = None
        self.since = None
        self.reasons = []
        self.held_sent = False

    def observe(self, state, reasons, now):
        """The events one poll's result makes: on a change of state, and once when a state other than healthy has
        lasted ``hold`` seconds."""
        events = []
        if state != self.state:
            self.state, self.since, self.reasons, self.held_sent = state, now, reasons, False
            events.append(self.event(held=False))
        elif state != HEALTHY and not self.held_sent and now - self.since >= self.hold:
            self.held_sent = True
            self.reasons = reasons
            events.append(self.event(held=True))
        return events

    def event(self, held):
        since = datetime.datetime.fromtimestamp(self.since, datetime.timezone.utc).isoformat(timespec="seconds")
        return {
            "instance": self.instance,
            "redis": self.redis,
            "state": self.state,
            "reasons": list(self.reasons),
            "since": since,
            "held": held,
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
    """[(name, redis kwargs, redis label)] of the group's hosts, from their inventory variables."""
    from ansible.inventory.manager import InventoryManager  # noqa: PLC0415
    from ansible.parsing.dataloader import DataLoader  # noqa: PLC0415
    from ansible.vars.manager import VariableManager  # noqa: PLC0415

    loader = DataLoader()
    manager = InventoryManager(loader=loader, sources=[inventory])
    variables = VariableManager(loader=loader, inventory=manager)
    found = []
    for host in manager.get_hosts(group):
        hv = variables.get_vars(host=host)
        host_, port = hv.get("litellm_cache_redis_host"), int(hv.get("litellm_cache_redis_port", 6379))
        db = int(hv.get("litellm_cache_redis_db", 0) or 0)
        kwargs = {
            "host": host_,
            "port": port,
            "db": db,
            "username": hv.get("litellm_cache_redis_user") or None,
            "password": _read(hv.get("litellm_cache_redis_password_file")) or hv.get("litellm_cache_redis_password"),
        }
        found.append((host.name, kwargs, f"redis://{host_}:{port}/{db}"))
    return found


def poll(client, instance, socket_timeout):
    """One poll: (state, reasons)."""
    import redis  # noqa: PLC0415

    try:
        start = time.perf_counter()
        client.ping()
        ping_ms = (time.perf_counter() - start) * 1000
    except redis.exceptions.AuthenticationError:
        return classify(None, "authentication refused", None, socket_timeout)
    except redis.exceptions.TimeoutError:
        return classify(None, f"no answer within socket_timeout {socket_timeout} s", None, socket_timeout)
    except (redis.exceptions.ConnectionError, OSError) as exc:
        return classify(None, f"unreachable: {type(exc).__name__}", None, socket_timeout)
    except redis.exceptions.ResponseError as exc:
        return classify(None, f"refused: {str(exc).split()[0]}", None, socket_timeout)
    write_error = None
    try:
        client.set(f"erni_ki:guard:{instance}", "1", ex=1)
    except redis.exceptions.ResponseError as exc:
        write_error = str(exc).split()[0]  # OOM, READONLY, NOPERM, ...: the code, never the rest of the reply
    except (redis.exceptions.ConnectionError, OSError) as exc:
        return classify(None, f"unreachable: {type(exc).__name__}", None, socket_timeout)
    return classify(ping_ms, None, write_error, socket_timeout)


async def main(queue, args):
    import redis  # noqa: PLC0415

    interval = float(args.get("interval", 2))
    hold = float(args.get("hold", 10))
    socket_timeout = float(args.get("socket_timeout", 5))
    watched = []
    for name, kwargs, label in instances(args["inventory"], args.get("group", "litellm_proxies")):
        client = redis.Redis(**kwargs, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout)
        watched.append((client, Watch(name, label, hold)))
    loop = asyncio.get_running_loop()
    while True:
        for client, watch in watched:
            state, reasons = await loop.run_in_executor(None, poll, client, watch.instance, socket_timeout)
            for event in watch.observe(state, reasons, time.time()):
                await queue.put(event)
        await asyncio.sleep(interval)


if __name__ == "__main__":  # pragma: no cover - by hand: python cache_health.py INVENTORY

    class _Print:
        async def put(self, event):
            print(event, flush=True)

    asyncio.run(main(_Print(), {"inventory": sys.argv[1], "interval": 1, "hold": 5}))
