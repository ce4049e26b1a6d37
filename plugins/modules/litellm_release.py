#!/usr/bin/python
# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: litellm_release
short_description: Run a LiteLLM proxy of a Docker Compose stack on another release, in the operator's compose file,
  with rollback
version_added: 0.1.0
description:
  - Changes the C(image:) of the proxy's service in the compose file the stack was started from, in place (only that
    line changes, and comments, anchors, key order, quoting and compose's C(${VAR}) forms stay as they are), makes sure
    the image is on the host, recreates the service with compose as an operator would (C(up -d --no-deps SERVICE),
    compose v2 or v1), so every other setting of the container (environment, entrypoint, secrets, mounts, labels,
    healthcheck) is the compose file's own, waits until every replica serves and checks that the release running
    inside is the one asked for.
  - When the new release does not become ready within O(wait_timeout), or runs another release than asked, the
    compose file is put back (byte for byte; only a line that another run changed meanwhile, for another service of
    the same file, is kept), the service is recreated on its old image and waited for, and the module fails with
    the reason and the new release's last log lines (secrets masked) in RV(log_tail).
  - Runs on several services of one compose file at once (a play over the instances of one stack) take turns on
    the file, each holding a lock (an C(flock) on the directory of the file) while it reads, edits, writes and
    recreates.
  - The compose project, its working directory and its files are read from the labels compose puts on the
    container; O(compose_file) names the file to edit when the service's image is in another file of the project.
  - A container that compose did not start is created again from the new image with its own settings (the
    environment, command, mounts, network, restart policy, labels and healthcheck it was given; what the old image
    set by itself is left to the new one), under its name. The old container is kept, renamed and stopped, until the
    new one serves; if it does not, the new one is removed and the old one, the same container, started again.
  - A second run with the same target changes nothing.
author:
  - erni_ki maintainers (@erni-ki)
requirements:
  - docker (Docker SDK for Python) >= 7.0 on the managed host
  - ruamel.yaml >= 0.18 on the managed host
  - Docker Compose (the C(docker compose) plugin or C(docker-compose)) on the managed host
extends_documentation_fragment:
  - erni_ki.litellm.docker
  - erni_ki.litellm.instance
  - erni_ki.litellm.attributes.actiongroup_docker
attributes:
  check_mode:
    support: full
    description: Reports the image it would run and the compose change (in diff mode), pulls nothing, changes nothing.
  diff_mode:
    support: full
    description: The compose file before and after (a plain container, its image).
  idempotent:
    support: full
    description: When the file names the target image and every replica runs the release, nothing is done.
options:
  release:
    description:
      - The LiteLLM release to run (C(1.93.0); a Docker tag form such as C(v1.93.0-stable) names the same release).
        What RV(erni_ki.litellm.litellm_cache_mode#module:gate.upgrade_to) advises, for instance.
      - Without O(image), the image is the local image of the service's repository whose tag names this release, or,
        for a tag that names none, whose C(org.opencontainers.image.version) label does (the newest of them); none is
        a failure that says which image to give.
      - With O(image), the running release is checked against this one after the recreate. Default the release
        O(image)'s tag names.
    type: str
  image:
    description:
      - The image reference to run (C(ghcr.io/berriai/litellm:v1.93.0-stable)). Pulled when it is not on the host and
        O(pull=true).
    type: str
  pull:
    description: Pull O(image) when it is not on the host. With V(false), an image not on the host is a failure.
    type: bool
    default: true
  compose_file:
    description:
      - The compose file that sets the service's image. Default the last file of the project (label
        C(com.docker.compose.project.config_files)) that gives the service an C(image:).
    type: path
  compose_command:
    description:
      - The compose command, as a list (V([docker, compose]) or V([docker-compose])). Default C(docker compose) when
        the plugin answers, else C(docker-compose).
    type: list
    elements: str
  wait_timeout:
    description: Seconds to wait for each replica of the new (or, on rollback, the old) release to serve.
    type: int
    default: 300
  backup:
    description:
      - Keep a copy of the compose file as it was, beside it (C(FILE.<time>~), as C(ansible.builtin.lineinfile) does),
        before changing it; its path is RV(backup_file).
      - To take an upgrade back later, run the module again with the old image, RV(image.before); it sets the
        service's line back, which gives the file's bytes back when no other line changed since.
    type: bool
    default: false
notes:
  - A plain container's settings are read from Docker; whatever started it (a script, a unit file) still names the
    old image, and starts it again the next time it runs.
  - The service is recreated with C(--no-deps), so the services it depends on (Redis) keep running.
seealso:
  - module: erni_ki.litellm.litellm_service
  - module: erni_ki.litellm.litellm_cache_mode
"""

EXAMPLES = r"""
- name: Which release clears every refusal of the gate?
  erni_ki.litellm.litellm_cache_mode:
    path: /srv/llm/litellm/config.yaml
    mode: redis
    litellm_version: "{{ litellm_info.litellm_version }}"
  check_mode: true
  failed_when: false
  register: gate

- name: Upgrade the proxy of the compose stack to it
  erni_ki.litellm.litellm_release:
    compose_project: llm
    compose_service: litellm
    release: "{{ gate.gate.upgrade_to }}"
    image: "ghcr.io/berriai/litellm:v{{ gate.gate.upgrade_to }}-stable"
    master_key_file: /srv/llm/secrets/litellm_master_key.txt
  when: gate.gate.upgrade_to
"""

RETURN = r"""
release:
  description: The release that ran before and the one that runs now (after a rollback, the old one again).
  returned: always
  type: dict
  contains:
    before:
      description: The release of the first replica before the run (null if it could not be read).
      type: str
    after:
      description: The release running at the end.
      type: str
  sample: {before: 1.80.0, after: 1.93.0}
image:
  description: The image of the service in the compose file, before and after.
  returned: always
  type: dict
  contains:
    before:
      description: The image the file gave the service before the run.
      type: str
    after:
      description: The image asked for, which the file gives the service after a run that succeeded.
      type: str
  sample: {before: "ghcr.io/berriai/litellm:v1.80.0-stable.1", after: "ghcr.io/berriai/litellm:v1.93.0-stable"}
compose_file:
  description: The compose file the module read (and changed).
  returned: for a compose service
  type: str
compose:
  description: The compose project, service and command used.
  returned: for a compose service
  type: dict
  sample: {project: llm, service: litellm, command: [docker, compose]}
backup_file:
  description: The copy of the compose file as it was (O(backup=true)).
  returned: when the compose file was changed with O(backup=true)
  type: str
container:
  description: The name of the container (a plain container, created again under the same name).
  returned: for a container that compose did not start
  type: str
pulled:
  description: Whether the image was pulled.
  returned: always
  type: bool
ready_after_s:
  description: Seconds from the recreate until every replica of the new release served.
  returned: when the service was recreated and became ready
  type: float
rolled_back:
  description: Whether the compose file and the old release were brought back after a failure.
  returned: on failure after the compose file was changed
  type: bool
log_tail:
  description: The last 30 log lines of the new release, secrets masked, when it did not become ready.
  returned: on failure to become ready
  type: list
  elements: str
"""

import shutil
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.erni_ki.litellm.plugins.module_utils import deps, docker_common
from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_instance as li
from ansible_collections.erni_ki.litellm.plugins.module_utils.compose_file import (
    compose_labels,
    compose_lock,
    service_image,
    set_service_image,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.config_state import write_atomically
from ansible_collections.erni_ki.litellm.plugins.module_utils.container_spec import recreate_body
from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_version import (
    LiteLLMVersion,
    LiteLLMVersionError,
    version_of_tag,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import mask_text
from ansible_collections.erni_ki.litellm.plugins.module_utils.yaml_roundtrip import YamlEditError


def argument_spec():
    spec = li.instance_argument_spec()
    spec.update(
        release=dict(type="str"),
        image=dict(type="str"),
        pull=dict(type="bool", default=True),
        compose_file=dict(type="path"),
        compose_command=dict(type="list", elements="str"),
        wait_timeout=dict(type="int", default=300),
        backup=dict(type="bool", default=False),
    )
    return spec


class ReleaseError(RuntimeError):
    """The new release could not be made to run; the message says why."""


def repository(image):
    """The image reference without its tag or digest."""
    name, _at, _digest = image.partition("@")
    head, slash, last = name.rpartition("/")
    return f"{head}{slash}{last.split(':', 1)[0]}"


VERSION_LABEL = "org.opencontainers.image.version"


def labelled_release(img):
    """The release an image's OCI version annotation names, or None."""
    text = ((img.attrs.get("Config") or {}).get("Labels") or {}).get(VERSION_LABEL)
    try:
        return LiteLLMVersion(text) if text else None
    except LiteLLMVersionError:
        return None


def local_image(client, repo, release):
    """The newest local image of ``repo`` whose tag (else its OCI version label) names ``release``, or None."""
    found = []
    for img in client.images.list(name=repo):
        for tag in img.tags:
            named = version_of_tag(tag) or labelled_release(img)
            if repository(tag) == repo and named is not None and named == release:
                found.append((img.attrs.get("Created") or "", tag))
    return max(found)[1] if found else None


def pick_compose_file(files, service):
    """The last file of the project that gives the service an image (compose merges later files over earlier)."""
    chosen = None
    for path in files:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if service_image(text, service, path) is not None:
                chosen = path
        except (OSError, YamlEditError):
            continue
    return chosen


def compose_command(module):
    if module.params["compose_command"]:
        return module.params["compose_command"]
    if shutil.which("docker"):
        rc, _out, _err = module.run_command(["docker", "compose", "version"])
        if rc == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    module.fail_json(
        msg="neither the docker compose plugin nor docker-compose is on the managed host: install one, or give "
        "compose_command"
    )


class Job:
    """One upgrade of one instance: what runs, the wait for the new release and the check of it."""

    def __init__(self, module, client, containers, key):
        self.module = module
        self.client = client
        self.key = key
        self.params = module.params
        self.secrets = li.secrets_of(containers[0], [key])
        self.before = self.running_release(containers[0])

    def running_release(self, container):
        inside = li.inside_facts(self.client, container)
        version, _source = li.resolve_version(inside, container.attrs["Config"].get("Image"), None)
        return version

    def wait(self, containers, release):
        """Wait until every container serves and runs ``release`` (None: whatever it runs): the seconds it took.
        ReleaseError, with the log tail of the container that did not, otherwise."""
        start = time.monotonic()
        deadline = start + self.params["wait_timeout"]
        for container in containers:
            url = self.params["url"] or li.default_url(container)
            try:
                li.wait_ready(container, url, self.key, deadline, healthy=False)
            except li.InstanceError as exc:
                error = ReleaseError(f"{container.name} did not serve within {self.params['wait_timeout']} s ({exc})")
                error.log_tail = li.log_tail(container, self.secrets)
                raise error from None
            running = self.running_release(container)
            if release is not None and (running is None or LiteLLMVersion(running) != release):
                raise ReleaseError(f"{container.name} runs LiteLLM {running}, not {release}: is the image tagged so?")
        return round(time.monotonic() - start, 2)

    def decide(self, result, image, release, runs, diff):
        """``result`` for the target: exit unchanged when ``runs`` (the instance runs ``image`` and the file, if
        any, names it) and the release inside is ``release``; otherwise mark it changed, with ``diff`` in diff mode,
        and exit in check mode. Returns when the change is to be made."""
        result.update(
            changed=False,
            image=dict(result.get("image") or {}, after=image),
            release=dict(before=self.before, after=self.before),
            pulled=False,
        )
        if runs and self.before and LiteLLMVersion(self.before) == release:
            self.module.exit_json(**result)
        result.update(changed=True, release=dict(before=self.before, after=release.normalized))
        if self.module._diff:
            result["diff"] = diff
        if self.module.check_mode:
            self.module.exit_json(**result)

    def fail(self, result, exc, again=None):
        """Fail the module after a rollback (``again``: why the rollback failed too, else it worked)."""
        reason = mask_text(str(exc), self.secrets)
        result["release"]["after"] = self.before
        if again is not None:
            self.module.fail_json(
                msg=f"{result['image']['after']} failed: {reason}. Taking it back failed too: "
                f"{mask_text(str(again), self.secrets)}",
                rolled_back=False,
                log_tail=getattr(exc, "log_tail", None) or getattr(again, "log_tail", None),
                **result,
            )
        self.module.fail_json(
            msg=f"{result['image']['after']} failed: {reason}. Rolled back: {self.rolled_back_what(result)}",
            rolled_back=True,
            log_tail=getattr(exc, "log_tail", None),
            **result,
        )


class ComposeJob(Job):
    """A service of a compose stack: the image line of the compose file, recreated by compose."""

    def __init__(self, module, client, containers, key, labels):
        super().__init__(module, client, containers, key)
        self.project, self.service, self.workdir, files = labels
        self.path = self.params["compose_file"] or pick_compose_file(files, self.service)
        if not self.path:
            module.fail_json(
                msg=f"no compose file of project {self.project} gives service {self.service} an image: "
                f"(project files: {', '.join(files) or 'none in the labels'}); give compose_file"
            )
        self.files = files or [self.path]
        self.command = None

    def compose(self, *args):
        cmd = list(self.command) + ["-p", self.project]
        if self.workdir:
            cmd += ["--project-directory", self.workdir]
        for path in self.files:
            cmd += ["-f", path]
        rc, out, err = self.module.run_command(cmd + list(args), cwd=self.workdir or None)
        if rc != 0:
            said = mask_text((err or out).strip(), self.secrets)
            raise ReleaseError(f"{' '.join(self.command)} {' '.join(args)} failed (rc {rc}): {said[-2000:]}")

    def recreate(self, force=False):
        self.compose("up", "-d", "--no-deps", *(["--force-recreate"] if force else []), self.service)

    def replicas(self):
        return li.locate(self.client, compose_project=self.project, compose_service=self.service)

    def plan(self, containers):
        """(original bytes, text, new text, image in the file, image to run, release to run), the file untouched;
        the module fails when the file cannot be changed."""
        try:
            with open(self.path, "rb") as f:
                original = f.read()
            text = original.decode("utf-8")
            current = service_image(text, self.service, self.path)
            image, release = target(self.module, self.client, current or containers[0].attrs["Config"].get("Image"))
            new_text, current = set_service_image(text, self.service, image, self.path)
        except (OSError, UnicodeDecodeError, YamlEditError) as exc:
            self.module.fail_json(msg=f"cannot change the image in {self.path}: {exc}; the file was left as it was")
        return original, text, new_text, current, image, release

    def run(self, containers):
        module, p = self.module, self.params
        original, text, new_text, current, image, release = self.plan(containers)
        result = dict(
            compose_file=self.path, compose=dict(project=self.project, service=self.service), image=dict(before=current)
        )
        runs = new_text == text and all(c.attrs["Config"].get("Image") == image for c in containers)
        diff = dict(before=text, after=new_text, before_header=self.path, after_header=self.path)
        self.decide(result, image, release, runs, diff)

        result["pulled"] = ensure_image(module, self.client, image)
        self.command = compose_command(module)
        result["compose"]["command"] = self.command
        try:
            # Several services of one compose file may be upgraded at once (a play over the instances of one
            # stack): each run's read, edit, write and `up` hold the file's lock, so none writes over another's line.
            with compose_lock(self.path):
                original, text, new_text, _current, _image, _release = self.plan(containers)
                if p["backup"] and new_text != text:
                    result["backup_file"] = module.backup_local(self.path)
                write_atomically(self.path, new_text.encode("utf-8"), module.atomic_move)
                self.recreate(force=new_text == text)
            result["ready_after_s"] = self.wait(self.replicas(), release)
        except (ReleaseError, li.InstanceError, docker_common.DockerException, OSError) as exc:
            self.rollback(result, (original, new_text), exc)
        module.exit_json(**result)

    def restore(self, written, image_before):
        """The compose file as it was: its original bytes when nobody changed it since this run wrote it, else
        (another service's run changed its own line meanwhile) this service's line alone set back."""
        original, new_text = written
        with open(self.path, "rb") as f:
            now = f.read()
        if now == new_text.encode("utf-8"):
            return original
        back, _image = set_service_image(now.decode("utf-8"), self.service, image_before, self.path)
        return back.encode("utf-8")

    def rollback(self, result, written, exc):
        """The compose file back (byte for byte when only this run changed it), the old release recreated and
        waited for; then the module fails."""
        try:
            with compose_lock(self.path):
                back = self.restore(written, result["image"]["before"])
                write_atomically(self.path, back, self.module.atomic_move)
                self.recreate()
            self.wait(self.replicas(), LiteLLMVersion(self.before) if self.before else None)
        except (ReleaseError, li.InstanceError, docker_common.DockerException, OSError, YamlEditError) as again:
            self.fail(result, exc, again)
        self.fail(result, exc)

    def rolled_back_what(self, result):
        return f"{self.path} is as it was and {self.service} runs {result['image']['before']} again"


class PlainJob(Job):
    """A container no compose started: created again from the new image with its own settings (container_spec)."""

    PREVIOUS = "-erni-previous"  # the old container's name while the new one is tried

    def __init__(self, module, client, containers, key):
        super().__init__(module, client, containers, key)
        self.old = containers[0]

    def run(self):
        module, old = self.module, self.old
        current = old.attrs["Config"].get("Image")
        image, release = target(module, self.client, current)
        result = dict(container=old.name, image=dict(before=current))
        diff = dict(before=f"image: {current}\n", after=f"image: {image}\n", before_header=old.name)
        self.decide(result, image, release, current == image, diff)

        result["pulled"] = ensure_image(module, self.client, image)
        name = old.name
        new = None
        try:
            body = recreate_body(old.attrs, self.client.images.get(old.attrs["Image"]).attrs.get("Config"), image)
            old.rename(name + self.PREVIOUS)
            old.stop(timeout=30)
            new = self.client.containers.get(self.client.api.create_container_from_config(body, name=name)["Id"])
            new.start()
            result["ready_after_s"] = self.wait([new], release)
        except (ReleaseError, li.InstanceError, docker_common.DockerException) as exc:
            self.rollback(result, name, new, exc)
        try:
            old.remove()
        except docker_common.DockerException as exc:
            module.warn(f"the old container {name}{self.PREVIOUS} could not be removed: {exc}")
        result["container"] = new.name
        module.exit_json(**result)

    def rollback(self, result, name, new, exc):
        """The new container removed, the old one under its name again, started and waited for; the module fails."""
        if new is not None and getattr(exc, "log_tail", None) is None:
            exc.log_tail = li.log_tail(new, self.secrets)
        try:
            if new is not None:
                new.remove(force=True)
            self.old.reload()
            if self.old.name != name:
                self.old.rename(name)
            self.old.start()
            self.wait([self.old], LiteLLMVersion(self.before) if self.before else None)
        except (ReleaseError, li.InstanceError, docker_common.DockerException) as again:
            self.fail(result, exc, again)
        self.fail(result, exc)

    def rolled_back_what(self, result):
        return f"the container {self.old.name} runs {result['image']['before']} again, the same container as before"


def target(module, client, current_image):
    """(image, release) to run."""
    p = module.params
    release = None
    try:
        if p["release"]:
            release = LiteLLMVersion(p["release"])
    except LiteLLMVersionError as exc:
        module.fail_json(msg=f"release: {exc}")
    if p["image"]:
        release = release or version_of_tag(p["image"])
        if release is None:
            module.fail_json(msg=f"the tag of image {p['image']} names no LiteLLM release: give release too")
        return p["image"], release
    repo = repository(current_image)
    image = local_image(client, repo, release)
    if image is None:
        module.fail_json(
            msg=f"no image of {repo} on this host is tagged with LiteLLM {release.release}: give image (the reference "
            f"your registry publishes, such as {repo}:v{release.release}-stable) and it is pulled"
        )
    return image, release


def ensure_image(module, client, image):
    """Whether the image had to be pulled; fails the module when it is neither here nor pullable."""
    try:
        client.images.get(image)
        return False
    except docker_common.NotFound:
        pass
    if not module.params["pull"]:
        module.fail_json(msg=f"image {image} is not on this host and pull is false: pull or build it first")
    try:
        client.images.pull(image)
    except docker_common.DockerException as exc:
        module.fail_json(msg=f"image {image} is not on this host and could not be pulled: {exc}; nothing was changed")
    return True


def main():
    rules = dict(li.INSTANCE_OPTION_RULES)
    rules["required_one_of"] = [*rules["required_one_of"], ("release", "image")]
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True, **rules)
    deps.validate(module, "docker", "ruamel.yaml", "packaging")
    p = module.params
    key = li.read_master_key(module)
    try:
        client = docker_common.connect(docker_common.docker_params(p))
        containers = li.locate(client, p["container"], p["compose_project"], p["compose_service"])
    except (docker_common.DockerAccessError, li.InstanceError) as exc:
        module.fail_json(msg=str(exc))
    labels = compose_labels(containers[0].labels or {})
    if labels is None:
        PlainJob(module, client, containers, key).run()
    ComposeJob(module, client, containers, key, labels).run(containers)


if __name__ == "__main__":
    main()
