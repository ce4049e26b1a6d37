import ast
import os
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))

import render_kb_doc  # noqa: E402

from ansible_collections.erni_ki.litellm.plugins.modules import litellm_requirements  # noqa: E402

DOC_BLOCKS = ("DOCUMENTATION", "EXAMPLES", "RETURN")


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


def test_every_module_documentation_block_is_yaml():
    """DOCUMENTATION, EXAMPLES and RETURN of every module parse (a ': ' in a plain line breaks one; sanity finds it
    minutes later, this in the fast loop)."""
    modules = os.path.join(os.path.dirname(__file__), "..", "..", "plugins", "modules")
    for name in sorted(n for n in os.listdir(modules) if n.endswith(".py")):
        with open(os.path.join(modules, name), encoding="utf-8") as f:
            tree = ast.parse(f.read())
        blocks = {
            node.targets[0].id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) in DOC_BLOCKS
        }
        assert set(blocks) == set(DOC_BLOCKS), f"{name} lacks {set(DOC_BLOCKS) - set(blocks)}"
        for block, text in blocks.items():
            assert yaml.safe_load(text), f"{name} {block} is empty"  # a YAML error names the line
