import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))

import render_kb_doc  # noqa: E402


def test_knowledge_base_page_is_generated_from_the_rules():
    path = os.path.join(render_kb_doc.ROOT, "docs", "knowledge_base.md")
    with open(path, encoding="utf-8") as f:
        assert f.read() == render_kb_doc.render(), "docs/knowledge_base.md is out of date: run make docs"
