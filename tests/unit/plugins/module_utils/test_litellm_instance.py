from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_instance import resolve_version


def test_version_from_image_tag_when_the_package_cannot_be_read():
    assert resolve_version({}, "registry:5000/berriai/litellm:v1.80.0-stable.1", None) == ("1.80.0", "image_tag")
    assert resolve_version({}, "registry:5000/berriai/litellm", "1.80.11") == ("1.80.11", "header")
    assert resolve_version({"version": "1.108.7"}, "x:latest", None) == ("1.108.7", "package")
