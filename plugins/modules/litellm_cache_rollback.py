#!/usr/bin/python
# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: litellm_cache_rollback
short_description: The emergency rollback of a LiteLLM proxy to its in-memory cache, in one call
version_added: 0.1.0
description:
  - The emergency button's one module call. It finds the LiteLLM container (as M(erni_ki.litellm.litellm_service)),
    takes its run lock (as M(erni_ki.litellm.litellm_run_lock), with the options in O(lock)), writes O(mode) into its
    config (as M(erni_ki.litellm.litellm_cache_mode), with the options in O(config)), restarts it and waits until it
    serves, sends the verification's request twice and proves the second answer came from the cache, and gives the
    lock back, whatever happened.
  - Nothing is asked of Redis and no Redis password is read. Every step a switch to local needs is here; a switch
    to Redis (probe, gate, verification in Redis) stays with the separate modules.
  - When the restarted proxy does not serve within O(wait_timeout), or serves the wrong cache, or its cache does not
    answer the repeated request, the config as it was is written back byte for byte, the proxy is restarted on it,
    and the module fails with RV(reason), the proxy's last 30 log lines (secrets masked) and RV(restored).
  - When the config already has O(mode), nothing is written and nothing is restarted.
  - A run lock held by another run fails the module at once, or after C(lock.wait_timeout) seconds, with
    RV(reason=locked) and RV(holder); the config is not read.
author:
  - erni_ki maintainers (@erni-ki)
requirements:
  - docker (Docker SDK for Python) >= 7.0 on the managed host
  - ruamel.yaml >= 0.18
  - packaging
extends_documentation_fragment:
  - erni_ki.litellm.docker
  - erni_ki.litellm.instance
  - erni_ki.litellm.attributes.actiongroup_docker
attributes:
  check_mode:
    support: full
    description:
      - Finds the instance and says what would be written (the diff in diff mode); takes no lock, writes nothing,
        restarts nothing. A lock held by another run is a warning.
  diff_mode:
    support: full
    description: The config's diff, secrets masked, as M(erni_ki.litellm.litellm_cache_mode) shows it.
  idempotent:
    support: full
    description: A config that already has O(mode) is neither written nor restarted (RV(ignore:changed=false)).
options:
  mode:
    description:
      - The cache to roll back to. V(local) is LiteLLM's in-memory cache; V(disabled) turns the cache off.
    type: str
    choices: [local, disabled]
    default: local
  config:
    description:
      - The options of M(erni_ki.litellm.litellm_cache_mode) for the write (its
        O(erni_ki.litellm.litellm_cache_mode#module:mode) excepted, which is O(mode)), validated as that module
        validates them; the same options give the same file.
      - Without C(path), the config is the one the container reads (its bind mount, as
        M(erni_ki.litellm.litellm_service) returns it in C(config.host_path)).
    type: dict
    default: {}
  lock:
    description:
      - The options of M(erni_ki.litellm.litellm_run_lock) (C(run_id) required). C(path) and C(state) are this
        module's to set, since the lock is the config's, taken first and given back last.
      - C(guard_mark) is set or taken away only when the run completed; V(present) writes the cache guard's mark
        only when this run changed the config (an instance that was already on O(mode) keeps what it has).
    type: dict
    required: true
  wait_timeout:
    description:
      - Seconds to wait for the restarted proxy to be ready.
      - The restart on the config put back (after a failed restart or verification) waits at least 180 s, however
        short this is - that config served before, and deserves the time a start needs.
    type: int
    default: 180
  verify:
    description:
      - Prove the rolled-back proxy answers from its cache - the same request, sent twice (with C(mock_response), so
        no model provider is called), answered from the cache the second time. Readiness must report O(mode)
        whatever this says.
      - Not with O(mode=disabled), which has no cache to prove.
    type: bool
    default: true
  verify_prompt:
    description: The text of the verification's request (a random one when not given).
    type: str
  verify_model:
    description: The model the verification's request names (default the first the proxy lists, with the master key).
    type: str
notes:
  - The master key (O(master_key), O(master_key_file) or E(LITELLM_MASTER_KEY)) is needed by the verification on a
    proxy that has one.
seealso:
  - module: erni_ki.litellm.litellm_cache_mode
  - module: erni_ki.litellm.litellm_run_lock
  - module: erni_ki.litellm.litellm_service
"""

EXAMPLES = r"""
- name: Back to the in-memory cache, now (what the rollback_cache playbook does, one call per instance)
  erni_ki.litellm.litellm_cache_rollback:
    compose_project: llm
    compose_service: litellm
    master_key_file: /srv/llm/secrets/master_key.txt
    config:
      backup: true
    lock:
      run_id: "{{ 99999999 | random | to_uuid }}"
      wait_timeout: 30
  register: rolled

- name: Say what happened
  ansible.builtin.debug:
    msg: >-
      {{ rolled.container.name }}: {{ rolled.previous_mode }} -> {{ rolled.mode }},
      ready after {{ rolled.ready_after_s | default('-') }} s
"""

RETURN = r"""
previous_mode:
  description: The mode the config had (V(local), V(redis), V(disabled), or null when it had no cache).
  returned: success or a failure after the config was read
  type: str
  sample: redis
mode:
  description: The mode the config has now (after a restored failure, the one it had before).
  returned: success or a failure after the config was read
  type: str
  sample: local
config_path:
  description: The config written, on the host.
  returned: success or a failure after the instance was found
  type: str
  sample: /srv/llm/conf/litellm/config.yaml
backup_file:
  description: The backup of the config taken before the write (with C(config.backup)).
  returned: when written with a backup
  type: str
container:
  description: The container (the first replica), as M(erni_ki.litellm.litellm_service) returns it.
  returned: success or a failure after the instance was found
  type: dict
readiness:
  description: The restarted proxy's readiness, as M(erni_ki.litellm.litellm_service) returns it.
  returned: when restarted
  type: dict
  sample: {http_status: 200, status: healthy, cache_type: local, litellm_version: 1.80.11}
ready_after_s:
  description: Seconds from the restart to readiness (of the last replica).
  returned: when restarted
  type: float
  sample: 4.9
hit_latency:
  description:
    - The verification's two requests, as M(erni_ki.litellm.litellm_service) returns
      RV(erni_ki.litellm.litellm_service#module:hit_latency).
  returned: when verified
  type: dict
lock:
  description:
    - The run lock's file, its holder while this run held it (as M(erni_ki.litellm.litellm_run_lock) returns it;
      in check mode, another run that holds it), a stale lock it took over, the seconds it waited, and whether it was
      given back.
  returned: once the config path is known
  type: dict
  sample:
    lock_file: /srv/llm/conf/litellm/.config.yaml.erni_ki.lock
    holder: {run_id: 0f5c, controller: awx-1, pid: 4242, since_epoch: 1764950400.1, since: "2026-12-05T16:00:00Z"}
    took_over: null
    waited: 0.0
    released: true
holder:
  description: Who holds the run lock, when O(lock) could not be taken (RV(reason=locked)).
  returned: on reason locked
  type: dict
guard_mark:
  description: The cache guard's mark after the run (C(path), C(exists)), when C(lock.guard_mark) was given.
  returned: when C(lock.guard_mark) was given
  type: dict
reason:
  description:
    - Why the module failed. V(locked) (another run's lock; nothing read or written), V(not_ready) (the proxy did not
      serve after the restart), V(not_verified) (it served, but not from the cache asked for).
  returned: on those failures
  type: str
result:
  description:
    - How the call ended, the one value to branch on. V(switched) (the config written, the proxy restarted on it and
      verified; in check mode, what a real run would do), V(unchanged) (already on O(mode) - nothing written, nothing
      restarted), V(kept_out) (another run's lock; nothing read or written), V(rolled_back) (the restart or the
      verification failed, and the config as it was is back and served), V(failed) (anything else, with RV(reason)
      or the message saying what).
  returned: once the instance is found
  type: str
  sample: switched
restored:
  description: On a failure after the write, whether the config as it was was written back and the proxy serves on
    it again.
  returned: on reason not_ready or not_verified
  type: bool
log_tail:
  description: The proxy's last 30 log lines after the failed restart, secrets masked.
  returned: on reason not_ready
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import FILE_COMMON_ARGUMENTS, AnsibleModule
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.erni_ki.litellm.plugins.module_utils import deps, docker_common, run_lock
from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_cache_config as cfg
from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_instance as li
from ansible_collections.erni_ki.litellm.plugins.module_utils.config_module import (
    argument_spec as cache_mode_argument_spec,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.config_module import (
    plan_file,
    plan_result,
    write_result,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.config_state import write_atomically
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import mask_text

MODES = ("local", "disabled")
RESTORE_WAIT_S = 180  # the least a restart on the config put back waits (wait_timeout's default)


def argument_spec():
    spec = li.instance_argument_spec()
    spec.update(
        mode=dict(type="str", default="local", choices=list(MODES)),
        config=dict(type="dict", default={}),
        lock=dict(type="dict", required=True),
        wait_timeout=dict(type="int", default=180),
        verify=dict(type="bool", default=True),
        verify_prompt=dict(type="str"),
        verify_model=dict(type="str"),
    )
    return spec


def validated(module, name, options, spec, **rules):
    """``options`` (the dict option ``name``) checked against another module's ``spec``, as that module checks its
    own; its secrets are kept out of every output from here on."""
    result = ArgumentSpecValidator(spec, **rules).validate(options)
    if result.error_messages:
        said = [f"unsupported option {e}" if isinstance(e, UnsupportedError) else str(e) for e in result.errors.errors]
        module.fail_json(msg=f"{name}: {'; '.join(said)}")
    module.no_log_values.update(result._no_log_values)  # pylint: disable=protected-access
    return result.validated_parameters


def config_options(module):
    spec = cache_mode_argument_spec()
    for name, option in FILE_COMMON_ARGUMENTS.items():  # as add_file_common_args adds them (its mode is file_mode)
        spec.setdefault(name, option)
    given = dict(module.params["config"])
    if "mode" in given:
        module.fail_json(msg="config: mode is this module's option (local or disabled), not config's")
    return validated(
        module,
        "config",
        dict(given, mode=module.params["mode"]),
        spec,
        mutually_exclusive=list(cfg.ENV_OPTIONS.items()),
    )


def lock_options(module):
    given = dict(module.params["lock"])
    mine = sorted({"path", "state"} & set(given))
    if mine:
        module.fail_json(
            msg=f"lock: {', '.join(mine)} is this module's to set (the config's lock, taken and given back)"
        )
    spec = run_lock.argument_spec()
    return validated(module, "lock", dict(given, path="-", state="present"), spec)


class Rollback:
    """One run: the instance found, its lock held, the config written, the proxy restarted and verified."""

    def __init__(self, module, containers, key, conf):
        self.module = module
        self.containers = containers
        self.first = containers[0]
        self.key = key
        self.conf = conf
        self.secrets = li.secrets_of(self.first, [key])
        self.url = module.params["url"] or li.default_url(self.first)
        self.result = dict(changed=False, container=li.container_facts(self.first))

    def fail(self, msg, **extra):
        ended = "kept_out" if extra.get("reason") == "locked" else "rolled_back" if extra.get("restored") else "failed"
        self.module.fail_json(msg=mask_text(msg, self.secrets), **dict(self.result, result=ended), **extra)

    def config_path(self):
        path = self.conf["path"] or li.config_facts(self.first).get("host_path")
        if not path:
            self.fail(
                f"{self.first.name} reads no config bind-mounted from the host: give config.path (the role's "
                "litellm_cache_config_path)"
            )
        return path

    def restart_all(self, wait_timeout):
        """Every replica in turn (the next once this one serves); the last one's readiness and seconds."""
        p = self.module.params
        restarted = list(li.replicas(self.containers, p["url"], self.key, restart=True, wait_timeout=wait_timeout))
        return restarted[-1][3:]

    def verify(self, ready, mode):
        """Why the restarted proxy does not run ``mode`` from its cache (None: it does)."""
        p = self.module.params
        if mode != "disabled" and p["verify"] and ready.get("cache_type") == mode:
            model = p["verify_model"] or (ready.get("models") or [None])[0]
            if not model:
                return "no model to send the verification's request to: give verify_model, or the master key"
            prompt = p["verify_prompt"] or f"erni_ki.litellm verification {os.urandom(8).hex()}"
            try:
                self.result["hit_latency"] = li.measure_hits(self.url, self.key, model, [prompt])
            except li.InstanceError as exc:
                return f"the verification's request: {exc}"
        return li.cache_problem(self.first.name, ready, mode, self.result.get("hit_latency"))

    def put_back(self, path, before, why, reason, **extra):
        """The config as it was, byte for byte, and the proxy restarted on it; then fail naming ``why``."""
        restored = False
        try:
            write_atomically(path, before.encode("utf-8"), self.module.atomic_move)
            self.result["mode"] = self.result["previous_mode"]
            # the config known to serve gets the time a start needs, however short wait_timeout was
            ready, _took = self.restart_all(max(self.module.params["wait_timeout"], RESTORE_WAIT_S))
            restored = ready.get("http_status") == 200
        except (OSError, li.InstanceError, docker_common.DockerException) as exc:
            why += f"; putting the config back failed too: {exc}"
        done = "the config as it was is back and the proxy serves on it" if restored else "the proxy does not serve"
        self.fail(f"{why}; {done}", reason=reason, restored=restored, **extra)

    def run(self, path):
        current, planned = plan_file(
            self.module, path, self.conf["content"], self.secrets, self.module.params["mode"], params=self.conf
        )
        self.result.update(previous_mode=planned["previous_mode"], **plan_result(planned))
        for warning in planned["warnings"]:
            self.module.warn(mask_text(warning, self.secrets))
        self.result["changed"] = write_result(
            self.module, path, current, planned["new_text"], self.secrets, self.result, params=self.conf
        )
        if self.module.check_mode or planned["new_text"] == current:
            return None
        mode = self.module.params["mode"]
        try:
            ready, took = self.restart_all(self.module.params["wait_timeout"])
        except li.NotReady as exc:
            return self.put_back(path, current, str(exc), "not_ready", log_tail=exc.log_tail)
        self.result.update(readiness=ready, ready_after_s=took)
        problem = self.verify(ready, mode)
        if problem:
            return self.put_back(path, current, problem, "not_verified")
        return None


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        **li.INSTANCE_OPTION_RULES,
        supports_check_mode=True,
    )
    deps.validate(module, "docker", "ruamel.yaml", "packaging")
    conf = config_options(module)
    lock = lock_options(module)
    key = li.read_master_key(module)
    try:
        client = docker_common.connect(docker_common.docker_params(module.params))
        containers = li.locate(
            client, module.params["container"], module.params["compose_project"], module.params["compose_service"]
        )
    except (docker_common.DockerAccessError, li.InstanceError) as exc:
        module.fail_json(msg=str(exc))
    run = Rollback(module, containers, key, conf)
    path = run.config_path()
    conf["path"] = path
    run.result["lock"] = {"lock_file": run_lock.lock_path(path, lock["lock_dir"])}
    try:
        taken = run_lock.take(lock, path, module.check_mode, module.warn, option_prefix="lock.")
    except run_lock.LockError as exc:
        facts = dict(exc.facts)
        facts.pop("lock_file", None)
        run.fail(str(exc), **facts)
    run.result["lock"].update({k: taken[k] for k in ("holder", "took_over", "waited")})
    completed = False
    try:
        run.run(path)
        completed = True
    finally:
        # given back whatever happened (a fail_json inside is a SystemExit: this runs before the process ends)
        run.result["lock"]["released"] = run_lock.give_back(lock, path, module.check_mode)["changed"]
    if lock["guard_mark"] and completed:
        # written only when this call rolled back; taken away whenever asked (an operator's run that completed)
        act = run.result["changed"] or lock["guard_mark"] == "absent"
        try:
            run.result["guard_mark"] = run_lock.guard_mark(lock, path, module.check_mode, act=act)
        except run_lock.LockError as exc:
            run.fail(f"rolled back, but {exc}")
    run.result["result"] = "switched" if run.result["changed"] else "unchanged"
    module.exit_json(**run.result)


if __name__ == "__main__":
    main()
