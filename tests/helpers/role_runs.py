"""Run the role and the collection playbooks as operators do (ansible-playbook), on proxies of a test's own."""

import glob
import hashlib
import json
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROLE_PLAY = """
- name: Role under test
  hosts: proxies
  gather_facts: false
  tasks:
    - name: Run the role
      ansible.builtin.include_role:
        name: erni_ki.litellm.litellm_cache
"""


def ansible_env(**extra):
    """This process's environment, the collection's path, no colours, and ``extra``."""
    return dict(
        os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"), ANSIBLE_NOCOLOR="1", **extra
    )


def write_inventory(path, hosts):
    """An inventory of the group ``proxies`` (and ``litellm_proxies``, the playbooks' default group)."""
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    members = {name: {**local, **hostvars} for name, hostvars in hosts.items()}
    path.write_text(yaml.safe_dump({"proxies": {"hosts": members}, "litellm_proxies": {"children": {"proxies": {}}}}))
    return str(path)


def playbook_cmd(inventory, playbook, *extra, check=False):
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, playbook, *extra]
    return cmd + (["--check", "--diff"] if check else [])


def run_playbook(inventory, playbook, *extra, check=False, timeout=600, env=None):
    """ansible-playbook, its output captured; ``env``: variables added to its environment."""
    cmd = playbook_cmd(inventory, playbook, *extra, check=check)
    return subprocess.run(
        cmd, capture_output=True, text=True, env=ansible_env(**(env or {})), timeout=timeout, check=False
    )


def start_playbook(inventory, playbook, *extra, log=None):
    """The same, in the background: a Popen writing stdout and stderr to ``log``."""
    out = open(log, "w", encoding="utf-8")  # noqa: SIM115 - closed by the caller's finish()
    proc = subprocess.Popen(
        playbook_cmd(inventory, playbook, *extra), stdout=out, stderr=subprocess.STDOUT, env=ansible_env()
    )
    proc.log_file = out
    return proc


def finish(proc, timeout=600):
    """Wait for a start_playbook process; returns (returncode, output)."""
    code = proc.wait(timeout)
    proc.log_file.close()
    with open(proc.log_file.name, encoding="utf-8") as f:
        return code, f.read()


def run_role(tmp_path, hostvars, check=False, *extra):
    """The role on one host, ``solo``, with these variables."""
    inventory = write_inventory(tmp_path / "inventory.yml", {"solo": hostvars})
    play = tmp_path / "play.yml"
    play.write_text(ROLE_PLAY)
    return run_playbook(inventory, str(play), *extra, check=check)


def proxy_on_a_copy(tmp_path, litellm_launcher, endpoints, version, port, name="conf"):
    """A proxy of its own, on a copy of the sandbox's config: (config path, proxy)."""
    config = tmp_path / name / "config.yaml"
    config.parent.mkdir()
    with open(endpoints["proxies"][0]["config_path"], encoding="utf-8") as f:
        config.write_text(f.read())
    return config, litellm_launcher.start(version, config_path=str(config), port=port)


def role_vars(endpoints, proxy, **extra):
    """The role's inputs for that proxy on the sandbox's Redis (secrets from the sandbox's files)."""
    return {
        "litellm_cache_container": proxy.container.name,
        "litellm_cache_master_key_file": endpoints["master_key_file"],
        "litellm_cache_login_host": "127.0.0.1",
        "litellm_cache_login_port": endpoints["redis"]["port"],
        "litellm_cache_login_password_file": endpoints["redis"]["password_file"],
        **extra,
    }


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def task_result(out, task):
    """The result of the first run of the task whose name ends with ``task``, from a ``-v`` output: (status, the
    result as the module returned it), status "ok", "changed" or "failed"; None when the task did not run."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("TASK [") and line.split("]")[0].endswith(task):
            for result in lines[i + 1 :]:
                found = re.match(r"(ok|changed|fatal): \[[^\]]+\](?:: FAILED!)? => (\{.*\})$", result)
                if found:
                    status = "failed" if found.group(1) == "fatal" else found.group(1)
                    return status, json.loads(found.group(2))
                if result.startswith("TASK ["):
                    return None
    return None


def summary(out):
    """The switch_cache summary: {host: state}, from the debug task's printed result."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "TASK [Summary]" in line)
    first = next(i for i in range(start, len(lines)) if re.fullmatch(r"ok: \[[^\]]+\] => \{", lines[i]))
    last = next(i for i in range(first, len(lines)) if lines[i] == "}")
    return json.loads("{" + "\n".join(lines[first + 1 : last + 1]))["msg"]


def recap(out):
    """The PLAY RECAP of an ansible-playbook output: {host: {"ok": n, "changed": n, ...}}. Fails when there is none."""
    if "PLAY RECAP" not in out:
        raise AssertionError(f"no PLAY RECAP in the output:\n{out[-3000:]}")
    rows = {}
    for line in out.split("PLAY RECAP")[-1].splitlines()[1:]:
        host, sep, counts = line.partition(" : ")
        if not sep:
            continue
        rows[host.strip()] = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", counts)}
    return rows


def unchanged(out):
    """Whether the run changed nothing on every host of its recap (idempotence: changed=0 everywhere)."""
    rows = recap(out)
    return bool(rows) and all(row["changed"] == 0 for row in rows.values())


def assert_no_secret(secrets, *texts, paths=()):
    """No secret in the outputs, nor in any file the run left (backups, lock files) under ``paths``."""
    for text in texts:
        for s in secrets:
            assert s not in text, "a secret leaked into the output"
    for directory in paths:
        for path in glob.glob(os.path.join(str(directory), "**", "*"), recursive=True) + glob.glob(
            os.path.join(str(directory), ".*")
        ):
            if os.path.isfile(path):
                with open(path, encoding="utf-8", errors="replace") as f:
                    body = f.read()
                for s in secrets:
                    assert s not in body, f"a secret was written to {path}"
