# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan a cache-mode change to a LiteLLM config: the logic behind litellm_cache_mode.

Pure Python over the round-trip document: no Ansible here, so it is unit-tested directly. The
module's policy lives here (which keys it owns and in which order it writes them); what LiteLLM does
lives in litellm_knowledge.py, YAML editing in yaml_roundtrip.py, masking in masking.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from ansible_collections.erni_ki.litellm.plugins.module_utils import litellm_knowledge as kb
from ansible_collections.erni_ki.litellm.plugins.module_utils import redis_settings
from ansible_collections.erni_ki.litellm.plugins.module_utils.litellm_version import (
    LiteLLMVersion,
    LiteLLMVersionError,
    version_of_tag,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import (
    ENV_REFERENCE,
    mask_mapping,
    mask_url_credentials,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.redis_connection import (
    nodes_problems,
    option_problems,
    parse_node,
    topology_problems,
)
from ansible_collections.erni_ki.litellm.plugins.module_utils.redis_settings import TOPOLOGIES
from ansible_collections.erni_ki.litellm.plugins.module_utils.yaml_roundtrip import (
    RoundTripDocument,
    YamlEditError,
    delete_key,
    flow_items,
    get_mapping,
    new_mapping,
    plain,
    set_key,
    yaml_kind,
    yaml_number,
)

MODES = ("local", "redis", "disabled")
ON_BLOCKED = ("fail", "fallback_local", "warn")

# The cache_params keys the module owns for type redis, in the order it writes them, and the option that sets each
# (redis_settings.SETTINGS, the one table). A password's key is written from its *_env option (as os.environ/NAME)
# or its literal option. Where Redis is (the first keys) depends on the topology.
REDIS_OPTIONS = redis_settings.config_keys()
REDIS_KEYS = tuple(REDIS_OPTIONS)
ENV_OPTIONS = redis_settings.env_options()  # {secret option: the option that names its variable}
# The keys that belong to one topology only (the rest are common to all three).
TOPOLOGY_ONLY = {t: redis_settings.topology_keys(t) for t in TOPOLOGIES}
# What a URL carries (login_url, cache_params.url): LiteLLM's _redis.py drops host, port, db and password beside a
# url (1.80.0 - 1.108.7), and the URL names the user and TLS (rediss://) too. These keys are removed where a url is
# written, and the options that set them are refused beside one.
URL_KEYS = ("host", "port", "db", "username", "password", "ssl", "ssl_ca_certs")
URL_OPTIONS = tuple(o for k in URL_KEYS for o in (REDIS_OPTIONS[k], ENV_OPTIONS.get(REDIS_OPTIONS[k])) if o)
# The keys without which a topology has no Redis to connect to.
TOPOLOGY_REQUIRED = {"sentinel": ("sentinel_nodes", "service_name"), "cluster": ("redis_startup_nodes",)}


def foreign_keys(topology):
    """The cache_params keys a redis cache on ``topology`` must not have: the other topologies' own keys (a
    standalone server's host and port included), and a cluster's db (a cluster has only db 0, and LiteLLM's
    cluster client takes no db)."""
    keys = {k for t, own in TOPOLOGY_ONLY.items() if t != topology for k in own}
    return keys | {"db"} if topology == "cluster" else keys


# Options that keep their value whatever the mode (cache_params keys of the same name).
COMMON_OPTIONS = ("ttl", "namespace", "supported_call_types")
# router_settings keys the module owns when router_redis is on.
ROUTER_REDIS_KEYS = ("redis_host", "redis_port", "redis_password", "redis_db")


class ConfigError(ValueError):
    """The config cannot be changed as asked; the file was not touched."""


class GateRefused(ConfigError):
    """Redis mode was refused by the gate (policy ``fail``)."""

    def __init__(self, gate_result, findings, previous_mode=None):
        self.gate = gate_result
        self.findings = findings
        self.previous_mode = previous_mode  # the mode the config has, which stays
        super().__init__(f"redis mode refused by the version gate:\n{gate_result['reason']}")


@dataclass(frozen=True)
class CacheRequest:
    """What the caller asks for: the cache section to write, and the gate's policy. Field names are the
    module's option names; None means "leave what the file has"."""

    mode: str
    ttl: int | None = None
    namespace: str | None = None
    supported_call_types: list | None = None
    login_url: str | None = None
    login_host: str | None = None
    login_port: int | None = None
    db: int | None = None
    login_user: str | None = None
    login_password: str | None = None
    login_password_env: str | None = None
    topology: str | None = None
    sentinel_nodes: list | None = None
    service_name: str | None = None
    sentinel_password: str | None = None
    sentinel_password_env: str | None = None
    cluster_nodes: list | None = None
    tls: bool | None = None
    ca_certs: str | None = None
    socket_timeout: float | None = None
    socket_connect_timeout: float | None = None
    retry_on_timeout: bool | None = None
    health_check_interval: int | None = None
    max_connections: int | None = None
    extra_cache_params: dict = field(default_factory=dict)
    router_redis: bool = False
    litellm_version: str | None = None
    litellm_image: str | None = None
    container_env: tuple = ()
    min_redis_version: str | None = kb.MIN_REDIS_VERSION
    blocked_versions: tuple = ()
    on_blocked: str = "fail"
    force: bool = False

    @classmethod
    def from_params(cls, params):
        """From a module's params (options it does not know are ignored; None keeps the field's default)."""
        return cls(**{f.name: params[f.name] for f in fields(cls) if params.get(f.name) is not None})

    def version(self):
        """The target release, or None when unknown."""
        if self.litellm_version in (None, ""):
            return None
        try:
            return LiteLLMVersion(self.litellm_version)
        except LiteLLMVersionError as exc:
            raise ConfigError(str(exc)) from None

    def version_forms(self):
        """Every form the target release is known in: the version given, then the image tag's."""
        forms = [v for v in (self.version(), version_of_tag(self.litellm_image)) if v is not None]
        return forms

    def problems(self):
        """Messages for the options whose values LiteLLM, redis-py or Redis would refuse (they name the option)."""
        settings = {option: key for key, option in REDIS_OPTIONS.items()} | {"ttl": "ttl"}
        out = option_problems(self.options(), settings)
        for option in ENV_OPTIONS.values():
            value = getattr(self, option)
            if value is not None and not kb.ENV_NAME.match(value):
                out.append(f"{option}: {value!r} is not an environment variable name")
        for option in ("sentinel_nodes", "cluster_nodes"):
            out += nodes_problems(option, getattr(self, option))
        url = self.login_url
        if url is not None and url.startswith(ENV_REFERENCE) and not kb.ENV_NAME.match(url[len(ENV_REFERENCE) :]):
            out.append(f"login_url: {url!r} does not name an environment variable (os.environ/NAME)")
        beside = self.url_conflicts()
        if url is not None and beside:
            out.append(
                f"login_url carries the host, port, db, user, password and TLS (rediss://, a private CA as "
                f"?ssl_ca_certs=PATH), and LiteLLM ignores them beside a url: leave out {', '.join(beside)}"
            )
        if self.topology is not None and self.topology not in TOPOLOGIES:
            out.append(f"topology: must be one of {', '.join(TOPOLOGIES)}, got {self.topology!r}")
        return out

    def options(self):
        """{option: value} of every field."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def url_conflicts(self):
        """The options given that a URL replaces (URL_OPTIONS)."""
        return [o for o in URL_OPTIONS if getattr(self, o) is not None]

    def topology_problems(self, topology):
        """Messages for options that belong to another topology than ``topology`` (the one being written)."""
        return topology_problems(self.options(), topology, redis_settings.config_settings())

    def secret_value(self, option):
        """A secret option's value as written into the config: os.environ/NAME when its *_env option names the
        variable, else the literal, else None."""
        name = getattr(self, ENV_OPTIONS[option])
        return ENV_REFERENCE + name if name else getattr(self, option)


def node_values(topology, nodes):
    """The nodes in the form LiteLLM reads them: sentinel [[host, port], ...], cluster [{host, port}, ...]."""
    pairs = [parse_node(n) for n in nodes]
    if topology == "sentinel":
        return flow_items([host, port] for host, port in pairs)
    return flow_items({"host": host, "port": port} for host, port in pairs)


def _option_value(req, key, option, topology):
    if option in ENV_OPTIONS:
        return req.secret_value(option)
    if key == "ssl":
        # never ssl: false: on 1.80.x the key's mere presence selects an SSLConnection (a TLS handshake with a
        # plaintext Redis); TLS off is written as no ssl key at all (apply_mode removes one)
        return True if req.tls else None
    value = getattr(req, option)
    if key in ("sentinel_nodes", "redis_startup_nodes") and value is not None:
        return node_values(topology, value)
    return yaml_number(value) if value is not None else None


def desired_cache_params(req, mode, topology="standalone"):
    """The cache_params keys and values the module owns for ``mode`` on ``topology`` (secrets as given)."""
    want = {key: getattr(req, key) for key in COMMON_OPTIONS if getattr(req, key) is not None}
    if mode != "redis":
        return want
    others = foreign_keys(topology)
    for key, option in REDIS_OPTIONS.items():
        if key in others:
            continue
        value = _option_value(req, key, option, topology)
        if value is not None:
            want[key] = value
    want.update(req.extra_cache_params or {})
    return want


def topology_to_write(req, cache_params):
    """The topology asked for, else the one the config already has (standalone when it has none)."""
    return req.topology or kb.topology_of(cache_params)


# ------------------------------------------------------------------------------------------ gate


def gate(req, version, findings, findings_on=None):
    """The version gate for redis mode: {allowed, forced, version, reason, blocked_by, upgrade_to, advice}.

    ``findings_on(release)``: the knowledge base's findings for the same config and environment on another
    release, to advise the lowest measured release that clears each reason (None: no advice)."""
    result = {
        "allowed": True,
        "forced": False,
        "version": None if version is None else version.text,
        "reason": "",
        "blocked_by": [],
        "upgrade_to": None,
        "advice": [],
    }
    if req.mode != "redis":
        result["reason"] = f"mode {req.mode} needs no Redis gate"
        return result
    refusals = _refusals(req, version, findings)
    if not refusals:
        result["reason"] = f"LiteLLM {version.text} passes the gate for redis mode"
        return result
    result["blocked_by"] = [rid for rid, _reason, _change in refusals]
    result["advice"], result["upgrade_to"] = _advice(req, version, refusals, findings_on)
    result["reason"] = _refusal_text(result)
    if req.force:
        result["forced"] = True
        result["reason"] = "forced past the gate: " + result["reason"]
    else:
        result["allowed"] = False
    return result


def _refusals(req, version, findings, candidate=False):
    """(id, reason, change) for each policy and error finding that refuses redis mode on ``version``; change is
    what clears it in the config or the environment (None when only an upgrade or the policy itself does).
    ``candidate``: ``version`` is a release the gate considers advising, not the instance's own."""
    found = [(policy, reason, None) for policy, reason in _policy_refusals(req, version, candidate)]
    for f in findings:
        if f["severity"] == "error":
            found.append((f["id"], f"{f['id']} {f['title']}: {f['message']}", f["remedy"].rstrip(".")))
    return found


def _advice(req, version, refusals, findings_on):
    """(advice, upgrade_to). Per refusal, shortest first: the lowest measured release after ``version`` that clears
    it, and the change. upgrade_to: the lowest measured release on which every refusal that some release clears is
    cleared at once (a rule that comes back on a later release, such as one with ``again_from``, is weighed), or
    None."""
    later = (
        []
        if version is None or findings_on is None
        else [r for r in kb.measured_releases() if LiteLLMVersion(r) > version]
    )
    cleared_on, still_on = {}, {}
    for release in later:
        target = LiteLLMVersion(release)
        still_on[release] = {rid for rid, _r, _c in _refusals(req, target, findings_on(target), candidate=True)}
        for rid, _reason, _change in refusals:
            if rid not in still_on[release]:
                cleared_on.setdefault(rid, release)
    upgradable = set(cleared_on)
    upgrade_to = next((r for r in later if upgradable and not upgradable & still_on[r]), None)
    advice = [
        {"id": rid, "reason": reason, "upgrade_to": cleared_on.get(rid), "change": change}
        for rid, reason, change in sorted(refusals, key=lambda r: len(r[1]))
    ]
    return advice, upgrade_to


def _refusal_text(result):
    """The refusal as the operator reads it: one reason per line, shortest first, then what clears them."""
    lines = [f"- {a['reason']}" for a in result["advice"]]
    by_upgrade = [a["id"] for a in result["advice"] if a["upgrade_to"]]
    if by_upgrade and result["upgrade_to"]:
        lines.append(f"To clear them: upgrade LiteLLM to {result['upgrade_to']}: that clears {', '.join(by_upgrade)}")
    elif by_upgrade:
        each = ", ".join(f"{a['id']} from {a['upgrade_to']}" for a in result["advice"] if a["upgrade_to"])
        lines.append(f"No measured release clears them all at once: {each}")
    for a in result["advice"]:
        if a["change"]:
            how = "instead" if a["upgrade_to"] else "needs a change whatever the release"
            lines.append(f"{a['id']} {how}: {a['change']}")
    return "\n".join(lines)


def _policy_refusals(req, version, candidate=False):
    """(policy name, reason) for each of the caller's own policies that refuses ``version`` (with its other forms,
    such as the image tag, unless it is a ``candidate`` release)."""
    if version is None:
        yield "version_unknown", "the LiteLLM version is unknown: pass litellm_version (litellm_service returns it)"
        return
    minimum = req.min_redis_version
    if minimum:
        try:
            too_old = version < LiteLLMVersion(minimum)
        except LiteLLMVersionError as exc:
            raise ConfigError(f"min_redis_version: {exc}") from None
        if too_old:
            yield (
                "min_redis_version",
                f"LiteLLM {version.text} is older than min_redis_version {minimum}: "
                f"upgrade to {minimum} or later, or lower min_redis_version",
            )
    forms = [version] + ([] if candidate else [v for v in req.version_forms() if v.text != version.text])
    for entry in req.blocked_versions or ():
        try:
            hit = [v for v in forms if v.matches(entry)]
        except LiteLLMVersionError as exc:
            raise ConfigError(f"blocked_versions entry {entry!r}: {exc}") from None
        if hit:
            yield "blocked_versions", f"LiteLLM {hit[0].text} is in blocked_versions ({entry})"


def unmatchable_entries(req):
    """Warnings for blocked_versions entries that no known form of the target can ever match."""
    forms = req.version_forms()
    if not forms:
        return []
    out = []
    for entry in req.blocked_versions or ():
        try:
            parsed = LiteLLMVersion(entry)
        except LiteLLMVersionError:
            continue  # the gate reports it as an error
        if parsed.channel and not any(v.channel for v in forms):
            known = ", ".join(v.text for v in forms)
            out.append(
                f"blocked_versions entry {entry!r} names the {parsed.channel} build channel, but the target is known "
                f"only as {known}, with no channel: it can never match. Give litellm_image (litellm_service returns "
                f"container.image), or list the release itself ({parsed.release})"
            )
    return out


# ------------------------------------------------------------------------------------------ edit


def apply_mode(doc, req, mode, version):
    """Edit ``doc.data`` for ``mode``."""
    root = doc.data
    if root is None:
        root = doc.data = new_mapping()
    ls = get_mapping(root, "litellm_settings", doc.source)
    if ls is None:
        if mode == "disabled":
            return
        ls = root["litellm_settings"] = new_mapping()
    cp = get_mapping(ls, "cache_params", "litellm_settings")
    if mode == "disabled":
        set_key(ls, "cache", False)
        return
    set_key(ls, "cache", True)
    if cp is None:
        cp = ls["cache_params"] = new_mapping()
    topology = topology_to_write(req, plain(cp))
    if "type" in cp:
        set_key(cp, "type", mode)
    else:
        cp.insert(0, "type", mode)
    want = desired_cache_params(req, mode, topology)
    extra = list((req.extra_cache_params or {}).keys())
    if mode == "local":
        # every key only a Redis cache reads goes (url and connection_pool_timeout too), in the file's order
        gone = set(REDIS_KEYS) | set(extra) | kb.redis_connection_keys(version)
        for key in [k for k in cp if k in gone]:
            delete_key(cp, key)
        for key, value in want.items():
            set_key(cp, key, value)
    else:
        conflicts = req.url_conflicts() if req.login_url is None and cp.get("url") is not None else []
        if conflicts:
            raise ConfigError(
                f"cache_params connects by url ({mask_url_credentials(cp['url'])}), and LiteLLM connects by the URL "
                f"alone: {', '.join(conflicts)} would be ignored beside it. To keep the URL, give login_url "
                f"(os.environ/NAME keeps the variable the file names) instead of them; to connect by host and port, "
                f"remove url from cache_params first. Nothing was changed"
            )
        # a switch of topology removes the keys of the one before; a URL replaces the host form's keys
        for key in sorted(foreign_keys(topology) | (set(URL_KEYS) if req.login_url is not None else set())):
            delete_key(cp, key)
        if req.tls is False:
            delete_key(cp, "ssl")
        _write_redis_keys(cp, want, owned=set(REDIS_KEYS) | set(extra))
        _require_topology_keys(cp, topology)
    if req.router_redis:
        _apply_router(root, req, mode, version)


def _require_topology_keys(cp, topology):
    missing = [key for key in TOPOLOGY_REQUIRED.get(topology, ()) if not cp.get(key)]
    if missing:
        raise ConfigError(
            f"a {topology} cache needs {' and '.join(REDIS_OPTIONS[key] for key in missing)} (the config does not "
            f"have {' or '.join(missing)}); nothing was changed"
        )


def _write_redis_keys(cp, want, owned):
    """Owned keys go in REDIS_KEYS order right after ``type`` (or after the owned key before them)."""
    after = "type"
    for key in list(REDIS_KEYS) + [k for k in want if k not in REDIS_KEYS]:
        if key in want:
            set_key(cp, key, want[key], after=after if key in owned else None)
            if key in owned:
                after = key
        elif key in cp and key in owned:
            after = key


def _apply_router(root, req, mode, version):
    rs = get_mapping(root, "router_settings", "config")
    if mode != "redis":
        if rs is not None:
            for key in ROUTER_REDIS_KEYS:
                delete_key(rs, key)
            ck = rs.get("cache_kwargs")
            if isinstance(ck, dict):
                delete_key(ck, "db")
                if not ck:
                    delete_key(rs, "cache_kwargs")
        return
    if rs is None:
        rs = root["router_settings"] = new_mapping()
    for key, value in (
        ("redis_host", req.login_host),
        ("redis_port", req.login_port),
        ("redis_password", req.secret_value("login_password")),
    ):
        if value is not None:
            set_key(rs, key, value)
    if req.db is None:
        return
    if kb.router_redis_db_honoured(version):
        set_key(rs, "redis_db", req.db)
    else:
        # redis_db is dropped by these releases; cache_kwargs is honoured (LITELLM-CACHE-004).
        delete_key(rs, "redis_db")
        ck = rs.get("cache_kwargs")
        if ck is None:
            ck = rs["cache_kwargs"] = new_mapping()
        set_key(ck, "db", req.db)


def current_mode(root):
    """The cache mode a parsed config runs: local, redis, disabled (or another cache type)."""
    if not isinstance(root, dict):
        return "disabled"
    ls = root.get("litellm_settings")
    if not isinstance(ls, dict):
        return "disabled"
    cache = ls.get("cache")
    if cache is False or (cache is None and "cache_params" not in ls):
        return "disabled"
    cp = ls.get("cache_params")
    if not isinstance(cp, dict):
        return "local"
    return str(cp.get("type") or "local")


# ------------------------------------------------------------------------------------------ plan


def parse(text, source):
    """The round-trip document of a LiteLLM config, checked to be a mapping with a mapping of settings."""
    try:
        doc = RoundTripDocument(text, source=source)
    except YamlEditError as exc:
        raise ConfigError(str(exc)) from None
    root = doc.data
    if root is not None and not isinstance(root, dict):
        raise ConfigError(f"{source}: the top level is a {yaml_kind(root)}, not a mapping of LiteLLM settings")
    ls = root.get("litellm_settings") if isinstance(root, dict) else None
    if ls is not None and not isinstance(ls, dict):
        raise ConfigError(
            f"{source}: litellm_settings is a {yaml_kind(ls)}, not a mapping; "
            "fix it by hand (it must hold cache and cache_params), then run again"
        )
    return doc


def mode_of_text(text, source="<config>"):
    """The cache mode of a config text (empty text: disabled)."""
    return current_mode(parse(text, source).data)


def describe(text, source="<config>"):
    """What a config text runs, changing nothing: {mode, cache_params (masked), topology}."""
    root = parse(text, source).data
    cp = _cache_params(root)
    return {
        "mode": current_mode(root),
        "cache_params": mask_mapping(cp) if cp is not None else {},
        "topology": topology_summary(cp),
    }


def plan(text, req, source="<config>"):
    """Everything the module decides for ``req`` (a CacheRequest) on the config ``text``, touching no file.

    Returns a dict: new_text, changed, previous_mode, mode, cache_params (masked), findings, gate,
    warnings. Raises ConfigError (GateRefused when the gate refuses); the file is then left as it was.
    """
    if req.mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {req.mode!r}")
    if req.on_blocked not in ON_BLOCKED:
        raise ConfigError(f"on_blocked must be one of {', '.join(ON_BLOCKED)}, got {req.on_blocked!r}")
    problems = req.problems()
    if problems:
        raise ConfigError(f"{'; '.join(problems)}. Nothing was changed")
    version = req.version()
    doc = parse(text, source)
    previous = current_mode(doc.data)
    before_cp = _cache_params(doc.data)
    if req.mode == "redis":
        problems = req.topology_problems(topology_to_write(req, before_cp))
        if problems:
            raise ConfigError(f"{'; '.join(problems)}. Nothing was changed")

    effective = req.mode
    notes = []
    _edit(doc, req, effective, version)
    findings, gate_result = _evaluate(doc, req, effective, version, before_cp)
    if not gate_result["allowed"]:
        if req.on_blocked == "fail":
            raise GateRefused(gate_result, findings, previous)
        if req.on_blocked == "fallback_local":
            effective = "local"
            notes.append(f"redis mode refused, falling back to local: {gate_result['reason']}")
            doc = parse(text, source)
            _edit(doc, req, effective, version)
            findings = _evaluate(doc, req, effective, version, before_cp)[0]
    elif gate_result["forced"]:
        notes.append(gate_result["reason"])

    try:
        new_text = doc.render()
    except YamlEditError as exc:
        raise ConfigError(str(exc)) from None
    if not gate_result["allowed"] and req.on_blocked == "warn":
        done = "applied anyway" if new_text != text else "the config has it, left as it is"
        notes.insert(0, f"redis mode refused by the gate, {done} (on_blocked=warn): {gate_result['reason']}")
    cp = _cache_params(doc.data)
    root = doc.data if isinstance(doc.data, dict) else {}
    return {
        "topology": topology_summary(cp),
        "new_text": new_text,
        "changed": new_text != text,
        "previous_mode": previous,
        "mode": effective,
        "cache_params": mask_mapping(cp) if cp is not None else {},
        "findings": findings,
        "gate": gate_result,
        "router_uses_redis": isinstance(root.get("router_settings"), dict)
        and kb.router_uses_redis(root["router_settings"]),
        "warnings": notes
        + unmatchable_entries(req)
        + _finding_warnings(findings, already=set(gate_result["blocked_by"]) if notes else set()),
    }


def topology_summary(cp):
    """Where the written cache_params put Redis: {kind, nodes (host:port), service_name}; kind null when not redis."""
    cp = cp or {}
    if str(cp.get("type") or "") != "redis":
        return {"kind": None, "nodes": [], "service_name": None}
    kind = kb.topology_of(cp)
    if kind == "sentinel":
        nodes = [
            f"{n[0]}:{n[1]}" for n in cp.get("sentinel_nodes") or () if isinstance(n, (list, tuple)) and len(n) == 2
        ]
    elif kind == "cluster":
        nodes = [
            f"{n.get('host')}:{n.get('port')}"
            for n in cp.get("redis_startup_nodes") or cp.get("startup_nodes") or ()
            if isinstance(n, dict)
        ]
    else:
        nodes = [f"{cp['host']}:{cp.get('port', 6379)}"] if cp.get("host") else []
    return {"kind": kind, "nodes": nodes, "service_name": cp.get("service_name") if kind == "sentinel" else None}


def _edit(doc, req, mode, version):
    try:
        apply_mode(doc, req, mode, version)
    except YamlEditError as exc:
        raise ConfigError(str(exc)) from None


def _cache_params(root):
    ls = root.get("litellm_settings") if isinstance(root, dict) else None
    cp = ls.get("cache_params") if isinstance(ls, dict) else None
    return plain(cp) if isinstance(cp, dict) else None


def _finding_warnings(findings, already):
    """Warnings for the findings that the gate's own note does not already carry (by rule id)."""
    return [
        f"{f['id']} ({f['severity']}): {f['message']}. Remedy: {f['remedy']}"
        for f in findings
        if f["severity"] in ("warning", "error") and f["id"] not in already
    ]


def _evaluate(doc, req, mode, version, before_cp):
    """Knowledge-base findings and the gate decision for the document as edited for ``mode``."""
    data = doc.data if isinstance(doc.data, dict) else {}
    rs = data.get("router_settings")

    def findings_on(release):
        """The knowledge base's findings for this document and environment on ``release``."""
        return kb.evaluate(
            release,
            mode,
            _cache_params(data) or {},
            router_settings=plain(rs) if isinstance(rs, dict) else {},
            container_env=req.container_env or (),
            cache_params_before=before_cp,
        )

    findings = findings_on(version)
    return findings, gate(req, version, findings, findings_on)
