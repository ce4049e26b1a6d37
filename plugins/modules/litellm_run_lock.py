#!/usr/bin/python
# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: litellm_run_lock
short_description: One run at a time per LiteLLM instance, with a lock file beside its config
version_added: 0.1.0
description:
  - Takes or gives back the run lock of a LiteLLM instance, a file beside its config on the managed host
    (C(<dir>/.<config name>.erni_ki.lock)), so that two runs (two operators, an AWX schedule on top of a manual run,
    two controllers) never switch the same instance at once.
  - The lock names its holder (run id, controller host and process, playbook, since when). A second run waits up to
    O(wait_timeout) seconds, then fails with a message that names the holder.
  - A crashed run's lock is stale when it is older than O(stale_after) seconds, or at once when the holder ran on the
    managed host itself and its process is gone; a stale lock is taken over and kept as C(<lock>.stale).
author:
  - erni_ki maintainers (@erni-ki)
extends_documentation_fragment:
  - erni_ki.litellm.attributes.actiongroup_litellm
attributes:
  check_mode:
    support: full
    description: Takes no lock and removes none; a lock held by another run is a warning, not a failure.
  diff_mode:
    support: none
    description: Nothing to diff.
  idempotent:
    support: full
    description: The same O(run_id) taking the lock again, or giving back a lock it does not hold, changes nothing.
options:
  path:
    description: The LiteLLM config the lock protects; the lock file goes beside it, or into O(lock_dir).
    type: path
    required: true
  lock_dir:
    description:
      - Directory for the lock file instead of the config's, such as one outside the operator's git checkout of the
        config (created, mode C(0700), when missing). Every run that may touch the instance must name the same one.
      - Otherwise add C(.config.yaml.erni_ki.lock*) to the config directory's C(.gitignore).
    type: path
    version_added: 0.1.0
  state:
    description: V(present) takes the lock, V(absent) gives it back (only when O(run_id) holds it).
    type: str
    choices: [present, absent]
    default: present
  run_id:
    description: This run's id; the same id may take the lock again.
    type: str
    required: true
  controller:
    description: Host name of the controller (or AWX node) of this run, for the holder's description.
    type: str
  pid:
    description:
      - Process id of this run's C(ansible-playbook) on O(controller). When the controller is the managed host
        itself, a lock whose process is gone is stale at once.
    type: int
  playbook:
    description: What runs (playbook or job template), for the holder's description.
    type: str
  wait_timeout:
    description: Seconds to wait for another run's lock; V(0) fails at once.
    type: float
    default: 0
  stale_after:
    description: Seconds after which any lock is stale (longer than the longest run).
    type: int
    default: 900
  guard_mark:
    description:
      - With O(state=absent), and only when this run held the lock, also set (V(present)) or take away (V(absent)) the
        cache guard's mark beside the lock (C(.<config name>.erni_ki.guard)), in the same call.
      - The mark says that the cache guard's rollback took the instance off Redis; the guard's return
        (C(litellm_cache_guard)) switches back only a marked instance. V(present) after the guard's rollback to local,
        V(absent) after any other run that completed (an operator's local stays local); unset leaves it as it is
        (a run that failed).
    type: str
    choices: [present, absent]
    version_added: 0.1.0
seealso:
  - module: erni_ki.litellm.litellm_cache_mode
"""

EXAMPLES = r"""
- name: Take the instance's run lock, waiting up to two minutes for another run
  erni_ki.litellm.litellm_run_lock:
    path: /srv/llm/conf/litellm/config.yaml
    run_id: "{{ run_id }}"
    controller: "{{ lookup('ansible.builtin.pipe', 'uname -n') }}"
    playbook: switch_cache
    wait_timeout: 120

- name: Give it back
  erni_ki.litellm.litellm_run_lock:
    path: /srv/llm/conf/litellm/config.yaml
    run_id: "{{ run_id }}"
    state: absent

- name: Give it back after the cache guard's rollback to local, and mark the instance as the guard's
  erni_ki.litellm.litellm_run_lock:
    path: /srv/llm/conf/litellm/config.yaml
    run_id: "{{ run_id }}"
    state: absent
    guard_mark: present
"""

RETURN = r"""
lock_file:
  description: The lock file.
  returned: always
  type: str
  sample: /srv/llm/conf/litellm/.config.yaml.erni_ki.lock
holder:
  description: Who holds the lock after the task (this run for O(state=present)); null when nobody does.
  returned: always
  type: dict
  contains:
    run_id: {description: The holder's run id., type: str}
    controller: {description: Its controller host., type: str}
    pid: {description: Its ansible-playbook process on that host., type: int}
    playbook: {description: What it runs., type: str}
    since: {description: When it took the lock (UTC)., type: str}
guard_mark:
  description: The cache guard's mark file, and whether it is there after the task.
  returned: when O(guard_mark) is set
  type: dict
  contains:
    path: {description: The mark file., type: str, sample: /srv/llm/conf/litellm/.config.yaml.erni_ki.guard}
    exists: {description: Whether it is there., type: bool}
took_over:
  description: A stale lock this run took over (its holder, and C(reason)); null otherwise.
  returned: when O(state=present)
  type: dict
waited:
  description: Seconds spent waiting for another run.
  returned: when O(state=present)
  type: float
"""


from ansible.module_utils.basic import AnsibleModule

from ansible_collections.erni_ki.litellm.plugins.module_utils import run_lock


def main():
    module = AnsibleModule(
        argument_spec=run_lock.argument_spec(),
        supports_check_mode=True,
    )
    p = module.params
    if p["wait_timeout"] < 0 or p["stale_after"] < 1:
        module.fail_json(msg="wait_timeout must be 0 or more and stale_after 1 or more (seconds)")
    if p["guard_mark"] and p["state"] == "present":
        module.fail_json(msg="guard_mark is set when the lock is given back: use it with state=absent")
    try:
        if p["state"] == "present":
            module.exit_json(**run_lock.take(p, p["path"], module.check_mode, module.warn))
        result = run_lock.give_back(p, p["path"], module.check_mode)
        if p["guard_mark"]:  # only by the run that gave its lock back
            result["guard_mark"] = run_lock.guard_mark(p, p["path"], module.check_mode, act=result["changed"])
    except run_lock.LockError as exc:
        module.fail_json(msg=str(exc), **{"lock_file": run_lock.lock_path(p["path"], p["lock_dir"]), **exc.facts})
    module.exit_json(**result)


if __name__ == "__main__":
    main()
