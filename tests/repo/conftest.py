"""The repository's own checks import the collection as Ansible finds it: from build/collections, the link
`make collection-link` makes (tests/unit gets it from pytest-ansible, which these tests cannot rely on: they run
alone too, `pytest tests/repo/test_eda_cache_health.py`)."""

import os
import sys

COLLECTIONS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "build", "collections"))
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
