import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils.yaml_roundtrip import RoundTripDocument, YamlEditError


@pytest.mark.parametrize("name", ["production.yaml", "four_spaces.yaml", "no_cache.yaml", "no_type.yaml"])
def test_untouched_document_renders_byte_for_byte(fixture_text, name):
    text = fixture_text(name)
    assert RoundTripDocument(text).render() == text


def test_edit_changes_only_the_edited_line(fixture_text, changed_lines):
    text = fixture_text("production.yaml")
    doc = RoundTripDocument(text)
    doc.data["litellm_settings"]["cache_params"]["ttl"] = 60
    out = doc.render()
    # the comment keeps its column
    assert changed_lines(text, out) == ["-    ttl: 3600   # one hour", "+    ttl: 60     # one hour"]


def test_four_space_files_keep_their_indentation(fixture_text, changed_lines):
    text = fixture_text("four_spaces.yaml")
    doc = RoundTripDocument(text)
    doc.data["litellm_settings"]["cache_params"].insert(1, "host", "redis")
    out = doc.render()
    assert changed_lines(text, out) == ["+        host: redis"]


def test_missing_final_newline_is_kept():
    text = "a: 1\nb: 2"
    doc = RoundTripDocument(text)
    doc.data["a"] = 3
    assert doc.render() == "a: 3\nb: 2"


@pytest.mark.parametrize(
    ("text", "where"),
    [("a: [1, 2\nb: 3\n", "line"), ("a: 1\n  b: 2\n", "line 2"), ("key: 'unterminated\n", "line")],
)
def test_invalid_yaml_says_where(text, where):
    with pytest.raises(YamlEditError) as err:
        RoundTripDocument(text, source="/etc/litellm/config.yaml")
    assert "/etc/litellm/config.yaml is not valid YAML" in str(err.value)
    assert where in str(err.value)


def test_an_edit_inside_a_layout_ruamel_would_rewrite_is_refused():
    # A flow mapping spread over lines: ruamel renders it on one line, so editing it would reformat.
    text = "litellm_settings:\n  cache_params: {type: local,\n    ttl: 60}\nother: 1\n"
    doc = RoundTripDocument(text)
    doc.data["litellm_settings"]["cache_params"]["ttl"] = 30
    with pytest.raises(YamlEditError) as err:
        doc.render()
    assert "left as it was" in str(err.value)
