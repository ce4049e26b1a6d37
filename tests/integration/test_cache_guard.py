"""The cache guard (extensions/eda: the cache_health source and the cache_guard rulebook) run by ansible-rulebook
against two real proxies on a real Redis of their own, with requests to both every 0.5 s: a flapping Redis is left
alone; a dead one rolls each instance back to local once, within the hold time and a rollback, an operator's run
holding an instance's lock waited for, not broken; when Redis is back and has stayed healthy for the return hold, the
instances the guard rolled back return to Redis through the switch and its verification. And what the source calls
degraded on a real Redis: stalls near socket_timeout, a full Redis, a refused write. No secret in the guard's output.
"""

import importlib.util
import os
import re
import socket
import threading
import time

import docker
import pytest
import requests
import yaml

from tests.helpers.guard import (
    RETURN_PLAY,
    ROLLBACK_PLAY,
    Guarded,
    de_image,
    load_source,
    serves,
    start_guard,
    stop_guard,
)
from tests.helpers.proxies import chat, mode_of, running_cache
from tests.helpers.redis_server import (
    ACL_PASSWORDS,
    RedisServer,
    SentinelSetup,
    acl_users,
    fill,
    wait_for,
)
from tests.helpers.role_runs import ROOT

HOLD_S, INTERVAL_S, RETURN_AFTER_S = 5, 1, 8
FLAP_S, FLAP_DOWN_S, FLAP_UP_S = 60, 1.5, 3.0
LOCK_HELD_S = HOLD_S + 8  # an operator's run holds guard-a's lock this long after Redis dies


def _load(name, *path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, *path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cache_health = load_source()
run_lock = _load("run_lock", "plugins", "module_utils", "run_lock.py")


class Traffic:
    """A request to each proxy every 0.5 s, in a thread: (time, proxy, status code or exception name) of each."""

    def __init__(self, proxies, key):
        self.proxies, self.key = proxies, key
        self.answers = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        n = 0
        while not self.stop.is_set():
            for name, _path, proxy in self.proxies:
                n += 1
                try:
                    code = chat(proxy.url, self.key, f"guard traffic {n % 20}", timeout=30).status_code
                except requests.RequestException as exc:
                    code = type(exc).__name__
                self.answers.append((time.monotonic(), name, code))
            self.stop.wait(0.5)

    def between(self, start, end):
        return [a for a in self.answers if start <= a[0] <= end]

    def close(self):
        self.stop.set()
        self.thread.join(timeout=60)


@pytest.fixture
def guarded(tmp_path, litellm_launcher, endpoints, redis_password):
    """Two proxies caching in a Redis of their own, and their inventory."""
    setup = Guarded(litellm_launcher, endpoints, redis_password, tmp_path, {"guard-a": 4091, "guard-b": 4092})
    try:
        yield setup.redis, setup.proxies, setup.hosts, setup.inventory
    finally:
        setup.stop()


def _until(what, guard, log, timeout, poll=0.5):
    deadline = time.monotonic() + timeout
    while not what():
        assert guard.poll() is None, f"the guard ended (rc {guard.returncode}):\n{log.read_text()[-6000:]}"
        assert time.monotonic() < deadline, log.read_text()[-6000:]
        time.sleep(poll)
    return time.monotonic()


def test_the_guard_leaves_a_flapping_redis_alone_rolls_back_a_dead_one_and_returns(
    guarded, tmp_path, master_key, redis_password
):
    server, proxies, hosts, inventory = guarded
    for _name, _path, proxy in proxies:
        assert running_cache(proxy.url, master_key) == "redis"
    guard, log = start_guard(
        tmp_path,
        inventory,
        guard_hold=HOLD_S,
        guard_interval=INTERVAL_S,
        guard_return_after=RETURN_AFTER_S,
        guard_lock_wait=60,
    )
    traffic = Traffic(proxies, master_key)
    try:
        _until(lambda: log.read_text().count("'state': 'healthy'") >= 2, guard, log, 60)  # both seen healthy

        # (d) a Redis that is down for less than the hold time, every few seconds for a minute: left alone
        flap_start = time.monotonic()
        flaps = 0
        while time.monotonic() - flap_start < FLAP_S:
            server.container.kill()
            time.sleep(FLAP_DOWN_S)
            server.container.start()
            server.wait_ready()
            flaps += 1
            time.sleep(FLAP_UP_S)
        flap_end = time.monotonic()
        text = log.read_text()
        assert text.count("'state': 'down'") >= flaps - 1, text[-4000:]  # the guard saw it go down (most polls)
        assert ROLLBACK_PLAY not in text, "the guard acted on a flapping Redis:\n" + text[-6000:]
        assert all(mode_of(path) == "redis" for _n, path, _p in proxies)
        failed = [a for a in traffic.between(flap_start, flap_end) if a[2] != 200]
        assert not failed, f"requests failed while Redis flapped: {failed}"

        # (a) Redis dies for good while (e) an operator's run holds guard-a's lock
        lock = run_lock.lock_path(
            hosts["guard-a"]["litellm_cache_config_path"], hosts["guard-a"]["litellm_cache_state_dir"]
        )
        os.makedirs(os.path.dirname(lock), exist_ok=True)
        operator = {"run_id": "operator-run", "controller": socket.gethostname(), "pid": os.getpid(), "playbook": "op"}
        run_lock.acquire(lock, operator)
        server.container.kill()
        killed = time.monotonic()
        (name_a, path_a, proxy_a), (name_b, path_b, proxy_b) = proxies
        local_b = _until(lambda: serves(path_b, proxy_b.url, master_key, "local"), guard, log, HOLD_S + 150)
        wait_left = killed + LOCK_HELD_S - time.monotonic()
        if wait_left > 0:
            time.sleep(wait_left)
        assert run_lock.read_holder(lock)["run_id"] == "operator-run", "the guard broke an operator's lock"
        assert mode_of(path_a) == "redis", "guard-a was rolled back while an operator's run held its lock"
        run_lock.release(lock, "operator-run")
        released = time.monotonic()
        local_a = _until(lambda: serves(path_a, proxy_a.url, master_key, "local"), guard, log, 150)
        text = log.read_text()
        assert text.count(ROLLBACK_PLAY) == 2, text[-6000:]
        assert "'state': 'down'" in text and "'held': True" in text
        took_b, after_release_a = local_b - killed, local_a - released
        assert took_b >= HOLD_S, "no rollback before the hold time"
        # Redis down and an instance restarting: a request may find the proxy closed while it restarts, never an error
        for name, start, end in ((name_a, killed, local_a), (name_b, killed, local_b)):
            answers = [a for a in traffic.between(start, end) if a[1] == name]
            assert not [a for a in answers if isinstance(a[2], int) and a[2] != 200], answers
        assert not [a for a in traffic.between(local_b + 1, local_a) if a[1] == name_b and a[2] != 200]
        print(
            f"\n{flaps} flaps in {FLAP_S} s: no rollback. Redis killed -> guard-b on local, verified, in "
            f"{took_b:.1f} s (hold {HOLD_S} s); guard-a waited for the operator's lock, on local "
            f"{after_release_a:.1f} s after it was given back"
        )

        # (b) Redis back: nothing during the return hold, then both back on Redis through the switch
        time.sleep(2 * INTERVAL_S + 1)  # a storm would show now: still one rollback each
        assert log.read_text().count(ROLLBACK_PLAY) == 2
        server.container.start()
        server.wait_ready()
        back = time.monotonic()
        time.sleep(max(0.0, RETURN_AFTER_S - 2 * INTERVAL_S))
        assert RETURN_PLAY not in log.read_text(), "returned before Redis had been healthy for the return hold"
        assert all(mode_of(path) == "local" for _n, path, _p in proxies)
        returned = _until(
            lambda: all(serves(path, p.url, master_key, "redis") for _n, path, p in proxies), guard, log, 180
        )
        # every playbook the guard ran has ended (two rollbacks, two returns), none failed
        _until(lambda: log.read_text().count("PLAY RECAP") >= 4, guard, log, 60)
        text = log.read_text()
        assert text.count(RETURN_PLAY) == 2 and text.count("PLAY RECAP") == 4, text[-6000:]
        assert "failed=0" in text and not re.search(r"failed=[1-9]", text), text[-6000:]
        for name in hosts:
            assert not (tmp_path / "state" / name / ".config.yaml.erni_ki.guard").exists(), "the return keeps no mark"
        print(f"Redis back -> both on Redis again, verified, {returned - back:.1f} s later (return {RETURN_AFTER_S} s)")
        # (f) no secret in anything the guard printed
        for secret in (redis_password, master_key):
            assert secret not in text, "a secret in the guard's output"
    finally:
        traffic.close()
        stop_guard(guard)


def test_what_the_source_calls_degraded_on_a_real_redis(redis_password):
    """(c) one poll of the source against a real Redis: healthy; a CLIENT PAUSE near socket_timeout and a full Redis
    (noeviction at maxmemory) are degraded with their reason; a stopped one is down."""
    socket_timeout = 1.0
    server = RedisServer([f"requirepass {redis_password}"])
    try:
        client = server.client(password=redis_password, socket_timeout=socket_timeout)
        conn = cache_health.connection(
            {
                "inventory_hostname": "guard-a",
                "litellm_cache_login_host": "127.0.0.1",
                "litellm_cache_login_port": server.port,
                "litellm_cache_login_password": redis_password,
                "litellm_cache_namespace": "litellm",
            }
        )
        key = conn.pop("key")
        assert key == "litellm:erni_ki:guard:guard-a" and conn.pop("label") == f"redis://127.0.0.1:{server.port}/0"
        watched = cache_health.redis_client(conn, socket_timeout)
        assert cache_health.poll(watched, key, socket_timeout) == ("healthy", [])

        admin = server.client(password=redis_password)
        admin.execute_command("CLIENT", "PAUSE", int(socket_timeout * 1000 * 0.8), "ALL")
        state, reasons = cache_health.poll(watched, key, socket_timeout)
        assert state == "degraded" and reasons and reasons[0].startswith("slow: PING took"), reasons

        client.config_set("maxmemory-policy", "noeviction")
        client.config_set("maxmemory", "1mb")
        with pytest.raises(Exception, match="used memory > .maxmemory"):
            fill(client, 100_000, value=b"x" * 512)
        state, reasons = cache_health.poll(watched, key, socket_timeout)
        assert (state, reasons) == ("degraded", ["writes refused: OOM"])
        assert redis_password not in repr(reasons)

        wrong = cache_health.redis_client(dict(conn, login_password="not-the-password"), socket_timeout)
        assert cache_health.poll(wrong, key, socket_timeout) == ("down", ["auth: AuthenticationError"])

        server.container.kill()
        assert cache_health.poll(watched, key, socket_timeout) == ("down", ["refused: ConnectionError"])
    finally:
        server.stop()


def _polls_until(watched, key, socket_timeout, done, limit=60.0):
    """Poll every 0.5 s until ``done(states)`` (the states seen so far); the states."""
    states, deadline = [], time.monotonic() + limit
    while time.monotonic() < deadline:
        states.append(cache_health.poll(watched, key, socket_timeout))
        if done(states):
            return states
        time.sleep(0.5)
    raise AssertionError(f"not within {limit} s: {states}")


def test_the_source_follows_a_sentinel_failover_as_a_least_privilege_user():
    """A Sentinel setup as real deployments run it (LiteLLM's user limited to ~litellm:*), watched through the same
    role variables the role reads: healthy on the master; the master killed: down, then healthy again on the replica
    the sentinel promotes, with no restart of the source."""
    socket_timeout = 1.0
    setup = SentinelSetup(
        acl_users(),
        sentinel_lines=["sentinel down-after-milliseconds acl-svc 1000", "sentinel failover-timeout acl-svc 5000"],
    )
    try:
        conn = cache_health.connection(
            {
                "inventory_hostname": "guard-s",
                "litellm_cache_topology": "sentinel",
                "litellm_cache_sentinel_nodes": [f"127.0.0.1:{setup.sentinel.port}"],
                "litellm_cache_service_name": "acl-svc",
                "litellm_cache_login_user": "litellm",
                "litellm_cache_login_password": ACL_PASSWORDS["litellm"],
                "litellm_cache_namespace": "litellm",
            }
        )
        key, label = conn.pop("key"), conn.pop("label")
        assert label == f"sentinel acl-svc at 127.0.0.1:{setup.sentinel.port} db 0"
        watched = cache_health.redis_client(conn, socket_timeout)
        assert cache_health.poll(watched, key, socket_timeout) == ("healthy", [])
        setup.master.container.kill()
        states = _polls_until(
            watched, key, socket_timeout, lambda seen: any(s[0] == "down" for s in seen) and seen[-1][0] == "healthy"
        )
        sentinel = setup.sentinel.client()
        promoted = wait_for(
            lambda: (
                int(sentinel.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "acl-svc")[1]) == setup.replica.port
            ),
            "the sentinel did not promote the replica",
        )
        assert promoted and states[-1] == ("healthy", []), states
        assert ACL_PASSWORDS["litellm"] not in repr(states)
        print(f"sentinel failover seen by the source: {[s[0] for s in states]}")
    finally:
        setup.stop()


def test_the_source_watches_a_cluster_through_its_nodes(redis_password):
    """A Redis Cluster (one node owning every slot), watched through litellm_cache_cluster_nodes: healthy; the node
    killed: down (the cluster client cannot be made), never an exception out of the source."""
    socket_timeout = 1.0
    server = RedisServer([f"requirepass {redis_password}"], cluster=True)
    try:
        admin = server.client(password=redis_password)
        admin.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
        wait_for(lambda: admin.cluster("INFO")["cluster_state"] == "ok", "the cluster is not ok")
        conn = cache_health.connection(
            {
                "inventory_hostname": "guard-c",
                "litellm_cache_topology": "cluster",
                "litellm_cache_cluster_nodes": [f"127.0.0.1:{server.port}"],
                "litellm_cache_login_password": redis_password,
            }
        )
        key, label = conn.pop("key"), conn.pop("label")
        assert (key, label) == ("erni_ki:guard:guard-c", f"cluster 127.0.0.1:{server.port}")
        watched = cache_health.redis_client(conn, socket_timeout)
        assert cache_health.poll(watched, key, socket_timeout) == ("healthy", [])
        server.container.kill()
        state, reasons = cache_health.poll(watched, key, socket_timeout)
        assert state == "down" and len(reasons) == 1, reasons
        assert cache_health.poll(watched, key, socket_timeout)[0] == "down"  # made again, and still down
        assert redis_password not in repr(reasons)
    finally:
        server.stop()


def test_the_source_reads_a_url_the_entrypoint_built_in_the_container(litellm_launcher, endpoints, redis_password):
    """``url: os.environ/REDIS_URL`` with REDIS_URL built by the container's entrypoint from its Docker secret: the
    source reads the URL in the LiteLLM process of the container (not in its configured environment, which lacks
    it), polls that Redis healthy, down when it is killed, healthy again on the URL read anew; a container it cannot
    find is down with that reason. The URL's password is in no label or reason."""
    socket_timeout = 1.0
    server = RedisServer([f"requirepass {redis_password}"])
    proxy = None
    try:
        text = open(endpoints["proxies"][0]["config_path"], encoding="utf-8").read()
        # the proxy need not serve: its entrypoint has built the URL once LiteLLM's process runs
        proxy = litellm_launcher.start(
            "1.80.11", config_text=text, port=4093, wait=False, env={"SANDBOX_EXPORT_REDIS_URL": f"{server.port}/0"}
        )
        hv = {
            "inventory_hostname": "guard-u",
            "litellm_cache_login_url": "os.environ/REDIS_URL",
            "litellm_cache_container": proxy.container.name,
            "litellm_cache_namespace": "litellm",
        }
        conn = cache_health.connection(hv)
        key, label = conn.pop("key"), conn.pop("label")
        assert label == f"os.environ/REDIS_URL of {proxy.container.name}"
        configured = proxy.container.attrs["Config"]["Env"]
        assert not [e for e in configured if e.startswith("REDIS_URL=")], "the configured environment has no REDIS_URL"
        watched = cache_health.redis_client(conn, socket_timeout)
        states = _polls_until(watched, key, socket_timeout, lambda seen: seen[-1] == ("healthy", []), limit=60)
        early = [s for s in states[:-1] if not (s[0] == "down" and s[1][0].startswith("config: os.environ/REDIS_URL"))]
        assert not early, f"before the entrypoint had built the URL: {states}"
        server.container.kill()
        assert cache_health.poll(watched, key, socket_timeout) == ("down", ["refused: ConnectionError"])
        server.container.start()
        server.wait_ready()
        states += _polls_until(watched, key, socket_timeout, lambda seen: seen[-1] == ("healthy", []), limit=30)
        gone = cache_health.redis_client(cache_health.connection(dict(hv, litellm_cache_container="erni-no-such")), 1.0)
        state, reasons = cache_health.poll(gone, key, socket_timeout)
        assert state == "down" and reasons[0].startswith("config: os.environ/REDIS_URL could not be read"), reasons
        assert "no container named 'erni-no-such'" in reasons[0]
        assert redis_password not in repr((label, states, reasons))
    finally:
        if proxy is not None:
            proxy.container.remove(force=True)  # it never needs to serve: its start would only take the cores
        server.stop()


def test_the_guard_runs_in_the_decision_environment(tmp_path, litellm_launcher, endpoints, master_key, redis_password):
    """The decision environment (`make de`: ansible-rulebook, Java and the collection in one image, built offline)
    runs the guard as EDA controller would, on the host's network, its playbooks' modules reaching the Docker engine
    through its socket: Redis killed, the instance on local and verified; no secret in the container's output."""
    image = de_image()
    assert image, "build/de/de.env is missing: `make de` (make test's prepare) builds the decision environment"
    setup = Guarded(litellm_launcher, endpoints, redis_password, tmp_path, {"guard-de": 4095})
    client = docker.from_env()
    container = None
    try:
        # the modules run by the image's own Python; every path is mounted where the inventory says it is
        hosts = {name: dict(hv, ansible_python_interpreter="/opt/de/bin/python3") for name, hv in setup.hosts.items()}
        inventory = tmp_path / "de-inventory.yml"
        inventory.write_text(
            yaml.safe_dump(
                {"litellm_proxies": {"hosts": {n: dict(hv, ansible_connection="local") for n, hv in hosts.items()}}}
            )
        )
        guard_vars = tmp_path / "de-guard.yml"
        guard_vars.write_text(
            yaml.safe_dump({"guard_inventory": str(inventory), "guard_hold": HOLD_S, "guard_interval": 1})
        )
        secrets = os.path.dirname(endpoints["master_key_file"])
        container = client.containers.run(
            image,
            ["-r", "erni_ki.litellm.cache_guard", "-i", str(inventory), "--vars", str(guard_vars), "--print-events"],
            network_mode="host",
            volumes={
                str(tmp_path): {"bind": str(tmp_path), "mode": "rw"},
                secrets: {"bind": secrets, "mode": "ro"},
                os.path.dirname(endpoints["redis"]["password_file"]): {
                    "bind": os.path.dirname(endpoints["redis"]["password_file"]),
                    "mode": "ro",
                },
                "/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "rw"},
            },
            labels={"erni_ki.sandbox": litellm_launcher.project},
            detach=True,
        )

        def output():
            return container.logs().decode("utf-8", "replace")

        deadline = time.monotonic() + 90
        while "'state': 'healthy'" not in output():
            container.reload()
            assert container.status == "running" and time.monotonic() < deadline, output()[-4000:]
            time.sleep(0.5)
        setup.redis.container.kill()
        killed = time.monotonic()
        (_name, path, proxy) = setup.proxies[0]
        while not serves(path, proxy.url, master_key, "local"):
            container.reload()
            assert container.status == "running" and time.monotonic() < killed + 150, output()[-6000:]
            time.sleep(0.5)
        took = time.monotonic() - killed
        print(f"\nin the decision environment {image}: Redis killed -> on local, verified, {took:.1f} s")
        text = output()
        assert text.count(ROLLBACK_PLAY) == 1, text[-6000:]
        for secret in (redis_password, master_key):
            assert secret not in text, "a secret in the guard's output"
    finally:
        if container is not None:
            container.remove(force=True)
        setup.stop()
