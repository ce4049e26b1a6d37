import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))

import render_kb_doc  # noqa: E402


def test_knowledge_base_pages_are_generated_from_the_rules():
    for path, make in render_kb_doc.PAGES.items():
        with open(path, encoding="utf-8") as f:
            assert f.read() == make(), f"{path} is out of date: run make docs"
