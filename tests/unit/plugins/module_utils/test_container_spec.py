"""A plain container's own settings on another image (pure logic; the live recreate is
tests/integration/test_litellm_release.py)."""

from ansible_collections.erni_ki.litellm.plugins.module_utils.container_spec import recreate_body

IMAGE = {
    "Env": ["PATH=/usr/bin", "LITELLM_LOCAL_MODEL_COST_MAP=True"],
    "Labels": {"org.opencontainers.image.version": "1.80.0"},
    "Entrypoint": ["/opt/litellm/bin/litellm"],
    "Cmd": ["--port", "4000"],
    "WorkingDir": "/app",
}


def attrs(**config):
    base = {
        "Image": "litellm:1.80.0",
        "Env": [*IMAGE["Env"], "SANDBOX_EXPORT_REDIS_URL=6390/1"],
        "Labels": {"org.opencontainers.image.version": "1.80.0", "team": "llm"},
        "Entrypoint": ["/bin/sh", "/stack/litellm-entrypoint.sh"],
        "Cmd": ["--port", "4000"],
        "WorkingDir": "/app",
        "Healthcheck": {"Test": ["CMD", "true"], "Interval": 10_000_000_000},
    }
    return {
        "Config": {**base, **config},
        "HostConfig": {"NetworkMode": "host", "Binds": ["/srv/config.yaml:/app/config.yaml:ro"]},
        "NetworkSettings": {"Networks": {"host": {"Aliases": None}}},
    }


def test_what_the_run_gave_is_kept_and_what_the_old_image_set_is_left_to_the_new_one():
    body = recreate_body(attrs(), IMAGE, "litellm:1.80.11")
    assert body["Image"] == "litellm:1.80.11"
    assert body["Env"] == ["SANDBOX_EXPORT_REDIS_URL=6390/1"]
    assert body["Labels"] == {"team": "llm"}
    assert body["Entrypoint"] == ["/bin/sh", "/stack/litellm-entrypoint.sh"]
    assert body["Cmd"] == ["--port", "4000"], "an entrypoint given at create drops the image's command: kept"
    assert "WorkingDir" not in body and body["Healthcheck"]["Test"] == ["CMD", "true"]
    assert body["HostConfig"]["Binds"] == ["/srv/config.yaml:/app/config.yaml:ro"]
    assert "NetworkingConfig" not in body, "host networking has no endpoints to give"


def test_a_container_on_a_network_keeps_its_aliases():
    a = attrs(Entrypoint=IMAGE["Entrypoint"])
    a["HostConfig"]["NetworkMode"] = "llm_default"
    a["NetworkSettings"]["Networks"] = {"llm_default": {"Aliases": ["litellm"], "IPAddress": "10.0.0.3"}}
    body = recreate_body(a, IMAGE, "litellm:1.80.11")
    assert "Entrypoint" not in body and "Cmd" not in body, "the image's own: the new image sets them"
    assert body["NetworkingConfig"] == {"EndpointsConfig": {"llm_default": {"Aliases": ["litellm"]}}}
