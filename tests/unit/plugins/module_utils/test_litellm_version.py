import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_version import (
    LiteLLMVersion,
    LiteLLMVersionError,
    image_tag,
    in_range,
    version_of_tag,
)


@pytest.mark.parametrize(
    ("text", "normalized", "release"),
    [
        ("1.80.11", "1.80.11", "1.80.11"),
        ("1.88.0rc3", "1.88.0rc3", "1.88.0"),
        ("1.77.2.post1", "1.77.2.post1", "1.77.2"),
        ("v1.80.0.rc.1", "1.80.0rc1", "1.80.0"),
        ("v1.80.0-stable.1", "1.80.0", "1.80.0"),
        ("v1.80.0-stable", "1.80.0", "1.80.0"),
        ("main-v1.80.0", "1.80.0", "1.80.0"),
        ("1.88.0-rc.3", "1.88.0rc3", "1.88.0"),
        ("v1.108.7", "1.108.7", "1.108.7"),
        (" 1.80.0 ", "1.80.0", "1.80.0"),
    ],
)
def test_every_known_form_parses(text, normalized, release):
    v = LiteLLMVersion(text)
    assert v.normalized == normalized
    assert v.release == release


@pytest.mark.parametrize("text", ["", "latest", "main-latest", "1.80", "v1", "1.80.x", "one.two.three"])
def test_unparsable_versions_say_what_forms_are_expected(text):
    with pytest.raises(LiteLLMVersionError) as err:
        LiteLLMVersion(text)
    assert "v1.80.0.rc.1" in str(err.value) and "1.80.11" in str(err.value)


def test_ordering_follows_pep440():
    assert LiteLLMVersion("v1.80.0.rc.1") < LiteLLMVersion("1.80.0")
    assert LiteLLMVersion("1.80.0") < LiteLLMVersion("1.80.10") < LiteLLMVersion("1.80.11")
    assert LiteLLMVersion("1.80.11rc1") < LiteLLMVersion("1.80.11")
    assert LiteLLMVersion("1.77.2.post1") > LiteLLMVersion("1.77.2")
    assert LiteLLMVersion("v1.80.0-stable.1") == LiteLLMVersion("1.80.0")
    assert LiteLLMVersion("1.108.7") > "1.96.0"


def test_range_min_inclusive_max_exclusive():
    assert in_range(LiteLLMVersion("1.80.0"), "1.80.0", "1.80.11")
    assert in_range(LiteLLMVersion("1.80.10"), "1.80.0", "1.80.11")
    assert not in_range(LiteLLMVersion("1.80.11"), "1.80.0", "1.80.11")
    assert not in_range(LiteLLMVersion("v1.80.0.rc.1"), "1.80.0", None)
    assert in_range(LiteLLMVersion("1.80.11rc1"), None, "1.80.11")


def test_block_list_matching():
    stable = LiteLLMVersion("v1.80.0-stable.1")
    assert stable.matches("1.80.0")
    assert stable.matches("v1.80.0-stable.1")
    assert not LiteLLMVersion("1.80.0").matches("v1.80.0-stable.1")
    assert LiteLLMVersion("v1.80.0.rc.1").matches("1.80.0rc1")
    assert not LiteLLMVersion("1.80.0").matches("v1.80.0.rc.1")


def test_image_tag_and_its_version():
    assert image_tag("registry:5000/berriai/litellm:v1.80.0-stable.1") == "v1.80.0-stable.1"
    assert image_tag("registry:5000/berriai/litellm") is None
    assert image_tag("litellm:v1.80.0@sha256:abc") == "v1.80.0"
    assert version_of_tag("ghcr.io/berriai/litellm:main-v1.80.0").normalized == "1.80.0"
    assert version_of_tag("erni-ki-sandbox/litellm:1.80.11-7bb9203a9289") is None
