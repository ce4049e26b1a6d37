import difflib
import os

import pytest

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")


@pytest.fixture
def fixture_text():
    def read(name):
        with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
            return f.read()

    return read


@pytest.fixture
def changed_lines():
    """The lines a change removed (-) and added (+), as a unified diff without context shows them."""

    def diff(before, after):
        return [
            line
            for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]

    return diff
