"""JSON, YAML, JSONL and CSV COEs: mappings whose keys map onto the record through aliases.

Keys are compared after lower-casing and dropping separators, so ``rootCause``, ``root_cause``
and ``Root cause`` are one key. Text-valued list fields (a CSV cell, a YAML block string) are
read with the same list, why and action parsers as markdown.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import PurePath
from typing import Any

from analytics.normalize import (
    normalize_priority,
    normalize_services,
    normalize_severity,
    normalize_status,
    parse_count,
    parse_date,
    parse_duration_minutes,
    parse_percent,
    split_list,
)
from analytics.parsers.actions import action_from_text
from analytics.parsers.blocks import Line, clean_inline
from analytics.parsers.document import (
    _CUSTOMERS,
    _PERCENT,
    ID_PATTERN,
    _year_in,
    document_id,
    find_incident_duration,
)
from analytics.parsers.errors import ParseError
from analytics.parsers.invalid import note_if_invalid, value_note
from analytics.parsers.mapping import normalise_export
from analytics.parsers.metadata import FIELD_OF, norm_key
from analytics.parsers.reading import load_json, load_yaml_documents, try_json, with_repair_warning
from analytics.parsers.timeline import TimeContext, incident_date_of, leading_time
from analytics.parsers.whys import parse_whys
from analytics.record import COE, Action, Impact, Metrics, Source, TimelineEvent, Why

_EXTRA: dict[str, tuple[str, ...]] = {
    "whys": (
        "whys",
        "five whys",
        "5 whys",
        "why chain",
        "why",
        "five_whys",
        "why analysis",
        "whys chain",
    ),
    "root_causes": (
        "root cause",
        "root causes",
        "root_cause",
        "cause",
        "causes",
        "root cause statement",
        "contributing factors",
        "rca",
    ),
    "actions": (
        "actions",
        "action items",
        "action_items",
        "action",
        "follow ups",
        "followups",
        "remediation",
        "remediations",
        "next steps",
        "tasks",
        "corrective actions",
    ),
    "timeline": ("timeline", "events", "chronology"),
    "impact": ("impact", "customer impact", "impact summary"),
    "metrics": ("metrics", "stats", "statistics"),
    "lessons": ("lessons", "lessons learned", "learnings"),
    "_ignored": (
        "source",
        "warnings",
        "raw",
        "raw text",
        "labels",
        "attendees",
        "authors",
        "author",
        "category",
        "tags",
        "owner",
        "created",
        "updated",
        "lessons",
    ),
}
FIELDS: dict[str, str] = dict(FIELD_OF)
for _field, _aliases in _EXTRA.items():
    for _alias in _aliases:
        FIELDS[norm_key(_alias)] = "_ignored" if _field == "lessons" else _field
_CONTENT = {"title", "summary", "whys", "root_causes", "actions", "impact", "timeline"}
_WRAPPERS = ("coes", "items", "records", "incidents", "postmortems", "documents", "data")
_NUMBERED = re.compile(r"(?:^|\s)(?=\d{1,2}[.)]\s)")


def _text_items(value: str) -> list[str]:
    """Items of a text cell: JSON list, lines, " | " or ";" separated, or "1. a 2. b"."""
    value = value.strip()
    if not value:
        return []
    if value.startswith("["):
        data = try_json(value)
        if isinstance(data, list):
            return [json.dumps(v) if isinstance(v, dict) else str(v) for v in data]
    if "\n" in value:
        # one item a line: a ";" or "|" inside a line belongs to that item ("(owner: X; due D)")
        parts = value.splitlines()
    elif len(_NUMBERED.findall(value)) >= 2:
        parts = _NUMBERED.split(value)
    elif " | " in value or ";" in value:
        parts = _split_outside_brackets(value)
    else:
        parts = [value]
    return [p.strip().rstrip(";").strip() for p in parts if p.strip().rstrip(";").strip()]


def _split_outside_brackets(value: str) -> list[str]:
    """Split at " | " and ";" that are not inside (...) or [...]."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(value):
        ch = value[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and (ch == ";" or value.startswith(" | ", i)):
            parts.append(value[start:i])
            i += 1 if ch == ";" else 3
            start = i
            continue
        i += 1
    parts.append(value[start:])
    return parts


def _as_items(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return _text_items(str(value))


def _pick(d: dict[str, Any], *names: str) -> Any:
    # each key is normalised once, not once per name
    keyed = [(norm_key(str(key)), value) for key, value in d.items()]
    for name in names:
        want = norm_key(name)
        for key, value in keyed:
            if key == want and value not in (None, ""):
                return value
    return None


def _whys(value: Any, where: str, warnings: list[str]) -> list[Why]:
    items = _as_items(value)
    if not items:
        return []
    if all(isinstance(it, dict) for it in items):
        out: list[Why] = []
        for idx, it in enumerate(items):
            ident = str(_pick(it, "id", "n", "step", "level") or idx + 1)
            has_parent = any(norm_key(str(k)) == "parent" for k in it)
            parent = _pick(it, "parent", "parent_id")
            if not has_parent:
                parent = out[-1].id if out else None
            question = _pick(it, "question", "q", "why")
            answer = _pick(it, "answer", "a", "because", "reason", "cause")
            if answer is None and question is None:
                warnings.append(f"{where}why {idx + 1} has neither question nor answer")
                continue
            out.append(
                Why(
                    id=ident,
                    parent=str(parent) if parent not in (None, "") else None,
                    question=str(question) if question else None,
                    answer=str(answer or ""),
                )
            )
        return out
    lines = []
    for idx, it in enumerate(items):
        text = str(it).strip()
        if re.match(
            r"^(?:\*\*)?\s*(?:why|q|question)\s*\d{1,2}[a-z]?\b(?![:.,]\d|\s*\?)", text, re.I
        ) or re.match(r"^\d{1,2}[a-z]?[.)]\s", text):
            lines.append(Line(idx + 1, text))
        else:
            lines.append(Line(idx + 1, f"{idx + 1}. {text}"))
    local: list[str] = []
    whys = parse_whys(lines, local)
    warnings.extend(f"{where}whys: {w.split(': ', 1)[-1]}" for w in local)
    return whys


def _actions(
    value: Any, where: str, warnings: list[str], incident_date: str | None = None
) -> list[Action]:
    out = []
    for it in _as_items(value):
        if isinstance(it, str) and it.startswith("{"):
            # a JSON object in a CSV cell; an unparsable one is read as plain text below
            parsed = try_json(it)
            it = parsed if isinstance(parsed, dict) else it
        if isinstance(it, dict):
            title = _pick(it, "title", "action", "item", "task", "description", "text", "what")
            if title is None:
                warnings.append(
                    f"{where}action without a title, ignored: {json.dumps(it, default=str)[:80]}"
                )
                continue
            base = action_from_text(str(title), incident_date=incident_date)
            due_v = _pick(it, "due", "due_date", "eta", "deadline", "target", "by")
            due = parse_date(due_v) if due_v is not None else None
            if due_v is not None and due is None:
                warnings.append(value_note(where, "due date", due_v))
            out.append(
                Action(
                    id=str(_pick(it, "id", "ticket", "key", "ref") or base.id or "") or None,
                    title=base.title,
                    priority=normalize_priority(_pick(it, "priority", "pri", "prio"))
                    or base.priority,
                    owner=str(
                        _pick(it, "owner", "assignee", "who", "team", "assigned_to")
                        or base.owner
                        or ""
                    )
                    or None,
                    due=due or base.due,
                    status=normalize_status(_pick(it, "status", "state")) or base.status,
                )
            )
        else:
            text = re.sub(r"^\s*(?:[-*+]|\d{1,2}[.)])\s+", "", str(it))
            checked = None
            m = re.match(r"^\[([ xX]?)\]\s*", text)
            if m:
                checked = m.group(1) not in ("", " ")
                text = text[m.end() :]
            action = action_from_text(text, checked, incident_date=incident_date)
            if action.title:
                out.append(action)
    return out


def _timeline(
    value: Any, incident_date: str | None, where: str, warnings: list[str]
) -> list[TimelineEvent]:
    ctx = TimeContext(
        incident_date=incident_date, default_year=int(incident_date[:4]) if incident_date else None
    )
    out = []
    for it in _as_items(value):
        if isinstance(it, dict):
            at_v = _pick(it, "at", "time", "timestamp", "when", "date", "datetime")
            event = _pick(it, "event", "description", "text", "what", "summary", "message")
            at = None
            if at_v is not None:
                found, at, _ = leading_time(str(at_v), ctx)
                if not found:
                    warnings.append(f"{where}timeline time '{at_v}' not understood")
            out.append(TimelineEvent(at=at, event=clean_inline(str(event or ""))))
        else:
            text = re.sub(r"^\s*[-*+]\s+", "", str(it))
            found, at, rest = leading_time(clean_inline(text), ctx)
            out.append(TimelineEvent(at=at, event=rest if found and at else clean_inline(text)))
    return out


def _minutes(value: Any, what: str, where: str, warnings: list[str]) -> float | None:
    if value in (None, ""):
        return None
    minutes = parse_duration_minutes(value)
    if minutes is None and str(value).strip().lower() not in ("?", "n/a", "unknown", "tbd", "-"):
        warnings.append(value_note(where, what, value))
    return minutes


def coe_from_mapping(
    data: dict[str, Any],
    path: str,
    fmt: str,
    sha256: str,
    where: str = "",
    index: int | None = None,
    mapping: dict[str, str] | None = None,
    explain: list[dict[str, Any]] | None = None,
) -> COE:
    """A COE record from one mapping (a JSON/YAML document, a JSONL line or a CSV row).

    ``where`` prefixes warnings ("line 4: "); ``index`` (1-based) distinguishes the derived id
    of several records from one file; ``mapping`` is a user's ``{"path.or.key": field}``
    for a tool's own field names (:mod:`analytics.parsers.mapping`); ``explain``, when given,
    receives one row per source key saying which record field it went to, or why none.
    """
    fields: dict[str, Any] = {}
    warnings: list[str] = []
    nested_metrics: dict[str, Any] = {}
    data, explained = normalise_export(data, FIELDS, mapping)
    warnings.extend(
        f"{where}field '{key}' not recognised, ignored" for key, to in explained if to == "ignored"
    )
    for key, value in data.items():
        if key is None:
            # a row longer than its header: its last cells belong to no field and are lost
            warnings.append(
                f"{where}invalid row: extra cells without a column header, ignored: {value}"
            )
            continue
        field = FIELDS.get(norm_key(str(key)))
        if field is None:
            warnings.append(f"{where}field '{key}' not recognised, ignored")
            continue
        if field == "_ignored" or value in (None, "", [], {}):
            continue
        if field == "metrics" and isinstance(value, dict):
            for mk, mv in value.items():
                mf = FIELDS.get(norm_key(str(mk)))
                if mf and mf.startswith("time_to"):
                    nested_metrics.setdefault(mf, mv)
                else:
                    warnings.append(f"{where}metrics field '{mk}' not recognised, ignored")
            continue
        fields.setdefault(field, value)
    if not (_CONTENT & fields.keys()):
        line = int(where.split()[1].rstrip(":")) if where.startswith("line ") else None
        raise ParseError(
            path,
            line,
            "no recognisable COE fields (expected some of title, summary, whys, root_causes, "
            "actions, impact, timeline)",
        )

    impact_v = fields.get("impact")
    impact_d: dict[str, Any] = impact_v if isinstance(impact_v, dict) else {}
    summary = (
        str(_pick(impact_d, "summary", "description", "text") or "")
        if impact_d
        else str(impact_v or "")
    )
    if not summary:
        summary = str(fields.get("summary") or "")
    search = f"{summary}\n{fields.get('summary') or ''}"

    title = clean_inline(str(fields.get("title") or ""))
    stem = PurePath(path).stem
    derived = f"{stem}-{index}" if index is not None else path
    coe_id = document_id(fields.get("id"), title, derived)
    if explain is not None:
        explain.extend({"record": coe_id, "source": k, "to": to} for k, to in explained)
    date_v = fields.get("date")
    incident_date = parse_date(date_v) if date_v is not None else None
    if date_v is not None and incident_date is None:
        warnings.append(value_note(where, "date", date_v))

    duration = _minutes(
        _pick(impact_d, "duration_minutes", "duration") if impact_d else None,
        "duration",
        where,
        warnings,
    )
    if duration is None:
        duration = _minutes(fields.get("duration"), "duration", where, warnings)
    if duration is None:
        duration = find_incident_duration(search)
    customers_v = (
        _pick(impact_d, "customers_affected", "customers") if impact_d else None
    ) or fields.get("customers_affected")
    customers = parse_count(customers_v)
    if customers is None:
        note_if_invalid(where, "customers affected", customers_v, warnings)
    if customers is None and (m := _CUSTOMERS.search(search)):
        customers = parse_count(m.group("n"))
        if customers is None:  # "1111...(400 digits) customers": past what a count holds
            note_if_invalid(where, "customers affected", m.group("n"), warnings)
    pct_v = (
        _pick(impact_d, "requests_failed_pct", "error_rate") if impact_d else None
    ) or fields.get("requests_failed_pct")
    pct = parse_percent(pct_v)
    if pct is None:
        note_if_invalid(where, "failed requests %", pct_v, warnings)
    if pct is None and (m := _PERCENT.search(search)):
        pct = float(m.group("p") or m.group("q"))

    whys = _whys(fields.get("whys"), where, warnings)
    root_causes = [clean_inline(str(r)) for r in _as_items(fields.get("root_causes"))]
    if not root_causes and whys:
        parents = {w.parent for w in whys}
        root_causes = [w.answer for w in whys if w.id not in parents and w.answer]

    def metric(name: str, label: str) -> float | None:
        return _minutes(nested_metrics.get(name, fields.get(name)), label, where, warnings)

    related = []
    for item in split_list(fields.get("related")):
        related.extend(ID_PATTERN.findall(item) or [item.strip()])
    severity_v = fields.get("severity")
    timeline = tuple(_timeline(fields.get("timeline"), incident_date, where, warnings))
    if incident_date is None:
        # no date field: the timeline's entries near the incident, as for documents
        incident_date = incident_date_of(timeline, _year_in(path))
    return COE(
        id=coe_id,
        title=title or coe_id,
        services=normalize_services(fields.get("services")),
        team=str(fields["team"]).strip().lstrip("@") if fields.get("team") else None,
        severity=normalize_severity(severity_v) if severity_v not in (None, "") else None,
        date=incident_date,
        impact=Impact(
            summary=clean_inline(summary),
            duration_minutes=duration,
            customers_affected=customers,
            requests_failed_pct=pct,
        ),
        timeline=timeline,
        metrics=Metrics(
            time_to_detect_minutes=metric("time_to_detect", "time to detect"),
            time_to_mitigate_minutes=metric("time_to_mitigate", "time to mitigate"),
            time_to_resolve_minutes=metric("time_to_resolve", "time to resolve"),
        ),
        whys=tuple(whys),
        root_causes=tuple(dict.fromkeys(r for r in root_causes if r)),
        actions=tuple(_actions(fields.get("actions"), where, warnings, incident_date)),
        related=tuple(dict.fromkeys(r for r in related if r and r != coe_id)),
        source=Source(path=str(path), format=fmt, sha256=sha256),
        warnings=tuple(warnings),
    )


def _records(
    data: Any, path: str, fmt: str, sha256: str, mapping: Any = None, explain: Any = None
) -> list[COE]:
    if isinstance(data, dict):
        keys = {FIELDS.get(norm_key(str(k))) for k in data}
        if not (_CONTENT & keys) and not _maps_any(mapping, data):
            for wrapper in _WRAPPERS:
                inner = _pick(data, wrapper)
                if isinstance(inner, list):
                    return _records(inner, path, fmt, sha256, mapping, explain)
        return [coe_from_mapping(data, path, fmt, sha256, mapping=mapping, explain=explain)]
    if isinstance(data, list) and data:
        out = []
        for idx, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                raise ParseError(
                    path, None, f"element {idx} of the top-level list is not an object"
                )
            out.append(
                coe_from_mapping(
                    item,
                    path,
                    fmt,
                    sha256,
                    f"record {idx}: ",
                    idx if len(data) > 1 else None,
                    mapping,
                    explain,
                )
            )
        return out
    raise ParseError(path, None, "expected an object (one COE) or a list of objects")


def _maps_any(mapping: dict[str, str] | None, data: dict[str, Any]) -> bool:
    """Whether a user's mapping names one of the top-level keys (or a path under one)."""
    if not mapping:
        return False
    tops = {norm_key(str(k)) for k in data}
    return any(norm_key(key.split(".", 1)[0]) in tops for key in mapping)


def parse_json(text: str, path: str, sha256: str, **options: Any) -> list[COE]:
    """A JSON document: one COE object, a list of them, or ``{"coes": [...]}``.

    ``options`` (here and in the other structured parsers): ``mapping``, a user's
    ``{"path.or.key": field}``, and ``explain``, a list receiving where each key went
    (:func:`coe_from_mapping`).
    """
    data, repaired = load_json(text, path)
    return with_repair_warning(_records(data, path, "json", sha256, **options), repaired)


def parse_yaml(text: str, path: str, sha256: str, **options: Any) -> list[COE]:
    """A YAML document (or several separated by ``---``), each one COE or a list of them."""
    loaded, repaired = load_yaml_documents(text, path)
    docs = [d for d in loaded if d is not None]
    if not docs:
        raise ParseError(path, None, "YAML document holds no data")
    out: list[COE] = []
    for doc in docs:
        out.extend(_records(doc, path, "yaml", sha256, **options))
    return with_repair_warning(out, repaired)


def parse_jsonl(text: str, path: str, sha256: str, **options: Any) -> list[COE]:
    """JSON Lines: one COE object per non-empty line."""
    out = []
    lines = text.splitlines()
    count = sum(1 for ln in lines if ln.strip())
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        data, repaired = load_json(line, path, no)
        if not isinstance(data, dict):
            raise ParseError(path, no, "each JSON Lines row must be an object")
        coe = coe_from_mapping(
            data, path, "jsonl", sha256, f"line {no}: ", no if count > 1 else None, **options
        )
        out.extend(with_repair_warning([coe], repaired))
    return out


def parse_csv(
    text: str, path: str, sha256: str, delimiter: str | None = None, **options: Any
) -> list[COE]:
    """CSV with a header row and one COE per row (trackers' exports)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if delimiter is None:
        delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ParseError(path, 1, "CSV file has no header row") from None
    except csv.Error as exc:
        raise ParseError(path, reader.line_num, f"malformed CSV: {exc}") from None
    header = [h.strip() for h in header]
    mapped = {FIELDS.get(norm_key(h)) for h in header}
    if not (_CONTENT & mapped) and not _maps_any(options.get("mapping"), dict.fromkeys(header)):
        raise ParseError(
            path,
            1,
            "CSV header has no COE columns (expected some of id, title, summary, whys, "
            f"root cause, actions); got: {', '.join(header[:8])}",
        )
    out = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ParseError(path, reader.line_num, f"malformed CSV: {exc}") from None
        if not any(cell.strip() for cell in row):
            continue
        data: dict[Any, Any] = dict(zip(header, row, strict=False))
        if len(row) > len(header):
            data[None] = row[len(header) :]
        where = f"line {start}: "
        try:
            out.append(coe_from_mapping(data, path, "csv", sha256, where, len(out) + 1, **options))
        except ParseError:
            raise ParseError(
                path,
                start,
                "row has no COE content (title, summary, whys, root cause or actions are all empty)",
            ) from None
    if not out:
        raise ParseError(path, 2, "CSV file has a header but no rows")
    return out


__all__ = ["coe_from_mapping", "parse_csv", "parse_json", "parse_jsonl", "parse_yaml"]
