"""The role on Redis setups and Redis answers the sandbox does not produce, as operators meet them: a TLS Redis whose
certificate a private CA signed, reached by the host form (ssl: true, ssl_ca_certs); the verification's Redis check
against every answer the probe gives. Each test has its own Redis (and proxy)."""

import json
import re

import pytest
import yaml

from tests.helpers.redis_server import RedisServer, free_port, tls_redis
from tests.helpers.role_runs import role_vars, run_playbook, run_role, write_inventory

CA_INSIDE = "/run/secrets/redis_ca.crt"  # where the stack mounts the CA, as it mounts its other secrets


def test_a_tls_redis_with_a_private_ca_is_switched_to_verified_and_shown(
    tmp_path, litellm_launcher, endpoints, redis_password, master_key
):
    """litellm_cache_tls and litellm_cache_ca_certs: the module writes ssl: true and ssl_ca_certs, the
    probe (in the LiteLLM container) verifies the server with the same file at preflight and verification, LiteLLM
    caches into the TLS Redis, and cache_status follows the config's TLS settings (none of it works without the
    CA: the server's certificate is not one the system trusts)."""
    certs = tmp_path / "certs"
    certs.mkdir()
    server, tls = tls_redis(str(certs), redis_password)  # the stack's Redis password secret
    try:
        config = tmp_path / "conf" / "config.yaml"
        config.parent.mkdir()
        with open(endpoints["proxies"][0]["config_path"], encoding="utf-8") as f:
            config.write_text(f.read())
        proxy = litellm_launcher.start("1.80.11", config_path=str(config), port=4083, mounts={tls["ca.crt"]: CA_INSIDE})
        hostvars = role_vars(
            endpoints,
            proxy,
            litellm_cache_mode="redis",
            litellm_cache_login_port=server.port,
            litellm_cache_tls=True,
            litellm_cache_ca_certs=CA_INSIDE,
            litellm_cache_namespace="tls",
            litellm_cache_state_dir=str(tmp_path / "state"),
        )
        run = run_role(tmp_path, hostvars)
        out = run.stdout + run.stderr
        assert run.returncode == 0 and "cache hit on solo" in run.stdout, out[-4000:]
        cache = yaml.safe_load(config.read_text())["litellm_settings"]["cache_params"]
        assert cache["ssl"] is True and cache["ssl_ca_certs"] == CA_INSIDE, cache
        data = server.client(password=redis_password, ssl=True, ssl_ca_certs=tls["ca.crt"])
        entries = [k for k in data.scan_iter(match="tls:*", count=1000) if re.fullmatch(rb"tls:[0-9a-f]{64}", k)]
        assert entries, "LiteLLM cached into the TLS Redis"

        status = run_playbook(str(tmp_path / "inventory.yml"), "erni_ki.litellm.cache_status")
        text = status.stdout + status.stderr
        assert status.returncode == 0 and "running cache redis" in status.stdout, text[-4000:]
        assert "redis up, p99" in status.stdout, text[-4000:]
        for output in (out, text):
            assert redis_password not in output and master_key not in output
    finally:
        server.stop()


VERIFY_PLAY = """
- name: The verification's Redis check alone
  hosts: proxies
  gather_facts: false
  tasks:
    - name: Verify the key is in Redis
      ansible.builtin.include_role:
        name: erni_ki.litellm.litellm_cache
        tasks_from: verify_redis
"""
KEY = "a" * 64  # a cache key as LiteLLM returns it in x-litellm-cache-key
PASSWORD = "verify-pw-Secret-1"


@pytest.fixture(scope="module")
def verify_redis():
    s = RedisServer([f"requirepass {PASSWORD}", f"user noscan on >{PASSWORD} ~* &* +@all -scan"])
    yield s
    s.stop()


def verify(tmp_path, port, user=None, secret=PASSWORD):
    """verify_redis.yml as the role runs it after a hit (the probe on the host here, not in a container)."""
    secret_file = tmp_path / "redis_password"
    secret_file.write_text(secret)
    extra = {
        "__litellm_cache_docker_args": {},
        "__litellm_cache_probe_args": {
            "login_host": "127.0.0.1",
            "login_port": port,
            "login_user": user,
            "login_password": f"{{{{ lookup('ansible.builtin.file', '{secret_file}') }}}}",
            "socket_timeout": 1,
            "socket_connect_timeout": 1,
            "fail_on_unavailable": True,
        },
        "__litellm_cache_verify_key": KEY,
        "litellm_cache_topology": "standalone",
        "litellm_cache_db": 0,
        "litellm_cache_login_user": user,
    }
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    (tmp_path / "play.yml").write_text(VERIFY_PLAY)
    inventory = write_inventory(tmp_path / "inventory.yml", {"solo": {}})
    run = run_playbook(inventory, str(tmp_path / "play.yml"), "-e", f"@{tmp_path / 'extra.json'}")
    out = run.stdout + run.stderr
    assert secret not in out, "a password leaked into the output"
    assert "Error while resolving" not in out and "has no attribute" not in out, "a template error: " + out[-3000:]
    return run.returncode, out


@pytest.mark.parametrize(
    ("state", "needle"),
    [
        ("holds-the-key", None),
        ("no-key", f"cache key {KEY} matched 0 keys in Redis db 0"),
        ("scan-not-permitted", f"could not look cache key {KEY} up in Redis: the Redis user noscan may not run DBSIZE"),
        ("wrong-password", "is not usable: auth"),
        ("refused", "is not usable: refused"),
        ("stalled", "is not usable: timeout"),
    ],
)
def test_the_verification_names_what_it_could_not_check_never_a_template_error(tmp_path, verify_redis, state, needle):
    """Issue 22: every answer of the probe, from a real Redis in that state, gives the verification a verdict that
    names the cause (a key found, a key missing, a command the user may not run, Redis unusable and why)."""
    admin = verify_redis.client(password=PASSWORD)
    admin.delete(KEY)
    port, user, secret = verify_redis.port, None, PASSWORD
    if state == "holds-the-key":
        admin.set(KEY, "cached", ex=60)
    elif state == "scan-not-permitted":
        admin.set(KEY, "cached", ex=60)
        user = "noscan"
    elif state == "wrong-password":
        secret = "not-the-password-1"
    elif state == "refused":
        port = free_port()
    if state == "stalled":
        verify_redis.container.pause()  # frozen: the connection is accepted, PING waits past socket_timeout
        try:
            code, out = verify(tmp_path, port, user, secret)
        finally:
            verify_redis.container.unpause()
    else:
        code, out = verify(tmp_path, port, user, secret)
    if needle is None:
        assert code == 0 and "ok=" in out, out[-3000:]
    else:
        assert code == 2 and needle in out, out[-3000:]
