"""litellm_release on an operator's compose stack (tests/helpers/compose_stack.py): the image line of the compose
file changed and the service recreated by compose on the release asked for, every other setting kept; check mode,
diff and idempotence; a release that crashes rolled back to the byte."""

import hashlib

import pytest

from tests.helpers.compose_stack import ComposeStack
from tests.helpers.proxies import running_cache, wait_ready
from tests.helpers.role_runs import run_playbook, summary, unchanged, write_inventory

FROM, TO, DB, PORT = "1.80.0", "1.108.7", 14, 4111


def release(run_module, stack, check=False, diff=False, **kw):
    args = dict(compose_project=stack.project, compose_service="gateway", master_key_file=stack.master_key_file, **kw)
    return run_module("litellm_release", args, check=check, diff=diff)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture
def stack(tmp_path, endpoints, image_tags):
    s = ComposeStack(tmp_path, endpoints, image_tags[FROM], {"gateway": PORT}, DB)
    s.master_key_file = endpoints["master_key_file"]
    s.up()
    wait_ready(s.urls["gateway"])
    yield s
    s.down()


def test_an_upgrade_changes_the_image_line_recreates_with_compose_and_a_second_run_changes_nothing(
    run_module, stack, image_tags, docker_client, master_key, redis_password
):
    with open(stack.compose_file, encoding="utf-8") as f:
        before = f.read()
    old = stack.containers(docker_client, "gateway")[0]

    check = release(run_module, stack, check=True, diff=True, release=TO)
    assert not check.failed and check.result["changed"], check.output
    assert check.result["release"] == {"before": FROM, "after": TO}
    assert f'+    image: "{image_tags[TO]}"' in check.output, "diff mode shows the compose change"
    with open(stack.compose_file, encoding="utf-8") as f:
        assert f.read() == before, "check mode wrote the compose file"
    old.reload()
    assert old.status == "running" and stack.containers(docker_client, "gateway")[0].id == old.id, (
        "check mode recreated"
    )

    run = release(run_module, stack, release=TO)
    assert not run.failed, run.output
    r = run.result
    assert r["changed"] and r["release"] == {"before": FROM, "after": TO}
    assert r["image"] == {"before": image_tags[FROM], "after": image_tags[TO]}
    assert r["pulled"] is False and r["ready_after_s"] > 0
    with open(stack.compose_file, encoding="utf-8") as f:
        after = f.read()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(before.splitlines()) == len(after.splitlines()) and len(changed) == 1, changed
    assert changed[0][1].startswith(f'    image: "{image_tags[TO]}"') and "# upgraded by" in changed[0][1]

    # recreated by compose from the operator's file: the same settings on the new release
    (new,) = stack.containers(docker_client, "gateway")
    assert new.id != old.id and new.attrs["Config"]["Image"] == image_tags[TO]
    for key in ("Entrypoint", "Cmd", "Healthcheck"):
        assert new.attrs["Config"][key] == old.attrs["Config"][key], key
    for label in ("erni_ki.sandbox", "com.docker.compose.project.config_files", "com.docker.compose.service"):
        assert new.labels[label] == old.labels[label], label
    assert sorted(new.attrs["Config"]["Env"]) == sorted(old.attrs["Config"]["Env"])
    mounts = {(m["Destination"], m["RW"]) for m in new.attrs["Mounts"]}
    assert ("/app/config.yaml", False) in mounts and ("/run/secrets/redis_password", False) in mounts
    assert running_cache(stack.urls["gateway"], master_key) == "local"
    for secret in (master_key, redis_password):
        assert secret not in check.output and secret not in run.output

    again = release(run_module, stack, release=TO)
    assert not again.failed and again.result["changed"] is False, again.output
    assert stack.containers(docker_client, "gateway")[0].id == new.id


def test_a_release_that_crashes_is_rolled_back_to_the_byte(run_module, stack, image_tags, docker_client):
    """The new image starts and dies (no LiteLLM inside: the entrypoint's exec fails): the compose file comes back
    byte for byte, the old release runs and serves again, and the failure says why with the log tail."""
    before = digest(stack.compose_file)
    broken = image_tags["REDIS_TAG"] if "REDIS_TAG" in image_tags else None
    assert broken, image_tags
    run = release(run_module, stack, image=broken, release="1.93.0", wait_timeout=60)
    assert run.failed and run.result["rolled_back"] is True, run.output
    assert "did not serve within 60 s (not ready: container exited" in run.result["msg"], run.result["msg"]
    assert "Rolled back:" in run.result["msg"] and run.result["release"] == {"before": FROM, "after": FROM}
    assert any("litellm" in line for line in run.result["log_tail"]), run.result["log_tail"]
    assert digest(stack.compose_file) == before
    (now,) = stack.containers(docker_client, "gateway")
    assert now.status == "running" and now.attrs["Config"]["Image"] == image_tags[FROM]


def test_switch_cache_upgrades_a_refused_release_first_then_switches_with_a_cross_instance_hit(
    tmp_path, endpoints, image_tags, docker_client, master_key, redis_password
):
    """Issue 24's done-when: two 1.80.0 instances of an operator's compose stack (url: os.environ/REDIS_URL, the URL
    built by the entrypoint from a Docker secret), refused Redis by the gate (min_redis_version: the advice is
    1.80.11). switch_cache with litellm_cache_upgrade=true: check mode shows the upgrade and changes nothing. With
    the instances' URLs on two dbs (a cache they only believe shared), each is upgraded and switched, the hit across
    them fails, and each is rolled back: the compose file, the configs and the running release exactly as they
    were. With the URLs fixed, the run upgrades each, gates again, switches and verifies the hit across them."""
    services = {"gw-a": 4112, "gw-b": 4113}
    stack = ComposeStack(tmp_path, endpoints, image_tags[FROM], services, {"gw-a": DB, "gw-b": DB + 1})
    try:
        stack.up()
        for url in stack.urls.values():
            wait_ready(url)
        hosts = {
            name: {
                "litellm_cache_container": stack.containers(docker_client, name)[0].name,
                "litellm_cache_master_key_file": endpoints["master_key_file"],
                "litellm_cache_login_host": "127.0.0.1",
                "litellm_cache_login_port": endpoints["redis"]["port"],
                "litellm_cache_login_password_file": endpoints["redis"]["password_file"],
                # the ERNI-KI form: cache_params by url:, the URL only in the environment the entrypoint builds
                "litellm_cache_login_url": "os.environ/REDIS_URL",
                "litellm_cache_state_dir": str(tmp_path / f"state-{name}"),
            }
            for name in services
        }
        inventory = write_inventory(tmp_path / "inventory.yml", hosts)
        files = [stack.compose_file, *stack.config_files.values()]
        original = {path: digest(path) for path in files}
        switch = [
            "-e",
            "litellm_cache_mode=redis",
            "-e",
            "litellm_cache_upgrade=true",
            "-e",
            "litellm_cache_serial=100%",
        ]

        split = run_playbook(inventory, "erni_ki.litellm.switch_cache", *switch)
        out = split.stdout + split.stderr
        assert split.returncode != 0, out[-4000:]
        assert summary(out) == {name: "rolled back to local on 1.80.0" for name in services}, out[-3000:]
        assert "was not answered from the cache" in out and "LiteLLM runs 1.80.0 again" in out, out[-4000:]
        assert {path: digest(path) for path in files} == original
        for name in services:
            (c,) = stack.containers(docker_client, name)
            assert c.status == "running" and c.attrs["Config"]["Image"] == image_tags[FROM]
            assert running_cache(stack.urls[name], master_key) == "local"
        # the operator fixes the URL of gw-b (the same db as gw-a) and recreates it
        with open(stack.compose_file, encoding="utf-8") as f:
            text = f.read()
        with open(stack.compose_file, "w", encoding="utf-8") as f:
            f.write(text.replace(f'/{DB + 1}"', f'/{DB}"'))
        stack.compose("up", "-d", "gw-b")
        wait_ready(stack.urls["gw-b"])
        original[stack.compose_file] = digest(stack.compose_file)

        check = run_playbook(inventory, "erni_ki.litellm.switch_cache", *switch, check=True)
        out = check.stdout + check.stderr
        assert check.returncode == 0, out[-4000:]
        assert f'+    image: "{image_tags["1.80.11"]}"' in out and "+    type: redis" in out, out[-4000:]
        assert {path: digest(path) for path in files} == original

        run = run_playbook(inventory, "erni_ki.litellm.switch_cache", *switch)
        out = run.stdout + run.stderr
        assert run.returncode == 0, out[-4000:]
        assert summary(out) == {name: "switched to redis" for name in services}, out[-3000:]
        assert "(another instance: the cache is shared)" in out, out[-4000:]
        with open(stack.compose_file, encoding="utf-8") as f:
            compose_text = f.read()
        assert compose_text.count(f'image: "{image_tags["1.80.11"]}"') == 2 and image_tags[FROM] not in compose_text
        for name in services:
            (c,) = stack.containers(docker_client, name)
            assert c.attrs["Config"]["Image"] == image_tags["1.80.11"]
            assert running_cache(stack.urls[name], master_key) == "redis"
        for secret in (master_key, redis_password):
            assert secret not in split.stdout + check.stdout + run.stdout
    finally:
        stack.down()


def test_upgrade_litellm_runs_the_release_verifies_it_and_a_second_run_changes_nothing(
    run_module, stack, tmp_path, endpoints, image_tags, docker_client, master_key
):
    """The upgrade_litellm playbook (the role's upgrade entry point) on the one-service stack: check mode changes
    nothing; the run upgrades 1.80.0 to 1.80.11 and verifies the cache the config has (local) on it; a second run
    changes nothing; a release that crashes is taken back, the compose file and the release as they were."""
    (container,) = stack.containers(docker_client, "gateway")
    hostvars = {
        "litellm_cache_container": container.name,
        "litellm_cache_master_key_file": endpoints["master_key_file"],
        "litellm_cache_state_dir": str(tmp_path / "state"),
    }
    inventory = write_inventory(tmp_path / "inventory.yml", {"gateway": hostvars})
    before = digest(stack.compose_file)

    def upgrade(*extra, check=False, rc=0):
        run = run_playbook(inventory, "erni_ki.litellm.upgrade_litellm", *extra, check=check)
        out = run.stdout + run.stderr
        assert run.returncode == rc, out[-4000:]
        assert master_key not in out
        return out

    crashed = upgrade(
        "-e", "litellm_cache_release=1.80.11", "-e", f"litellm_cache_upgrade_image={image_tags['REDIS_TAG']}", rc=2
    )
    assert summary(crashed) == {"gateway": "rolled back to local on 1.80.0"}, crashed[-3000:]
    assert "gateway did not upgrade" in crashed and "exec: /opt/litellm/bin/litellm: not found" in crashed
    assert digest(stack.compose_file) == before
    assert stack.containers(docker_client, "gateway")[0].attrs["Config"]["Image"] == image_tags[FROM]

    checked = upgrade("-e", "litellm_cache_release=1.80.11", check=True)
    assert f'+    image: "{image_tags["1.80.11"]}"' in checked and digest(stack.compose_file) == before

    out = upgrade("-e", "litellm_cache_release=1.80.11")
    assert summary(out) == {"gateway": "upgraded to 1.80.11 (local)"}, out[-3000:]
    assert "cache hit on gateway" in out
    assert stack.containers(docker_client, "gateway")[0].attrs["Config"]["Image"] == image_tags["1.80.11"]

    again = upgrade("-e", "litellm_cache_release=1.80.11")
    assert summary(again) == {"gateway": "unchanged (1.80.11, local: it runs the release asked for)"}
    assert unchanged(again), again[-2000:]


def test_a_plain_container_is_created_again_with_its_own_settings_and_taken_back_when_it_crashes(
    run_module, litellm_launcher, endpoints, image_tags, docker_client, master_key, tmp_path
):
    """A container no compose started (docker run, a unit file): created again from 1.80.11 under its name with the
    environment, command, mounts, network, labels and healthcheck it was given; a second run changes nothing; a
    release that crashes is removed and the old container, the same one, serves again."""
    proxy = litellm_launcher.start(
        FROM,
        config_text=open(endpoints["proxies"][0]["config_path"], encoding="utf-8").read(),
        port=4114,
        name="erni-plain-gateway",
        env={"SANDBOX_EXPORT_REDIS_URL": f"{endpoints['redis']['port']}/{DB}"},
        healthcheck=True,
    )
    old = docker_client.containers.get("erni-plain-gateway")
    args = dict(container="erni-plain-gateway", master_key_file=endpoints["master_key_file"])

    crashed = run_module(
        "litellm_release", dict(args, image=image_tags["REDIS_TAG"], release="1.93.0", wait_timeout=60)
    )
    assert crashed.failed and crashed.result["rolled_back"] is True, crashed.output
    assert "the same container as before" in crashed.result["msg"], crashed.result["msg"]
    again = docker_client.containers.get("erni-plain-gateway")
    assert again.id == old.id and again.status == "running"
    assert not docker_client.containers.list(all=True, filters={"name": "erni-plain-gateway-erni-previous"})
    wait_ready(proxy.url)

    run = run_module("litellm_release", dict(args, release="1.80.11"), diff=True)
    assert not run.failed and run.result["changed"], run.output
    assert run.result["release"] == {"before": FROM, "after": "1.80.11"}
    new = docker_client.containers.get("erni-plain-gateway")
    litellm_launcher.started.append(new)  # removed at the end like the proxies it starts
    assert new.id != old.id and new.attrs["Config"]["Image"] == image_tags["1.80.11"]
    assert f"SANDBOX_EXPORT_REDIS_URL={endpoints['redis']['port']}/{DB}" in new.attrs["Config"]["Env"]
    for key in ("Entrypoint", "Cmd", "Healthcheck"):
        assert new.attrs["Config"][key] == old.attrs["Config"][key], key
    assert new.labels["erni_ki.sandbox"] == old.labels["erni_ki.sandbox"]
    assert new.labels["org.opencontainers.image.version"] == "1.80.11", "the new image's own labels, not the old's"
    assert new.attrs["HostConfig"]["NetworkMode"] == "host"
    assert sorted(new.attrs["HostConfig"]["Binds"]) == sorted(old.attrs["HostConfig"]["Binds"])
    assert not docker_client.containers.list(all=True, filters={"name": "erni-plain-gateway-erni-previous"})
    assert running_cache(proxy.url, master_key) == "local"

    second = run_module("litellm_release", dict(args, release="1.80.11"))
    assert not second.failed and second.result["changed"] is False, second.output
