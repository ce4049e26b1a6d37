"""The AWX assets (extensions/awx/assets.yml) against what they drive: every survey question is an input of the role
or of the playbook it launches, with a compatible type and a valid default; no secret is ever a survey question;
every credential injector sets a variable the role reads; every job template's playbook is in the AWX project and
runs the collection's playbook of the same name."""

import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
ASSETS = yaml.safe_load((ROOT / "extensions" / "awx" / "assets.yml").read_text())
ROLE_SPECS = yaml.safe_load((ROOT / "roles" / "litellm_cache" / "meta" / "argument_specs.yml").read_text())[
    "argument_specs"
]
PLAYBOOK_SPECS = yaml.safe_load((ROOT / "playbooks" / "vars" / "argument_specs.yml").read_text())[
    "erni_ki_litellm_playbook_specs"
]
# The role's entry point each collection playbook runs (status and flush read main's inputs too: the instance, the
# secrets, the Redis).
ENTRY_POINT = {
    "switch_cache": "main",
    "rollback_cache": "main",
    "restore_cache": "main",
    "cache_status": "status",
    "flush_cache": "flush",
    "upgrade_litellm": "upgrade",
}
SECRET = re.compile(r"pass|secret|token|(^|_)key($|_)|credential", re.IGNORECASE)
# AWX survey type -> the argument-spec types that take its answer (AWX sends text and choices as strings).
COMPATIBLE = {
    "text": {"str", "raw"},
    "textarea": {"str", "raw"},
    "integer": {"int", "raw"},
    "float": {"float", "raw"},
    "multiplechoice": {"str", "raw", "bool"},
    "multiselect": {"list", "raw"},
}
BOOL_STRINGS = {"yes", "no", "true", "false", "on", "off", "1", "0"}


def spec_of(playbook, variable):
    name = playbook.removesuffix(".yml")
    options = {
        **ROLE_SPECS["main"]["options"],
        **ROLE_SPECS[ENTRY_POINT[name]]["options"],
        **PLAYBOOK_SPECS[name]["options"],
    }
    return options.get(variable)


def questions():
    for template in ASSETS["job_templates"]:
        for q in (template["survey_spec"] or {}).get("spec", []):
            yield pytest.param(template, q, id=f"{template['playbook']}:{q['variable']}")


@pytest.mark.parametrize(("template", "question"), list(questions()))
def test_every_survey_question_is_an_input_with_a_compatible_type_and_a_valid_default(template, question):
    spec = spec_of(template["playbook"], question["variable"])
    assert spec, f"{question['variable']} is not an input of {template['playbook']} (role or playbook argument spec)"
    kind = spec.get("type", "str")
    assert kind in COMPATIBLE[question["type"]], f"a {question['type']} answer cannot be a {kind}"
    default = question.get("default")
    if question["type"] == "multiplechoice":
        assert default in question["choices"], f"default {default!r} is not one of {question['choices']}"
        if kind == "bool":
            assert {str(c).lower() for c in question["choices"]} <= BOOL_STRINGS
        if "choices" in spec:
            assert set(question["choices"]) <= set(spec["choices"]), "a choice the role refuses"
    if question["type"] == "integer":
        assert isinstance(default, int) and question.get("min", default) <= default <= question.get("max", default)
    if question["type"] == "text" and default:
        assert isinstance(default, str) and question.get("min", 0) <= len(default) <= question.get("max", 1024)
    if not question["required"]:
        # AWX may leave an unanswered optional question out of the extra vars: it must then mean what its default
        # says, so the default is a value, or empty where the input's own default is empty too
        assert default not in (None, "") or spec.get("default") == "", "an optional question needs a default"


@pytest.mark.parametrize(("template", "question"), list(questions()))
def test_no_secret_is_a_survey_question(template, question):
    assert question["type"] != "password", "secrets come from credential types, never from a survey"
    assert not SECRET.search(question["variable"]), f"{question['variable']} looks like a secret"


def test_surveys_are_enabled_exactly_where_there_are_questions():
    for template in ASSETS["job_templates"]:
        assert bool(template["survey_enabled"]) == bool((template["survey_spec"] or {}).get("spec")), template["name"]


def test_every_credential_injector_sets_a_variable_the_role_reads():
    defaults = (ROOT / "roles" / "litellm_cache" / "defaults" / "main.yml").read_text()
    for ctype in ASSETS["credential_types"]:
        fields = {f["id"]: f for f in ctype["inputs"]["fields"]}
        for var in ctype["injectors"]["env"]:
            assert f"'{var}'" in defaults, f"{ctype['name']} sets {var}, which the role never reads"
        for key in ctype["injectors"].get("file", {}):
            assert fields[key.removeprefix("template.")]["secret"], "only secrets go through files"
        for field in fields.values():
            if field.get("secret"):
                injected = " ".join(ctype["injectors"].get("file", {}).values())
                assert field["id"] in injected, f"secret {field['id']} must be injected as a file, not a variable"


def test_every_job_template_runs_the_collection_playbook_of_its_name():
    project = ROOT / "extensions" / "awx" / "project"
    for template in ASSETS["job_templates"]:
        play = yaml.safe_load((project / template["playbook"]).read_text())
        name = template["playbook"].removesuffix(".yml")
        assert play[0]["ansible.builtin.import_playbook"] == f"erni_ki.litellm.{name}"
        assert (ROOT / "playbooks" / template["playbook"]).exists()
