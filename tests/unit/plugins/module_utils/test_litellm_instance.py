from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_instance as li
from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_instance import resolve_version


def test_version_from_image_tag_when_the_package_cannot_be_read():
    assert resolve_version({}, "registry:5000/berriai/litellm:v1.80.0-stable.1", None) == ("1.80.0", "image_tag")
    assert resolve_version({}, "registry:5000/berriai/litellm", "1.80.11") == ("1.80.11", "header")
    assert resolve_version({"version": "1.108.7"}, "x:latest", None) == ("1.108.7", "package")


class FakeContainer:
    """Only the attributes litellm_instance reads from a docker-py Container (pure logic under test)."""

    def __init__(self, attrs, labels=None, name="c"):
        self.attrs = attrs
        self.labels = labels or {}
        self.name = name


def host_network(args, mounts=()):
    return FakeContainer(
        {
            "Path": "/opt/litellm/bin/litellm",
            "Args": args,
            "HostConfig": {"NetworkMode": "host"},
            "Mounts": list(mounts),
            "Config": {"Env": []},
        }
    )


def test_config_host_path_from_the_deepest_mount():
    c = host_network(
        ["--config", "/app/conf/config.yaml"],
        [
            {"Destination": "/app", "Source": "/srv/llm/app", "RW": True},
            {"Destination": "/app/conf", "Source": "/srv/llm/conf/litellm", "RW": False},
        ],
    )
    assert li.config_facts(c) == {
        "container_path": "/app/conf/config.yaml",
        "host_path": "/srv/llm/conf/litellm/config.yaml",
        "read_only": True,
    }


def test_config_without_mount_or_flag():
    assert li.config_facts(host_network(["--port", "4000"]))["container_path"] is None
    assert li.config_facts(host_network(["-c=/etc/x.yaml"]))["host_path"] is None


def test_url_for_host_networking_and_published_ports():
    wildcard = "0.0.0.0"  # noqa: S104 - a container's bind address as data, nothing binds here
    assert li.default_url(host_network(["--host", wildcard, "--port", "4010"])) == "http://127.0.0.1:4010"
    assert li.default_url(host_network([])) == "http://127.0.0.1:4000"
    published = FakeContainer(
        {
            "Args": ["--port", "4000"],
            "HostConfig": {"NetworkMode": "llm_default"},
            "NetworkSettings": {"Ports": {"4000/tcp": [{"HostIp": wildcard, "HostPort": "14000"}]}},
        }
    )
    assert li.default_url(published) == "http://127.0.0.1:14000"
    unpublished = FakeContainer({"Args": [], "HostConfig": {"NetworkMode": "llm_default"}, "NetworkSettings": {}})
    assert li.default_url(unpublished) is None


def test_relevant_env_names_and_secret_values():
    names = ["PATH", "REDIS_URL", "LITELLM_MASTER_KEY", "DATABASE_URL", "HOME", "REDIS_PASSWORD"]
    assert li.relevant_env(names) == ["DATABASE_URL", "LITELLM_MASTER_KEY", "REDIS_PASSWORD", "REDIS_URL"]
    c = FakeContainer({"Config": {"Env": ["REDIS_PASSWORD=hunter22", "PATH=/usr/bin", "API_TOKEN=abc", "X_KEY="]}})
    assert sorted(li.secrets_of(c, ["sk-given", None])) == ["hunter22", "sk-given"]


def test_replicas_sort_by_compose_number():
    assert li._replica_number(FakeContainer({}, {"com.docker.compose.container-number": "3"})) == 3
    assert li._replica_number(FakeContainer({}, {"com.docker.compose.container-number": "x"})) == 0
    assert li._replica_number(FakeContainer({}, {})) == 0


def test_one_verdict_for_every_verification():
    ready = {"http_status": 200, "cache_type": "redis"}
    one_hit = {"model": "mock-gpt", "requests": 1, "hits": 1}
    assert li.cache_problem("p", ready, "redis") is None, "no requests sent: the cache type decides"
    assert li.cache_problem("p", ready, "redis", one_hit) is None
    assert li.cache_problem("p", {"http_status": 503}, "redis") == "p answers readiness 503; expected redis"
    assert li.cache_problem("p", {"http_status": None}, "local") == "p answers readiness nothing; expected local"
    assert li.cache_problem("p", ready, "local") == "p serves with cache redis; expected local"
    assert li.cache_problem("p", {"http_status": 200, "cache_type": None}, "disabled") is None
    assert li.cache_problem("p", ready, "disabled") == "p serves with cache redis; expected disabled"
    missed = li.cache_problem("p", ready, "redis", dict(one_hit, hits=0))
    assert missed == (
        "the same request (model mock-gpt), sent twice to p, was not answered from the cache the second time "
        "(no x-litellm-cache-key header): the redis cache does not work"
    )
    assert li.cache_problem("p", ready, "redis", {"model": "m", "requests": 5, "hits": 3}).startswith(
        "2 of 5 requests (model m), each sent twice to p, were not answered from the cache"
    )
