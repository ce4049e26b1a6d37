"""The image of one compose service changed on its own line (pure logic: the live upgrade is
tests/integration/test_litellm_release.py)."""

import re

import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils.compose_file import (
    compose_labels,
    service_image,
    set_service_image,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.yaml_roundtrip import YamlEditError

STACK = """# ERNI-KI: the LLM gateway
x-logging: &logging
  driver: json-file
  options: {max-size: "10m"}

services:
  litellm:
    image: "ghcr.io/berriai/litellm:v1.80.0-stable.1"   # pinned by the runbook
    restart: unless-stopped
    env_file: ${ENV_DIR:-./env}/litellm.env
    entrypoint: ["/bin/sh", "/app/entrypoint.sh"]
    logging: *logging
    secrets: [redis_password]
  redis:
    image: 'redis:7.2-alpine'
    logging: *logging
secrets:
  redis_password:
    file: ./secrets/redis_password.txt
"""


def test_only_the_image_line_changes_and_its_quotes_and_comment_stay():
    new, old = set_service_image(STACK, "litellm", "ghcr.io/berriai/litellm:v1.93.0-stable", "compose.yml")
    assert old == "ghcr.io/berriai/litellm:v1.80.0-stable.1"
    before, after = STACK.splitlines(), new.splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after)
    assert changed == [
        (
            '    image: "ghcr.io/berriai/litellm:v1.80.0-stable.1"   # pinned by the runbook',
            '    image: "ghcr.io/berriai/litellm:v1.93.0-stable"   # pinned by the runbook',
        )
    ]
    assert service_image(new, "litellm", "compose.yml") == "ghcr.io/berriai/litellm:v1.93.0-stable"


def test_single_quotes_are_kept_and_the_same_image_changes_nothing():
    new, _old = set_service_image(STACK, "redis", "redis:7.4-alpine", "compose.yml")
    assert "    image: 'redis:7.4-alpine'\n" in new
    same, old = set_service_image(STACK, "redis", "redis:7.2-alpine", "compose.yml")
    assert same == STACK and old == "redis:7.2-alpine"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("services:\n  litellm:\n    image: ghcr.io/berriai/litellm:${LITELLM_TAG}\n", "interpolation"),
        ("services:\n  litellm:\n    image: $LITELLM_IMAGE\n", "interpolation"),
        (
            "x-l: &l\n  image: litellm:1.80.0\nservices:\n  litellm:\n    <<: *l\n    restart: always\n",
            "merge key",
        ),
        (
            "services:\n  a:\n    image: &img litellm:1.80.0\n  b:\n    image: *img\n",
            "anchor &img",
        ),
        ("services:\n  litellm:\n    build: .\n", "no image:"),
        ("services:\n  other:\n    image: x\n", "defines no service 'litellm' (it defines other)"),
        ("version: '3'\n", "no services:"),
    ],
)
def test_what_cannot_be_changed_on_one_line_is_refused_with_what_to_do(text, words):
    with pytest.raises(YamlEditError, match=re.escape(words)):
        set_service_image(text, "litellm" if "a:" not in text else "a", "litellm:1.93.0", "compose.yml")


def test_a_literal_dollar_is_no_interpolation():
    text = "services:\n  litellm:\n    image: registry.local/price$$list:1.80.0\n"
    new, _old = set_service_image(text, "litellm", "registry.local/litellm:1.93.0", "compose.yml")
    assert new == "services:\n  litellm:\n    image: registry.local/litellm:1.93.0\n"


def test_compose_labels_give_project_service_and_files_in_order():
    labels = {
        "com.docker.compose.project": "llm",
        "com.docker.compose.service": "litellm",
        "com.docker.compose.project.working_dir": "/srv/llm",
        "com.docker.compose.project.config_files": "/srv/llm/compose.yml,/srv/llm/compose.override.yml",
    }
    files = ["/srv/llm/compose.yml", "/srv/llm/compose.override.yml"]
    assert compose_labels(labels) == ("llm", "litellm", "/srv/llm", files)
    assert compose_labels({"maintainer": "x"}) is None


def test_setting_the_image_back_gives_the_bytes_back():
    """How the role takes an upgrade back (litellm_release with the old image): the line as it was, its comment at
    the column it had."""
    new, old = set_service_image(STACK, "litellm", "ghcr.io/berriai/litellm:v1.108.14-stable.patch1", "compose.yml")
    back, _image = set_service_image(new, "litellm", old, "compose.yml")
    assert back == STACK


@pytest.mark.parametrize(
    ("line", "image", "want"),
    [
        ("    image: litellm:1.80.0 # pinned", "litellm:1.93.0", "    image: litellm:1.93.0 # pinned"),
        ("    image: litellm:1.80.0", "litellm:1.93.0", "    image: litellm:1.93.0"),
        ("    image: 'it''s:1.80.0'  # q", "it's:1.93.0", "    image: 'it''s:1.93.0'  # q"),
        ('    image: "a\\"b:1"', 'x"y:2', '    image: "x\\"y:2"'),
    ],
)
def test_the_token_keeps_its_quoting_and_what_follows_it(line, image, want):
    text = f"services:\n  litellm:\n{line}\n    restart: always\r\n"
    new, _old = set_service_image(text, "litellm", image, "compose.yml")
    assert new == f"services:\n  litellm:\n{want}\n    restart: always\r\n"
    assert service_image(new, "litellm", "compose.yml") == image
