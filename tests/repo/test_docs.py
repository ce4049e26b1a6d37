import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))

import render_kb_doc  # noqa: E402

from ansible_collections.erni_ki.litellm.plugins.modules import litellm_requirements  # noqa: E402


def test_knowledge_base_pages_are_generated_from_the_rules():
    for path, make in render_kb_doc.PAGES.items():
        with open(path, encoding="utf-8") as f:
            assert f.read() == make(), f"{path} is out of date: run make docs"


def test_the_requirements_module_knows_every_requirement_of_requirements_txt():
    """litellm_requirements installs what requirements.txt (the EE's and the managed host's list) names."""
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    with open(os.path.join(root, "requirements.txt"), encoding="utf-8") as f:
        listed = [line.split("#")[0].strip() for line in f if line.split("#")[0].strip()]
    assert [req for _name, req in litellm_requirements.REQUIREMENTS] == listed
