"""The role on Redis setups the sandbox does not run, as operators run them: a TLS Redis whose certificate a private
CA signed, reached by the host form (ssl: true, ssl_ca_certs). Each test has its own Redis and proxy."""

import re

import yaml

from tests.helpers.redis_server import RedisServer, make_tls_material
from tests.helpers.role_runs import role_vars, run_playbook, run_role

CA_INSIDE = "/run/secrets/redis_ca.crt"  # where the stack mounts the CA, as it mounts its other secrets


def test_a_tls_redis_with_a_private_ca_is_switched_to_verified_and_shown(
    tmp_path, litellm_launcher, endpoints, redis_password, master_key
):
    """litellm_cache_redis_tls and litellm_cache_redis_ca_certs: the module writes ssl: true and ssl_ca_certs, the
    probe (in the LiteLLM container) verifies the server with the same file at preflight and verification, LiteLLM
    caches into the TLS Redis, and cache_status follows the config's TLS settings (none of it works without the
    CA: the server's certificate is not one the system trusts)."""
    certs = tmp_path / "certs"
    certs.mkdir()
    tls = make_tls_material(str(certs))
    server = RedisServer(
        [
            f"tls-cert-file {tls['server.crt']}",
            f"tls-key-file {tls['server.key']}",
            f"tls-ca-cert-file {tls['ca.crt']}",
            "tls-auth-clients no",
            f"requirepass {redis_password}",  # the stack's Redis password secret
        ],
        tls=True,
    )
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
            litellm_cache_redis_port=server.port,
            litellm_cache_redis_tls=True,
            litellm_cache_redis_ca_certs=CA_INSIDE,
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
