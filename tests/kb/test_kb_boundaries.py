"""make test-kb: every recorded measurement of the knowledge base, re-measured on its release (both sides of every
rule's boundary, the newest installable release, the older 1.7x releases). Builds each release's image the way
the sandbox builds its own (tests/helpers/kb_images.py), so the first run takes a while; prints release, rule,
behaviour."""

import pytest
from packaging.version import Version

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb
from tests.helpers import kb_images
from tests.helpers.kb_probes import PROBES, Lab, fact_013, fact_014
from tests.helpers.sandboxes import releases

pytestmark = pytest.mark.live  # the sandbox's Docker engine and images

ROWS = sorted(
    ((rule, m["release"]) for rule, rows in kb.MEASUREMENTS.items() for m in rows),
    key=lambda r: (Version(r[1]), r[0]),
)


@pytest.fixture(scope="module")
def lab():
    with Lab() as lab:
        yield lab


@pytest.fixture(scope="module")
def images():
    tags = {}

    def tag(release):
        if release not in tags:
            tags[release] = kb_images.image(Version(release), print)
        return tags[release]

    return tag


@pytest.mark.parametrize(("rule", "release"), ROWS)
def test_recorded_behaviour(rule, release, lab, images):
    tag = images(release)
    assert tag, f"{release} no longer installs"
    seen = PROBES[rule](lab, tag)
    recorded = kb.measurement(rule, release)
    print(f"\n{release:>9}  {rule}  {seen.behaviour:<20} shows={seen.shows!s:<5}  {seen.detail}")
    assert seen.shows == recorded["shows"], seen.detail
    assert seen.behaviour in (recorded["behaviour"], *recorded["also"]), seen.detail


@pytest.mark.parametrize("release", releases())
def test_supported_call_types_keep_embeddings_out_of_the_cache(release, lab, images):
    """LITELLM-FACT-013 on every sandbox release: the reported bug does not reproduce with the mock."""
    seen = fact_013(lab, images(release))
    print(f"\n{release:>9}  LITELLM-FACT-013  {seen.behaviour:<20} {seen.detail}")
    assert seen.behaviour == "embeddings-excluded", seen.detail


@pytest.mark.parametrize("release", releases())
def test_write_errors_never_open_the_circuit_breaker(release, lab, images):
    """LITELLM-FACT-014 on every sandbox release: a Redis refusing writes (OOM) is tried on every request."""
    seen = fact_014(lab, images(release))
    print(f"\n{release:>9}  LITELLM-FACT-014  {seen.behaviour:<20} {seen.detail}")
    assert seen.behaviour == "every-write-tried", seen.detail
