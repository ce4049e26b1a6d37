"""litellm_service against the sandbox's real LiteLLM containers."""

import shutil
import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.helpers.redis_server import LABEL, redis_image

VERSIONS = {"1.80.0": 4041, "1.80.11": 4042, "1.108.7": 4043}


def service(run_module, check=False, **kw):
    return run_module("litellm_service", kw, check=check)


def settled(docker_client, name, timeout=30):
    """Wait until the container's healthcheck has said healthy (a test before may have restarted it; the check runs
    every sandbox/compose.py HEALTHCHECK_INTERVAL_S)."""
    container = docker_client.containers.get(name)
    deadline = time.monotonic() + timeout
    while container.attrs["State"].get("Health", {}).get("Status") != "healthy" and time.monotonic() < deadline:
        time.sleep(0.25)
        container.reload()


def test_info_by_name_and_by_compose_labels_agree(run_module, endpoints, master_key, docker_client):
    proxy = endpoints["proxies"][0]
    settled(docker_client, proxy["container"])
    by_name = service(run_module, container=proxy["container"])
    by_labels = service(run_module, compose_project=proxy["compose_project"], compose_service=proxy["compose_service"])
    assert not by_name.failed and not by_labels.failed, by_name.output
    for r in (by_name.result, by_labels.result):
        assert r["changed"] is False
        assert r["container"]["name"] == proxy["container"]
        assert r["container"]["status"] == "running" and r["container"]["health"] == "healthy"
        assert r["litellm_version"] == proxy["version"] and r["version_source"] == "package"
        assert r["config"] == {
            "container_path": "/app/config.yaml",
            "host_path": proxy["config_path"],
            "read_only": True,
        }
        assert r["url"] == proxy["url"]
        assert r["readiness"]["status"] == "healthy" and r["readiness"]["cache_type"] == "local"
        # exported by the entrypoint at run time, not in the container's configured env
        assert "REDIS_PASSWORD" in r["env_overrides"] and "LITELLM_MASTER_KEY" in r["env_overrides"]
        assert "PATH" not in r["env_overrides"]
    assert master_key not in by_name.output
    # without the master key it cannot list the models; with it, the ones the config serves (what the role's
    # verification sends its request to)
    assert by_name.result["readiness"]["models"] is None
    with_key = service(run_module, container=proxy["container"], master_key=master_key)
    assert with_key.result["readiness"]["models"] == ["mock-gpt"], with_key.output
    assert master_key not in with_key.output


def test_measure_hits_times_misses_and_hits_and_says_why_it_could_not(run_module, endpoints, master_key):
    proxy = endpoints["proxies"][0]
    measured = service(run_module, container=proxy["container"], master_key=master_key, measure_hits=3)
    assert not measured.failed, measured.output
    hits = measured.result["hit_latency"]
    assert hits["model"] == "mock-gpt" and hits["requests"] == 3 and hits["replay"] is False, hits
    assert hits["hits"] == 3, "a repeated request on the local cache is a hit"
    for pair in (hits["miss_ms"], hits["hit_ms"]):
        assert 0 < pair["p50"] <= pair["p95"], hits
    # another instance's requests, replayed here: each sent once; on the local cache none of them is a hit
    prompt = "erni_ki test replay " + str(time.monotonic())
    service(run_module, container=proxy["container"], master_key=master_key, measure_hits=2, measure_prompt=prompt)
    other = endpoints["proxies"][1]
    replay = service(
        run_module,
        container=other["container"],
        master_key=master_key,
        measure_hits=2,
        measure_prompt=prompt,
        measure_replay=True,
    )
    assert replay.result["hit_latency"]["miss_ms"] is None and replay.result["hit_latency"]["hits"] == 0, replay.output
    assert (
        "hit_latency"
        not in service(
            run_module, check=True, container=proxy["container"], master_key=master_key, measure_hits=3
        ).result
    ), "nothing is sent in check mode"
    # without the master key: no model is listed, and a request the proxy refuses names the key
    no_key = service(run_module, container=proxy["container"], measure_hits=1)
    assert no_key.failed and "set master_key or master_key_file" in no_key.result["msg"], no_key.output
    no_key = service(run_module, container=proxy["container"], measure_hits=1, measure_model="mock-gpt")
    assert no_key.failed and "answered 401 (no valid master key" in no_key.result["msg"], no_key.output
    refused = service(
        run_module, container=proxy["container"], master_key=master_key, measure_hits=1, measure_model="no-such-model"
    )
    assert refused.failed and "(model no-such-model) answered 400" in refused.result["msg"], refused.output
    assert master_key not in measured.output + refused.output


def test_version_from_each_image_and_env_names(run_module, litellm_launcher, endpoints, master_key, redis_password):
    config = endpoints["proxies"][0]["config_path"]
    proxies = {
        v: litellm_launcher.start(
            v,
            config_path=config,
            port=port,
            wait=False,
            env={"SANDBOX_EXPORT_REDIS_URL": "6390/0"} if v == "1.80.0" else None,
        )
        for v, port in VERSIONS.items()
    }
    for v, proxy in proxies.items():
        proxy.wait_ready()
        run = service(run_module, container=proxy.container.name, master_key=master_key)
        assert not run.failed, run.output
        r = run.result
        assert r["litellm_version"] == v and r["version_source"] == "package"
        assert r["readiness"]["status"] == "healthy"
        # 1.108.x no longer reports these publicly: the module asks the authenticated details endpoint
        assert r["readiness"]["cache_type"] == "local", (v, r["readiness"])
        assert r["readiness"]["litellm_version"] == v
        assert ("REDIS_URL" in r["env_overrides"]) is (v == "1.80.0")
        assert master_key not in run.output and redis_password not in run.output


def test_compose_v2_style_names_are_found_by_labels(run_module, litellm_launcher, endpoints):
    proxy = litellm_launcher.start(
        "1.80.11",
        config_path=endpoints["proxies"][0]["config_path"],
        port=4044,
        wait=False,
        name="ernitestv2-litellm-1",
        labels={"com.docker.compose.project": "ernitestv2", "com.docker.compose.service": "litellm"},
    )
    run = service(run_module, compose_project="ernitestv2", compose_service="litellm")
    assert not run.failed and run.result["container"]["name"] == proxy.container.name


def test_restart_waits_until_ready(run_module, endpoints, master_key):
    proxy = endpoints["proxies"][1]
    check = service(run_module, check=True, container=proxy["container"], state="restarted")
    assert check.result["changed"] is True and check.result["restarted"] is True
    assert "ready_after_s" not in check.result
    before = service(run_module, container=proxy["container"]).result["container"]["started_at"]
    assert before == check.result["container"]["started_at"], "check mode restarted the container"
    began = time.monotonic()
    run = service(run_module, container=proxy["container"], state="restarted", master_key=master_key, wait_timeout=180)
    took = time.monotonic() - began
    assert not run.failed, run.output
    r = run.result
    assert r["changed"] and r["restarted"] and r["container"]["started_at"] != before
    # ready = the readiness endpoint answers 200; the healthcheck may not have noticed yet (its next interval)
    assert r["readiness"]["http_status"] == 200 and r["container"]["health"] in ("starting", "healthy")
    assert 0 < r["ready_after_s"] < took, (r["ready_after_s"], took)  # measured inside the call
    assert master_key not in run.output


def test_proxy_that_cannot_start_fails_with_its_log_tail(
    run_module, litellm_launcher, endpoints, tmp_path, redis_password
):
    path = tmp_path / "config.yaml"
    shutil.copy(endpoints["proxies"][0]["config_path"], path)
    text = path.read_text().replace(
        "    type: local\n",
        f"    type: redis\n    host: 127.0.0.1\n    port: {endpoints['redis']['port']}\n"
        "    password: os.environ/REDIS_PASSWORD\n    connection_pool_timeout: 5\n",
    )
    path.write_text(text)
    proxy = litellm_launcher.start("1.80.0", config_path=str(path), port=4045, wait=False)
    proxy.wait_exit()
    run = service(run_module, container=proxy.container.name, state="restarted", wait_timeout=60)
    assert run.failed
    assert "did not become ready" in run.result["msg"]
    tail = "\n".join(run.result["log_tail"])
    assert 0 < len(run.result["log_tail"]) <= 30
    assert "connection_pool_timeout" in tail
    assert redis_password not in run.output


def test_not_found_lists_what_it_saw(run_module, endpoints):
    run = service(run_module, container="no-such-litellm")
    assert run.failed and "no container named 'no-such-litellm'" in run.result["msg"]
    assert endpoints["proxies"][0]["container"] in run.result["msg"]
    labels = service(run_module, compose_project="nope", compose_service="litellm")
    assert labels.failed and "proj_svc_1" in labels.result["msg"]


def test_docker_unreachable_names_the_socket(run_module):
    run = service(run_module, container="x", docker_host="unix:///tmp/no-docker-here.sock")
    assert run.failed and "/tmp/no-docker-here.sock" in run.result["msg"]


@pytest.mark.parametrize(
    "args", [{}, {"compose_project": "p"}, {"container": "a", "compose_project": "p", "compose_service": "s"}]
)
def test_bad_locator_arguments(run_module, args):
    assert service(run_module, **args).failed


def test_scaled_service_is_restarted_replica_by_replica(
    run_module, litellm_launcher, endpoints, docker_client, image_tags, master_key
):
    """Two replicas of a compose service (project name as compose normalises it) and a one-off `compose run`."""
    labels = {"com.docker.compose.project": "erniscaled", "com.docker.compose.service": "litellm"}
    config = endpoints["proxies"][0]["config_path"]
    replicas = [
        litellm_launcher.start(
            "1.80.11",
            config_path=config,
            port=port,
            wait=False,
            name=f"erniscaled-litellm-{n}",
            labels=dict(labels, **{"com.docker.compose.container-number": str(n)}),
            healthcheck=True,
        )
        for n, port in ((2, 4047), (1, 4046))
    ]
    oneoff = docker_client.containers.run(
        image_tags["REDIS_TAG"],
        entrypoint=["sleep", "600"],
        name="erniscaled-litellm-run-1",
        network_mode="host",
        labels=dict(labels, **{"com.docker.compose.oneoff": "True", "erni_ki.sandbox": litellm_launcher.project}),
        detach=True,
    )
    litellm_launcher.started.append(oneoff)
    for proxy in replicas:
        proxy.wait_ready()
    oneoff.reload()
    oneoff_started = oneoff.attrs["State"]["StartedAt"]

    info = service(run_module, compose_project="Erni.Scaled", compose_service="litellm")
    assert [r["container"]["name"] for r in info.result["replicas"]] == ["erniscaled-litellm-1", "erniscaled-litellm-2"]
    assert [r["url"] for r in info.result["replicas"]] == ["http://127.0.0.1:4046", "http://127.0.0.1:4047"]
    before = [r["container"]["started_at"] for r in info.result["replicas"]]

    called = datetime.now(timezone.utc)  # the restart of the first replica starts after this
    run = service(
        run_module, compose_project="Erni.Scaled", compose_service="litellm", state="restarted", master_key=master_key
    )
    assert not run.failed, run.output
    after = run.result["replicas"]
    assert len(after) == 2 and all(r["readiness"]["http_status"] == 200 for r in after)
    assert all(a["container"]["started_at"] != b for a, b in zip(after, before)), "a replica was not restarted"
    # the second replica restarts only once the first serves again, and its healthcheck says so (load balancers
    # that route by health send it traffic again before the second goes down)
    assert after[0]["container"]["health"] == "healthy"
    # exact, whatever a stop costs under load: the second replica's old process exited (it was stopped) no sooner
    # than the first replica was ready, which is at least ready_after_s after the call began
    second = docker_client.containers.get("erniscaled-litellm-2").attrs["State"]
    stopped = datetime.fromisoformat(second["FinishedAt"][:26]).replace(tzinfo=timezone.utc)
    ready_after = timedelta(seconds=after[0]["ready_after_s"])
    assert stopped >= called + ready_after, (stopped, called, ready_after)
    oneoff.reload()
    assert oneoff.attrs["State"]["StartedAt"] == oneoff_started, "the one-off container was restarted"


def test_docker_host_comes_from_the_environment(run_module, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/erni-no-docker-env.sock")
    run = service(run_module, container="x")
    assert run.failed and "/tmp/erni-no-docker-env.sock" in run.result["msg"]
    assert "DOCKER_HOST" in run.result["msg"]


def test_a_container_stopped_while_it_is_read_is_read_as_such(docker_client):
    """F7's race, made certain: another run stops the proxy between this run's inspect and its exec. Docker refuses
    the exec; the reading says so (no version, the reason) instead of failing the run before it could wait for the
    run lock, after which the role reads the instance again."""
    from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_instance as li  # noqa: PLC0415

    container = docker_client.containers.run(
        redis_image(), entrypoint=["sleep", "300"], network_mode="host", detach=True, labels={LABEL: "inside-race"}
    )
    try:
        facts = li.inside_facts(docker_client, docker_client.containers.get(container.id))
        assert "env_names" in facts and not str(facts.get("env_error") or "").startswith("container was"), facts
        inspected = docker_client.containers.get(container.id)  # running, as this run saw it
        container.stop(timeout=0)
        facts = li.inside_facts(docker_client, inspected)
        assert facts == {"version": None, "env_names": [], "env_error": "container was exited while it was read"}
    finally:
        container.remove(force=True)
