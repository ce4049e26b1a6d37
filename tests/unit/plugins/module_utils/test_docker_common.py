import pytest

from ansible_collections.erni_ki.litellm.plugins.module_utils import docker_common as dc
from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_instance as li


def test_no_tls_without_tls_options():
    assert dc.tls_config({"docker_tls": False, "docker_validate_certs": False}) is None


def test_tls_files_come_from_docker_cert_path(tmp_path):
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("x")
    tls = dc.tls_config({"docker_validate_certs": True}, cert_path=str(tmp_path))
    assert tls.verify is True and tls.ca_cert == str(tmp_path / "ca.pem")
    assert tls.cert == (str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"))


def test_explicit_files_win_and_tls_without_verify(tmp_path):
    tls = dc.tls_config({"docker_tls": True, "docker_ca_path": "/x/ca.pem"}, cert_path="")
    assert tls.verify is False and tls.cert is None


@pytest.mark.parametrize(
    "opts,needle",
    [
        ({"docker_tls": True, "docker_client_cert": "/c.pem"}, "go together"),
        ({"docker_validate_certs": True}, "needs docker_ca_path"),
    ],
)
def test_incomplete_tls_options_are_refused(opts, needle):
    with pytest.raises(dc.DockerAccessError, match=needle):
        dc.tls_config(opts, cert_path="")


def test_docker_params_are_the_documented_options():
    spec = dc.docker_argument_spec()
    assert set(spec) == set(dc.DOCKER_KEYS)
    assert dc.docker_params({"docker_host": "unix:///x", "other": 1}) == dict.fromkeys(dc.DOCKER_KEYS) | {
        "docker_host": "unix:///x"
    }


@pytest.mark.parametrize(
    "given,stored", [("Erni.Scaled", "erniscaled"), ("my_proj-1", "my_proj-1"), ("LLM Stack", "llmstack")]
)
def test_compose_project_names_are_normalised_as_compose_does(given, stored):
    assert li.normalize_project(given) == stored
