# Copyright (c) 2026 erni_ki maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Round-trip YAML editing that changes only the lines of the keys that changed.

ruamel.yaml keeps comments, key order, quoting and flow style, but a dump may still re-indent or
re-wrap parts of a hand-written file that no edit touched. So an edit here is applied as a *line
patch*: the document is dumped before and after the change, the difference between those two dumps
(which only covers what the caller changed) is applied to the original text, and every other byte
of the file is kept as it was. When ruamel's rendering of an edited region differs from the file's
own text, the edit is refused rather than reformatting the operator's file. The result is parsed
again and compared with the intended data before it is returned.
"""

from __future__ import annotations

import difflib
import io

from ansible_collections.erni_ki.litellm.plugins.module_utils import deps
from ansible_collections.erni_ki.litellm.plugins.module_utils.masking import mask_config_text

with deps.declare("ruamel.yaml"):
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.scalarstring import SingleQuotedScalarString
if not deps.available("ruamel.yaml"):  # pragma: no cover - the module reports it (deps.validate)
    YAMLError = Exception
    CommentedMap = dict
    CommentedSeq = list
    SingleQuotedScalarString = str


def new_mapping():
    """An empty mapping that keeps comments and order when added to a document."""
    return CommentedMap()


def flow_items(items):
    """A block sequence of small items (pairs, short mappings), each written on one line in flow style:
    ``- [127.0.0.1, 26379]``, ``- {host: 127.0.0.1, port: 6379}``."""
    seq = CommentedSeq()
    for item in items:
        if isinstance(item, dict):
            inner = CommentedMap((k, _flow_scalar(v)) for k, v in item.items())
        else:
            inner = CommentedSeq(_flow_scalar(v) for v in item)
        inner.fa.set_flow_style()
        seq.append(inner)
    return seq


_FLOW_SPECIAL = set(":,[]{}#&*!|>'\"%@`")


def _flow_scalar(value):
    """A string that a flow collection would misread unquoted (an IPv6 address, ``::1``) is single-quoted:
    ruamel.yaml writes ``[::1, 26379]`` plain, which no YAML parser reads back."""
    if isinstance(value, str) and (_FLOW_SPECIAL & set(value) or value != value.strip()):
        return SingleQuotedScalarString(value)
    return value


class YamlEditError(ValueError):
    """The file cannot be read or edited safely; nothing was changed."""


_LAYOUTS = [  # (mapping, sequence, offset): the indentation styles met in hand-written configs
    (2, 4, 2),
    (2, 2, 0),
    (4, 4, 0),
    (4, 6, 4),
    (4, 4, 2),
    (2, 4, 0),
    (3, 3, 0),
]


def _new_yaml(layout):
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    mapping, sequence, offset = layout
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _yaml(text, load):
    """The YAML instance whose rendering of ``text`` keeps the most of its lines verbatim."""
    lines = text.splitlines(keepends=True)
    best = None
    for layout in _LAYOUTS:
        yaml = _new_yaml(layout)
        data = load(yaml, text)
        buf = io.StringIO()
        yaml.dump(data, buf)
        rendered = buf.getvalue().splitlines(keepends=True)
        score = sum(
            block.size for block in difflib.SequenceMatcher(None, lines, rendered, autojunk=False).get_matching_blocks()
        )
        if best is None or score > best[0]:
            best = (score, yaml, data)
        if rendered == lines:
            break
    return best[1], best[2]


class RoundTripDocument:
    """A YAML document loaded for editing. ``data`` is the ruamel tree; edit it, then call render()."""

    def __init__(self, text, source="<config>"):
        if not deps.available("ruamel.yaml"):  # pragma: no cover
            raise YamlEditError("the Python library ruamel.yaml is required")
        self.source = source
        self.original = text
        self._yaml, self.data = _yaml(text, self._load)
        self._baseline = self._dump(self.data) if self.data is not None else ""

    def _load(self, yaml, text):
        try:
            return yaml.load(text)
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise YamlEditError(f"{self.source} is not valid YAML{where}: {problem}") from None

    def _dump(self, data):
        buf = io.StringIO()
        self._yaml.dump(data, buf)
        return buf.getvalue()

    def render(self):
        """The original text with the changes made to ``data`` patched in; unchanged docs return the original."""
        after = self._dump(self.data)
        if after == self._baseline:
            return self.original
        patched = _patch(self.original, self._baseline, after, self.source)
        # The patched text must parse to exactly the data the caller built.
        if plain(self._yaml.load(patched)) != plain(self.data):
            raise YamlEditError(
                f"{self.source}: the edit could not be applied without changing other content; "
                "the file was left as it was"
            )
        return patched


def plain(node):
    """Plain dicts and lists of a ruamel tree (for comparisons and return values)."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def _patch(original, before, after, source):
    orig = original.splitlines(keepends=True)
    if orig and not orig[-1].endswith("\n"):
        orig[-1] += "\n"
        missing_final_newline = True
    else:
        missing_final_newline = False
    r0 = before.splitlines(keepends=True)
    r1 = after.splitlines(keepends=True)

    # Which lines of ruamel's rendering are the file's own lines, verbatim.
    to_orig = {}
    for tag, i1, _i2, j1, j2 in difflib.SequenceMatcher(None, orig, r0, autojunk=False).get_opcodes():
        if tag == "equal":
            for k in range(j2 - j1):
                to_orig[j1 + k] = i1 + k

    out = list(orig)
    ops = difflib.SequenceMatcher(None, r0, r1, autojunk=False).get_opcodes()
    for tag, a1, a2, b1, b2 in reversed(ops):
        if tag == "equal":
            continue
        if a1 < a2:
            if not all(a in to_orig for a in range(a1, a2)):
                raise YamlEditError(_reformat_message(source, r0, a1, a2))
            o1, o2 = to_orig[a1], to_orig[a2 - 1] + 1
            if o2 - o1 != a2 - a1:
                raise YamlEditError(_reformat_message(source, r0, a1, a2))
        elif a1 in to_orig:
            o1 = o2 = to_orig[a1]
        elif a1 - 1 in to_orig:
            o1 = o2 = to_orig[a1 - 1] + 1
        elif a1 == len(r0):
            o1 = o2 = len(orig)
        else:
            raise YamlEditError(_reformat_message(source, r0, a1, a1 + 1))
        out[o1:o2] = r1[b1:b2]
    text = "".join(out)
    if missing_final_newline and text.endswith("\n") and original and not original.endswith("\n"):
        text = text[:-1]
    return text


def _reformat_message(source, rendered, a1, a2):
    snippet = "".join(rendered[a1:a2]).strip().splitlines()
    first = mask_config_text(snippet[0]) if snippet else ""  # a line of the file may hold a literal secret
    return (
        f"{source}: the lines around {first!r} are written in a layout the YAML library would rewrite "
        "(indentation, line wrapping or flow style), so changing them would reformat text the module "
        "does not own; the file was left as it was. Re-indent that section consistently (2 spaces) and retry."
    )


# ------------------------------------------------------------------ values in a round-trip mapping


def yaml_kind(value):
    """The YAML name of a value's kind, for messages."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "str"
    if value is None:
        return "null"
    return type(value).__name__


def same_value(old, new):
    """Equal as a YAML reader would take them: 30 and 30.0 are the same, True and 1 are not."""
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool) and old == new
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(same_value(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(same_value(a, b) for a, b in zip(old, new))
    return old == new


def yaml_number(value):
    """Whole floats are written as integers (30, not 30.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def set_key(mapping, key, value, after=None):
    """Set a key in place; a new key goes right after ``after`` (or at the end). Returns True if changed."""
    if key in mapping:
        if same_value(mapping[key], value):
            return False
        mapping[key] = value
        return True
    keys = list(mapping.keys())
    if after is not None and after in mapping:
        mapping.insert(keys.index(after) + 1, key, value)
    else:
        mapping[key] = value
    return True


def delete_key(mapping, key):
    """Delete a key; a comment block that trailed it moves to the key before it. Returns True if deleted."""
    if key not in mapping:
        return False
    keys = list(mapping.keys())
    idx = keys.index(key)
    comment = mapping.ca.items.pop(key, None) if hasattr(mapping, "ca") else None
    del mapping[key]
    if comment and idx > 0 and comment[2] is not None:
        prev = keys[idx - 1]
        entry = mapping.ca.items.setdefault(prev, [None, None, None, None])
        if entry[2] is None:
            entry[2] = comment[2]
    return True


def get_mapping(parent, key, where):
    """``parent[key]`` when it is a mapping, None when absent; YamlEditError for any other kind."""
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise YamlEditError(f"{where}.{key} is a {yaml_kind(value)}, not a mapping; fix the config by hand first")
    return value
