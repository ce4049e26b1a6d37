# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a playbook spends its time, task by task (benchmarks/fleet.py's profiles).

Enabled by benchmarks/fleet.py only (ANSIBLE_CALLBACK_PLUGINS and ANSIBLE_CALLBACKS_ENABLED); writes one JSON
list of {task, host, action, status, seconds} to the file that TASK_PROFILE_FILE names, at the end of the run. The
time of a task on a host runs from the task's start to that host's result (handlers included); with several hosts
in parallel the tasks overlap.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: task_profile
type: aggregate
short_description: Seconds per task and host, written as JSON (the fleet benchmark's profiles)
description:
  - Writes a list of C({task, host, action, status, seconds}) to the file in E(TASK_PROFILE_FILE) when the run ends.
requirements:
  - enabled in the callbacks (ANSIBLE_CALLBACKS_ENABLED=task_profile)
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_profile"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._started = {}  # task uuid -> (start, name, action)
        self._rows = []

    def _start(self, task):
        self._started[task._uuid] = (time.perf_counter(), task.get_name(), task.action)

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def _done(self, result, status="ok"):
        start, name, action = self._started.get(result._task._uuid, (None, None, None))
        if start is not None:
            self._rows.append(
                {"task": name, "host": result._host.get_name(), "action": action, "status": status,
                 "seconds": round(time.perf_counter() - start, 3)}
            )  # fmt: skip

    def v2_runner_on_ok(self, result):
        self._done(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._done(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._done(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("TASK_PROFILE_FILE")
        if path:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(self._rows, f)
