"""The helpers that read ansible-playbook's output: exact, so a test that relies on them can fail."""

import pytest

from tests.helpers.role_runs import recap, task_result, unchanged

OUT = """
PLAY RECAP *********************************************************************
litellm-a                  : ok=39   changed=0    unreachable=0    failed=0    skipped=10   rescued=0    ignored=0
litellm-b                  : ok=37   changed={b}    unreachable=0    failed=0    skipped=9    rescued=0    ignored=0
"""


def test_the_recap_is_read_per_host():
    rows = recap("TASK [x]\nok: [litellm-a]\n" + OUT.format(b=12))
    assert rows["litellm-a"]["changed"] == 0 and rows["litellm-b"]["changed"] == 12 and rows["litellm-b"]["ok"] == 37


@pytest.mark.parametrize("changed,expected", [(0, True), (1, False), (2, False), (10, False)])
def test_unchanged_means_changed_0_on_every_host(changed, expected):
    assert unchanged(OUT.format(b=changed)) is expected


def test_an_output_without_a_recap_is_an_error_not_unchanged():
    with pytest.raises(AssertionError, match="no PLAY RECAP"):
        unchanged("ERROR! the playbook could not be found")


def test_task_result_reads_the_result_a_task_printed_with_v():
    name = "Lock | One run at a time on this instance (check mode takes no lock)"
    held = (
        f"TASK [erni_ki.litellm.litellm_cache : {name}] ***\n"
        'ok: [solo] => {"changed": false, "holder": {"pid": 7, "since_epoch": 1796475250.5}}\n'
        "\nTASK [erni_ki.litellm.litellm_cache : Gate | Outcome so far] ***\n"
    )
    assert task_result(held, name) == ("ok", {"changed": False, "holder": {"pid": 7, "since_epoch": 1796475250.5}})
    refused = (
        f"TASK [erni_ki.litellm.litellm_cache : {name}] ***\n"
        'fatal: [solo]: FAILED! => {"changed": false, "reason": "locked", "holder": {"pid": 8}}\n'
    )
    assert task_result(refused, name) == ("failed", {"changed": False, "reason": "locked", "holder": {"pid": 8}})
    assert task_result(f"TASK [x : {name}] ***\nskipping: [solo]\n\nTASK [x : Next] ***\n", name) is None
    assert task_result("PLAY RECAP ***\n", name) is None
