#!/usr/bin/python
# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: litellm_service
short_description: Find a LiteLLM proxy container, tell its true version and config, restart it and wait until it serves
version_added: 0.1.0
description:
  - Finds a LiteLLM proxy by container name or by Docker Compose project and service labels (compose v1 names
    containers C(proj_svc_1), v2 C(proj-svc-1), and C(container_name:) overrides both; the labels are the same).
    The project name is compared the way compose normalises it (lower case, only letters, digits, C(-) and C(_)).
  - Reports the container, the LiteLLM version (from the package inside the container, else the image tag, else the
    C(x-litellm-version) response header), the config file (path in the container from C(--config), host path from
    the bind mount), the names of the Redis- and LiteLLM-related environment variables (including those the
    entrypoint exports at run time, read from the running process; values are never read out), and readiness.
  - With O(state=restarted), restarts through the Docker API and waits until the container runs and the proxy
    answers its readiness endpoint, within O(wait_timeout). If it does not, fails with the last 30 lines of its log,
    secrets masked. A healthcheck that says C(unhealthy) holds the wait back; one still C(starting) does not, except
    between replicas, where the next replica restarts only once this one's healthcheck says healthy (a load balancer
    that routes by health sends it traffic again first).
author:
  - erni_ki maintainers (@erni-ki)
requirements:
  - docker (Docker SDK for Python) >= 7.0 on the managed host
extends_documentation_fragment:
  - erni_ki.litellm.docker
  - erni_ki.litellm.instance
  - erni_ki.litellm.attributes.actiongroup_docker
attributes:
  check_mode:
    support: full
    description: O(state=restarted) reports that it would restart and does nothing.
  diff_mode:
    support: none
    description: Nothing to diff.
  idempotent:
    support: partial
    description: O(state=present) never changes anything; O(state=restarted) restarts on every run, as asked.
options:
  state:
    description:
      - V(present) only reports (the instance must exist). V(restarted) restarts the container and waits until it is
        ready.
    type: str
    choices: [present, restarted]
    default: present
  wait_timeout:
    description: Seconds to wait for the restarted proxy to be ready.
    type: int
    default: 180
  measure_hits:
    description:
      - Send this many distinct chat completions to the proxy, each twice, and return in RV(hit_latency) how long the
        first (a miss that fills the cache) and the second (which the cache should answer) took. V(0) sends none.
      - The requests carry C(mock_response), so LiteLLM answers them itself and no model provider is called. They are
        authenticated with the master key (without one, a proxy that has a master key answers 401).
      - The first replica of a scaled service is measured; with O(state=restarted), once the restart is done (every
        replica ready), which proves in the same call that the restarted proxy answers from its cache. In check mode
        nothing is sent.
    type: int
    default: 0
    version_added: 0.1.0
  measure_prompt:
    description:
      - The prompts of the requests are this text followed by C( 1), C( 2), ... Another instance that shares this
        instance's cache (the same Redis) sends the same prompts with O(measure_replay=true) to measure a hit across
        instances.
      - Default a random text (every run measures misses).
    type: str
    version_added: 0.1.0
  measure_replay:
    description:
      - Send each prompt of O(measure_prompt) once only, as the second request; another instance sent them before,
        so a shared cache answers every one (RV(hit_latency.hit_ms) is then the cross-instance hit).
    type: bool
    default: false
    version_added: 0.1.0
  measure_model:
    description: Model of the requests. Default the first model the proxy lists (C(/v1/models)).
    type: str
    version_added: 0.1.0
  expect_cache:
    description:
      - The cache the proxy must serve from, a LiteLLM cache type (V(local), V(redis), ...) or V(disabled) (none).
        The module then returns RV(cache_problem), the verdict of the role's verification and of
        M(erni_ki.litellm.litellm_cache_rollback) - readiness answers 200, reports this cache type, and with
        O(measure_hits) every repeated request was answered from the cache.
      - The module does not fail on it; assert RV(cache_problem) is null. Not in check mode (nothing is sent).
    type: str
    version_added: 0.1.0
notes:
  - The C(/cache/ping) endpoint returns the Redis password in clear text; this module keeps only its C(cache_type).
seealso:
  - module: erni_ki.litellm.litellm_cache_mode
  - module: erni_ki.litellm.redis_cache_probe
"""

EXAMPLES = r"""
- name: What runs, in which version, reading which config?
  erni_ki.litellm.litellm_service:
    compose_project: llm
    compose_service: litellm
  register: litellm_info

- name: Restart and wait until it serves again
  erni_ki.litellm.litellm_service:
    container: "{{ litellm_info.container.name }}"
    state: restarted
    master_key_file: /srv/llm/secrets/litellm_master_key.txt
    wait_timeout: 120

- name: How fast does it answer a miss, and a hit from its cache?
  erni_ki.litellm.litellm_service:
    container: llm-litellm-1
    master_key_file: /srv/llm/secrets/litellm_master_key.txt
    measure_hits: 5
  register: litellm_hits
"""

RETURN = r"""
container:
  description: The container.
  returned: always
  type: dict
  contains:
    id: {description: Short id., type: str}
    name: {description: Name., type: str, sample: llm-litellm-1}
    image: {description: Image reference., type: str, sample: "ghcr.io/berriai/litellm:v1.80.11-stable.1"}
    status: {description: Docker status., type: str, sample: running}
    health: {description: "Healthcheck status; null without a healthcheck.", type: str, sample: healthy}
    started_at: {description: Start time., type: str}
litellm_version:
  description: The LiteLLM version, in pip form.
  returned: always
  type: str
  sample: 1.80.11
version_source:
  description: Where the version came from, V(package), V(image_tag) or V(header).
  returned: always
  type: str
config:
  description: The proxy's config file.
  returned: always
  type: dict
  contains:
    container_path: {description: Path given to C(--config)., type: str, sample: /app/config.yaml}
    host_path: {description: Host path of the bind mount holding it., type: str}
    read_only: {description: Whether that mount is read-only., type: bool}
env_names:
  description:
    - Names (never values) of every environment variable of the proxy process, including those its entrypoint exports
      at run time. M(erni_ki.litellm.litellm_cache_mode) checks its C(os.environ/NAME) references against them.
  returned: always
  type: list
  elements: str
  version_added: 0.1.0
env_overrides:
  description: Names (never values) of the Redis- and LiteLLM-related environment variables of the proxy process.
  returned: always
  type: list
  elements: str
  sample: [LITELLM_MASTER_KEY, REDIS_PASSWORD, REDIS_URL]
url:
  description: The base URL used for the HTTP checks.
  returned: always
  type: str
readiness:
  description: What the proxy's readiness endpoints say.
  returned: always
  type: dict
  contains:
    status: {description: Readiness status., type: str, sample: healthy}
    cache_type: {description: "The cache type the running proxy uses (null when it has none).", type: str}
    litellm_version: {description: Version the proxy reports., type: str}
    http_status: {description: HTTP status of C(/health/readiness)., type: int}
    models:
      description: The ids of the models the proxy serves (C(/v1/models)); null without the master key.
      type: list
      elements: str
      sample: [mock-gpt]
restarted:
  description: Whether the container was (or in check mode would be) restarted.
  returned: always
  type: bool
ready_after_s:
  description: Seconds from the restart until the proxy was ready (the first replica's).
  returned: when restarted
  type: float
replicas:
  description:
    - Every container of the instance, each with the keys above (C(container), C(url), C(readiness),
      C(litellm_version), ...). The top-level keys are those of the first.
    - A compose service scaled to several replicas is restarted replica by replica, each one ready before the next
      restarts; one-off C(compose run) containers are never part of it.
  returned: always
  type: list
  elements: dict
  version_added: 0.1.0
cache_problem:
  description:
    - With O(expect_cache), why the proxy (the first replica) does not serve from that cache (which readiness status
      or cache type it reports, or how many repeated requests missed the cache); null when it does.
  returned: when O(expect_cache) is set, not in check mode
  type: str
  sample: >-
    the same request (model mock-gpt), sent twice to llm-litellm-1, was not answered from the cache the second time
    (no x-litellm-cache-key header): the redis cache does not work
hit_latency:
  description:
    - With O(measure_hits), how long the proxy took to answer, in milliseconds, measured where the module runs.
  returned: when O(measure_hits) > 0
  type: dict
  version_added: 0.1.0
  contains:
    model: {description: The model of the requests., type: str, sample: mock-gpt}
    requests: {description: How many distinct prompts were sent., type: int, sample: 5}
    replay: {description: Whether the prompts were replayed (O(measure_replay))., type: bool}
    miss_ms:
      description: "C(p50) and C(p95) of the first requests (misses); null with O(measure_replay)."
      type: dict
      sample: {p50: 41.2, p95: 55.0}
    hit_ms:
      description: C(p50) and C(p95) of the second requests (or of the replayed ones).
      type: dict
      sample: {p50: 6.1, p95: 9.8}
    hits:
      description:
        - How many of the second (or replayed) requests the cache answered (they carry the
          C(x-litellm-cache-key) header). Fewer than RV(hit_latency.requests) means the cache did not answer them
          all, and RV(hit_latency.hit_ms) is partly the time of misses.
      type: int
      sample: 5
    cache_keys:
      description: The C(x-litellm-cache-key) of each answer the cache gave (a hash of the request, not a secret).
      type: list
      elements: str
      version_added: 0.1.0
log_tail:
  description: The last 30 log lines, secrets masked, when the restarted proxy did not become ready (or the engine
    refused its restart).
  returned: on failure to restart or to become ready
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.erni_ki.litellm.plugins.module_utils import deps, docker_common
from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_instance as li
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import mask_text


def argument_spec():
    spec = li.instance_argument_spec()
    spec.update(
        state=dict(type="str", default="present", choices=["present", "restarted"]),
        wait_timeout=dict(type="int", default=180),
        measure_hits=dict(type="int", default=0),
        measure_prompt=dict(type="str"),
        measure_replay=dict(type="bool", default=False),
        measure_model=dict(type="str"),
        expect_cache=dict(type="str"),
    )
    return spec


def describe(module, client, container, url, key, secrets, ready=None):
    """Everything the module reports about one container (a replica)."""
    facts = li.container_facts(container)
    inside = li.inside_facts(client, container)
    readiness = ready if ready is not None else li.readiness(url, key)
    version, source = li.resolve_version(inside, facts["image"], readiness.pop("header_version", None))
    if inside.get("env_error"):
        module.warn(f"could not read the environment of {container.name}: {mask_text(inside['env_error'], secrets)}")
    return dict(
        container=facts,
        url=url,
        readiness=readiness,
        litellm_version=version,
        version_source=source,
        config=li.config_facts(container),
        env_names=sorted(inside.get("env_names") or []),
        env_overrides=li.relevant_env(inside.get("env_names") or []),
    )


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        **li.INSTANCE_OPTION_RULES,
        supports_check_mode=True,
    )
    deps.validate(module, "docker")
    p = module.params
    key = li.read_master_key(module)
    try:
        client = docker_common.connect(docker_common.docker_params(p))
        containers = li.locate(client, p["container"], p["compose_project"], p["compose_service"])
    except (docker_common.DockerAccessError, li.InstanceError) as exc:
        module.fail_json(msg=str(exc))

    restart = p["state"] == "restarted"
    replicas = []
    try:
        for container, url, secrets, ready, took in li.replicas(
            containers, p["url"], key, restart=restart and not module.check_mode, wait_timeout=p["wait_timeout"]
        ):
            replica = describe(module, client, container, url, key, secrets, ready)
            if took is not None:
                replica["ready_after_s"] = took
            replicas.append(replica)
    except li.NotReady as exc:
        module.fail_json(
            msg=str(exc),
            changed=True,
            restarted=True,
            container=li.container_facts(exc.container),
            log_tail=exc.log_tail,
        )
    result = dict(replicas[0], changed=restart, restarted=restart, replicas=replicas)
    if p["measure_hits"] > 0 and not module.check_mode:
        result["hit_latency"] = measure(module, result, key)
    if p["expect_cache"] and not module.check_mode:
        result["cache_problem"] = li.cache_problem(
            result["container"]["name"], result["readiness"], p["expect_cache"], result.get("hit_latency")
        )
    module.exit_json(**result)


def measure(module, described, key):
    """measure_hits on the first replica: its latencies, or a failure that says what the proxy answered."""
    p = module.params
    model = p["measure_model"] or (described["readiness"].get("models") or [None])[0]
    name = described["container"]["name"]
    if not model:
        why = (
            "no model to send: the proxy's models are listed only with its master key (set master_key or "
            "master_key_file, or measure_model)"
            if not key
            else "the proxy lists no model in /v1/models: set measure_model"
        )
        module.fail_json(msg=f"measure_hits on {name}: {why}", **described)
    prefix = p["measure_prompt"] or f"erni_ki.litellm hit latency {os.urandom(8).hex()}"
    prompts = [f"{prefix} {i}" for i in range(1, p["measure_hits"] + 1)]
    try:
        return li.measure_hits(described["url"], key, model, prompts, replay=p["measure_replay"])
    except li.InstanceError as exc:
        module.fail_json(msg=f"measure_hits on {name}: {exc}", **described)


if __name__ == "__main__":
    main()
