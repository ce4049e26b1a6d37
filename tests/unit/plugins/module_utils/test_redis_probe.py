import errno
import fnmatch
import os
import re
import socket
import ssl
import time

import pytest
from redis import exceptions as rexc
from redis.sentinel import MasterNotFoundError

from ansible_collections.erni_ki.litellm.plugins.module_utils import masking
from ansible_collections.erni_ki.litellm.plugins.module_utils import redis_probe as rp


def test_namespace_is_matched_literally():
    assert rp.scope_pattern("litellm") == "litellm:" + "[0-9a-f]" * 64
    assert rp.scope_pattern("a*b?[c]\\") == "a\\*b\\?\\[c\\]\\\\:" + "[0-9a-f]" * 64
    assert rp.namespace_pattern("a*b") == "a\\*b:*"


def test_a_namespace_scope_is_the_cache_entries_not_litellms_state():
    """LITELLM-FACT-009: LiteLLM's own keys under the namespace are not cache entries."""
    entry = re.compile(fnmatch.translate(rp.scope_pattern("ns")))
    assert entry.match("ns:" + "0123456789abcdef" * 4)
    for state in (
        "ns:daily_metrics_report_sent",
        "ns:{api_key:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef}:tokens",
        "ns:" + "0123456789abcdef" * 4 + ":x",
        "ns:" + "0123456789ABCDEF" * 4,
        "other:" + "0" * 64,
    ):
        assert not entry.match(state), state
    assert rp.scope_text("ns") == "cache entries under ns:"
    assert rp.scope_text(None, "x:*") == "keys matching x:*"
    assert rp.scope_text("ns", None, True) == "keys in the whole db"
    assert rp.scope_pattern(None, "foo:*") == "foo:*"
    assert rp.scope_pattern(None, None) is None


def test_percentiles():
    values = sorted(float(i) for i in range(1, 101))
    pct = rp.percentiles(values)
    assert pct[50] == 50.5 and pct[99] == pytest.approx(99.01)
    assert rp.percentiles([3.0]) == {50: 3.0, 95: 3.0, 99: 3.0}
    assert rp.percentiles([]) == {50: None, 95: None, 99: None}


def _chained(outer, inner):
    try:
        raise inner
    except Exception as exc:  # noqa: BLE001
        try:
            raise outer from exc
        except Exception as final:  # noqa: BLE001
            return final


def _os_error(number):
    return OSError(number, os.strerror(number))


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        # what redis-py (>= 4.6) raises for NOAUTH, WRONGPASS, "ERR invalid password" and NOPERM
        (rexc.AuthenticationError("invalid username-password pair"), "auth"),
        (rexc.NoPermissionError("this user has no permissions to run the 'info' command"), "auth"),
        # an older client leaves the reply's code in place: the code decides, as redis-py's own parser reads it
        (rexc.ResponseError("WRONGPASS invalid username-password pair or user is disabled."), "auth"),
        (rexc.ResponseError("ERR unknown command 'x'"), "error"),
        # redis-py raises its ConnectionError during the OSError it caught: the error number decides
        (_chained(rexc.ConnectionError("Error 111 connecting"), _os_error(errno.ECONNREFUSED)), "refused"),
        (_chained(rexc.ConnectionError("Error 2 connecting"), _os_error(errno.ENOENT)), "unreachable"),
        (_chained(rexc.ConnectionError("Error 104 while reading"), _os_error(errno.ECONNRESET)), "unreachable"),
        (_chained(rexc.ConnectionError("Error 110 connecting"), _os_error(errno.ETIMEDOUT)), "timeout"),
        (rexc.TimeoutError("Timeout reading from socket"), "timeout"),
        (_chained(rexc.ConnectionError("Error 1 connecting"), ssl.SSLError("CERTIFICATE_VERIFY_FAILED")), "tls"),
        (_chained(rexc.ConnectionError("Error -2 connecting to nohost:6379."), socket.gaierror(-2, "x")), "dns"),
        # no OS error behind it: the server hung up, or no Sentinel knows a master
        (rexc.ConnectionError("Connection closed by server."), "unreachable"),
        (MasterNotFoundError("No master found for 'cache'"), "unreachable"),
        (rexc.RedisClusterException("Redis Cluster cannot be connected."), "unreachable"),
        (_os_error(errno.ECONNREFUSED), "refused"),
    ],
)
def test_errors_are_classified_by_their_type_and_error_number(exc, kind):
    assert rp.classify_error(exc)[0] == kind


@pytest.mark.parametrize(
    "exc",
    [
        rexc.ConnectionError("Connection refused"),
        rexc.ResponseError("ERR the password NOAUTH WRONGPASS was rejected by an SSL TLS proxy"),
        rexc.RedisError("Name or service not known"),
    ],
)
def test_the_words_of_a_message_decide_nothing(exc):
    """Issue 23: no code decides by a message's text (it differs between redis-py releases and platforms): words
    that once decided a kind, without the type or error number behind them, give no kind of their own."""
    assert rp.classify_error(exc)[0] in {"unreachable", "error"}
    assert rp.classify_error(exc)[0] == ("unreachable" if isinstance(exc, rexc.ConnectionError) else "error")


def test_an_unmapped_reply_keeps_its_code():
    assert rp.reply_code(rexc.ResponseError("MASTERDOWN Link with MASTER is down")) == "MASTERDOWN"
    assert rp.reply_code(rexc.NoPermissionError("no permissions to run 'set'")) == "NOPERM"
    assert rp.reply_code(rexc.ResponseError("unknown subcommand")) == "ERR"


def test_probe_masks_with_the_one_masking_module():
    """The probe (also inside a container) masks with masking.py itself: no copy to drift."""
    assert rp.mask_text is masking.mask_text
    assert rp.mask_text("AUTH s3cret-longer and s3cret failed", ["s3cret", "s3cret-longer", None]) == (
        "AUTH ******** and ******** failed"
    )


class StallingClient:
    """PING answers at once, except the calls listed, which take ``stall`` seconds (pure timing logic)."""

    def __init__(self, stall_at, stall):
        self.calls = 0
        self.stall_at = set(stall_at)
        self.stall = stall

    def ping(self):
        self.calls += 1
        if self.calls in self.stall_at:
            time.sleep(self.stall)


def test_a_window_spreads_the_samples_and_the_budget_is_judged_on_the_worst():
    client = StallingClient(stall_at=[7], stall=0.12)
    start = time.perf_counter()
    summary, values = rp.measure_latency(client, 10, window=0.5)
    assert time.perf_counter() - start >= 0.45, "samples were not spread over the window"
    assert summary["samples"] == 10 and summary["window_s"] == 0.5 and summary["max"] >= 120
    budget = rp.latency_budget(values, {"socket_timeout": 0.2}, 0.5)
    assert budget == {"ms": 100.0, "stalls": 1, "exceeded": True}
    assert rp.latency_budget(values, {"socket_timeout": 1.0}, 0.5)["exceeded"] is False


def test_memory_findings():
    full = {"maxmemory": 1048576, "used_memory": 1040000, "maxmemory_policy": "noeviction", "evicted_keys": 0}
    assert [f["id"] for f in rp.memory_findings(full, {"ok": True})] == ["REDIS-MEM-002"]
    refused = rp.memory_findings(dict(full, used_memory=10), {"ok": False, "error": "OOM command not allowed"})
    assert [f["id"] for f in refused] == ["REDIS-MEM-001"] and "OOM" in refused[0]["message"]
    lru = {"maxmemory": 1048576, "used_memory": 1048000, "maxmemory_policy": "allkeys-lru", "evicted_keys": 12}
    assert [(f["id"], f["severity"]) for f in rp.memory_findings(lru, None)] == [("REDIS-MEM-003", "warning")]
    assert rp.memory_findings({"maxmemory": 0, "used_memory": 5}, {"ok": True}) == []


# ------------------------------------------------------------------ the url form (login_url, login_url_env)


def _process(proc, pid, cmdline, env):
    d = proc / str(pid)
    d.mkdir()
    (d / "cmdline").write_bytes(b"\0".join(cmdline) + b"\0")
    (d / "environ").write_bytes(b"\0".join(f"{k}={v}".encode() for k, v in env.items()) + b"\0")


def test_the_url_is_read_where_litellm_runs_then_pid_1(tmp_path, monkeypatch):
    """An entrypoint that builds REDIS_URL and starts LiteLLM as its child: only the child's environment has it.
    (A fake /proc: the live suite reads a real container's.)"""
    proc = tmp_path / "proc"
    proc.mkdir()
    _process(proc, 1, [b"/bin/sh", b"/entrypoint.sh"], {"PATH": "/bin"})
    _process(proc, 7, [b"/usr/bin/python3", b"/usr/local/bin/litellm", b"--config", b"c"], {"REDIS_URL": "redis://r/1"})
    _process(proc, 9, [b"python3", b"-c", b"erni_ki.litellm probe"], {"REDIS_URL": "redis://wrong/2"})
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert rp.process_env("REDIS_URL", str(proc)) == "redis://r/1"
    (proc / "7" / "environ").write_bytes(b"PATH=/bin\0")
    _process(proc, 3, [b"tini"], {})
    (proc / "1" / "environ").write_bytes(b"REDIS_URL=redis://from-pid-1/3\0")
    assert rp.process_env("REDIS_URL", str(proc)) == "redis://from-pid-1/3"
    (proc / "1" / "environ").write_bytes(b"")
    assert rp.process_env("REDIS_URL", str(proc)) is None
    monkeypatch.setenv("REDIS_URL", "redis://configured/4")
    assert rp.process_env("REDIS_URL", str(proc)) == "redis://configured/4"


def test_resolve_url_names_the_variable_when_nothing_has_it(monkeypatch):
    monkeypatch.delenv("ERNI_NO_SUCH_URL", raising=False)
    assert rp.resolve_url({"login_host": "x"}) == {"login_host": "x"}
    with pytest.raises(LookupError, match="ERNI_NO_SUCH_URL is not set"):
        rp.resolve_url({"login_url_env": "ERNI_NO_SUCH_URL"})
    monkeypatch.setenv("ERNI_NO_SUCH_URL", "redis://h:1/2")
    assert rp.resolve_url({"login_url_env": "ERNI_NO_SUCH_URL"})["login_url"] == "redis://h:1/2"


def test_a_url_client_takes_what_the_url_says_and_the_options_fill_in():
    conn = {"login_url": "redis://:url-pw@redis.example:6380/7", "login_password": "opt-pw", "socket_timeout": 2.0}
    kw = rp.make_client(conn).connection_pool.connection_kwargs
    assert (kw["host"], kw["port"], kw["db"], kw["password"], kw["socket_timeout"]) == (
        "redis.example",
        6380,
        7,
        "url-pw",
        2.0,
    )
    kw = rp.make_client(
        {"login_url": "redis://redis.example/1", "login_password": "opt-pw"}
    ).connection_pool.connection_kwargs
    assert kw["password"] == "opt-pw" and kw["db"] == 1
    tls = rp.make_client({"login_url": "rediss://redis.example:6380/0", "validate_certs": False})
    assert tls.connection_pool.connection_kwargs["ssl_cert_reqs"] == "none"
    assert "url-pw" in rp.connection_secrets(conn)
    assert rp.empty_result(conn)["url"] == "redis://:********@redis.example:6380/7"


def test_a_refused_write_carries_the_code_of_redis_reply_not_its_text():
    assert rp.reply_code(rexc.ClusterDownError("The cluster is down")) == "CLUSTERDOWN"
    assert rp.reply_code(rexc.OutOfMemoryError("command not allowed when used memory > 'maxmemory'")) == "OOM"
    assert rp.reply_code(rexc.ReadOnlyError("You can't write against a read only replica.")) == "READONLY"
    assert rp.reply_code(rexc.ResponseError("the cluster is down, said in other words")) == "ERR"
    full = {"ok": False, "error": "command not allowed", "code": "OOM"}
    down = {"ok": False, "error": "The cluster is down", "code": "CLUSTERDOWN"}
    assert [f["id"] for f in rp.memory_findings({}, full)] == ["REDIS-MEM-001"]
    assert rp.memory_findings({}, down) == [], "a down cluster is the topology's finding, not a full Redis"
