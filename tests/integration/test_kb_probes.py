"""Every knowledge-base rule's probe on the three sandbox releases: what each release does must still be what the
knowledge base recorded (litellm_knowledge.MEASUREMENTS). `make test-kb` runs the same probes on both sides of
every boundary and on the older releases."""

import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb
from tests.helpers.kb_probes import OTHER_FORM_PROBES, PROBES, Lab

SANDBOX_RELEASES = ("1.80.0", "1.80.11", "1.108.7")


@pytest.fixture(scope="module")
def lab():
    with Lab() as lab:
        yield lab


@pytest.mark.parametrize("release", SANDBOX_RELEASES)
@pytest.mark.parametrize("rule", sorted(PROBES))
def test_the_release_still_behaves_as_recorded(rule, release, lab, image_tags):
    recorded = kb.measurement(rule, release)
    assert recorded, f"no measurement of {rule} on {release} in the knowledge base"
    seen = PROBES[rule](lab, image_tags[release])
    assert seen.shows == recorded["shows"], seen.detail
    assert seen.behaviour in (recorded["behaviour"], *recorded["also"]), seen.detail


@pytest.mark.parametrize("release", SANDBOX_RELEASES)
@pytest.mark.parametrize("rule", sorted(OTHER_FORM_PROBES))
def test_the_rule_holds_on_the_url_form_too(rule, release, lab, image_tags):
    """A rule stated for both connection forms (no ``forms`` field) is measured on the url: form as well."""
    assert set(kb.rule(rule).get("forms", kb.FORMS)) == set(kb.FORMS)
    recorded = kb.measurement(rule, release)
    seen = OTHER_FORM_PROBES[rule](lab, image_tags[release])
    assert seen.shows == recorded["shows"], seen.detail
    assert seen.behaviour in (recorded["behaviour"], *recorded["also"]), seen.detail
