# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The settings of a plain container (one compose did not start), to create it again from another image.

What the container was given (its environment, command, mounts, restart policy, network, labels, healthcheck, ...)
is kept; what its old image set by itself (the image's own environment, labels, entrypoint, command, healthcheck,
working directory, volumes) is left for the new image to set, as `docker run` with the same arguments would.
"""

from __future__ import annotations

# Config keys of the inspect output that a `docker run` argument sets, compared with the image's own
_FROM_RUN_OR_IMAGE = ("Entrypoint", "Cmd", "Healthcheck", "WorkingDir", "User", "ExposedPorts", "Volumes", "StopSignal")
_FLAGS = ("Tty", "OpenStdin", "StdinOnce")
_ENDPOINT_KEYS = ("Aliases", "IPAMConfig", "Links", "DriverOpts")


def recreate_body(attrs, old_image_config, image):
    """The body of POST /containers/create for the container of inspect ``attrs`` on ``image``;
    ``old_image_config``: the Config of the image it runs now."""
    config = attrs.get("Config") or {}
    own = old_image_config or {}
    body = {"Image": image}
    env = [item for item in config.get("Env") or [] if item not in set(own.get("Env") or [])]
    if env:
        body["Env"] = env
    labels = {k: v for k, v in (config.get("Labels") or {}).items() if (own.get("Labels") or {}).get(k) != v}
    if labels:
        body["Labels"] = labels
    for key in _FROM_RUN_OR_IMAGE:
        value = config.get(key)
        if value and value != own.get(key):
            body[key] = value
    if "Entrypoint" in body and config.get("Cmd"):
        body["Cmd"] = config["Cmd"]  # an entrypoint given at create drops the image's command: keep the one it ran
    for key in _FLAGS:
        if config.get(key):
            body[key] = True
    host = dict(attrs.get("HostConfig") or {})
    body["HostConfig"] = host
    mode = str(host.get("NetworkMode") or "")
    if mode not in ("host", "none") and not mode.startswith("container:"):
        networks = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
        body["NetworkingConfig"] = {
            "EndpointsConfig": {
                name: {k: v for k, v in (endpoint or {}).items() if k in _ENDPOINT_KEYS and v}
                for name, endpoint in networks.items()
            }
        }
    return body
