"""Every knowledge-base rule's probe on the sandbox releases (sandbox/images/litellm/releases): what each release does
must still be what the knowledge base recorded (litellm_knowledge.MEASUREMENTS). On the newest release, the rules
whose behaviour changed since the release before it; `make test-kb` runs every probe on every recorded release (the
newest included), on both sides of every boundary and on the older releases."""

import re
import time
from collections import Counter

import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb
from tests.helpers.kb_probes import OTHER_FORM_PROBES, PROBES, Lab, key_family
from tests.helpers.sandboxes import releases

SANDBOX_RELEASES = releases()
*FIELD, NEWEST = SANDBOX_RELEASES


def _changed_on_newest(rule):
    new, before = kb.measurement(rule, NEWEST), kb.measurement(rule, FIELD[-1])
    return new is None or before is None or new["behaviour"] != before["behaviour"]


CASES = [(rule, release) for release in FIELD for rule in sorted(PROBES)]
CASES += [(rule, NEWEST) for rule in sorted(PROBES) if _changed_on_newest(rule)]


@pytest.fixture(scope="module")
def lab():
    with Lab() as lab:
        yield lab


@pytest.mark.parametrize(("rule", "release"), CASES)
def test_the_release_still_behaves_as_recorded(rule, release, lab, image_tags):
    recorded = kb.measurement(rule, release)
    assert recorded, f"no measurement of {rule} on {release} in the knowledge base"
    seen = PROBES[rule](lab, image_tags[release])
    assert seen.shows == recorded["shows"], seen.detail
    assert seen.behaviour in (recorded["behaviour"], *recorded["also"]), seen.detail
    if seen.shows and rule in kb.PROBED_TABLES:  # the rule's table is what the release itself said
        assert seen.data == kb.PROBED_TABLES[rule], seen.detail


def test_the_newest_release_is_measured_on_every_rule():
    """make test-kb re-measures them; here: every rule has a recorded behaviour on the newest sandbox release."""
    assert [rule for rule in PROBES if kb.measurement(rule, NEWEST) is None] == []
    assert [rule for rule, release in CASES if release == NEWEST], "nothing changed on the newest release?"


@pytest.mark.parametrize("release", FIELD)
@pytest.mark.parametrize("rule", sorted(OTHER_FORM_PROBES))
def test_the_rule_holds_on_the_url_form_too(rule, release, lab, image_tags):
    """A rule stated for both connection forms (no ``forms`` field) is measured on the url: form as well."""
    assert set(kb.rule(rule).get("forms", kb.FORMS)) == set(kb.FORMS)
    recorded = kb.measurement(rule, release)
    seen = OTHER_FORM_PROBES[rule](lab, image_tags[release])
    assert seen.shows == recorded["shows"], seen.detail
    assert seen.behaviour in (recorded["behaviour"], *recorded["also"]), seen.detail


def test_a_namespace_flush_on_the_newest_release_deletes_its_cache_entries_and_no_other_key(
    lab, image_tags, run_module
):
    """Issue 21, on the newest sandbox release: every key family LiteLLM writes (its cache entries, its rate-limit
    counters, its daily-metrics marker: LITELLM-FACT-009, LITELLM-CACHE-015), counted family by family before and
    after redis_cache_probe's namespace flush, in check mode and for real: the cache entries are counted and then
    gone, every other key is counted apart and still there."""
    newest = SANDBOX_RELEASES[-1]
    proxy = lab.start(image_tags[newest], dict(lab.redis_params(), namespace="litellm"))
    db = lab.client()
    try:
        assert proxy.wait() == "ready", proxy.logs()[-2000:]
        for n in range(5):
            assert proxy.cached_key(f"flush family {n}")[2], "a cache hit"
        deadline = time.monotonic() + 10
        while not any(":tokens" in key_family(k) for k in db.scan_iter(count=1000)) and time.monotonic() < deadline:
            time.sleep(0.2)  # LiteLLM writes its usage counters after it answers
        before = {k: db.pttl(k) for k in db.scan_iter(count=1000)}
        entries = [k for k in before if re.fullmatch(rb"litellm:[0-9a-f]{64}", k)]
        # kept keys: every key that is not a cache entry and lives long enough to outlast the two flush runs
        kept = {k for k, ttl in before.items() if k not in entries and (ttl == -1 or ttl > 20_000)}
        families = Counter(key_family(k) for k in kept)
        assert len(entries) == 5, before
        assert any(":tokens" in f for f in families), f"LiteLLM {newest} wrote no usage counter: {families}"
        login = {"login_host": "127.0.0.1", "login_port": lab.redis.port, "login_password": lab.password}
        args = dict(login, namespace="litellm", flush=True, latency_samples=0)
        counted = run_module("redis_cache_probe", args, check=True)
        under = sum(1 for k in kept if k.startswith(b"litellm:"))
        assert counted.result["would_flush"] == 5 and counted.result["keyspace"]["other_keys"] >= under, counted.result
        assert all(db.exists(k) for k in entries), "check mode deleted keys"
        flushed = run_module("redis_cache_probe", args)
        assert flushed.result["flushed"] == 5 and flushed.result["keyspace"]["matched_after_flush"] == 0
        after = set(db.scan_iter(count=1000))
        assert not after & set(entries), "a cache entry survived the flush"
        assert Counter(key_family(k) for k in kept & after) == families, "a key family LiteLLM wrote lost keys"
        assert lab.password not in counted.output + flushed.output
    finally:
        lab.stop(proxy)
