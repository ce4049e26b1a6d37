import socket

import pytest
from redis import exceptions as rexc

from ansible_collections.erni_ki.litellm.plugins.module_utils import masking
from ansible_collections.erni_ki.litellm.plugins.module_utils import redis_probe as rp


def test_namespace_is_matched_literally():
    assert rp.scope_pattern("litellm") == "litellm:*"
    assert rp.scope_pattern("a*b?[c]\\") == "a\\*b\\?\\[c\\]\\\\:*"
    assert rp.scope_pattern(None, "foo:*") == "foo:*"
    assert rp.scope_pattern(None, None) is None


def test_percentiles():
    values = sorted(float(i) for i in range(1, 101))
    pct = rp.percentiles(values)
    assert pct[50] == 50.5 and pct[99] == pytest.approx(99.01)
    assert rp.percentiles([3.0]) == {50: 3.0, 95: 3.0, 99: 3.0}
    assert rp.percentiles([]) == {50: None, 95: None, 99: None}


def _chained(outer, inner):
    try:
        raise inner
    except Exception as exc:  # noqa: BLE001
        try:
            raise outer from exc
        except Exception as final:  # noqa: BLE001
            return final


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (rexc.AuthenticationError("invalid username-password pair"), "auth"),
        (rexc.ResponseError("WRONGPASS invalid username-password pair"), "auth"),
        (rexc.ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused."), "refused"),
        (rexc.TimeoutError("Timeout reading from socket"), "timeout"),
        (
            _chained(
                rexc.ConnectionError("Error 1 connecting"), __import__("ssl").SSLError("CERTIFICATE_VERIFY_FAILED")
            ),
            "tls",
        ),
        (_chained(rexc.ConnectionError("Error -2 connecting to nohost:6379."), socket.gaierror(-2, "x")), "dns"),
        (rexc.ConnectionError("Error 2 connecting to unix socket: /x.sock. No such file or directory."), "unreachable"),
    ],
)
def test_errors_are_classified(exc, kind):
    assert rp.classify_error(exc)[0] == kind


def test_probe_masks_with_the_one_masking_module():
    """The probe (also inside a container) masks with masking.py itself: no copy to drift."""
    assert rp.mask_text is masking.mask_text
    assert rp.mask_text("AUTH s3cret-longer and s3cret failed", ["s3cret", "s3cret-longer", None]) == (
        "AUTH ******** and ******** failed"
    )
