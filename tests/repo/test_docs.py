import ast
import os
import subprocess
import sys

import yaml

from ansible_collections.erni_ki.litellm.plugins.modules import litellm_requirements

TOOLS = os.path.join(os.path.dirname(__file__), "..", "..", "tools")

DOC_BLOCKS = ("DOCUMENTATION", "EXAMPLES", "RETURN")


def test_knowledge_base_pages_are_generated_from_the_rules():
    check = [sys.executable, os.path.join(TOOLS, "render_kb_doc.py"), "--check"]
    done = subprocess.run(check, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr or done.stdout


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
