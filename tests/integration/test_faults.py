"""The fault matrix (docs/fault_matrix.md): each row met as an operator on call meets it, on real proxies and a
real Redis. Every case asserts what must hold: the config is byte-identical where nothing should change, the proxy
serves, no secret appears in any output or file left behind, and the message names the cause."""

import glob
import os
import re
import threading
import time

import pytest

from tests.helpers.proxies import mode_of
from tests.helpers.redis_server import RedisServer, fill, free_port
from tests.helpers.role_runs import (
    ROOT,
    assert_no_secret,
    finish,
    proxy_on_a_copy,
    role_vars,
    run_playbook,
    run_role,
    sha,
    start_playbook,
    write_inventory,
)


def serves(proxy, mode):
    ready = proxy.wait_ready(120)
    assert ready["status"] == "healthy" and ready.get("cache") == mode, ready
    return True


@pytest.fixture
def own_redis(redis_password):
    """A Redis of the test's own, with the sandbox's password (the proxies' entrypoint exports it)."""
    servers = []

    def make(*lines):
        server = RedisServer([f"requirepass {redis_password}", *lines])
        servers.append(server)
        return server

    yield make
    for s in servers:
        s.stop()


# ------------------------------------------------------------------------------------------- F1-F6


def test_f1_redis_down_at_preflight(tmp_path, litellm_launcher, endpoints, secrets):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4060)
    before = sha(config)
    port = free_port()
    run = run_role(tmp_path, role_vars(endpoints, proxy, litellm_cache_mode="redis", litellm_cache_login_port=port))
    out = run.stdout + run.stderr
    assert run.returncode != 0 and f"127.0.0.1:{port}" in out and "refused" in out, out
    assert sha(config) == before and serves(proxy, "local")
    assert_no_secret(secrets, out, paths=[config.parent])


def test_f2_wrong_password(tmp_path, litellm_launcher, endpoints, secrets):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4061)
    before = sha(config)
    hostvars = role_vars(endpoints, proxy, litellm_cache_mode="redis", litellm_cache_login_password="Wr0ng-pw-xyz")
    del hostvars["litellm_cache_login_password_file"]
    run = run_role(tmp_path, hostvars, False, "-vvv")
    out = run.stdout + run.stderr
    assert run.returncode != 0 and " is not usable: auth: " in out, out
    assert "Wr0ng-pw-xyz" not in out, "the wrong password is a secret too"
    assert sha(config) == before and serves(proxy, "local")
    assert_no_secret(secrets, out, paths=[config.parent])


def test_f3_redis_dies_right_after_the_switch(tmp_path, litellm_launcher, endpoints, own_redis, secrets):
    server = own_redis()
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4062)
    before = config.read_bytes()

    def kill_when_written():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if re.search(rb"^    type: redis$", config.read_bytes(), re.MULTILINE):  # not the commented block
                server.container.kill()
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_when_written, daemon=True)
    killer.start()
    run = run_role(
        tmp_path, role_vars(endpoints, proxy, litellm_cache_mode="redis", litellm_cache_login_port=server.port)
    )
    killer.join(5)
    out = run.stdout + run.stderr
    assert run.returncode != 0 and "Rolled back to local" in out, out
    assert config.read_bytes() == before, "the rollback restores the config byte for byte"
    assert serves(proxy, "local")
    assert_no_secret(secrets, out, paths=[config.parent])


@pytest.mark.parametrize("verify", [True, False], ids=["verified", "verify-off"])
def test_f4_proxy_crashes_on_its_new_config(tmp_path, litellm_launcher, endpoints, secrets, verify):
    """With the verification off (litellm_cache_verify: false) the rollback still checks the old mode's cache type,
    and sends no request to prove a hit."""
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4063)
    before = config.read_bytes()
    run = run_role(
        tmp_path,
        role_vars(
            endpoints,
            proxy,
            litellm_cache_mode="redis",
            litellm_cache_extra_cache_params={"connection_pool_timeout": 5},
            litellm_cache_force=True,
            litellm_cache_wait_timeout=60,
            litellm_cache_verify=verify,
        ),
    )
    out = run.stdout + run.stderr
    assert run.returncode != 0 and "did not become ready" in out and "Rolled back to local" in out, out
    assert config.read_bytes() == before and serves(proxy, "local")
    assert_no_secret(secrets, out, paths=[config.parent])


def test_f5_refused_release(tmp_path, litellm_launcher, endpoints, secrets):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.0", 4064)
    before = sha(config)
    run = run_role(tmp_path, role_vars(endpoints, proxy, litellm_cache_mode="redis"))
    out = run.stdout + run.stderr
    assert run.returncode != 0 and "older than min_redis_version 1.80.11" in out, out
    assert sha(config) == before and serves(proxy, "local")
    assert_no_secret(secrets, out)

    # cache_status on that instance, read-only: the router on Redis beside a local cache is said; a redis config the
    # gate refuses is said as refused, never "applied anyway" (nothing is applied by a status)
    inventory = str(tmp_path / "inventory.yml")  # run_role's
    text = config.read_text()
    router = f"router_settings:\n  redis_host: 127.0.0.1\n  redis_port: {endpoints['redis']['port']}\n"
    config.write_text(text.replace("router_settings:\n", router))
    local = run_playbook(inventory, "erni_ki.litellm.cache_status")
    out = local.stdout + local.stderr
    assert local.returncode == 0 and "redis not used by the cache, the router uses it (router_settings)" in out, out
    redis_block = (
        f"  cache_params:\n    type: redis\n    host: 127.0.0.1\n    port: {endpoints['redis']['port']}\n"
        "    password: os.environ/REDIS_PASSWORD\n    socket_timeout: 5\n"
    )
    start, end = text.index("  cache_params:\n"), text.index("\nrouter_settings:")
    config.write_text(text[:start] + redis_block + text[end:])
    refused = run_playbook(inventory, "erni_ki.litellm.cache_status")
    out = refused.stdout + refused.stderr
    assert refused.returncode == 0 and "gate refuses redis: min_redis_version" in out, out
    assert "applied anyway" not in out
    assert_no_secret(secrets, out)


def test_f15_a_redis_whose_provider_disabled_scan_is_refused_at_preflight(
    tmp_path, litellm_launcher, endpoints, own_redis, secrets
):
    """Managed Redis services disable or rename admin commands. With SCAN gone the probe cannot count keys, so the
    switch stops at preflight naming it, and the config stays as it was (the flush and the verification, which need
    SCAN, would otherwise pass as done)."""
    server = own_redis('rename-command SCAN ""')
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4074)
    before = sha(config)
    run = run_role(
        tmp_path, role_vars(endpoints, proxy, litellm_cache_mode="redis", litellm_cache_login_port=server.port)
    )
    out = run.stdout + run.stderr
    assert run.returncode != 0 and "answered, but the probe could not finish" in out and "scan" in out.lower(), out
    assert "has no attribute" not in out, "a template error instead of the reason"
    assert sha(config) == before and serves(proxy, "local")
    assert_no_secret(secrets, out, paths=[config.parent])


@pytest.mark.parametrize(
    "broken,needle",
    [
        ("litellm_settings: [1, 2\n", "is not valid YAML"),
        ("- just\n- a list\n", "not a mapping"),
        ("litellm_settings: 5\n", "litellm_settings is a int, not a mapping"),
    ],
)
def test_f6_malformed_config(tmp_path, litellm_launcher, endpoints, broken, needle):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4065)
    config.write_text(broken)  # the running proxy keeps its earlier config; the file is what the role reads
    run = run_role(tmp_path, role_vars(endpoints, proxy, litellm_cache_mode="redis"))
    out = run.stdout + run.stderr
    assert run.returncode != 0 and needle in out, out
    assert config.read_text() == broken, "a file the module could not handle is left byte for byte"


# ------------------------------------------------------------------------------------------- F7


def test_f7_a_second_run_on_the_same_instance_is_kept_out(tmp_path, litellm_launcher, endpoints, secrets):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4066)
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir()
    second_dir.mkdir()
    inv_first = write_inventory(
        first_dir / "inventory.yml", {"solo": role_vars(endpoints, proxy, litellm_cache_mode="redis")}
    )
    inv_second = write_inventory(second_dir / "inventory.yml", {"solo": role_vars(endpoints, proxy)})
    lock = config.parent / ".config.yaml.erni_ki.lock"
    first = start_playbook(inv_first, "erni_ki.litellm.switch_cache", log=str(first_dir / "log"))
    deadline = time.monotonic() + 60
    while not lock.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert lock.exists(), "the first run never took the lock"
    second = run_playbook(inv_second, "erni_ki.litellm.rollback_cache")
    code, out = finish(first)
    assert code == 0, out
    second_out = second.stdout + second.stderr
    assert second.returncode != 0 and "is held by another run: playbook Switch the LiteLLM cache mode" in second_out
    assert "since" in second_out and "pid" in second_out
    assert mode_of(config) == "redis" and serves(proxy, "redis")
    assert not lock.exists(), "the lock is given back"
    assert_no_secret(secrets, out, second_out, paths=[config.parent])


def test_f7_check_mode_takes_no_lock(tmp_path, litellm_launcher, endpoints):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4067)
    lock = config.parent / ".config.yaml.erni_ki.lock"
    lock.write_text('{"run_id": "someone-else", "since_epoch": %f, "playbook": "held"}' % time.time())
    run = run_role(tmp_path, role_vars(endpoints, proxy, litellm_cache_mode="redis"), True)
    out = run.stdout + run.stderr
    assert run.returncode == 0 and "is held by another run" in out and "check mode" in out, out
    assert "someone-else" in lock.read_text(), "check mode must neither take nor break a lock"


# ------------------------------------------------------------------------------------------- F8, F9


def test_f8_check_mode_on_every_playbook_changes_nothing(tmp_path, endpoints, docker_client, redis_client, secrets):
    inventory = os.path.join(ROOT, "sandbox", "inventory.yml")
    configs = [p["config_path"] for p in endpoints["proxies"]]
    c = redis_client(9)  # a db of this test's own: keys without a ttl, that only a flush could remove
    c.flushdb()
    fill(c, 25, prefix="litellm:")

    def state():
        started = [
            docker_client.containers.get(p["container"]).attrs["State"]["StartedAt"] for p in endpoints["proxies"]
        ]
        return [sha(p) for p in configs], started, c.dbsize()

    before = state()
    outputs = []
    for name, extra in [
        ("switch_cache", ["-e", "litellm_cache_mode=redis"]),
        ("rollback_cache", []),
        ("cache_status", []),
        ("flush_cache", ["-e", "litellm_cache_flush_whole_db=true", "-e", "litellm_cache_flush_confirm=true"]),
    ]:
        run = run_playbook(inventory, f"erni_ki.litellm.{name}", "-e", "litellm_cache_db=9", *extra, check=True)
        outputs.append(run.stdout + run.stderr)
        assert run.returncode == 0, outputs[-1]
    assert state() == before, "a check-mode run changed a config, restarted a proxy or deleted a key"
    c.flushdb()
    assert_no_secret(secrets, *outputs)


# ------------------------------------------------------------------------------------------- F10


def test_f10_one_host_fails_inside_a_wave(tmp_path, litellm_launcher, endpoints, secrets):
    good_config, good = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4068, name="good")
    bad_config, bad = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.0", 4069, name="bad")
    bad_before = sha(bad_config)
    inventory = write_inventory(
        tmp_path / "inventory.yml",
        {"good": role_vars(endpoints, good), "bad": role_vars(endpoints, bad)},
    )
    run = run_playbook(
        inventory, "erni_ki.litellm.switch_cache", "-e", "litellm_cache_mode=redis", "-e", "litellm_cache_serial=2"
    )
    out = run.stdout + run.stderr
    assert run.returncode != 0 and "older than min_redis_version" in out, out
    assert sha(bad_config) == bad_before and serves(bad, "local")
    assert mode_of(good_config) == "redis" and serves(good, "redis")
    assert_no_secret(secrets, out, paths=[good_config.parent, bad_config.parent])


# ------------------------------------------------------------------------------------------- F11, F12


def test_f11_intermittent_stalls_near_socket_timeout_are_refused(
    tmp_path, litellm_launcher, endpoints, own_redis, redis_password
):
    server = own_redis()
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4070)
    before = sha(config)
    stop = threading.Event()

    def stall():  # a 700 ms pause of every client, once a second: a burst of PINGs slips between them
        admin = server.client(password=redis_password)
        while not stop.is_set():
            admin.execute_command("CLIENT", "PAUSE", 700)
            stop.wait(1.0)

    stalls = threading.Thread(target=stall, daemon=True)
    stalls.start()
    try:
        run = run_role(
            tmp_path,
            role_vars(
                endpoints,
                proxy,
                litellm_cache_mode="redis",
                litellm_cache_login_port=server.port,
                litellm_cache_socket_timeout=1,
            ),
        )
    finally:
        stop.set()
        stalls.join(5)
    out = run.stdout + run.stderr
    assert run.returncode != 0 and "PINGs over 2 s took longer than 0.5 of socket_timeout 1 s" in out, out
    assert sha(config) == before and serves(proxy, "local")


@pytest.mark.parametrize(
    "policy,maxmemory,rules",
    [
        # full with noeviction: the write check is refused (001) and used_memory is at maxmemory (002)
        ("noeviction", "1mb", ("REDIS-MEM-001", "REDIS-MEM-002")),
        # maxmemory below what an empty Redis uses, nothing to evict: writes refused (001), nothing evicted (no 003)
        ("allkeys-lru", "100kb", ("REDIS-MEM-001",)),
    ],
)
def test_f12_a_full_redis_is_refused_at_preflight_and_shown_by_status(
    tmp_path, litellm_launcher, endpoints, own_redis, redis_password, policy, maxmemory, rules
):
    server = own_redis(f"maxmemory-policy {policy}")
    client = server.client(password=redis_password)
    if policy == "noeviction":
        client.config_set("maxmemory", maxmemory)
        with pytest.raises(Exception, match="used memory > .maxmemory"):
            fill(client, 100_000, value=b"x" * 512)
    else:
        client.config_set("maxmemory", maxmemory)  # below what an empty Redis already uses: nothing to evict
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4071)
    before = sha(config)
    hostvars = role_vars(endpoints, proxy, litellm_cache_mode="redis", litellm_cache_login_port=server.port)
    run = run_role(tmp_path, hostvars)
    out = run.stdout + run.stderr
    assert run.returncode != 0 and "Redis is not fit for the cache" in out, out
    shown = set(re.findall(r"REDIS-MEM-00\d", out))
    assert shown == set(rules), (shown, out)
    assert sha(config) == before and serves(proxy, "local")

    # a config already on that Redis: cache_status shows the state as a finding with its rule id
    on_redis = config.read_text().replace(
        "    type: local\n",
        f"    type: redis\n    host: 127.0.0.1\n    port: {server.port}\n    password: os.environ/REDIS_PASSWORD\n",
    )
    config.write_text(on_redis)
    inventory = write_inventory(tmp_path / "status.yml", {"solo": hostvars})
    status = run_playbook(inventory, "erni_ki.litellm.cache_status")
    assert status.returncode == 0, status.stdout + status.stderr
    line = [x for x in status.stdout.splitlines() if '"msg": "solo: LiteLLM' in x]
    assert len(line) == 1 and set(re.findall(r"REDIS-MEM-00\d", line[0])) == set(rules), status.stdout


# ------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "extra,needle",
    [
        ({"litellm_cache_ttl": -5}, "ttl: -5 is outside > 0"),
        ({"litellm_cache_socket_timeout": -1}, "socket_timeout: -1 is outside > 0"),
        ({"litellm_cache_extra_cache_params": {"max_connections": -1}}, "max_connections: -1 is outside > 0"),
        ({"litellm_cache_login_password_env": "NO_SUCH_VAR"}, "os.environ/NO_SUCH_VAR is not set in the container"),
        ({"litellm_cache_login_password_env": "NOT SET"}, "'NOT SET' is not an environment variable name"),
        ({"litellm_cache_blocked_versions": ["v1.80.11-stable"], "litellm_cache_force": False}, None),
    ],
)
def test_bad_input_is_refused_before_any_change(tmp_path, litellm_launcher, endpoints, extra, needle, secrets):
    config, proxy = proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, "1.80.11", 4072)
    before = sha(config)
    started = proxy.container.attrs["State"]["StartedAt"]
    run = run_role(tmp_path, role_vars(endpoints, proxy, litellm_cache_mode="redis", **extra), True)
    out = run.stdout + run.stderr
    if needle is None:
        # a channel entry cannot match a locally built image's tag: a warning, not a silent pass
        assert run.returncode == 0 and "can never match" in out, out
        return
    assert run.returncode != 0 and needle in out, out
    run = run_role(tmp_path, role_vars(endpoints, proxy, litellm_cache_mode="redis", **extra))
    assert run.returncode != 0 and needle in run.stdout + run.stderr
    proxy.container.reload()
    assert sha(config) == before and proxy.container.attrs["State"]["StartedAt"] == started, "nothing may restart"
    assert_no_secret(secrets, out)


@pytest.mark.parametrize(
    "args,needle",
    [
        ({"login_port": 99999}, "login_port: 99999 is outside 1-65535"),
        ({"login_host": "redis host"}, "login_host: 'redis host' is not a host name"),
    ],
)
def test_bad_probe_input_names_the_option(run_module, args, needle):
    run = run_module("redis_cache_probe", args)
    assert run.failed and needle in run.result["msg"]


def test_backups_are_kept_bounded(tmp_path, run_module):
    config = tmp_path / "config.yaml"
    config.write_text("litellm_settings:\n  cache: true\n  cache_params:\n    type: local\n")
    for i in range(7):
        run = run_module(
            "litellm_cache_mode",
            {"path": str(config), "mode": "local", "ttl": 100 + i, "backup": True, "backup_keep": 3},
        )
        assert not run.failed, run.output
        time.sleep(1.05)  # backup names carry the second
    backups = sorted(glob.glob(str(config) + ".*~"))
    assert len(backups) == 3, backups
    assert "ttl: 105" in open(sorted(backups, key=os.path.getmtime)[-1], encoding="utf-8").read()
