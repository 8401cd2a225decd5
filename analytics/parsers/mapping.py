"""Exports of incident tools whose field names coegraph does not know, mapped onto the record.

A tool's JSON or YAML nests what a COE holds (``retrospective.fields.root_cause``,
``postmortem.fiveWhys``, ``result.u_root_cause_summary``) and names it in its own words. Before
the record is built, :func:`normalise_export` flattens such a mapping into the flat form
:func:`analytics.parsers.structured.coe_from_mapping` reads:

1. a field the user maps (a mapping file, :func:`load_mapping`: ``record_field: source.key``)
   wins;
2. then the alias table shared with every parser (``FIELDS``);
3. then rules on the words of the key ("...root cause...", "...why...", "...follow up...");
4. a mapping under a key that is none of these is searched the same way, one level at a time,
   so that a field near the top wins over one with the same meaning deeper down.

Values a tool wraps (``{"name": "Pricing"}``, ``{"display_value": "Resolved"}``) are unwrapped,
and the items of why, action and timeline lists get the key names those parsers read. Every key
is reported with where it went, for ``coe parse --explain``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from analytics.parsers.errors import ParseError
from analytics.parsers.metadata import norm_key

# fields whose value is one scalar
_SCALAR = frozenset({"id", "title", "team", "severity", "date", "summary"})
_WRAPPER_KEYS = frozenset(
    {"name", "display_value", "displayvalue", "value", "label", "link", "id", "rank", "category"}
)
_WORD = re.compile(r"[a-z]+|\d+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# ServiceNow and similar tools prefix custom fields ("u_root_cause_summary")
_CUSTOM_PREFIX = ("u", "x", "custom", "cf")


def key_words(key: str) -> tuple[str, ...]:
    """Lower-case words of a field name: ``"u_rootCauseSummary"`` -> root, cause, summary.

    >>> key_words("u_rootCauseSummary")
    ('root', 'cause', 'summary')
    """
    words = _WORD.findall(_CAMEL.sub(" ", key).lower())
    while len(words) > 1 and words[0] in _CUSTOM_PREFIX:
        words = words[1:]
    return tuple(words)


def guess_field(key: str) -> str | None:
    """The record field a tool's key most likely holds, from the words of its name.

    >>> [guess_field(k) for k in ("u_five_whys", "problem_tasks", "owningTeam", "cause_notes")]
    ['whys', 'actions', 'team', None]
    """
    w = set(key_words(key))
    if not w:
        return None
    if w & {"lesson", "lessons", "learned", "learnings", "well", "workaround", "fix", "tags"}:
        return None
    if "why" in w or "whys" in w:
        return "whys"
    if "root" in w and ("cause" in w or "causes" in w):
        return "root_causes"
    if w & {"action", "actions", "tasks", "remediation", "remediations", "corrective"} or (
        "follow" in w and "up" in w or "followups" in w or "followup" in w
    ):
        return "actions"
    if "timeline" in w or w == {"events"} or ("timeline" in w and "items" in w):
        return "timeline"
    if "severity" in w:
        return "severity"
    if "impact" in w and ("summary" in w or "customer" in w or "customers" in w):
        return "impact"
    if w & {"services", "service"} and not w & {"level", "tier", "owner", "request"}:
        return "services"
    if w & {"team", "teams"} or {"assignment", "group"} <= w:
        return "team"
    if w <= {"short", "description"} and "short" in w or w <= {"headline", "subject"}:
        return "title"
    if w & {"started", "start"} and not w & {"detected", "resolved", "mitigated"}:
        return "date"
    if w <= {"reference", "ref", "key", "number", "incident", "problem", "id"} and w & {
        "reference",
        "ref",
        "key",
        "number",
        "id",
    }:
        return "id"
    return None


def unwrap(value: Any) -> Any:
    """The scalar a tool wraps in ``{"name": ...}`` or ``{"display_value": ...}``."""
    if (
        isinstance(value, dict)
        and value
        and set(map(norm_key, value)) <= {norm_key(k) for k in _WRAPPER_KEYS}
    ):
        for k in ("display_value", "displayValue", "name", "label", "value"):
            if value.get(k) not in (None, ""):
                return value[k]
    return value


def _name_of(item: dict[str, Any]) -> Any:
    """The name of a listed thing (``{"name": "pricing-engine", "tier": 1}``)."""
    for k in ("name", "display_value", "displayValue", "title", "label"):
        if isinstance(item.get(k), str) and item[k]:
            return item[k]
    return None


_ITEM_KEYS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "actions": (
        ("title", ("title", "action", "item", "task", "description", "text", "what")),
        ("title", ("summary", "short description", "name", "subject")),
        ("owner", ("owner", "assignee", "who", "assigned to", "team", "assignment group")),
        ("due", ("due", "due date", "eta", "deadline", "target", "by", "target date", "when")),
        ("status", ("status", "state")),
        ("priority", ("priority", "pri", "prio")),
        ("id", ("id", "ticket", "key", "ref", "issue key", "number", "issue")),
    ),
    "whys": (
        ("question", ("question", "q", "why")),
        ("answer", ("answer", "a", "because", "reason", "cause")),
        ("id", ("id", "n", "step", "level", "seq", "sequence", "order", "index")),
    ),
    "timeline": (
        ("at", ("at", "time", "timestamp", "when", "date", "datetime", "occurred at")),
        ("event", ("event", "description", "text", "what", "summary", "message")),
        ("event", ("entry", "note", "body", "title", "details")),
    ),
}


def _norm_item(item: Any, field: str) -> Any:
    """A list item with its tool's key names turned into those the field's parser reads."""
    if not isinstance(item, dict) or field not in _ITEM_KEYS:
        return item
    by_key = {norm_key(str(k)): unwrap(v) for k, v in item.items()}
    out: dict[str, Any] = {}
    for target, names in _ITEM_KEYS[field]:
        if target in out:
            continue
        for name in names:
            v = by_key.get(norm_key(name))
            if v not in (None, "", [], {}):
                if field == "timeline" and target == "event" and isinstance(v, str):
                    # a title with a description: both are the event
                    desc = by_key.get("description")
                    if name == "title" and isinstance(desc, str) and desc:
                        v = f"{v}: {desc}"
                out[target] = v if not isinstance(v, (dict, list)) else str(v)
                break
    if "parent" in by_key:
        out["parent"] = by_key["parent"]
    return out


def _norm_value(field: str, value: Any) -> Any:
    value = unwrap(value)
    if field in _SCALAR and isinstance(value, list) and value:
        value = [unwrap(v) for v in value]
        if field == "team":
            return ", ".join(str(v) for v in value if not isinstance(v, dict))
    if field == "services" and isinstance(value, list):
        names = [_name_of(v) if isinstance(v, dict) else v for v in value]
        return [n for n in names if n not in (None, "")]
    if field in _ITEM_KEYS and isinstance(value, list):
        return [_norm_item(v, field) for v in value]
    return value


_NUMBERED_WHY = re.compile(r"^\s*why\s*[-_#]?\s*\d{1,2}\s*$", re.I)
_ID_LIKE = re.compile(r"^[A-Z][A-Z0-9]{1,9}(?:-[A-Z0-9]+)*-?\d{2,}$")


def load_mapping(path: str | os.PathLike) -> dict[str, str]:
    """A user's mapping file as ``{source key: record field}``, for :func:`normalise_export`.

    The file is YAML (or JSON) of ``record_field: source key``, a source key being a key of
    the export or a dotted path into it (``retrospective.fields.cause_text``), or a list of
    them; ``ignore: [key, ...]`` silences the "not recognised" warnings of keys left out on
    purpose::

        title: headline
        root_causes: retrospective.fields.cause_text
        actions: [follow_ups, problem_tasks]
        ignore: internal_notes

    Raises
    ------
    ParseError
        Naming the file (and what is wrong) when it cannot be read, is not a mapping of
        record fields to keys, or names a record field that does not exist.
    """
    from analytics.parsers.reading import display_path, load_yaml_documents
    from analytics.parsers.structured import FIELDS

    name = display_path(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ParseError(name, None, f"mapping file cannot be read: {reason}") from None
    docs, _ = load_yaml_documents(text, name, what="mapping file YAML")
    docs = [d for d in docs if d is not None]
    if len(docs) != 1 or not isinstance(docs[0], dict) or not docs[0]:
        raise ParseError(
            name, None, "a mapping file is one YAML mapping of record_field: source key"
        )
    known = sorted({f for f in FIELDS.values() if f != "_ignored"})
    out: dict[str, str] = {}
    for field, keys in docs[0].items():
        target = "_ignored" if field == "ignore" else field
        if target != "_ignored" and target not in known:
            raise ParseError(
                name,
                _line_of(text, str(field)),
                f"'{field}' is not a record field; expected one of {', '.join(known)}, or ignore",
            )
        for key in keys if isinstance(keys, list) else [keys]:
            if not isinstance(key, str) or not key.strip():
                raise ParseError(
                    name,
                    _line_of(text, str(field)),
                    f"'{field}' must name a source key (a string or dotted path), got {key!r}",
                )
            out[key.strip()] = target
    return out


def _line_of(text: str, key: str) -> int | None:
    """The line on which a top-level key is written, for the error message."""
    for no, line in enumerate(text.splitlines(), start=1):
        if line.startswith((f"{key}:", f'"{key}":', f"'{key}':")):
            return no
    return None


def normalise_export(
    data: dict[str, Any],
    fields: dict[str, str],
    user: dict[str, str] | None = None,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """``(flat mapping, explain)`` of one record; ``fields`` is the alias table (normalised
    key -> field), ``user`` a mapping file's ``{"path.or.key": field}``.

    Keys the alias table knows keep their values; only list items are renamed.
    """
    user_n = {norm_key(k): v for k, v in (user or {}).items()}
    out: dict[str, Any] = {}
    explain: list[tuple[str, str]] = []
    ids: list[Any] = []
    unused = set(user_n)
    level: list[tuple[str, dict[str, Any]]] = [("", data)]
    while level:
        deeper: list[tuple[str, dict[str, Any]]] = []
        for prefix, mapping in level:
            for key, value in mapping.items():
                if key is None:
                    out.setdefault(None, value)
                    continue
                path = f"{prefix}{key}"
                for k in (norm_key(path), norm_key(str(key))):
                    if k in user_n:
                        field = user_n[k]
                        unused.discard(k)
                        break
                else:
                    field = None
                how = "mapping file" if field else ""
                if field is None:
                    field = fields.get(norm_key(str(key)))
                    if field is None or field == "_ignored":
                        guessed = guess_field(str(key)) if field is None else None
                        field = guessed or field
                        how = "guessed from the name" if guessed else ""
                container = isinstance(value, dict) and unwrap(value) is value
                if container and field not in ("impact", "metrics") and not how:
                    # {"incident": {...}}, {"postmortem": {...}}: a part of the record
                    deeper.append((f"{path}.", value))
                    continue
                if field == "_ignored":
                    explain.append((path, f"skipped ({how or 'known, not used'})"))
                    continue
                if field is None or value in (None, "", [], {}):
                    explain.append((path, "ignored" if field is None else f"{field} (empty)"))
                    continue
                value = _norm_value(field, value)
                if field == "whys" and _NUMBERED_WHY.match(str(key)) and isinstance(value, str):
                    # a tracker's "Why 1" .. "Why 6" columns: one step each, in column order
                    steps = out.setdefault("whys", [])
                    if isinstance(steps, list):
                        steps.append(f"{len(steps) + 1}. {value}")
                        explain.append((path, f"whys (step {len(steps)})"))
                        continue
                if field == "id":
                    ids.append(value)
                    explain.append((path, f"id{' (' + how + ')' if how else ''}"))
                    continue
                if field in out:
                    explain.append((path, f"ignored ({field} already taken)"))
                    continue
                out[field] = value
                explain.append((path, field + (f" ({how})" if how else "")))
        level = deeper
    explain.extend(
        (k, "not found (a mapping file key)") for k in user or {} if norm_key(k) in unused
    )
    if ids:
        # a tool's own reference (INC-30417) rather than its database key (a ULID, a sys_id)
        out["id"] = next((i for i in ids if isinstance(i, str) and _ID_LIKE.match(i)), ids[0])
    return out, explain
