"""Every AWX job template of extensions/awx/assets.yml, run the way AWX's job engine runs a job: a private data dir
laid out as AWX lays it out (the project, the inventory, the survey answers as extra vars, the credential types'
injectors rendered into the job's environment, the machine credential's key), `ansible-runner run` inside the
execution environment that `make ee` builds (process isolation, engine docker), and the managed host reached over
SSH (sandbox/sshd.sh: 127.0.0.1 only). The managed host's Python has none of the modules' libraries: the role
installs them into a virtualenv (litellm_cache_install_requirements). Checked on the real proxies and the real
Redis, and no secret in anything the job leaves behind."""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import docker
import jinja2
import pytest
import redis
import yaml

from tests.helpers.compose_stack import ComposeStack
from tests.helpers.launcher import Launcher
from tests.helpers.proxies import key_of, mode_of, running_cache, shared_hit, wait_ready

ROOT = pathlib.Path(__file__).resolve().parents[2]
AWX = ROOT / "extensions" / "awx"
SSH = ROOT / "sandbox" / ".state" / "ssh"
SSH_PORT = int(os.environ.get("SANDBOX_SSH_PORT", "2222"))
NAMESPACE = "awxjob"
CACHE_ENTRY = re.compile(re.escape(NAMESPACE) + ":[0-9a-f]{64}")  # a LiteLLM cache entry under the namespace


def ee_image():
    env_file = ROOT / "build" / "ee" / "ee.env"
    if not env_file.exists():
        pytest.fail("build/ee/ee.env is missing: run `make ee` (make test-live does)")
    return env_file.read_text().strip().partition("=")[2]


@pytest.fixture(scope="module")
def assets():
    return yaml.safe_load((AWX / "assets.yml").read_text())


@pytest.fixture(scope="module")
def secrets(endpoints):
    with open(endpoints["redis"]["password_file"], encoding="utf-8") as f:
        return {"master_key": key_of(endpoints), "redis_password": f.read().strip()}


@pytest.fixture(scope="module")
def fleet(docker_client, endpoints, image_tags, tmp_path_factory):
    """Two proxies of the test's own (the sandbox's image, Redis and secrets), each on a copy of the sandbox's config
    with a cache namespace, as an operator's production file would have one: what the jobs switch, flush and roll
    back. The shared sandbox proxies are not touched."""
    launcher = Launcher(docker_client, endpoints, image_tags, tmp_path_factory)
    text = pathlib.Path(endpoints["proxies"][0]["config_path"]).read_text()
    text = re.sub(r"(?m)^    namespace: .*\n", "", text)  # whatever an interrupted run left in the sandbox's file
    text = text.replace("    ttl: 600  # seconds\n", f"    ttl: 600  # seconds\n    namespace: {NAMESPACE}\n")
    assert text.count(f"namespace: {NAMESPACE}") == 1
    started, proxies = [], []
    for n, port in ((1, 4081), (2, 4082)):  # apart from test_faults.py's 4060-4075
        path = tmp_path_factory.mktemp(f"awx-conf-{n}") / "config.yaml"
        path.write_text(text)
        proxy = launcher.start("1.80.11", config_path=str(path), port=port, name=f"erni-awx-litellm-{n}", wait=False)
        started.append(proxy)
        proxies.append(
            {"name": f"litellm-{n}", "container": proxy.container.name, "url": proxy.url, "config_path": str(path)}
        )
    for proxy in started:
        proxy.wait_ready()
    yield {**endpoints, "proxies": proxies}
    launcher.cleanup()


@pytest.fixture(scope="module")
def awx(fleet, assets, secrets, tmp_path_factory):
    """Launches a job template by name with survey answers; returns the job (rc, stdout, events, its directory)."""
    if not (SSH / "client_ed25519").exists():
        pytest.fail("the sandbox sshd is not set up: run `bash sandbox/sshd.sh` (make test-live does)")
    base = tmp_path_factory.mktemp("awx")
    venv = base / "managed-host-venv"  # a new virtualenv per run: the install itself is under test
    image = ee_image()
    templates = {t["name"]: t for t in assets["job_templates"]}
    types = {c["name"]: c for c in assets["credential_types"]}
    # The credentials an admin creates from the two credential types, with the sandbox's secrets.
    credentials = [
        (types["LiteLLM master key"], {"master_key": secrets["master_key"]}),
        (types["LiteLLM cache Redis"], {"redis_password": secrets["redis_password"]}),
    ]
    counter = iter(range(100))

    def launch(name, answers=None, instances=None):
        """``instances``: the endpoints of other instances than the fleet's (an operator's compose stack)."""
        template = templates[name]
        pdd = base / f"job-{next(counter)}-{template['playbook'].removesuffix('.yml')}"
        shutil.copytree(AWX / "project", pdd / "project")
        (pdd / "inventory").mkdir()
        (pdd / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory(instances or fleet, venv)))
        (pdd / "env").mkdir()
        # AWX: survey answers (defaults for the unanswered) become extra vars.
        extra = survey_answers(template, answers or {})
        (pdd / "env" / "extravars").write_text(yaml.safe_dump(extra))
        # AWX: each credential type's injectors rendered with the credential's inputs: the file injectors
        # written into the job's env/ directory (/runner/env in the EE), tower.filename naming them.
        env = {"ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_NOCOLOR": "1"}
        for ctype, inputs in credentials:
            filenames = {}
            for key, tmpl in ctype["injectors"].get("file", {}).items():
                name = key.removeprefix("template.")
                path = pdd / "env" / f"credential_{name}"
                path.write_text(jinja2.Template(tmpl).render(**inputs))
                path.chmod(0o600)
                filenames[name] = f"/runner/env/{path.name}"
            for var, tmpl in ctype["injectors"].get("env", {}).items():
                env[var] = jinja2.Template(tmpl).render(**inputs, tower={"filename": filenames})
        (pdd / "env" / "envvars").write_text(yaml.safe_dump(env))
        # AWX: the machine credential's private key; ansible-runner hands it to an ssh-agent in the EE.
        shutil.copy(SSH / "client_ed25519", pdd / "env" / "ssh_key")
        cmd = [
            os.path.join(os.path.dirname(sys.executable), "ansible-runner"),
            "run",
            str(pdd),
            "--playbook",
            template["playbook"],
            "--ident",
            "job",
            "--process-isolation",
            "--process-isolation-executable",
            "docker",
            "--container-image",
            image,
            "--container-option=--network=host",
        ]
        # ansible-runner's own environment: nothing of this host's Ansible set-up leaks into the job
        runner_env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
        done = subprocess.run(cmd, capture_output=True, text=True, env=runner_env, timeout=1200, check=False)
        artifacts = pdd / "artifacts" / "job"
        events = [json.loads(p.read_text()) for p in sorted((artifacts / "job_events").glob("*.json"))]
        stdout = (artifacts / "stdout").read_text() if (artifacts / "stdout").exists() else done.stdout
        return {"rc": done.returncode, "stdout": stdout, "events": events, "dir": pdd, "runner": done}

    return launch


def inventory(endpoints, venv):
    """The AWX inventory of the sandbox's instances: every host reached over SSH, no secret in it."""
    hosts = {}
    for p in endpoints["proxies"]:
        hosts[p["name"]] = {
            "ansible_host": "127.0.0.1",
            "ansible_port": SSH_PORT,
            "ansible_user": "root",
            "ansible_connection": "ssh",
            # the system Python (interpreter discovery could pick a pyenv shim of the login shell)
            "ansible_python_interpreter": "/usr/bin/python3",
            "litellm_cache_container": p["container"],
            "litellm_cache_url": p["url"],
            "litellm_cache_config_path": p["config_path"],
        }
    group = {
        "litellm_cache_login_host": endpoints["redis"]["host"],
        "litellm_cache_login_port": endpoints["redis"]["port"],
        "litellm_cache_db": endpoints["redis"]["db"],
        "litellm_cache_login_password_env": "REDIS_PASSWORD",
        "litellm_cache_install_requirements": True,
        "litellm_cache_python_venv": str(venv),
    }
    return {"litellm_proxies": {"hosts": hosts, "vars": group}}


def survey_answers(template, answers):
    """AWX's extra vars for a launch: each question's answer, else its default, typed as AWX types them."""
    extra = {}
    for q in (template.get("survey_spec") or {}).get("spec", []) if template["survey_enabled"] else []:
        value = answers.get(q["variable"], q.get("default"))
        extra[q["variable"]] = int(value) if q["type"] == "integer" else value
    unknown = set(answers) - set(extra)
    assert not unknown, f"not questions of {template['name']}: {unknown}"
    return extra


def no_secret_in(job, secrets):
    """Neither secret in the job's stdout, its events, or any file it left (artifacts, the report)."""
    for path in job["dir"].rglob("*"):
        if not path.is_file() or path.parent.name == "env":
            continue  # env/: the job's inputs, written as AWX writes them (and removes them after the job)
        data = path.read_bytes()
        for name, value in secrets.items():
            assert value.encode() not in data, f"the {name} is in {path.relative_to(job['dir'])}"
    for name, value in secrets.items():
        assert value not in job["stdout"], f"the {name} is in the job's stdout"


def artifact_data(job):
    stats = [e for e in job["events"] if e.get("event") == "playbook_on_stats"]
    return stats[-1]["event_data"].get("artifact_data", {}) if stats else {}


@pytest.fixture(scope="module")
def originals(fleet):
    return {p["name"]: pathlib.Path(p["config_path"]).read_bytes() for p in fleet["proxies"]}


def test_switch_job_switches_the_fleet_to_redis_over_ssh_in_the_ee(awx, fleet, secrets, originals):
    job = awx(
        "LiteLLM cache - switch",
        {"litellm_cache_mode": "redis", "litellm_cache_serial": "1,100%", "litellm_cache_max_fail_percentage": 0},
    )
    assert job["rc"] == 0, job["stdout"][-6000:] + job["runner"].stderr[-2000:]
    a, b = fleet["proxies"]
    assert "Requirements | Install into" in job["stdout"], "the managed host's Python lacked the libraries"
    assert artifact_data(job)["litellm_cache_summary"] == {
        a["name"]: "switched to redis",
        b["name"]: "switched to redis",
    }
    for p in (a, b):
        assert mode_of(p["config_path"]) == "redis"
        assert running_cache(p["url"], secrets["master_key"]) == "redis"
    assert shared_hit(fleet, a, b), "a request answered by one proxy is a cache hit on the other"
    no_secret_in(job, secrets)


def test_status_job_reports_redis_on_every_instance(awx, fleet, secrets):
    job = awx("LiteLLM cache - status", {"litellm_cache_measure_hits": "yes"})
    assert job["rc"] == 0, job["stdout"][-6000:]
    report = (job["dir"] / "project" / "litellm_cache_report" / "litellm_cache_report.md").read_text()
    instances, hits = report.split("## Hit latency")
    for p in fleet["proxies"]:
        row = next(line for line in instances.splitlines() if f"| {p['name']} |" in line)
        verdict, _host, version, cache = [c.strip() for c in row.strip("|").split("|")][:4]
        assert (verdict, version, cache) == ("OK", "1.80.11", "redis / redis"), row
        # the survey's answer: the miss, the hit and the hit of the other instance's requests, all from the cache
        row = next(line for line in hits.splitlines() if line.startswith(f"| {p['name']} |"))
        assert row.endswith("| 5 of 5; 5 of 5 across |"), row
    no_secret_in(job, secrets)


def test_flush_job_counts_then_deletes_the_namespace_only(awx, endpoints, secrets):
    r = redis.Redis(host="127.0.0.1", port=endpoints["redis"]["port"], password=secrets["redis_password"])
    r.set("awx-test:foreign", "kept")
    # LiteLLM's own state under the namespace (a rate-limit counter, as 1.108.x keeps there; LITELLM-FACT-009)
    state_key = f"{NAMESPACE}:{{api_key:awx-test}}:tokens"
    r.set(state_key, "7")
    entries = [k for k in r.scan_iter(match=f"{NAMESPACE}:*") if CACHE_ENTRY.fullmatch(k.decode())]
    assert entries, "the switch's verification and the shared hit left cache entries in the namespace"

    counted = awx("LiteLLM cache - flush", {"litellm_cache_flush_namespace": NAMESPACE})
    assert counted["rc"] == 0, counted["stdout"][-6000:]
    assert f"{len(entries)} cache entries under {NAMESPACE}: in db 0" in counted["stdout"], counted["stdout"][-3000:]
    assert "are LiteLLM's own state" in counted["stdout"], counted["stdout"][-3000:]
    assert all(r.exists(k) for k in entries), "confirm=no deletes nothing"

    deleted = awx(
        "LiteLLM cache - flush", {"litellm_cache_flush_namespace": NAMESPACE, "litellm_cache_flush_confirm": "yes"}
    )
    assert deleted["rc"] == 0, deleted["stdout"][-6000:]
    assert not [k for k in r.scan_iter(match=f"{NAMESPACE}:*") if CACHE_ENTRY.fullmatch(k.decode())]
    assert r.get(state_key) == b"7", "LiteLLM's own key under the namespace is kept"
    assert r.get("awx-test:foreign") == b"kept", "a key outside the namespace is never touched"
    r.delete("awx-test:foreign", state_key)
    no_secret_in(counted, secrets)
    no_secret_in(deleted, secrets)


def test_rollback_job_restores_every_config_byte_for_byte(awx, fleet, secrets, originals):
    job = awx("LiteLLM cache - rollback")
    assert job["rc"] == 0, job["stdout"][-6000:]
    for p in fleet["proxies"]:
        assert pathlib.Path(p["config_path"]).read_bytes() == originals[p["name"]], p["name"]
        assert running_cache(p["url"], secrets["master_key"]) == "local"
    no_secret_in(job, secrets)


def test_restore_job_finds_every_config_as_the_operator_wrote_it(awx, fleet, secrets, originals):
    """After the rollback every config is its original already: the restore job verifies that and changes nothing."""
    job = awx("LiteLLM cache - restore")
    assert job["rc"] == 0, job["stdout"][-6000:]
    assert artifact_data(job)["litellm_cache_summary"] == {
        p["name"]: "unchanged (the original, local)" for p in fleet["proxies"]
    }
    for p in fleet["proxies"]:
        assert pathlib.Path(p["config_path"]).read_bytes() == originals[p["name"]], p["name"]
    no_secret_in(job, secrets)


def test_upgrade_job_runs_the_release_in_the_compose_file_of_a_stack(awx, endpoints, image_tags, secrets, tmp_path):
    """The upgrade job template on an operator's compose stack (the fleet's proxies are plain containers): the EE's
    playbook, over SSH, runs litellm_release on the host; the image line changes, compose recreates the service on
    1.80.11, the local cache is verified on it."""
    stack = ComposeStack(tmp_path, endpoints, image_tags["1.80.0"], {"gateway": 4084}, 15)
    try:
        stack.up()
        wait_ready(stack.urls["gateway"])
        container = docker.from_env().containers.list(filters={"label": f"com.docker.compose.project={stack.project}"})
        instance = {
            "name": "gateway",
            "container": container[0].name,
            "url": stack.urls["gateway"],
            "config_path": stack.config_files["gateway"],
        }
        job = awx(
            "LiteLLM - upgrade", {"litellm_cache_release": "1.80.11"}, instances={**endpoints, "proxies": [instance]}
        )
        assert job["rc"] == 0, job["stdout"][-6000:] + job["runner"].stderr[-2000:]
        assert artifact_data(job)["litellm_cache_summary"] == {"gateway": "upgraded to 1.80.11 (local)"}
        with open(stack.compose_file, encoding="utf-8") as f:
            assert f'image: "{image_tags["1.80.11"]}"' in f.read()
        no_secret_in(job, secrets)
    finally:
        stack.down()
