"""Document metadata: YAML front matter and ``Key: value`` lines.

Keys are matched through one alias table (``FIELD_ALIASES``) shared with the JSON/YAML/CSV
parser, so "Time to recovery", "TTR" and ``time_to_resolve`` all land in the same field.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

from analytics.parsers.blocks import Line, clean_inline
from analytics.parsers.errors import ParseError
from analytics.parsers.reading import load_yaml_documents

# the C loader is several times faster; fall back where libyaml is missing
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# canonical field -> aliases (compared after lower-casing and dropping non-alphanumerics)
_ALIASES: dict[str, tuple[str, ...]] = {
    "id": (
        "id",
        "coe",
        "coe id",
        "coe number",
        "incident id",
        "postmortem id",
        "pm id",
        "pm",
        "doc id",
        "document id",
        "postmortem",
        "post mortem id",
        "ref",
        "reference",
        "incident ref",
        "incident reference",
        "incident number",
        "incident no",
        "review id",
        "pir id",
        "report id",
        "ticket",
        "problem id",
        "problem number",
    ),
    "title": ("title", "name", "incident", "incident title", "subject", "headline"),
    "services": (
        "service",
        "services",
        "affected service",
        "affected services",
        "system",
        "systems",
        "affected systems",
        "component",
        "components",
        "application",
        "applications",
        "product",
        "products",
    ),
    "team": ("team", "owning team", "owner team", "responsible team", "squad", "org", "group"),
    "severity": ("severity", "sev", "severity level", "incident severity", "impact level"),
    "date": (
        "date",
        "incident date",
        "start date",
        "started",
        "start",
        "occurred",
        "occurred on",
        "date of incident",
        "when",
        "detected on",
        "incident start",
        "start time",
        "started at",
    ),
    "summary": ("summary", "description", "overview", "tldr", "tl dr", "abstract"),
    "customers_affected": (
        "customers affected",
        "affected customers",
        "users affected",
        "affected users",
        "impacted customers",
        "impacted users",
        "customers impacted",
        "users impacted",
        "affected teams",
        "teams affected",
        "accounts affected",
        "affected accounts",
    ),
    "requests_failed_pct": (
        "requests failed pct",
        "requests failed",
        "failed requests",
        "error rate",
        "requests failed percent",
        "failure rate",
    ),
    "duration": (
        "duration",
        "duration minutes",
        "impact duration",
        "outage duration",
        "total duration",
        "length",
        "downtime",
        "total impact duration",
    ),
    "time_to_detect": (
        "time to detect",
        "time to detection",
        "ttd",
        "mttd",
        "detection time",
        "time to detect minutes",
        "detection delay",
        "time to discover",
        "detected after",
        "time to detection minutes",
    ),
    "time_to_mitigate": (
        "time to mitigate",
        "time to mitigation",
        "ttm",
        "mttm",
        "mitigation time",
        "time to mitigate minutes",
        "time to contain",
        "time to mitigation minutes",
    ),
    "time_to_resolve": (
        "time to resolve",
        "time to resolution",
        "time to recovery",
        "time to recover",
        "time to restore",
        "ttr",
        "mttr",
        "resolution time",
        "recovery time",
        "time to resolve minutes",
        "time to fix",
        "time to recovery minutes",
        "time to resolution minutes",
    ),
    "related": (
        "related",
        "related coes",
        "related items",
        "related incidents",
        "see also",
        "links",
        "previous incidents",
        "similar incidents",
        "related ids",
    ),
    "status": ("status", "state", "document status"),
    "timezone": ("timezone", "time zone", "tz", "all times in"),
}
_IGNORED = (
    "category",
    "author",
    "authors",
    "attendees",
    "reviewer",
    "reviewers",
    "owner",
    "incident lead",
    "lead",
    "tags",
    "labels",
    "type",
    "version",
    "created",
    "updated",
    "last updated",
    "internal post mortem",
    "editor",
    "approver",
    "bar raiser",
    "facilitator",
    "participants",
)

_KEY_NORM = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=4096)
def norm_key(key: str) -> str:
    """Lower-case a field name and drop separators: ``"Root-Cause"`` -> ``"rootcause"``."""
    return _KEY_NORM.sub("", _camel_spaced(key).lower())


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _camel_spaced(key: str) -> str:
    return _CAMEL.sub(" ", key)


FIELD_OF: dict[str, str] = {norm_key(a): field for field, al in _ALIASES.items() for a in al}
IGNORED_KEYS: frozenset[str] = frozenset(norm_key(k) for k in _IGNORED)

_KV = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?(?P<key>[A-Za-z][A-Za-z0-9 ()/&'_\-]{0,40}?)\s*"
    r"(?::(?:\*\*|__)|(?:\*\*|__)\s*:|:)\s*(?P<value>.*?)\s*$"
)


# Metadata lines ("Severity: Sev2", "Time to detect: 21 minutes") recur across documents and
# every section's lines are read for them; the result depends on the text only.
@functools.lru_cache(maxsize=32768)
def split_key_value(text: str) -> tuple[str, str] | None:
    """``(key, value)`` from a ``Key: value``, ``**Key:** value`` or ``- Key: value`` line.

    Examples
    --------
    >>> split_key_value("**Time to detection:** 8 minutes")
    ('Time to detection', '8 minutes')
    >>> split_key_value("- Severity: SEV-2")
    ('Severity', 'SEV-2')
    """
    m = _KV.match(text)
    if not m:
        return None
    key = m.group("key").strip().strip("*_").strip()
    value = clean_inline(m.group("value").strip().strip("*_").strip())
    return key, value


def field_for(key: str) -> str | None:
    """The record field a metadata key maps to (``None`` when unknown or ignored)."""
    return FIELD_OF.get(norm_key(key))


_META_SEP = re.compile(r"\s+[·•|]\s+|;\s+")
_DASH_SEP = re.compile(r"\s+[-–—]\s+")
# a colon after a word ("Owner: ..."), not inside a time ("14:05")
_KEY_COLON = re.compile(r"[A-Za-z*_)]:\s")
_SEP_CHARS = ("·", "•", " | ", "; ", " - ", " – ", " — ")


def split_meta_line(text: str) -> list[str] | None:
    """The segments of metadata written on one line with separators, or None.

    ``·``, ``•``, ``|`` and ``;`` separate segments when at least two are ``Key: value``
    with a known key, or when the line is three or more short segments (a byline such as
    "Edge · incident EDGE-7 · 2025-01-02 · SEV2"). `` - `` separates only where every segment
    is a known ``Key: value``, since a dash is common inside values.

    Examples
    --------
    >>> split_meta_line("**Ticket:** MSG-7 · **Date:** 2025-02-14 · **Team:** Messaging")
    ['Ticket: MSG-7', 'Date: 2025-02-14', 'Team: Messaging']
    >>> split_meta_line("We rolled back; errors stopped.") is None
    True
    """
    # ";" and " - " split only lines with two or more keys; most prose lines have neither
    if (
        "·" not in text
        and "•" not in text
        and "|" not in text
        and (text.count(": ") < 2 or len(_KEY_COLON.findall(text)) < 2)
    ):
        return None
    parts = _meta_segments(text)
    return list(parts) if parts is not None else None


# Metadata lines repeat across documents and a header line is read both for its keys and its
# byline; the result depends on the text only (a tuple, so that no caller can change it).
@functools.lru_cache(maxsize=16384)
def _meta_segments(text: str) -> tuple[str, ...] | None:
    if not any(sep in text for sep in _SEP_CHARS) or text.lstrip().startswith("|"):
        return None
    clean = clean_inline(text).strip(" *_")
    parts = [p.strip(" *_") for p in _META_SEP.split(clean)]
    parts = [p for p in parts if p]
    if len(parts) >= 2:
        keyed = sum(_known_pair(p) for p in parts)
        short = sum(len(p.split()) <= 6 for p in parts)
        if keyed >= 2 or (len(parts) >= 3 and short * 2 > len(parts)):
            return tuple(parts)
    parts = [p.strip(" *_") for p in _DASH_SEP.split(clean) if p.strip(" *_")]
    if len(parts) >= 2 and all(_known_pair(p) for p in parts):
        return tuple(parts)
    return None


def _known_pair(segment: str) -> bool:
    kv = split_key_value(segment)
    return kv is not None and field_for(kv[0]) is not None


def read_key_values(lines: list[Line]) -> list[tuple[int, str, str, str]]:
    """``(line_no, field, key, value)`` for each line whose key is a known field; a line of
    several ``Key: value`` segments (:func:`split_meta_line`) gives one per segment."""
    out: list[tuple[int, str, str, str]] = []
    for line in lines:
        text = line.text
        if ":" not in text:
            continue
        segments = split_meta_line(text)
        if segments is not None:
            for seg in segments:
                kv = split_key_value(seg)
                field = field_for(kv[0]) if kv is not None else None
                if kv is not None and field is not None:
                    out.append((line.no, field, kv[0], kv[1]))
            continue
        # a key line starts with a letter, a bullet or emphasis (see _KV); time stamps don't
        first = text.lstrip()[:1]
        if first not in "-*+_" and not (first.isascii() and first.isalpha()):
            continue
        kv = split_key_value(text)
        if kv is None:
            continue
        field = field_for(kv[0])
        if field is not None:
            out.append((line.no, field, kv[0], kv[1]))
    return out


def split_front_matter(
    lines: list[Line], path: str, repairs: list[int] | None = None
) -> tuple[dict[str, Any], list[Line]]:
    """Remove a YAML front matter block (``---`` ... ``---``) and return it parsed.

    ``repairs``, when given, receives how many of its strings had lone surrogates replaced
    (:mod:`analytics.parsers.reading`).

    Raises
    ------
    ParseError
        When the block is never closed, is not valid YAML, or is not a mapping.
    """
    if not lines or lines[0].text.strip() != "---":
        return {}, lines
    end = None
    for idx in range(1, len(lines)):
        if lines[idx].text.strip() in ("---", "..."):
            end = idx
            break
    if end is None:
        raise ParseError(path, lines[0].no, "front matter opened here is never closed with '---'")
    block = "\n".join(line.text for line in lines[1:end])
    try:
        docs, repaired = (
            load_yaml_documents(block, path, lines[0].no + 1, "YAML in front matter")
            if block.strip()
            else ([{}], 0)
        )
    except ParseError as exc:
        # an error found at the end of the block belongs to its last line, not the closing ---
        line = min(exc.line or lines[0].no, lines[end - 1].no)
        raise ParseError(path, line, exc.reason.replace("malformed ", "invalid ", 1)) from None
    if len(docs) > 1:
        raise ParseError(path, lines[0].no, "front matter holds more than one YAML document")
    data = docs[0] if docs else None
    if repairs is not None and repaired:
        repairs.append(repaired)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParseError(path, lines[0].no, "front matter is not a mapping of keys to values")
    return data, lines[end + 1 :]
