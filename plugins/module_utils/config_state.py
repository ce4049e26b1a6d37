# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How litellm_cache_mode keeps a config safe while it changes it: the backups, the original and the write.

The backups and the original live in the state directory (``backup_dir``), else beside the file. A backup is named
as Ansible's ``backup_local`` names one (``NAME.PID.YYYY-MM-DD@HH:MM:SS~``); the original is ``NAME.original``, kept
at the first change; ``NAME.original.restored`` says mode=original put it back since, so the next change starts
from that file (or the operator's edits of it), which becomes the original then. Writes are atomic: a temporary
file beside the target, moved over it.

No AnsibleModule here: the module passes its ``preserved_copy`` and ``atomic_move``, and turns the OSError these
raise into a message; the unit tests pass a clock and need no sleeps.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager

from ansible_collections.erni_ki.litellm.plugins.module_utils import state_dir

BACKUP_SUFFIX = re.compile(r"^\.\d+\.\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}~$")


class ConfigState:
    """The state kept for the config at ``path``: its backups and its original, in ``backup_dir`` (else beside).

    ``copy(src, dest)`` copies keeping owner and mode (the module's ``preserved_copy``); ``clock()`` is the local
    time (a ``time.struct_time``) that backup names carry."""

    def __init__(self, path, backup_dir=None, copy=shutil.copy2, clock=time.localtime):
        self.path = path
        self.name = os.path.basename(path)
        self.beside = os.path.dirname(os.path.abspath(path))
        self.dir = os.path.abspath(backup_dir or self.beside)
        self.original = os.path.join(self.dir, self.name + ".original")
        self.restored = self.original + ".restored"
        self._copy = copy
        self._clock = clock

    def ensure_dir(self):
        """The state directory, created 0700 when missing (state_dir.ensure). Raises OSError."""
        state_dir.ensure(self.dir)

    def original_due(self):
        """Whether the next change must keep the file as it is now as the original."""
        return not os.path.exists(self.original) or os.path.exists(self.restored)

    def keep_original(self):
        """Before a change: the file as it is becomes the original when it must (original_due)."""
        if self.original_due():
            with temporary_beside(self.original) as tmp:
                self._copy(self.path, tmp)
                os.replace(tmp, self.original)
            if os.path.exists(self.restored):
                os.unlink(self.restored)
        return self.original

    def mark_restored(self):
        """After mode=original put the original back: the next change keeps a new one."""
        if not os.path.exists(self.restored):
            with open(self.restored, "w", encoding="utf-8") as f:
                f.write(f"{self.original} was put back on {time.strftime('%Y-%m-%dT%H:%M:%S%z', self._clock())}\n")

    def backup(self):
        """A copy of the file as it is, named as Ansible's backup_local names it, in the state directory."""
        stamp = time.strftime("%Y-%m-%d@%H:%M:%S", self._clock())
        dest = os.path.join(self.dir, f"{self.name}.{os.getpid()}.{stamp}~")
        self._copy(self.path, dest)
        return dest

    def backups(self):
        """The file's backups in the state directory, newest first."""
        found = [
            os.path.join(self.dir, entry)
            for entry in os.listdir(self.dir)
            if entry.startswith(self.name) and BACKUP_SUFFIX.match(entry[len(self.name) :])
        ]
        return sorted(found, key=lambda b: (os.path.getmtime(b), b), reverse=True)

    def prune_backups(self, keep):
        """Remove all but the newest ``keep`` backups of the file (0: keep all); returns the removed paths."""
        if keep <= 0:
            return []
        removed = self.backups()[keep:]
        for old in removed:
            os.unlink(old)
        return removed


@contextmanager
def temporary_beside(path):
    """A new empty temporary file in ``path``'s directory (the same filesystem, so it can be moved over ``path``);
    removed on the way out unless it was moved."""
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=os.path.dirname(path) or ".")
    os.close(fd)
    try:
        yield tmp
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_atomically(path, data, move):
    """``data`` (bytes) to ``path``: a temporary file beside it, then ``move(tmp, path)`` over it (the module's
    atomic_move). The temporary file never stays behind."""
    with temporary_beside(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
        move(tmp, path)
