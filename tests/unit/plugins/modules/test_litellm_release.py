"""litellm_release's choice of image (pure logic over a fake image list; the live module is
tests/integration/test_litellm_release.py)."""

import types

import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_version import LiteLLMVersion
from ansible_collections.erni_ki.litellm.plugins.modules import litellm_release


@pytest.mark.parametrize(
    ("image", "repo"),
    [
        ("ghcr.io/berriai/litellm:v1.80.0-stable.1", "ghcr.io/berriai/litellm"),
        ("registry.local:5000/llm/litellm:1.93.0", "registry.local:5000/llm/litellm"),
        ("registry.local:5000/litellm", "registry.local:5000/litellm"),
        ("litellm@sha256:abc", "litellm"),
    ],
)
def test_repository_drops_the_tag_not_a_registry_port(image, repo):
    assert litellm_release.repository(image) == repo


def image(tags, created, version=None):
    labels = {"org.opencontainers.image.version": version} if version else {}
    return types.SimpleNamespace(tags=tags, attrs={"Created": created, "Config": {"Labels": labels}})


class Images:
    def __init__(self, images):
        self._images = images

    def list(self, name):
        return [i for i in self._images if any(t.startswith(name + ":") for t in i.tags)]


def test_the_newest_local_image_whose_tag_or_version_label_names_the_release():
    client = types.SimpleNamespace(
        images=Images(
            [
                image(["ghcr.io/berriai/litellm:v1.93.0-stable"], "2026-01-01"),
                image(["ghcr.io/berriai/litellm:v1.93.0-stable.1"], "2026-02-01"),
                image(["ghcr.io/berriai/litellm:main-v1.94.0"], "2026-03-01"),
                image(["erni-ki-sandbox/litellm:1.80.11-0549643b23a2"], "2026-01-01", version="1.80.11"),
                image(["erni-ki-sandbox/litellm:1.80.0-b0a3f2415a98"], "2026-01-01"),  # no label, no release
            ]
        )
    )
    pick = litellm_release.local_image
    assert (
        pick(client, "ghcr.io/berriai/litellm", LiteLLMVersion("1.93.0")) == "ghcr.io/berriai/litellm:v1.93.0-stable.1"
    )
    assert pick(client, "erni-ki-sandbox/litellm", LiteLLMVersion("1.80.11")).endswith("0549643b23a2")
    assert pick(client, "erni-ki-sandbox/litellm", LiteLLMVersion("1.80.0")) is None
    assert pick(client, "ghcr.io/berriai/litellm", LiteLLMVersion("1.95.0")) is None
