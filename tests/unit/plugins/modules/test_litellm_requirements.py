"""litellm_requirements: what it reports for an interpreter that lacks a library (a fake importer: pure logic).
The live tests run it for real, on the managed host over SSH, before and after the role's virtualenv."""

from ansible_collections.erni_ki.litellm.plugins.modules import litellm_requirements as lr


def test_nothing_missing_when_every_import_works():
    assert lr.missing_requirements(importer=lambda name: None) == []


def test_a_missing_library_is_named_with_the_requirement_that_provides_it():
    def importer(name):
        if name in ("docker", "ruamel.yaml"):
            raise ImportError(f"No module named '{name}'")

    missing = lr.missing_requirements(importer=importer)
    assert [m["import"] for m in missing] == ["docker", "ruamel.yaml"]
    assert [m["requirement"] for m in missing] == ["docker>=7.0", "ruamel.yaml>=0.18"]
    assert missing[0]["error"] == "No module named 'docker'"
