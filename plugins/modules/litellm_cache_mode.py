#!/usr/bin/python
# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: litellm_cache_mode
short_description: Switch a LiteLLM proxy config's cache between in-memory, Redis and off, in place and version-gated
version_added: 0.1.0
description:
  - Reads a LiteLLM proxy C(config.yaml), sets C(litellm_settings.cache) and C(litellm_settings.cache_params)
    for the requested O(mode), and writes the file back atomically.
  - Only the keys the module owns change. Comments (non-ASCII too), key order, quoting, flow lists, blank lines,
    commented-out blocks and every other key stay byte-for-byte as they were. Keys inside C(cache_params) are
    updated in place. Switching back to V(local) removes the Redis keys (every key only a Redis cache reads, such as
    C(url) and C(connection_pool_timeout)), so V(local) -> V(redis) -> V(local) gives back the original file.
  - Knows LiteLLM's real behaviour by release (the collection's knowledge base). It validates C(cache_params)
    against what the target release accepts, evaluates the version gate and the known-issue rules, and refuses
    V(redis) (or falls back, by O(on_blocked)) with a message naming the rule, its evidence and the remedy.
  - When the file cannot be handled (missing, unreadable, not YAML, C(litellm_settings) not a mapping, or a
    layout the module would have to reformat), the module fails and the file is left exactly as it was.
author:
  - erni_ki maintainers (@erni-ki)
requirements:
  - ruamel.yaml >= 0.18
  - packaging
extends_documentation_fragment:
  - erni_ki.litellm.attributes.actiongroup_litellm
  - erni_ki.litellm.gate
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Writes nothing and reports exactly what would change, with the diff in diff mode.
  diff_mode:
    support: full
    description:
      - Shows the file diff, with secrets masked, and the owner, group and mode (O(file_mode)) the run changes, as
        Ansible's file modules show them.
  idempotent:
    support: full
    description: A second identical run reports RV(ignore:changed=false) and does not touch the file.
options:
  path:
    description:
      - Path of the LiteLLM config file to edit, on the managed host.
      - Without it, the module only computes and returns what it would write (RV(cache_params), RV(content)).
    type: path
  content:
    description:
      - A whole LiteLLM config to start from instead of the file at O(path), for a role that owns the whole
        file (renders it from a template). The module applies the same edit, gate and rules to it, and the
        result replaces the file at O(path) (created when missing), with the same atomic write, backup and
        diff against the file as it was.
      - RV(previous_mode) is then the mode of the file at O(path), which is what runs.
    type: str
    version_added: 0.1.0
  mode:
    description:
      - The cache mode to set.
      - V(local) is LiteLLM's in-memory cache (per instance), V(redis) a Redis cache shared by all instances,
        V(disabled) sets C(litellm_settings.cache) to V(false) and keeps C(cache_params) for later.
      - V(original) puts back the file as it was before this module first changed it (kept by O(backup) as
        C(NAME.original) in O(backup_dir)), byte for byte, with the same atomic write, backup, check mode and
        masked diff. The cache options, O(content) and the gate are not used; RV(mode) is the mode of the file put
        back. It fails, changing nothing, when no original was kept.
      - To read the file as it is, with the gate and the knowledge base for it, use
        M(erni_ki.litellm.litellm_cache_info), which never writes.
    type: str
    required: true
    choices: [local, redis, disabled, original]
  ttl:
    description: Cache entry lifetime in seconds (C(cache_params.ttl)). Left as it is when not given.
    type: int
  supported_call_types:
    description: Call types to cache (C(cache_params.supported_call_types)). Left as it is when not given.
    type: list
    elements: str
  namespace:
    description: Prefix of the cache keys in Redis (C(cache_params.namespace)). Left as it is when not given.
    type: str
  login_url:
    description:
      - >-
        Where Redis is, as one URL (C(cache_params.url)), the form many stacks use: V(os.environ/REDIS_URL), the
        variable often built by the container's entrypoint from a Docker secret, or a literal V(redis://),
        V(rediss://) or V(unix://) URL without a password. A password in a literal URL is refused, because it would
        land in the file and in Ansible's output; keep such a URL in the container's environment.
      - >-
        LiteLLM connects by the URL alone when C(url) is set and drops C(host), C(port), C(db) and C(password) beside
        it (read in its C(_redis.py), 1.80.0 to 1.108.7). So the module removes those keys, and C(username),
        C(ssl) and C(ssl_ca_certs), which the URL carries too (C(rediss://) is TLS, C(?ssl_ca_certs=PATH) its CA;
        beside a url LiteLLM does not use them, LITELLM-CACHE-014). It cannot be given with O(login_host),
        O(login_port), O(db), O(login_user), O(login_password), O(login_password_env), O(tls),
        O(ca_certs) or another topology than V(standalone).
      - >-
        Not given, a C(url) the config has is kept, and the options above are then refused, since LiteLLM would
        ignore them. Give O(login_url) to keep or change the URL, or remove C(url) from the file to connect by host
        and port.
      - Switching to V(local) removes C(url) with the other Redis connection keys.
    type: str
    version_added: 0.1.0
  login_host:
    description: Redis host LiteLLM connects to, as seen from the LiteLLM container.
    type: str
  login_port:
    description: Redis port.
    type: int
  db:
    description: Redis logical database for the cache.
    type: int
  login_user:
    description: Redis ACL user name (C(cache_params.username)).
    type: str
  login_password:
    description:
      - Redis password written as a literal. Prefer O(login_password_env), which keeps the secret out of the file.
      - Never shown in output, diffs or logs.
    type: str
  login_password_env:
    description:
      - Name of an environment variable of the LiteLLM container that holds the Redis password. Written as
        C(os.environ/NAME), which LiteLLM resolves at start.
    type: str
  topology:
    description:
      - Where Redis is. V(standalone) is one server (O(login_host), O(login_port), written as C(host) and C(port)).
      - V(sentinel) is a Redis Sentinel setup (O(sentinel_nodes), O(service_name),
        O(sentinel_password_env), written as C(sentinel_nodes), C(service_name), C(sentinel_password)).
        The knowledge base refuses it on releases that cannot authenticate to the sentinels (LITELLM-CACHE-011).
      - V(cluster) is a Redis Cluster (O(cluster_nodes), written as C(redis_startup_nodes), which makes
        LiteLLM use its cluster cache); C(db) is not written (a cluster has only db 0).
      - Switching the topology removes the keys of the one before. Not given, the file's topology is kept (standalone
        when it has none).
    type: str
    choices: [standalone, sentinel, cluster]
    version_added: 0.1.0
  sentinel_nodes:
    description: The sentinels as C(host:port) (C([v6addr]:port) for IPv6), as the LiteLLM container sees them.
    type: list
    elements: str
    version_added: 0.1.0
  service_name:
    description: The name the sentinels monitor the master under (C(cache_params.service_name)).
    type: str
    version_added: 0.1.0
  sentinel_password:
    description:
      - The sentinels' own password written as a literal (C(cache_params.sentinel_password)). Prefer
        O(sentinel_password_env). Leave both out when the sentinels ask for no password.
      - Never shown in output, diffs or logs.
    type: str
    version_added: 0.1.0
  sentinel_password_env:
    description: Name of the container's environment variable that holds the sentinels' password, written as
      C(os.environ/NAME).
    type: str
    version_added: 0.1.0
  cluster_nodes:
    description: One or more Redis Cluster nodes as C(host:port); LiteLLM discovers the others from them.
    type: list
    elements: str
    version_added: 0.1.0
  tls:
    description:
      - Connect to Redis over TLS (C(cache_params.ssl)).
      - >-
        V(true) writes C(ssl: true). V(false) removes C(ssl), because LiteLLM 1.80.x selects a TLS connection
        whenever the key is present, whatever its value: the module never writes C(ssl: false).
      - Not set, an C(ssl) key the config has is kept as it is.
    type: bool
  ca_certs:
    description:
      - >-
        The CA certificates file LiteLLM verifies a TLS Redis with (C(cache_params.ssl_ca_certs)), for a private
        CA. A path as the LiteLLM container sees it.
      - >-
        The host form only. Beside a url LiteLLM does not use it (knowledge base rule LITELLM-CACHE-014), so put the
        CA in the URL's query instead (C(rediss://...?ssl_ca_certs=PATH)). The module refuses it beside
        O(login_url) and removes the key where it writes a url.
      - Not set, an C(ssl_ca_certs) key the config has is kept as it is.
    type: path
    version_added: 0.1.0
  socket_timeout:
    description:
      - Seconds a Redis command may take before LiteLLM gives up and treats the request as a cache miss.
      - LiteLLM uses 5.0 when it is not set (knowledge base rule LITELLM-CACHE-008).
    type: float
  socket_connect_timeout:
    description: Seconds to wait for a Redis connection.
    type: float
  retry_on_timeout:
    description: Retry a Redis command once after a timeout.
    type: bool
  health_check_interval:
    description: Seconds between redis-py connection health checks.
    type: int
  max_connections:
    description: Maximum connections in redis-py's pool.
    type: int
  extra_cache_params:
    description:
      - Further C(cache_params) keys, written as given after validation against the target release
        (a key LiteLLM would crash on is refused, rule LITELLM-CACHE-002).
      - Switching to V(local) removes these keys again.
    type: dict
    default: {}
  router_redis:
    description:
      - Also write the router's Redis settings into C(router_settings) (C(redis_host), C(redis_port),
        C(redis_password)), and the db in the form the target release honours (C(cache_kwargs.db) before 1.81.7,
        where C(redis_db) would be dropped).
      - With V(local), the router's Redis keys are removed again.
    type: bool
    default: false
  on_blocked:
    description:
      - What to do when the gate refuses V(redis).
      - V(fail) fails and changes nothing; V(fallback_local) writes V(local) instead and warns; V(warn) writes
        V(redis) anyway and warns.
    type: str
    choices: [fail, fallback_local, warn]
    default: fail
  force:
    description:
      - Pass the gate whatever it found (an unknown O(litellm_version) among it). The findings are still returned and
        shown as warnings.
    type: bool
    default: false
  backup:
    description:
      - Keep a timestamped copy (C(NAME.PID.TIMESTAMP~)) of the file in O(backup_dir) each time it changes.
      - The first change also keeps the file as it was as C(NAME.original) in O(backup_dir), apart from the rotated
        backups and never pruned by O(backup_keep). It stays until O(mode=original) has put it back and a later
        change starts from that file again (or from the operator's edits of it), which then becomes the original.
    type: bool
    default: false
  backup_dir:
    description:
      - Directory for the backups and the original (created, mode C(0700), when missing), such as a directory
        outside the operator's git checkout of the config. Default is the directory of O(path).
      - When it is the config's directory, add C(config.yaml.*~) and C(config.yaml.original*) to its C(.gitignore).
    type: path
    version_added: 0.1.0
  backup_keep:
    description:
      - With O(backup), how many of this file's backups (C(PATH.PID.TIMESTAMP~)) to keep; older ones are removed after
        a new one is made. V(0) keeps them all.
    type: int
    default: 5
    version_added: 0.1.0
  file_mode:
    description:
      - Permissions the file should have, octal (V('0640')) or symbolic (V(u=rw,g=r,o=)).
      - This is the C(mode) of Ansible's file options, named C(file_mode) here because O(mode) is the cache mode.
        The current permissions are kept when not given. O(owner), O(group), the SELinux options, O(attributes) and
        O(unsafe_writes) are the usual file options.
    type: raw
notes:
  - The file is replaced atomically, so a container that bind-mounts the single file keeps reading the old
    inode until it is restarted; restart it with M(erni_ki.litellm.litellm_service)
    (O(erni_ki.litellm.litellm_service#module:state=restarted)).
  - The knowledge base, with each rule's evidence, is documented in C(docs/knowledge_base.md).
seealso:
  - module: erni_ki.litellm.litellm_cache_info
  - module: erni_ki.litellm.litellm_service
  - module: erni_ki.litellm.redis_cache_probe
"""

EXAMPLES = r"""
- name: Switch the proxy to a Redis cache, password from the container environment
  erni_ki.litellm.litellm_cache_mode:
    path: /srv/llm/conf/litellm/config.yaml
    mode: redis
    login_host: redis
    login_port: 6379
    db: 1
    login_password_env: REDIS_PASSWORD
    socket_timeout: 30
    litellm_version: "{{ litellm_info.litellm_version }}"
    container_env: "{{ litellm_info.env_names }}"
    backup: true
  register: cache_switch

- name: Back to the in-memory cache (removes the Redis keys again)
  erni_ki.litellm.litellm_cache_mode:
    path: /srv/llm/conf/litellm/config.yaml
    mode: local

- name: Backups and the original outside the operator's git checkout
  erni_ki.litellm.litellm_cache_mode:
    path: /srv/llm/conf/litellm/config.yaml
    mode: redis
    login_host: redis
    backup: true
    backup_dir: /var/lib/erni_ki/litellm

- name: Put back the file as it was before the first change (then restart the proxy)
  erni_ki.litellm.litellm_cache_mode:
    path: /srv/llm/conf/litellm/config.yaml
    mode: original
    backup: true
    backup_dir: /var/lib/erni_ki/litellm

- name: A Redis cache by URL, the URL built by the container's entrypoint (host, port, db and password removed)
  erni_ki.litellm.litellm_cache_mode:
    path: /srv/llm/conf/litellm/config.yaml
    mode: redis
    login_url: os.environ/REDIS_URL
    socket_timeout: 30
    litellm_version: "{{ litellm_info.litellm_version }}"
    container_env: "{{ litellm_info.env_names }}"

- name: A Redis Sentinel cache (the sentinels ask for the password in SENTINEL_PASSWORD)
  erni_ki.litellm.litellm_cache_mode:
    path: /srv/llm/conf/litellm/config.yaml
    mode: redis
    topology: sentinel
    sentinel_nodes: [redis-sentinel-1:26379, redis-sentinel-2:26379, redis-sentinel-3:26379]
    service_name: litellm-cache
    sentinel_password_env: SENTINEL_PASSWORD
    login_password_env: REDIS_PASSWORD
    litellm_version: "{{ litellm_info.litellm_version }}"

- name: A Redis Cluster cache
  erni_ki.litellm.litellm_cache_mode:
    path: /srv/llm/conf/litellm/config.yaml
    mode: redis
    topology: cluster
    cluster_nodes: [redis-node-1:6379, redis-node-2:6379]
    login_password_env: REDIS_PASSWORD
    litellm_version: "{{ litellm_info.litellm_version }}"

- name: Prefer local over failing when the release is refused
  erni_ki.litellm.litellm_cache_mode:
    path: /srv/llm/conf/litellm/config.yaml
    mode: redis
    login_host: redis
    login_password_env: REDIS_PASSWORD
    litellm_version: v1.80.0-stable.1
    blocked_versions: [v1.80.0.rc.1]
    on_blocked: fallback_local

- name: Only compute the cache section (for a role that templates the whole file)
  erni_ki.litellm.litellm_cache_mode:
    mode: redis
    login_host: redis
    login_password_env: REDIS_PASSWORD
    litellm_version: 1.108.7
  register: cache_section
"""

RETURN = r"""
previous_mode:
  description:
    - The cache mode the file had before (V(local), V(redis), V(disabled), or another LiteLLM type).
    - With O(content), the mode of the file at O(path) as it was (null when it was not a LiteLLM config).
  returned: always
  type: str
  sample: local
mode:
  description:
    - The mode written, after the gate (V(local) when O(on_blocked=fallback_local) refused V(redis)).
    - With O(mode=original), the mode of the file put back.
  returned: always
  type: str
  sample: redis
cache_params:
  description: C(litellm_settings.cache_params) as written, literal secrets masked.
  returned: always
  type: dict
  sample: {type: redis, host: redis, port: 6379, password: os.environ/REDIS_PASSWORD, ttl: 600}
topology:
  description:
    - Where the written C(cache_params) put Redis. C(kind) is V(standalone), V(sentinel) or V(cluster) (null when the
      cache is not Redis), C(nodes) the server, sentinels or cluster nodes as C(host:port), C(service_name) the
      sentinels' service.
    - M(erni_ki.litellm.redis_cache_probe) takes them as its
      O(erni_ki.litellm.redis_cache_probe#module:topology),
      O(erni_ki.litellm.redis_cache_probe#module:sentinel_nodes) or
      O(erni_ki.litellm.redis_cache_probe#module:cluster_nodes).
  returned: always
  type: dict
  sample: {kind: sentinel, nodes: ["redis-sentinel-1:26379", "redis-sentinel-2:26379"], service_name: litellm-cache}
  version_added: 0.1.0
findings:
  description: Knowledge-base rules that apply to this configuration on this release.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Rule id.
      type: str
      sample: LITELLM-CACHE-005
    severity:
      description: V(error) blocks V(redis) mode; V(warning) and V(info) are reported.
      type: str
      sample: error
    title:
      description: What the rule is about.
      type: str
    message:
      description: What was found.
      type: str
    remedy:
      description: What to do.
      type: str
    evidence:
      description: What the rule rests on.
      type: str
    versions:
      description: LiteLLM releases the rule applies to.
      type: str
      sample: <1.93.0
router_uses_redis:
  description:
    - Whether C(router_settings) point LiteLLM's router at Redis (C(redis_host), C(redis_port) or C(redis_url)), in the
      config as written. The router then uses Redis whatever the cache mode.
  returned: when O(mode) is not V(original)
  type: bool
  version_added: 0.1.0
gate:
  description: The version gate's decision for V(redis) mode.
  returned: always
  type: dict
  contains:
    allowed:
      description: Whether V(redis) may be written.
      type: bool
    version:
      description: The LiteLLM version evaluated, as given.
      type: str
    forced:
      description: Whether O(force) let V(redis) past a refusal.
      type: bool
      version_added: 0.1.0
    reason:
      description:
        - Why. A refusal lists its reasons one per line, shortest first, then the advice (RV(gate.upgrade_to) and
          the changes that clear a reason without an upgrade).
      type: str
    blocked_by:
      description: The policy names and rule ids that refused it.
      type: list
      elements: str
    upgrade_to:
      description:
        - For a refusal, the lowest release the knowledge base has measured on which every reason that an upgrade
          can clear is gone, judged for this config and container environment (null when no measured release
          clears one, or the version is unknown).
      type: str
    advice:
      description:
        - For a refusal, one entry per reason, shortest reason first, each with C(id) (the policy name or rule id),
          C(reason), C(upgrade_to) (the lowest measured release that clears it, or null) and C(change) (what to
          change in the config or the container environment instead, or null when only an upgrade or the policy
          clears it).
      type: list
      elements: dict
backups_removed:
  description: Older backups removed to keep O(backup_keep).
  returned: when O(backup) made a backup
  type: list
  elements: str
  version_added: 0.1.0
backup_file:
  description: Path of the backup, when O(backup) made one.
  returned: changed and O(backup=true)
  type: str
  sample: /srv/llm/conf/litellm/config.yaml.12345.2026-11-29@10:00:00~
original_file:
  description:
    - Path of the file as it was before the module's first change (O(mode=original) puts it back); null when none is
      kept (O(backup=false), or the file was never changed).
    - In check mode, the path it would have.
  returned: when O(path) is given
  type: str
  sample: /srv/llm/conf/litellm/config.yaml.original
content:
  description: The whole config as it would be written, literal secrets masked.
  returned: when O(path) is not given
  type: str
warnings_list:
  description: The findings and gate notes also emitted as Ansible warnings.
  returned: always
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.erni_ki.litellm.plugins.module_utils import deps
from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_cache_config as cfg
from ansible_collections.erni_ki.litellm.plugins.module_utils.config_module import (
    ORIGINAL,
    argument_spec,
    config_state,
    make_plan,
    plan_file,
    plan_result,
    read_config,
    write_result,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import mask_config_text, mask_text


def restore_original(module, path, secrets):
    """mode=original: the kept original back in place, byte for byte (exits the module)."""
    state = config_state(module, path)
    if not os.path.isfile(state.original):
        module.fail_json(
            msg=f"no original of {path} is kept in {state.dir} ({state.name}.original): the module keeps one at its "
            f"first change with backup=true, and this file was not changed that way (or backup_dir points elsewhere). "
            f"Nothing was changed. To go back by hand, copy one of its backups ({state.name}.PID.TIMESTAMP~ in "
            f"{state.dir}) over it.",
            changed=False,
        )
    text = read_config(module, state.original, required=True)
    current = read_config(module, path, required=False)
    try:
        kept = cfg.describe(text, state.original)
    except cfg.ConfigError as exc:  # what the operator had: put back as it was, said what it is
        module.warn(f"the original is put back as it was, although it is not a config the module reads: {exc}")
        kept = {"mode": None, "cache_params": {}, "topology": {}}
    try:
        previous = cfg.mode_of_text(current, path)
    except cfg.ConfigError:
        previous = None
    result = dict(
        changed=False,
        previous_mode=previous,
        findings=[],
        gate={},
        warnings_list=[],
        original_file=state.original,
        **kept,
    )
    result["changed"] = write_result(module, path, current, text, secrets, result, restoring=True)
    if not module.check_mode:
        state.mark_restored()
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=list(cfg.ENV_OPTIONS.items()),
        supports_check_mode=True,
        add_file_common_args=True,
    )
    deps.validate(module, "ruamel.yaml", "packaging")
    p = module.params
    if p["backup_keep"] < 0:
        module.fail_json(msg=f"backup_keep must be 0 (keep every backup) or more, got {p['backup_keep']}")
    path = p["path"]
    secrets = [s for s in (p["login_password"], p["sentinel_password"]) if s]

    if p["mode"] == ORIGINAL:
        if not path:
            module.fail_json(msg="mode=original puts back a file: give its path")
        restore_original(module, path, secrets)
    if path:
        current, planned = plan_file(module, path, p["content"], secrets, p["mode"])
    else:
        current, planned = "", make_plan(module, p["content"] or "", "<content>", secrets, p["mode"])
    result = dict(changed=False, previous_mode=planned["previous_mode"], **plan_result(planned))
    for w in planned["warnings"]:
        module.warn(mask_text(w, secrets))
    if not path:
        result["content"] = mask_config_text(planned["new_text"], secrets)
        module.exit_json(**result)
    result["changed"] = write_result(module, path, current, planned["new_text"], secrets, result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
