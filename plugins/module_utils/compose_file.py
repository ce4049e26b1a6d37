# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The image of one service of a Docker Compose file, read and changed in place.

The edit goes through yaml_roundtrip: only the line of the image changes, its quoting is kept, and every other
byte of the file (comments, anchors, order, ``${VAR}`` forms) stays as it was. What cannot be changed on that one
line is refused with the reason and what to do instead, and the file is not touched:

- an image written through compose's interpolation (``${LITELLM_TAG}``): its value lives in the environment or
  the project's ``.env``, not in this file;
- an image shared through a YAML anchor or a merge key (``<<: *litellm``): changing it would change every service
  that shares it, not only this one.
"""

from __future__ import annotations

import fcntl
import os
import re
from contextlib import contextmanager

from ansible_collections.erni_ki.litellm.plugins.module_utils.yaml_roundtrip import (
    RoundTripDocument,
    YamlEditError,
    plain,
    yaml_kind,
)

INTERPOLATION = re.compile(r"\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)")  # compose's $VAR and ${VAR...}; $$ is a literal $

LABEL_PROJECT = "com.docker.compose.project"
LABEL_SERVICE = "com.docker.compose.service"
LABEL_WORKING_DIR = "com.docker.compose.project.working_dir"
LABEL_CONFIG_FILES = "com.docker.compose.project.config_files"


@contextmanager
def compose_lock(path):
    """Hold the lock of a compose file: an flock on its directory (the file itself is replaced by every atomic
    write, its directory stays), so runs on several services of one file take their turns."""
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def compose_labels(labels):
    """(project, service, working_dir, [config files]) of a container started by compose; None if it was not."""
    project, service = labels.get(LABEL_PROJECT), labels.get(LABEL_SERVICE)
    if not project or not service:
        return None
    working_dir = labels.get(LABEL_WORKING_DIR) or ""
    files = [f.strip() for f in (labels.get(LABEL_CONFIG_FILES) or "").split(",") if f.strip()]
    return project, service, working_dir, files


def _service(data, service, source):
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        raise YamlEditError(f"{source} has no services: mapping; is it a Docker Compose file?")
    if service not in services:
        raise YamlEditError(f"{source} defines no service {service!r} (it defines {', '.join(map(str, services))})")
    found = services[service]
    if not isinstance(found, dict):
        raise YamlEditError(f"{source}: services.{service} is a {yaml_kind(found)}, not a mapping")
    return found


def service_image(text, service, source):
    """The image the file gives the service, or None when it gives none (the service may take it from another
    compose file of the project)."""
    data = RoundTripDocument(text, source).data
    image = _service(data, service, source).get("image")
    return None if image is None else str(image)


def _shared(svc, image):
    """Why the service's image is not its own line to change, or None."""
    own = getattr(svc, "_ok", None)
    if own is not None and "image" not in own:
        return "it is inherited through a merge key (<<:)"
    anchor = getattr(getattr(image, "anchor", None), "value", None)
    if anchor:
        return f"it is the YAML anchor &{anchor} (or an alias of it), which other places of the file share"
    return None


def set_service_image(text, service, image, source):
    """``text`` with the service's image set to ``image``: (new text, old image). YamlEditError, naming what to do,
    when the file gives the service no image of its own on a line of its own."""
    doc = RoundTripDocument(text, source)
    svc = _service(doc.data, service, source)
    old = svc.get("image")
    if old is None:
        raise YamlEditError(f"{source}: services.{service} has no image: (built from build:?); nothing to change here")
    if not isinstance(old, str):
        raise YamlEditError(f"{source}: services.{service}.image is a {yaml_kind(old)}, not an image reference")
    if INTERPOLATION.search(old.replace("$$", "")):
        raise YamlEditError(
            f"{source}: services.{service}.image is {str(old)!r}, written through compose's interpolation: its value "
            "comes from the environment or the project's .env file, not from this file. Set the variable to the new "
            "image there, or write a literal image: in the service, and run again"
        )
    why = _shared(svc, old)
    if why:
        raise YamlEditError(
            f"{source}: services.{service}.image cannot be changed for this service alone: {why}. Give the service an "
            "image: line of its own, or change the shared value by hand for every service that uses it"
        )
    if str(old) == image:
        return text, str(old)
    new_text = _replace_token(text, svc.lc.value("image"), image)
    svc["image"] = old.__class__(image)  # the same quoting as before (ruamel keeps it in the scalar's class)
    if new_text is None:
        return doc.render(), str(old)
    if plain(RoundTripDocument(new_text, source).data) != plain(doc.data):  # pragma: no cover - a safety net
        raise YamlEditError(f"{source}: services.{service}.image could not be changed on its line alone")
    return new_text, str(old)


_PLAIN_SAFE = re.compile(r"[A-Za-z0-9_./@-][A-Za-z0-9_./@:+-]*")


def _replace_token(text, where, image):
    """``text`` with the scalar token at (line, column) replaced by ``image`` in the token's own quoting, every other
    byte kept (the spaces before a comment too, so setting the old image back gives the old bytes back). None when
    the token is not on one line as expected."""
    line_no, col = where
    lines = text.split("\n")  # YAML's own line numbering
    if line_no >= len(lines):
        return None
    line = lines[line_no]
    quote = line[col : col + 1]
    if quote == '"':
        end = col + 1
        while end < len(line) and line[end] != '"':
            end += 2 if line[end] == "\\" else 1
        token = '"' + image.replace("\\", "\\\\").replace('"', '\\"') + '"'
    elif quote == "'":
        end = col + 1
        while end < len(line) and (line[end] != "'" or line[end + 1 : end + 2] == "'"):
            end += 2 if line[end] == "'" else 1
        token = "'" + image.replace("'", "''") + "'"
    else:
        m = re.match(r"[^#\r\n]*?(?=\s+#|\s*$)", line[col:])
        if not m or not m.group(0):
            return None
        end = col + len(m.group(0)) - 1
        token = image if _PLAIN_SAFE.fullmatch(image) else '"' + image.replace('"', '\\"') + '"'
    if end >= len(line):
        return None
    lines[line_no] = line[:col] + token + line[end + 1 :]
    return "\n".join(lines)
