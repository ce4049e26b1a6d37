import os

import pytest

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


@pytest.fixture
def fixture_text():
    def read(name):
        with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
            return f.read()

    return read
