"""redis_cache_probe against real redis-server processes on loopback, and from a real LiteLLM container."""

import os
import tempfile

import pytest

from tests.helpers.redis_server import (
    ACL_PASSWORDS,
    LEAST_PRIVILEGE_ACL,
    ClusterSetup,
    RedisServer,
    SentinelSetup,
    fill,
    free_port,
    tls_redis,
    wait_for,
)

PASSWORD = "pr0be-Secret-pw"


@pytest.fixture(scope="module")
def server():
    s = RedisServer([f"requirepass {PASSWORD}"])
    yield s
    s.stop()


@pytest.fixture
def clean(server):
    c = server.client(password=PASSWORD)
    for db in range(4):
        c.execute_command("SELECT", db)
        c.flushdb()
    c.execute_command("SELECT", 0)
    return server


def probe(run_module, server, check=False, **kw):
    args = {"login_host": "127.0.0.1", "login_port": server.port, "login_password": PASSWORD, "latency_samples": 10}
    args.update(kw)
    run = run_module("redis_cache_probe", args, check=check)
    assert PASSWORD not in run.output, "the password leaked into the output"
    return run


def test_available_server_reports_facts_latency_clients_keys(run_module, clean):
    c = clean.client(password=PASSWORD, db=1)
    fill(c, 50, prefix="litellm:", ttl=600)
    c.client_setname("litellm-proxy")
    run = probe(run_module, clean, db=1, namespace="litellm", client_name_filter="litellm", write_check=True)
    r = run.result
    assert not run.failed and r["changed"] is False
    assert r["is_available"] is True and r["error"] is None
    assert r["server"]["version"].startswith("7.") and r["server"]["role"] == "master"
    assert r["latency_ms"]["samples"] == 10 and 0 < r["latency_ms"]["p50"] <= r["latency_ms"]["p99"]
    assert r["clients"]["matched"] == 1 and r["clients"]["list"][0]["name"] == "litellm-proxy"
    assert r["keyspace"]["dbsize"] == 50 and r["keyspace"]["matched"] == 50
    assert r["keyspace"]["ttl_sample"]["sampled"] == 50 and 590 <= r["keyspace"]["ttl_sample"]["max"] <= 600
    assert r["write_check"]["ok"] is True
    assert c.exists(r["write_check"]["key"]) == 0


def test_latency_over_budget_warns(run_module, clean):
    """A budget of 1 microsecond (a millionth of a 1 s socket_timeout) no PING over the network stack can meet:
    every sample is a stall, and the warning says how many and of what budget."""
    run = probe(run_module, clean, socket_timeout=1, latency_budget_ratio=0.000001)
    r = run.result
    assert not run.failed and r["is_available"] is True, run.output
    samples = r["latency_ms"]["samples"]
    assert samples > 0 and r["latency_budget"] == {"ms": 0.001, "stalls": samples, "exceeded": True}
    warning = f"{samples} of {samples} PINGs over "
    assert [w for w in r["warnings_list"] if w.startswith(warning)], r["warnings_list"]
    assert any("took longer than 1e-06 of socket_timeout 1 s (0.001 ms" in w for w in r["warnings_list"])


def test_namespace_flush_removes_only_the_namespace(run_module, clean):
    c = clean.client(password=PASSWORD)
    fill(c, 3000, prefix="litellm:")
    fill(c, 500, prefix="other:")
    fill(c, 200, prefix="")  # LiteLLM keys without namespace, and rate-limit-like keys below
    c.set("litellm_rate_limit:key1", 5)
    # LiteLLM's own state under its namespace (LITELLM-FACT-009): not cache, never flushed
    state = ["litellm:daily_metrics_report_sent", "litellm:{api_key:" + "ab" * 32 + "}:tokens", "litellm:x:rpm"]
    for key in state:
        c.set(key, 1)
    other_db = clean.client(password=PASSWORD, db=2)
    fill(other_db, 100, prefix="litellm:")

    check = probe(run_module, clean, namespace="litellm", flush=True, check=True)
    assert check.result["changed"] is True and check.result["would_flush"] == 3000 and check.result["flushed"] == 0
    assert check.result["keyspace"]["other_keys"] == 3
    assert check.result["keyspace"]["scope"] == "cache entries under litellm:"
    assert c.dbsize() == 3704, "check mode deleted keys"

    run = probe(run_module, clean, namespace="litellm", flush=True)
    assert run.result["changed"] is True and run.result["flushed"] == 3000
    assert run.result["keyspace"]["matched_after_flush"] == 0
    assert c.dbsize() == 704 and c.exists("litellm_rate_limit:key1") == 1
    assert c.exists(*state) == 3, "LiteLLM's own keys under the namespace were deleted"
    assert other_db.dbsize() == 100, "another db was touched"

    again = probe(run_module, clean, namespace="litellm", flush=True)
    assert again.result["changed"] is False and again.result["flushed"] == 0


def test_namespace_with_glob_characters_is_literal(run_module, clean):
    c = clean.client(password=PASSWORD)
    fill(c, 1, prefix="a*b:")
    fill(c, 1, prefix="axxb:")
    run = probe(run_module, clean, namespace="a*b", flush=True)
    assert run.result["flushed"] == 1 and c.exists("axxb:" + "0" * 64) == 1


def test_whole_db_flush_touches_only_that_db(run_module, clean):
    c1 = clean.client(password=PASSWORD, db=1)
    c3 = clean.client(password=PASSWORD, db=3)
    fill(c1, 1234)
    fill(c3, 10)
    run = probe(run_module, clean, db=1, flush=True, flush_whole_db=True)
    assert run.result["flushed"] == 1234 and c1.dbsize() == 0 and c3.dbsize() == 10


def test_flush_without_scope_is_an_error(run_module, clean):
    c = clean.client(password=PASSWORD)
    fill(c, 10)
    run = probe(run_module, clean, flush=True)
    assert run.failed and "flush needs a scope" in run.result["msg"]
    assert c.dbsize() == 10


def test_big_keyspace_count_and_flush(run_module, clean):
    c = clean.client(password=PASSWORD)
    fill(c, 200_000, prefix="litellm:")
    fill(c, 20_000, prefix="keep:")
    run = probe(run_module, clean, namespace="litellm", flush=True, latency_samples=0)
    assert run.result["flushed"] == 200_000
    assert c.dbsize() == 20_000


def test_wrong_password_is_a_result_not_a_crash(run_module, clean):
    run = probe(run_module, clean, login_password="not-the-password")
    assert not run.failed and run.result["is_available"] is False
    assert run.result["error"]["kind"] == "auth"
    assert "not-the-password" not in run.output
    failing = probe(run_module, clean, login_password="not-the-password", fail_on_unavailable=True)
    assert failing.failed and " is not usable: auth: " in failing.result["msg"], failing.result["msg"]


def test_the_password_from_a_file_where_the_module_runs(run_module, clean, tmp_path):
    """The stack's secret file, read by the module itself (the controller never holds the password)."""
    secret = tmp_path / "redis_password"
    secret.write_text(PASSWORD + "\n")
    args = {"login_host": "127.0.0.1", "login_port": clean.port, "latency_samples": 2, "write_check": True}
    run = run_module("redis_cache_probe", dict(args, login_password_file=str(secret)))
    assert not run.failed and run.result["is_available"] and run.result["write_check"]["ok"], run.output
    both = run_module("redis_cache_probe", dict(args, login_password_file=str(secret), login_password=PASSWORD))
    assert both.failed and "mutually exclusive" in both.result["msg"], both.output
    missing = run_module("redis_cache_probe", dict(args, login_password_file=str(tmp_path / "nope")))
    assert missing.failed and f"cannot read login_password_file {tmp_path / 'nope'}" in missing.result["msg"]
    # a wrong password read from a file is masked like one given as an option
    secret.write_text("wrong-pw-from-file\n")
    wrong = run_module("redis_cache_probe", dict(args, login_password_file=str(secret)))
    assert wrong.result["error"]["kind"] == "auth" and "wrong-pw-from-file" not in wrong.output, wrong.output
    assert PASSWORD not in run.output + both.output + missing.output


def test_unreachable_server_is_refused(run_module):
    port = free_port()
    run = run_module("redis_cache_probe", {"login_host": "127.0.0.1", "login_port": port})
    assert not run.failed and run.result["is_available"] is False
    assert run.result["error"]["kind"] == "refused"
    failing = run_module(
        "redis_cache_probe", {"login_host": "127.0.0.1", "login_port": port, "fail_on_unavailable": True}
    )
    assert failing.failed and f"127.0.0.1:{port}" in failing.result["msg"]


def test_acl_user(run_module):
    s = RedisServer(["user default off", "user cacheprobe on >acl-pw-1 ~* &* +@all"])
    try:
        ok = run_module(
            "redis_cache_probe",
            {"login_host": "127.0.0.1", "login_port": s.port, "login_user": "cacheprobe", "login_password": "acl-pw-1"},
        )
        assert ok.result["is_available"] is True
        bad = run_module(
            "redis_cache_probe",
            {"login_host": "127.0.0.1", "login_port": s.port, "login_user": "cacheprobe", "login_password": "nope"},
        )
        assert bad.result["is_available"] is False and bad.result["error"]["kind"] == "auth"
    finally:
        s.stop()


@pytest.fixture(scope="module")
def acl_server():
    s = RedisServer(LEAST_PRIVILEGE_ACL)
    yield s
    s.stop()


def acl_probe(run_module, target, user, check=False, **kw):
    """The probe as ``user`` of the least-privilege users on ``target`` (a RedisServer, a SentinelSetup or a
    ClusterSetup), its password in the environment as operators give it (ansible echoes an ad-hoc task's arguments
    on a failure); the cluster user shares LiteLLM's password."""
    password = ACL_PASSWORDS["litellm" if user == CLUSTER_USER else user]
    if isinstance(target, SentinelSetup):
        args = {"topology": "sentinel", "service_name": target.service}
        args["sentinel_nodes"] = [f"127.0.0.1:{target.sentinel.port}"]
    elif isinstance(target, ClusterSetup):
        args = {"topology": "cluster", "cluster_nodes": [f"127.0.0.1:{n.port}" for n in target.nodes]}
    else:
        args = {"login_host": "127.0.0.1", "login_port": target.port}
    args["latency_samples"] = 3
    if user != "default":
        args["login_user"] = user
    run = run_module("redis_cache_probe", dict(args, **kw), check=check, env={"LITELLM_CACHE_REDIS_PASSWORD": password})
    assert password not in run.output, "the password leaked into the output"
    return run


def test_a_command_the_user_may_not_run_is_named_never_an_empty_success(run_module, acl_server):
    """The default user may not run CLIENT LIST, LiteLLM's user not INFO: each part it could not run is named
    (not_permitted, a warning), the parts it could run are real, and nothing reads as zero."""
    admin = acl_server.client(username="setup", password=ACL_PASSWORDS["setup"])
    admin.flushdb()
    fill(admin, 7, prefix="litellm:", ttl=600)
    as_default = acl_probe(run_module, acl_server, "default", namespace="litellm", write_check=True)
    r = as_default.result
    assert not as_default.failed and r["is_available"] is True and r["error"] is None, as_default.output
    assert [x["part"] for x in r["not_permitted"]] == ["clients"] and r["clients"] == {}, r["not_permitted"]
    assert "client|list" in r["not_permitted"][0]["commands"] and "client" in r["not_permitted"][0]["message"]
    warning = "not permitted: CLIENT LIST, CLIENT ID (clients unknown)"
    assert any(w.startswith(warning) for w in r["warnings_list"]), r["warnings_list"]
    assert r["keyspace"]["matched"] == 7 and r["write_check"]["ok"] is True and r["server"]["version"]
    assert r["findings"] == [], "the default user may run LiteLLM's scripts"

    as_litellm = acl_probe(run_module, acl_server, "litellm", namespace="litellm", write_check=True)
    r = as_litellm.result
    assert not as_litellm.failed, as_litellm.output
    assert sorted(x["part"] for x in r["not_permitted"]) == ["clients", "server"] and r["server"] == {}
    # its write check goes under the namespace, where this user may write; SCAN, DBSIZE and TTL are its to run
    assert r["write_check"]["ok"] is True and r["write_check"]["key"].startswith("litellm:erni_ki:probe:")
    assert r["keyspace"]["matched"] == 7 and r["keyspace"]["ttl_sample"]["sampled"] == 7
    # LiteLLM's user may not run its rate limiter's script (LITELLM-FACT-010): a warning with the grant, never an error
    [acl] = r["findings"]
    assert acl["id"] == "REDIS-ACL-001" and acl["severity"] == "warning" and "evalsha" in acl["message"], acl
    assert acl["remedy"].startswith("Grant LiteLLM's Redis user the scripting commands (ACL SETUSER litellm +evalsha")


def test_a_flush_the_user_may_not_do_fails_naming_the_acl_and_deletes_nothing(run_module, acl_server):
    admin = acl_server.client(username="setup", password=ACL_PASSWORDS["setup"])
    admin.flushdb()
    fill(admin, 5, prefix="litellm:", ttl=600)
    fill(admin, 4, prefix="team:", ttl=600)
    # outside its key pattern: the flush cannot delete, and says so with the grant it needs
    refused = acl_probe(run_module, acl_server, "litellm", namespace="team", flush=True)
    assert refused.failed and refused.result["flushed"] == 0, refused.output
    msg = refused.result["msg"]
    # the count's TTL sample and the flush's UNLINK touch keys outside ~litellm:*
    assert "the user litellm may not run what this probe was asked to do: keyspace needs DBSIZE, SCAN, TTL" in msg, msg
    assert "flush needs SCAN, UNLINK" in msg and "nothing was deleted" in msg, msg
    assert "ACL SETUSER litellm +dbsize +scan +ttl +unlink, with a key pattern that covers the keys" in msg, msg
    assert admin.dbsize() == 9
    # inside it: the flush does what it says, counted again after deleting
    done = acl_probe(run_module, acl_server, "litellm", namespace="litellm", flush=True)
    assert not done.failed and done.result["flushed"] == 5 and done.result["keyspace"]["matched_after_flush"] == 0
    assert admin.dbsize() == 4


def test_a_write_check_the_user_may_not_do_fails_instead_of_reading_as_a_full_redis(run_module, acl_server):
    """Without a namespace the write check's key is outside LiteLLM's user's pattern: not permitted, named with the
    grant, and not reported as REDIS-MEM-001 (a Redis refusing writes for memory)."""
    run = acl_probe(run_module, acl_server, "litellm", write_check=True)
    assert run.failed and "write_check needs SET, GET, UNLINK" in run.result["msg"], run.output
    assert not [f for f in run.result["findings"] if f["id"] == "REDIS-MEM-001"], run.result["findings"]


# The same users on a Sentinel and on a Cluster. A cluster's LiteLLM user needs the commands that find the masters
# (redis-py's RedisCluster reads CLUSTER SLOTS; the probe CLUSTER INFO and NODES): a deployment grants them.
CLUSTER_USER = "litellm-cluster"
CLUSTER_USERS = [
    *LEAST_PRIVILEGE_ACL,
    f"user {CLUSTER_USER} on >{ACL_PASSWORDS['litellm']} ~litellm:* +@read +@write +@connection +@string +@hash "
    "-@dangerous -@admin +cluster|info +cluster|nodes +cluster|slots +cluster|shards",
]


@pytest.fixture(scope="module")
def acl_sentinel():
    setup = SentinelSetup(LEAST_PRIVILEGE_ACL)
    yield setup
    setup.stop()


@pytest.fixture(scope="module")
def acl_cluster():
    setup = ClusterSetup(CLUSTER_USERS)
    yield setup
    setup.stop()


def topology_probe(run_module, setup, user, check=False, **kw):
    """acl_probe on a topology, in LiteLLM's namespace unless told otherwise."""
    return acl_probe(run_module, setup, user, check=check, **{"namespace": "litellm", **kw})


def test_sentinel_as_least_privilege_users_is_true_or_names_what_it_may_not_run(run_module, acl_sentinel):
    """Issue 22 on a Sentinel: the default user may not list clients, LiteLLM's user neither INFO nor CLIENT LIST.
    The replicas LiteLLM's user cannot read are unknown (null, health unknown), never "no replica online"; the
    namespace is counted, written and flushed as either user; outside its key pattern the flush deletes nothing."""
    admin = acl_sentinel.master.client(username="setup", password=ACL_PASSWORDS["setup"])
    admin.flushdb()
    fill(admin, 6, prefix="litellm:", ttl=600)
    fill(admin, 3, prefix="team:", ttl=600)

    r = topology_probe(run_module, acl_sentinel, "default", write_check=True).result
    assert r["is_available"] and [x["part"] for x in r["not_permitted"]] == ["clients"], r["not_permitted"]
    assert r["topology"]["healthy"] is True and [x["state"] for x in r["topology"]["replicas"]] == ["online"]
    assert r["keyspace"]["matched"] == 6 and r["write_check"]["ok"] is True

    run = topology_probe(run_module, acl_sentinel, "litellm", write_check=True)
    r = run.result
    assert not run.failed and r["is_available"] and r["user"] == "litellm", run.output
    assert sorted(x["part"] for x in r["not_permitted"]) == ["clients", "replicas", "server"], r["not_permitted"]
    assert r["topology"]["replicas"] is None and r["topology"]["healthy"] is None, r["topology"]
    assert not any("no replica" in w for w in r["warnings_list"]), r["warnings_list"]
    assert any(w.startswith("not permitted: INFO (replicas unknown)") for w in r["warnings_list"]), r["warnings_list"]
    assert r["keyspace"]["matched"] == 6 and r["write_check"]["ok"] is True

    refused = topology_probe(run_module, acl_sentinel, "litellm", namespace="team", flush=True)
    assert refused.failed and "ACL SETUSER litellm" in refused.result["msg"], refused.output
    assert "nothing was deleted" in refused.result["msg"] and not refused.result["changed"] and admin.dbsize() == 9
    counted = topology_probe(run_module, acl_sentinel, "litellm", check=True, flush=True)
    assert counted.result["would_flush"] == 6 and counted.result["changed"] and admin.dbsize() == 9
    done = topology_probe(run_module, acl_sentinel, "litellm", flush=True)
    assert not done.failed and done.result["flushed"] == 6 and done.result["keyspace"]["matched_after_flush"] == 0
    assert admin.dbsize() == 3


def test_cluster_as_least_privilege_users_is_true_or_names_what_it_may_not_run(run_module, acl_cluster):
    """Issue 22 on a Cluster: the issue's LiteLLM user, without the cluster commands, cannot even find the masters:
    the probe says so with the grant (not "cluster down"); with them, every master is probed, what the user may not
    run is named once, the replicas are unknown, and the namespace is counted, written and flushed on every shard."""
    data = acl_cluster.client
    for i in range(30):
        data.set(f"litellm:{i:064x}", 1, ex=600)  # cache entries' shape: the namespace and a sha256
        data.set(f"team:{i:064x}", 1, ex=600)

    bare = topology_probe(run_module, acl_cluster, "litellm", fail_on_unavailable=True)
    msg = bare.result["msg"]
    assert bare.failed and bare.result["error"]["kind"] == "not_permitted", bare.output
    assert "the user litellm may not run CLUSTER INFO, CLUSTER NODES" in msg, msg
    assert "ACL SETUSER litellm +cluster|info +cluster|nodes" in msg, msg

    run = topology_probe(run_module, acl_cluster, CLUSTER_USER, write_check=True)
    r = run.result
    assert not run.failed and r["is_available"] and len(r["topology"]["masters"]) == 3, run.output
    assert sorted(x["part"] for x in r["not_permitted"]) == ["clients", "replicas", "server"], r["not_permitted"]
    assert all(m["replicas"] is None for m in r["topology"]["masters"]) and r["topology"]["healthy"] is None
    assert r["keyspace"]["matched"] == 30 and r["write_check"]["ok"] is True

    r = topology_probe(run_module, acl_cluster, "default", write_check=True).result
    assert [x["part"] for x in r["not_permitted"]] == ["clients"], r["not_permitted"]
    # three masters without replicas: known, and said (the shards cannot fail over)
    assert r["topology"]["healthy"] is False and any("no replica" in w for w in r["warnings_list"])

    refused = topology_probe(run_module, acl_cluster, CLUSTER_USER, namespace="team", flush=True)
    assert refused.failed and "nothing was deleted" in refused.result["msg"], refused.output
    assert len(list(data.scan_iter(match="team:*"))) == 30
    done = topology_probe(run_module, acl_cluster, CLUSTER_USER, flush=True)
    assert not done.failed and done.result["flushed"] == 30, done.output
    assert not list(data.scan_iter(match="litellm:*")) and len(list(data.scan_iter(match="team:*"))) == 30


def test_a_cluster_that_is_down_is_unavailable_never_full(run_module, acl_cluster):
    """A slot no master serves (CLUSTER DELSLOTS on every node): the cluster refuses every write with CLUSTERDOWN.
    The probe says the cluster is down, with the write check's reply code, and never reads the refusal as a full
    Redis (REDIS-MEM-001). Runs after the least-privilege test, which needs the cluster up."""
    for node in acl_cluster.nodes:
        node.client(username="setup", password=ACL_PASSWORDS["setup"]).execute_command("CLUSTER", "DELSLOTS", 0)
    wait_for(
        lambda: all(
            b"cluster_state:fail"
            in n.client(username="setup", password=ACL_PASSWORDS["setup"]).execute_command("CLUSTER", "INFO")
            for n in acl_cluster.nodes
        ),
        "the cluster did not go down",
    )
    r = topology_probe(run_module, acl_cluster, "default", write_check=True).result
    assert r["is_available"] is False and r["error"]["kind"] == "cluster_down", r
    assert r["topology"]["cluster_state"] == "fail" and r["topology"]["healthy"] is False, r["topology"]
    assert r["write_check"]["ok"] is False and r["write_check"]["code"] == "CLUSTERDOWN", r["write_check"]
    assert "REDIS-MEM-001" not in [f["id"] for f in r["findings"]], r["findings"]
    assert not any("REDIS-MEM-001" in w for w in r["warnings_list"]), r["warnings_list"]


def test_unix_socket(run_module):
    d = tempfile.mkdtemp(prefix="erni-sock-")
    sock = os.path.join(d, "redis.sock")
    s = RedisServer([f"unixsocket {sock}", "unixsocketperm 700", f"requirepass {PASSWORD}"])
    try:
        run = run_module("redis_cache_probe", {"login_unix_socket": sock, "login_password": PASSWORD})
        assert run.result["is_available"] is True
        missing = run_module("redis_cache_probe", {"login_unix_socket": sock + ".nope"})
        assert missing.result["is_available"] is False and missing.result["error"]["kind"] == "unreachable"
    finally:
        s.stop()


def test_tls(run_module, tmp_path):
    s, tls = tls_redis(str(tmp_path), PASSWORD)
    try:
        base = {"login_host": "127.0.0.1", "login_port": s.port, "login_password": PASSWORD}
        ok = run_module("redis_cache_probe", dict(base, tls=True, ca_certs=tls["ca.crt"], write_check=True))
        assert ok.result["is_available"] is True, ok.result
        assert ok.result["write_check"]["ok"] is True
        untrusted = run_module("redis_cache_probe", dict(base, tls=True))
        assert untrusted.result["is_available"] is False and untrusted.result["error"]["kind"] == "tls"
        unvalidated = run_module("redis_cache_probe", dict(base, tls=True, validate_certs=False))
        assert unvalidated.result["is_available"] is True
        plain = run_module("redis_cache_probe", dict(base, socket_timeout=2, socket_connect_timeout=2))
        assert plain.result["is_available"] is False
        # the url: form of a TLS Redis (rediss://): TLS from the scheme, the CA from ca_certs
        url = {"login_url": f"rediss://:{PASSWORD}@127.0.0.1:{s.port}/0", "ca_certs": tls["ca.crt"]}
        by_url = run_module("redis_cache_probe", url)
        assert by_url.result["is_available"] is True, by_url.result
        assert by_url.result["url"] == f"rediss://:********@127.0.0.1:{s.port}/0" and PASSWORD not in by_url.output
    finally:
        s.stop()


def test_from_container_gives_the_same_result_as_a_direct_probe(run_module, endpoints, redis_password, redis_client):
    """Through the LiteLLM container's own Python and redis-py, on the sandbox's real Redis."""
    c = redis_client(3)
    c.flushdb()
    fill(c, 120, prefix="ns1:", ttl=300)
    fill(c, 30, prefix="ns2:")
    c.set("ns1:daily_metrics_report_sent", 1)  # LiteLLM's own key under the namespace: kept
    args = {
        "login_host": "127.0.0.1",
        "login_port": endpoints["redis"]["port"],
        "login_password": redis_password,
        "db": 3,
        "namespace": "ns1",
        "latency_samples": 5,
    }
    direct = run_module("redis_cache_probe", args)
    inside = run_module("redis_cache_probe", dict(args, from_container=endpoints["proxies"][0]["container"]))
    assert redis_password not in direct.output and redis_password not in inside.output
    assert inside.result["probed_from"] == endpoints["proxies"][0]["container"]
    assert direct.result["probed_from"] == "host"
    for key in ("is_available", "error"):
        assert inside.result[key] == direct.result[key], key
    ttl_in, ttl_direct = inside.result["keyspace"].pop("ttl_sample"), direct.result["keyspace"].pop("ttl_sample")
    assert (
        inside.result["keyspace"]
        == direct.result["keyspace"]
        == {
            "dbsize": 151,
            "pattern": "ns1:" + "[0-9a-f]" * 64,
            "scope": "cache entries under ns1:",
            "matched": 120,
            "other_keys": 1,
        }
    )
    assert ttl_in["sampled"] == ttl_direct["sampled"] == 100 and ttl_in["without_ttl"] == 0
    assert abs(ttl_in["max"] - ttl_direct["max"]) <= 10, "the TTLs only age between the two probes"
    assert inside.result["server"]["version"] == direct.result["server"]["version"]
    flushed = run_module(
        "redis_cache_probe", dict(args, from_container=endpoints["proxies"][0]["container"], flush=True)
    )
    assert flushed.result["flushed"] == 120 and c.dbsize() == 31
    c.flushdb()


def test_from_missing_container_fails_clearly(run_module):
    run = run_module("redis_cache_probe", {"from_container": "no-such-container-xyz"})
    assert run.failed and "no container named 'no-such-container-xyz'" in run.result["msg"]


def test_a_url_names_the_db_and_the_password_and_is_masked(run_module, clean):
    """login_url: the URL's db and password win over db and login_password; the URL is shown masked."""
    c = clean.client(password=PASSWORD, db=2)
    fill(c, 5, prefix="u:")
    args = {"login_url": f"redis://:{PASSWORD}@127.0.0.1:{clean.port}/2", "db": 1, "login_password": "not-this-one"}
    run = run_module("redis_cache_probe", dict(args, key_pattern="u:*", latency_samples=2))
    assert run.result["is_available"] is True and run.result["keyspace"]["matched"] == 5, run.result
    assert run.result["url"] == f"redis://:********@127.0.0.1:{clean.port}/2"
    assert PASSWORD not in run.output and "not-this-one" not in run.output


def test_a_url_variable_the_litellm_process_lacks_fails_naming_it(run_module, endpoints):
    """login_url_env read in the LiteLLM container: litellm-a's entrypoint builds no REDIS_URL, so the probe says which
    variable is missing where, instead of probing something else."""
    container = endpoints["proxies"][0]["container"]
    run = run_module(
        "redis_cache_probe", {"from_container": container, "login_url_env": "REDIS_URL", "fail_on_unavailable": True}
    )
    assert run.failed and run.result["error"]["kind"] == "config", run.result
    assert "REDIS_URL is not set in the LiteLLM process of the container" in run.result["msg"], run.result["msg"]


@pytest.fixture(scope="module")
def no_scan_server():
    """A Redis whose provider disabled SCAN (rename-command, as some managed services do with admin commands)."""
    s = RedisServer([f"requirepass {PASSWORD}", 'rename-command SCAN ""'])
    yield s
    s.stop()


def test_a_command_the_server_disabled_is_an_error_never_an_empty_keyspace(run_module, no_scan_server):
    """PING answers, then SCAN is an unknown command: the result says the probe could not finish (never a keyspace
    of nothing), and with fail_on_unavailable (how the role's preflight and verification call it) the task fails
    naming it, before a flush or the key lookup could pass as done."""
    args = {"login_host": "127.0.0.1", "login_port": no_scan_server.port, "login_password": PASSWORD}
    seen = run_module("redis_cache_probe", dict(args, key_pattern="litellm:*", latency_samples=0))
    assert not seen.failed and seen.result["is_available"] is True, seen.output
    assert seen.result["error"]["kind"] == "error" and "scan" in seen.result["error"]["message"].lower(), seen.result
    assert seen.result["keyspace"] == {}
    failed = run_module("redis_cache_probe", dict(args, key_pattern="litellm:*", fail_on_unavailable=True))
    assert failed.failed and "answered, but the probe could not finish" in failed.result["msg"], failed.result
    assert "scan" in failed.result["msg"].lower() and PASSWORD not in failed.output


def test_a_stall_after_ping_is_a_timeout_never_a_passed_check(run_module, server):
    """PING and reads answer, writes stall (CLIENT PAUSE WRITE, as a failover's or a replica sync's pause does):
    the write check times out mid-probe. The result says timeout (never a write check that passed, nor a full Redis),
    and with fail_on_unavailable (the role's preflight and verification) the task fails naming it."""
    admin = server.client(password=PASSWORD)
    args = {
        "login_host": "127.0.0.1",
        "login_port": server.port,
        "socket_timeout": 1,
        "latency_samples": 0,
        "write_check": True,
    }
    env = {"LITELLM_CACHE_REDIS_PASSWORD": PASSWORD}
    admin.execute_command("CLIENT", "PAUSE", 10000, "WRITE")
    try:
        seen = run_module("redis_cache_probe", args, env=env)
        failed = run_module("redis_cache_probe", dict(args, fail_on_unavailable=True), env=env)
    finally:
        admin.execute_command("CLIENT", "UNPAUSE")
    r = seen.result
    assert not seen.failed and r["is_available"] is True and r["error"]["kind"] == "timeout", seen.output
    assert r["write_check"] is None and r["findings"] == [] and r["server"]["version"], r
    msg = failed.result["msg"]
    assert failed.failed and "answered, but the probe could not finish: timeout" in msg, failed.output
    assert "nothing after it ran" in msg and PASSWORD not in failed.output
