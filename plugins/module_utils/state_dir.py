# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's state directory on the managed host (litellm_cache_mode's backup_dir, litellm_run_lock's
lock_dir; the role's litellm_cache_state_dir): where backups, the original and the lock of a config live."""

from __future__ import annotations

import os


def ensure(path):
    """Create ``path`` (with its parents) for its owner only, 0700: backups are whole configs, which may hold
    literal secrets. Nothing when it exists already. Raises OSError with the reason."""
    if not os.path.isdir(path):
        os.makedirs(path, mode=0o700)
