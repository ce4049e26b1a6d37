import re

import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_cache_config as cfg
from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb
from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_version import LiteLLMVersion
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import MASK, mask_config_text


def params(**kw):
    return cfg.CacheRequest(**{"mode": "redis", "litellm_version": "1.80.11", **kw})


REDIS = {"login_host": "redis", "login_port": 6379, "login_password_env": "REDIS_PASSWORD", "socket_timeout": 30}


def test_local_to_redis_changes_only_cache_params(fixture_text, changed_lines):
    text = fixture_text("production.yaml")
    out = cfg.plan(text, params(**REDIS))
    assert out["changed"] and out["previous_mode"] == "local" and out["mode"] == "redis"
    assert changed_lines(text, out["new_text"]) == [
        "-    type: local",
        "+    type: redis",
        "+    host: redis",
        "+    port: 6379",
        "+    password: os.environ/REDIS_PASSWORD",
        "+    socket_timeout: 30",
    ]
    assert out["cache_params"]["password"] == "os.environ/REDIS_PASSWORD"


def test_local_redis_local_round_trip_is_byte_identical(fixture_text):
    text = fixture_text("production.yaml")
    redis_text = cfg.plan(text, params(**REDIS))["new_text"]
    back = cfg.plan(redis_text, params(mode="local"))
    assert back["previous_mode"] == "redis"
    assert back["new_text"] == text


def test_second_identical_run_changes_nothing(fixture_text):
    first = cfg.plan(fixture_text("production.yaml"), params(**REDIS))["new_text"]
    second = cfg.plan(first, params(**REDIS))
    assert not second["changed"] and second["new_text"] == first


def test_whole_float_and_int_are_the_same_value(fixture_text):
    first = cfg.plan(fixture_text("production.yaml"), params(**{**REDIS, "socket_timeout": 30.0}))["new_text"]
    assert "socket_timeout: 30\n" in first
    assert not cfg.plan(first, params(**{**REDIS, "socket_timeout": 30}))["changed"]


def test_literal_password_is_masked_in_returns(fixture_text):
    out = cfg.plan(fixture_text("production.yaml"), params(login_host="redis", login_password="hunter2"))
    assert "hunter2" in out["new_text"]
    assert out["cache_params"]["password"] == MASK
    masked = mask_config_text(out["new_text"], ["hunter2"])
    assert "hunter2" not in masked
    assert "password: ********" in masked
    # a database URL with credentials elsewhere in the file is masked too
    assert "llm:********@db" in masked


def test_disabled_keeps_cache_params(fixture_text, changed_lines):
    text = fixture_text("production.yaml")
    out = cfg.plan(text, params(mode="disabled"))
    assert changed_lines(text, out["new_text"]) == ["-  cache: true", "+  cache: false"]
    assert cfg.plan(out["new_text"], params(mode="disabled"))["previous_mode"] == "disabled"


def test_config_without_cache_gets_a_cache_section(fixture_text):
    text = fixture_text("no_cache.yaml")
    out = cfg.plan(text, params(mode="local", ttl=600))
    assert out["previous_mode"] == "disabled"
    assert "litellm_settings:\n  cache: true\n  cache_params:\n    type: local\n    ttl: 600\n" in out["new_text"]
    assert out["new_text"].startswith(text)


def test_cache_params_without_type_is_reported_and_fixed(fixture_text):
    out = cfg.plan(fixture_text("no_type.yaml"), params(mode="local"))
    assert [f["id"] for f in out["findings"]] == ["LITELLM-CACHE-007"]
    assert (
        "  cache_params:   # no type: LiteLLM silently uses memory\n    type: local\n    ttl: 600\n" in out["new_text"]
    )


def test_extra_params_are_validated_and_removed_on_local(fixture_text):
    text = fixture_text("production.yaml")
    out = cfg.plan(text, params(**REDIS, extra_cache_params={"ssl_check_hostname": False}))
    assert "ssl_check_hostname: false" in out["new_text"]
    back = cfg.plan(out["new_text"], params(mode="local", extra_cache_params={"ssl_check_hostname": False}))
    assert back["new_text"] == text


def test_crashing_key_is_refused_and_names_the_remedy(fixture_text):
    with pytest.raises(cfg.GateRefused) as err:
        cfg.plan(fixture_text("production.yaml"), params(**REDIS, extra_cache_params={"connection_pool_timeout": 5}))
    assert "LITELLM-CACHE-001" in str(err.value)
    assert "REDIS_CONNECTION_POOL_TIMEOUT" in str(err.value)


def test_unknown_key_is_refused(fixture_text):
    with pytest.raises(cfg.GateRefused) as err:
        cfg.plan(fixture_text("production.yaml"), params(**REDIS, extra_cache_params={"sockettimeout": 5}))
    assert "LITELLM-CACHE-002" in str(err.value) and "sockettimeout" in str(err.value)


def test_gate_refuses_old_release_and_names_both_versions(fixture_text):
    with pytest.raises(cfg.GateRefused) as err:
        cfg.plan(fixture_text("production.yaml"), params(**REDIS, litellm_version="v1.80.0-stable.1"))
    msg = str(err.value)
    assert "v1.80.0-stable.1" in msg and "1.80.11" in msg
    assert err.value.gate["blocked_by"] == ["min_redis_version"]


def test_fallback_local_writes_local(fixture_text):
    text = fixture_text("production.yaml")
    out = cfg.plan(text, params(**REDIS, litellm_version="1.80.0", on_blocked="fallback_local"))
    assert out["mode"] == "local" and not out["changed"]
    assert out["gate"]["allowed"] is False
    assert any("falling back to local" in w for w in out["warnings"])


def test_warn_policy_writes_redis_anyway(fixture_text):
    out = cfg.plan(fixture_text("production.yaml"), params(**REDIS, litellm_version="1.80.0", on_blocked="warn"))
    assert out["mode"] == "redis" and out["changed"]
    assert any("applied anyway" in w for w in out["warnings"])


def test_force_passes_the_gate_but_keeps_findings(fixture_text):
    out = cfg.plan(
        fixture_text("production.yaml"),
        params(**REDIS, litellm_version="1.80.11", container_env=["REDIS_URL"], force=True),
    )
    assert out["gate"]["allowed"] and out["gate"]["forced"] is True and out["gate"]["reason"].startswith("forced")
    assert "LITELLM-CACHE-005" in [f["id"] for f in out["findings"]]


def test_blocked_versions_by_tag(fixture_text):
    with pytest.raises(cfg.GateRefused) as err:
        cfg.plan(
            fixture_text("production.yaml"),
            params(**REDIS, litellm_version="v1.108.7-stable.1", blocked_versions=["1.108.7"]),
        )
    assert "blocked_versions" in err.value.gate["blocked_by"]


def test_unknown_version_blocks_redis_but_not_local(fixture_text):
    with pytest.raises(cfg.GateRefused) as err:
        cfg.plan(fixture_text("production.yaml"), params(**REDIS, litellm_version=None))
    assert "version_unknown" in err.value.gate["blocked_by"]
    assert cfg.plan(fixture_text("production.yaml"), params(mode="local", litellm_version=None))["gate"]["allowed"]


def test_router_redis_writes_cache_kwargs_where_redis_db_is_dropped(fixture_text):
    text = fixture_text("production.yaml")
    old = cfg.plan(text, params(**REDIS, db=2, router_redis=True, litellm_version="1.80.11"))
    assert "  cache_kwargs:\n    db: 2\n" in old["new_text"]
    assert "redis_db" not in old["new_text"]
    new = cfg.plan(text, params(**REDIS, db=2, router_redis=True, litellm_version="1.108.7"))
    assert "  redis_db: 2\n" in new["new_text"] and "cache_kwargs" not in new["new_text"]
    assert cfg.plan(new["new_text"], params(mode="local", router_redis=True))["new_text"] == text
    assert cfg.plan(old["new_text"], params(mode="local", router_redis=True))["new_text"] == text


def test_shared_router_client_blocks_1_80_0_to_1_80_10(fixture_text):
    text = fixture_text("router_redis.yaml")
    with pytest.raises(cfg.GateRefused) as err:
        cfg.plan(text, params(**REDIS, litellm_version="1.80.5", min_redis_version="1.80.0"))
    assert "LITELLM-CACHE-003" in err.value.gate["blocked_by"]
    assert cfg.plan(text, params(**REDIS, litellm_version="1.80.11"))["gate"]["allowed"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("litellm_settings: [cache]\n", "litellm_settings is a list, not a mapping"),
        ("litellm_settings: true\n", "litellm_settings is a bool, not a mapping"),
        ("- a\n- b\n", "top level is a list"),
        ("litellm_settings:\n  cache_params: redis\n", "litellm_settings.cache_params is a str"),
        ("a: [\n", "is not valid YAML at line"),
    ],
)
def test_bad_input_says_what_and_where(text, expected):
    with pytest.raises(cfg.ConfigError) as err:
        cfg.plan(text, params(mode="local"), source="/srv/config.yaml")
    assert expected in str(err.value)


def test_bad_version_text_is_a_config_error(fixture_text):
    with pytest.raises(cfg.ConfigError) as err:
        cfg.plan(fixture_text("production.yaml"), params(**REDIS, litellm_version="latest"))
    assert "cannot read LiteLLM version 'latest'" in str(err.value)


@pytest.mark.parametrize(
    "option,value,needle",
    [
        ("ttl", -5, "ttl: -5 is outside > 0"),
        ("socket_timeout", -1, "socket_timeout: -1 is outside > 0"),
        ("max_connections", -1, "max_connections: -1 is outside > 0"),
        ("login_port", 99999, "login_port: 99999 is outside 1-65535"),
        ("db", -1, "db: -1 is outside >= 0"),
        ("login_host", "redis host", "login_host: 'redis host' is not a host name"),
        ("login_password_env", "NOT SET", "login_password_env: 'NOT SET' is not an environment variable name"),
    ],
)
def test_values_litellm_would_fail_on_are_refused_naming_the_option(fixture_text, option, value, needle):
    with pytest.raises(cfg.ConfigError, match=re.escape(needle)):
        cfg.plan(fixture_text("production.yaml"), params(**{**REDIS, option: value}))


def test_a_dangling_env_reference_is_refused_naming_what_exists(fixture_text):
    env = ["REDIS_PASSWORD", "LITELLM_MASTER_KEY", "PATH"]
    with pytest.raises(cfg.GateRefused) as err:
        cfg.plan(
            fixture_text("production.yaml"), params(**{**REDIS, "login_password_env": "NO_SUCH_VAR"}, container_env=env)
        )
    assert err.value.gate["blocked_by"] == ["LITELLM-CACHE-010"]
    assert "os.environ/NO_SUCH_VAR is not set in the container" in str(err.value)
    assert "LITELLM_MASTER_KEY, REDIS_PASSWORD" in str(err.value)
    # the same reference with the variable present passes
    assert cfg.plan(fixture_text("production.yaml"), params(**REDIS, container_env=env))["gate"]["allowed"]


def test_a_bad_value_already_in_the_file_is_refused_by_the_gate(fixture_text):
    text = cfg.plan(fixture_text("production.yaml"), params(**REDIS))["new_text"].replace(
        "socket_timeout: 30", "socket_timeout: -1"
    )
    with pytest.raises(cfg.GateRefused) as err:
        cfg.plan(text, params(**{k: v for k, v in REDIS.items() if k != "socket_timeout"}))
    assert "LITELLM-CACHE-009" in err.value.gate["blocked_by"]
    assert "socket_timeout: -1 is outside > 0" in str(err.value)


def test_blocked_channel_entry_matches_the_image_tag(fixture_text):
    req = params(
        **REDIS,
        litellm_version="1.80.11",
        litellm_image="ghcr.io/berriai/litellm:v1.80.11-stable.1",
        blocked_versions=["v1.80.11-stable"],
    )
    with pytest.raises(cfg.GateRefused) as err:
        cfg.plan(fixture_text("production.yaml"), req)
    assert err.value.gate["blocked_by"] == ["blocked_versions"]
    assert "v1.80.11-stable.1 is in blocked_versions (v1.80.11-stable)" in str(err.value)


def test_blocked_entry_that_can_never_match_is_a_warning(fixture_text):
    out = cfg.plan(
        fixture_text("production.yaml"),
        params(
            **REDIS,
            litellm_version="1.80.11",
            litellm_image="registry:5000/litellm:latest",
            blocked_versions=["v1.80.11-stable"],
        ),
    )
    assert out["gate"]["allowed"]
    assert any("'v1.80.11-stable'" in w and "can never match" in w for w in out["warnings"])
    plain_entry = cfg.plan(fixture_text("production.yaml"), params(**REDIS, blocked_versions=["1.80.0"]))
    assert not any("can never match" in w for w in plain_entry["warnings"])


def test_tls_off_never_writes_a_false_ssl_and_removes_one(fixture_text):
    """On 1.80.x the mere presence of `ssl` in cache_params selects an SSLConnection (LiteLLM's
    get_redis_connection_pool), so `ssl: false` would dial TLS to a plaintext Redis: the module never writes it, and
    tls false takes an `ssl` key out."""
    text = fixture_text("production.yaml")
    off = cfg.plan(text, params(**REDIS, tls=False))["new_text"]
    assert "ssl" not in off
    on = cfg.plan(text, params(**REDIS, tls=True))["new_text"]
    assert "    ssl: true\n" in on
    back_off = cfg.plan(on, params(**REDIS, tls=False))
    assert back_off["changed"] and "ssl" not in back_off["new_text"] and back_off["new_text"] == off
    # an existing false ssl goes too, and a second run changes nothing
    with_false = on.replace("    ssl: true\n", "    ssl: false\n")
    fixed = cfg.plan(with_false, params(**REDIS, tls=False))
    assert fixed["changed"] and fixed["new_text"] == off
    assert not cfg.plan(off, params(**REDIS, tls=False))["changed"]
    # not given: an ssl key the operator wrote stays as it is
    assert cfg.plan(on, params(**REDIS))["new_text"] == on


def test_a_refusal_names_the_one_release_that_clears_it_and_the_changes_that_clear_it_instead(fixture_text):
    """The operators' stack (issue 24): 1.80.0, the router on Redis, REDIS_URL exported by the entrypoint and
    connection_pool_timeout in cache_params. Each reason is one line, shortest first; upgrade_to is the one measured
    release that clears every reason an upgrade can clear; each reason says what clears it instead."""
    with pytest.raises(cfg.GateRefused) as err:
        cfg.plan(
            fixture_text("router_redis.yaml"),
            params(
                **REDIS,
                litellm_version="v1.80.0-stable.1",
                container_env=["REDIS_URL", "REDIS_PASSWORD"],
                extra_cache_params={"connection_pool_timeout": 5},
            ),
        )
    gate = err.value.gate
    assert gate["upgrade_to"] == "1.93.0"
    advice = {a["id"]: (a["upgrade_to"], bool(a["change"])) for a in gate["advice"]}
    assert advice == {
        "min_redis_version": ("1.80.11", False),
        "LITELLM-CACHE-003": ("1.80.11", True),
        "LITELLM-CACHE-005": ("1.93.0", True),
        "LITELLM-CACHE-001": (None, True),  # no release clears it: only the change does
    }
    reasons = [line[2:] for line in gate["reason"].splitlines() if line.startswith("- ")]
    assert len(reasons) == 4 and [len(r) for r in reasons] == sorted(len(r) for r in reasons), gate["reason"]
    assert [a["reason"] for a in gate["advice"]] == reasons
    assert (
        "upgrade LiteLLM to 1.93.0: that clears min_redis_version, LITELLM-CACHE-005, LITELLM-CACHE-003"
        in (gate["reason"])
    ), gate["reason"]
    assert "LITELLM-CACHE-001 needs a change whatever the release" in gate["reason"], gate["reason"]


def test_no_advice_to_upgrade_when_the_release_is_unknown_or_nothing_measured_clears_it(fixture_text):
    with pytest.raises(cfg.GateRefused) as err:
        cfg.plan(fixture_text("production.yaml"), params(**REDIS, litellm_version=None))
    assert err.value.gate["upgrade_to"] is None
    with pytest.raises(cfg.GateRefused) as err:
        cfg.plan(fixture_text("production.yaml"), params(**REDIS, extra_cache_params={"sockettimeout": 5}))
    assert err.value.gate["upgrade_to"] is None and err.value.gate["advice"][0]["change"]
    assert cfg.plan(fixture_text("production.yaml"), params(**REDIS))["gate"]["upgrade_to"] is None


def test_upgrade_to_clears_every_upgradable_reason_at_once_not_only_each_alone():
    """A reason cleared on the second measured release and back on the fourth, another cleared only from the
    fourth: no release clears both, so no upgrade is advised, and each reason says its own release."""
    releases = kb.measured_releases()
    releases = releases[releases.index("1.80.11") :]  # the default min_redis_version passes them all
    req = params(litellm_version=releases[0])

    def finding(rid):
        return {"id": rid, "severity": "error", "title": "t", "message": "m", "remedy": "change it."}

    def findings_on(release):
        i = releases.index(release.normalized)
        return [finding(rid) for rid, on in (("A", i < 1 or i >= 3), ("B", i < 3)) if on]

    first = LiteLLMVersion(releases[0])
    gate = cfg.gate(req, first, findings_on(first), findings_on)
    assert gate["upgrade_to"] is None and not gate["allowed"]
    assert {a["id"]: a["upgrade_to"] for a in gate["advice"]} == {"A": releases[1], "B": releases[3]}
    assert (
        f"No measured release clears them all at once: A from {releases[1]}, B from {releases[3]}" in (gate["reason"])
        or f"B from {releases[3]}, A from {releases[1]}" in gate["reason"]
    ), gate["reason"]


def test_a_blocked_release_is_advised_the_next_measured_one_not_blocked(fixture_text):
    with pytest.raises(cfg.GateRefused) as err:
        cfg.plan(
            fixture_text("production.yaml"),
            params(**REDIS, litellm_version="v1.80.11-stable.1", blocked_versions=["1.80.11", "1.81.0"]),
        )
    gate = err.value.gate
    assert gate["blocked_by"] == ["blocked_versions"] and gate["advice"][0]["change"] is None
    later = [r for r in kb.measured_releases() if LiteLLMVersion(r) > LiteLLMVersion("1.80.11")]
    assert later[0] == "1.81.0" and gate["upgrade_to"] == later[1], gate


# ------------------------------------------------------------------------------------------ the url: form


def test_local_removes_the_url_and_every_key_only_redis_reads(fixture_text, changed_lines):
    text = fixture_text("url_form.yaml")
    out = cfg.plan(text, params(mode="local", litellm_version="1.80.0"))
    assert changed_lines(text, out["new_text"]) == [
        '-    type: "redis"   # shared by every replica',
        "-    url: os.environ/REDIS_URL",
        '+    type: "local"   # shared by every replica',
        "-    socket_connect_timeout: 10",
        "-    socket_timeout: 30",
        "-    connection_pool_timeout: 5",
        "-    retry_on_timeout: true",
        "-    health_check_interval: 30",
    ]
    assert set(out["cache_params"]) == {"type", "ttl", "supported_call_types"}


def test_redis_by_url_writes_the_url_after_type_and_is_idempotent(fixture_text, changed_lines):
    local = cfg.plan(fixture_text("url_form.yaml"), params(mode="local"))["new_text"]
    ask = params(login_url="os.environ/REDIS_URL", socket_timeout=30, litellm_version="1.108.7")
    out = cfg.plan(local, ask)
    assert changed_lines(local, out["new_text"]) == [
        '-    type: "local"   # shared by every replica',
        '+    type: "redis"   # shared by every replica',
        "+    url: os.environ/REDIS_URL",
        "+    socket_timeout: 30",
    ]
    assert out["topology"] == {"kind": "standalone", "nodes": [], "service_name": None}
    again = cfg.plan(out["new_text"], ask)
    assert not again["changed"] and again["new_text"] == out["new_text"]


def test_a_url_replaces_the_host_form_and_its_keys(fixture_text, changed_lines):
    tls = {"tls": True, "ca_certs": "/run/secrets/redis_ca.crt"}
    host_form = cfg.plan(fixture_text("production.yaml"), params(**REDIS, db=1, login_user="litellm", **tls))[
        "new_text"
    ]
    assert "    ssl: true\n    ssl_ca_certs: /run/secrets/redis_ca.crt\n" in host_form
    out = cfg.plan(host_form, params(login_url="rediss://litellm@redis:6380/1"))
    # the url carries TLS (rediss://) and its CA (?ssl_ca_certs=): LiteLLM does not use them beside it (014)
    assert changed_lines(host_form, out["new_text"]) == [
        "-    host: redis",
        "-    port: 6379",
        "-    db: 1",
        "-    username: litellm",
        "-    password: os.environ/REDIS_PASSWORD",
        "-    ssl: true",
        "-    ssl_ca_certs: /run/secrets/redis_ca.crt",
        "+    url: rediss://litellm@redis:6380/1",
    ]
    assert "    type: redis\n    url: rediss://litellm@redis:6380/1\n    socket_timeout: 30\n" in out["new_text"]


def test_a_url_config_keeps_its_url_when_no_host_option_is_given(fixture_text, changed_lines):
    text = fixture_text("url_form.yaml").replace("    connection_pool_timeout: 5\n", "")
    out = cfg.plan(text, params(socket_timeout=60, litellm_version="1.108.7"))
    assert changed_lines(text, out["new_text"]) == ["-    socket_timeout: 30", "+    socket_timeout: 60"]


def test_host_options_beside_a_url_config_are_refused_naming_both_ways(fixture_text):
    with pytest.raises(cfg.ConfigError) as err:
        cfg.plan(fixture_text("url_form.yaml"), params(**REDIS, litellm_version="1.108.7"))
    msg = str(err.value)
    assert "connects by url (os.environ/REDIS_URL)" in msg
    assert "login_host, login_port, login_password_env would be ignored" in msg
    assert "give login_url" in msg and "remove url from cache_params" in msg and msg.endswith("Nothing was changed")


@pytest.mark.parametrize(
    ("url", "extra", "needle"),
    [
        ("os.environ/1BAD", {}, "login_url: 'os.environ/1BAD' does not name an environment variable"),
        ("http://redis:6379", {}, "is not a redis://, rediss://, unix:// URL"),
        ("redis://litellm:hunter2@redis:6379/1", {}, "a password in a literal URL would be written into the file"),
        ("os.environ/REDIS_URL", {"db": 1}, "leave out db"),
        ("os.environ/REDIS_URL", {"ca_certs": "/ca.crt"}, "a private CA as ?ssl_ca_certs=PATH"),
        (
            "os.environ/REDIS_URL",
            {"topology": "cluster", "cluster_nodes": ["redis-1:6379"]},
            "login_url only applies to topology=standalone, and the topology is cluster",
        ),
    ],
)
def test_a_url_that_cannot_be_written_is_refused(fixture_text, url, extra, needle):
    with pytest.raises(cfg.ConfigError) as err:
        cfg.plan(fixture_text("production.yaml"), params(login_url=url, **extra))
    assert needle in str(err.value) and "hunter2" not in str(err.value), str(err.value)


def test_describe_says_what_a_config_runs_and_masks_literals(fixture_text):
    url = cfg.describe(fixture_text("url_form.yaml"))
    assert url["mode"] == "redis" and url["cache_params"]["url"] == "os.environ/REDIS_URL"
    literal = cfg.describe("litellm_settings:\n  cache: true\n  cache_params: {type: redis, host: r, password: pw}\n")
    assert literal["cache_params"]["password"] == MASK
    assert literal["topology"] == {"kind": "standalone", "nodes": ["r:6379"], "service_name": None}
    assert cfg.describe("")["mode"] == "disabled"
    with pytest.raises(cfg.ConfigError):
        cfg.describe("- a list\n")


def test_a_refused_redis_config_read_as_it_is_says_it_was_left_not_applied(fixture_text):
    """cache_status reads a config with on_blocked=warn: a redis config the gate refuses is reported as what it is,
    not as 'applied anyway' (issue 22's messages)."""
    redis_text = cfg.plan(fixture_text("production.yaml"), params(**REDIS))["new_text"]
    out = cfg.plan(redis_text, params(mode="redis", litellm_version="1.80.0", on_blocked="warn"))
    assert not out["changed"] and out["gate"]["allowed"] is False
    assert any("the config has it, left as it is (on_blocked=warn)" in w for w in out["warnings"]), out["warnings"]
    assert not any("applied anyway" in w for w in out["warnings"])


def test_the_plan_says_whether_the_router_uses_redis(fixture_text):
    assert cfg.plan(fixture_text("router_redis.yaml"), params(mode="local"))["router_uses_redis"] is True
    assert cfg.plan(fixture_text("production.yaml"), params(mode="local"))["router_uses_redis"] is False
