"""How the failover watch (tests/helpers/failover.py) decides when the cache was shared again: pure logic on rounds
recorded by hand, so the live test's bound reads one definition."""

from tests.helpers.failover import shared_again, summarize, timeline

TIMES = [round(0.6 * i, 1) for i in range(50)]


def hits(*runs):
    """(hit, count) runs to a list of 50 rounds."""
    out = [h for h, n in runs for _repeat in range(n)]
    assert len(out) == len(TIMES)
    return out


def test_the_first_steady_run_of_hits_after_the_breaker():
    assert shared_again(TIMES, hits((False, 17), (True, 33))) == TIMES[17]


def test_a_lone_hit_before_the_breaker_is_not_sharing():
    assert shared_again(TIMES, hits((True, 1), (False, 16), (True, 33))) == TIMES[17]


def test_a_lone_miss_later_does_not_move_it():
    assert shared_again(TIMES, hits((False, 17), (True, 29), (False, 1), (True, 3))) == TIMES[17]


def test_a_cache_that_keeps_flapping_is_never_shared_again():
    flapping = [False] * 17 + [True] * 3 + [False] * 3 + [True, False] * 13 + [True]
    assert len(flapping) == len(TIMES) and shared_again(TIMES, flapping) is None


def test_never_hit_and_too_few_rounds():
    assert shared_again(TIMES, [False] * 50) is None
    assert shared_again(TIMES[:2], [True, True]) is None


def test_the_summary_lists_the_misses_after_it():
    rounds = [
        {"t": t, "codes": [200, 200], "slowest_s": 0.1, "hit_a_to_b": h}
        for t, h in zip(TIMES, hits((False, 17), (True, 29), (False, 1), (True, 3)))
    ]
    d = summarize(rounds, [])["directions"]["a_to_b"]
    assert d == {"misses": 18, "last_miss_s": TIMES[46], "shared_again_s": TIMES[17], "misses_after_s": [TIMES[46]]}


def test_the_timeline_shows_each_rounds_hits_per_direction():
    rounds = [{"t": 0.5, "hit_a_b": True, "hit_b_a": False}, {"t": 1.0, "hit_a_b": True, "hit_b_a": True}]
    assert timeline(rounds) == "0.5:H. 1.0:HH"
