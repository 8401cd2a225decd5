"""Assemble a COE record from a split markdown/plain-text document.

Precedence for a metadata field: front matter, then ``Key: value`` lines in the preamble and in
metadata/summary/impact/metrics sections, then what the title, file name or prose say.
"""

from __future__ import annotations

import os
import re
from typing import Any

from analytics.normalize import (
    find_date,
    normalize_services,
    normalize_severity,
    parse_count,
    parse_date,
    parse_duration_minutes,
    parse_percent,
    split_list,
)
from analytics.parsers import sections as S
from analytics.parsers.actions import parse_actions
from analytics.parsers.blocks import Line, clean_inline, find_tables, item_text, parse_items
from analytics.parsers.errors import ParseError
from analytics.parsers.extensions import EXTENSIONS
from analytics.parsers.invalid import note_if_invalid, value_note
from analytics.parsers.markdown import Document, Section
from analytics.parsers.metadata import (
    IGNORED_KEYS,
    field_for,
    norm_key,
    read_key_values,
    split_key_value,
    split_meta_line,
)
from analytics.parsers.prose import prose_causes
from analytics.parsers.timeline import (
    TimeContext,
    incident_date_of,
    parse_timeline,
    stamped_lines,
    zone_in,
)
from analytics.parsers.whys import leaf_answers, looks_like_whys, parse_whys, walks_in_prose
from analytics.record import COE, Action, Impact, Metrics, Source, TimelineEvent, Why

# An id a document gives itself or cites: COE-2024-0012, PM2021-005, INC-1234, PIR-22, and
# team-prefixed ones such as MSG-COE-2025-02 or FINPLAT-PIR-0087 (the prefixes come first, so
# that an id is never cut after its team's prefix).
ID_PATTERN = re.compile(
    r"\b(?:[A-Z][A-Z0-9]{1,9}(?:-[A-Z][A-Z0-9]{1,9}){1,2}-\d{2,7}(?:-\d{1,6})?"
    r"|[A-Z]{2,6}[-_]?\d{4}[-_]\d{1,6}|[A-Z]{2,6}-\d{2,7}|(?:COE|PM|PIR|INC)\d{2,7})\b"
)
# a value that is an id and nothing else ("Incident: WHS-INC-0932", "Ref: PRB0041237")
ID_VALUE = re.compile(r"^(?:" + ID_PATTERN.pattern + r"|[A-Z]{2,6}\d{5,10})$")
# \b(?:COE|PM|PIR|INC|PMR|POSTMORTEM)..., written so that every branch starts with its letter
# and checks the word boundary behind it: the regex engine then skips ahead to a C, P or I
# instead of trying each branch at every position of the whole document (4x faster).
_STRICT_REF = re.compile(
    r"(?:C(?<!\wC)OE|P(?<!\wP)M|P(?<!\wP)IR|I(?<!\wI)NC|P(?<!\wP)MR|P(?<!\wP)OSTMORTEM)"
    r"[-_]?\d{2,4}(?:[-_]\d{1,6})?\b"
)
_NOT_IDS = re.compile(r"^(?:SEV|UTC|GMT|ISO|RFC|CVE|HTTP|TLS|SHA|AES|RSA|EC|P|S)[-_]?\d", re.I)
_NA = {"", "?", "n/a", "na", "none", "unknown", "tbd", "-", "—", "n.a.", "tba", "yyy", "zzz", "xxx"}

# A duration counts as the incident's when words such as "lasting" or "for" lead up to it;
# matching the number first keeps the search linear on long prose. Here and in _CUSTOMERS the
# pattern opens with a digit and checks what precedes it behind that digit, so that the regex
# engine can skip ahead to the next digit instead of trying the pattern at every position.
_DURATION_SPAN = re.compile(
    r"(?P<d>\d(?<![\w.]\d)\d*(?:\.\d+)?[ \t]*(?:weeks?|days?|hours?|hrs?|h|minutes?|mins?|m)\b"
    r"(?:[ \t]*(?:,|and)?[ \t]*\d+(?:\.\d+)?[ \t]*(?:hours?|hrs?|h|minutes?|mins?|m|seconds?|"
    r"secs?|s)\b)*)",
    re.I,
)
_DURATION_LEAD = re.compile(
    r"\b(?:lasting|lasted|last(?:ed)? for|for|over|duration(?: of)?|outage of|down for|"
    r"degraded for|impact(?:ed)? for)\s*:?\s*(?:about|approximately|around|roughly|~|nearly|"
    r"almost|just over|over|more than)?\s*[(~]?$",
    re.I,
)


def find_incident_duration(text: str) -> float | None:
    """Minutes of the first duration introduced by "lasting", "for", "duration" ... in prose.

    Examples
    --------
    >>> find_incident_duration("flags went down for about 3 hours, from 15:30 to 18:10 UTC")
    180.0
    """
    for m in _DURATION_SPAN.finditer(text):
        if _DURATION_LEAD.search(text[max(0, m.start() - 40) : m.start()]):
            return parse_duration_minutes(m.group("d"))
    return None


_CUSTOMERS = re.compile(
    r"(?P<n>\d(?<![\d:.,]\d)[\d,.]*[ \t]*(?:k|m|thousand|million)?)\+?[ \t]+"
    r"(?:[a-z-]+[ \t]+){0,2}?"
    r"(?:customers?|users?|"
    r"teams?|accounts?|tenants?|organi[sz]ations?|orgs?|clients?|merchants?|sellers?|"
    r"businesses|subscribers?|projects?)\b",
    re.I,
)
_PERCENT = re.compile(
    r"(?P<p>\d+(?:\.\d+)?)\s*%\s+(?:of\s+(?:[\w/-]+\s+){0,5}?(?:requests?|calls?|traffic|queries|"
    r"transactions|evaluations|api calls|page loads|checkouts)|error rate|(?:of\s+)?requests?\s+"
    r"failed)|error rate (?:of|was|reached|peaked at)\s+(?P<q>\d+(?:\.\d+)?)\s*%",
    re.I,
)
_NARROW_META = {
    "id",
    "title",
    "services",
    "team",
    "severity",
    "date",
    "related",
    "status",
    "summary",
    "timezone",
}
_META_KINDS = {None, S.METADATA, S.SUMMARY, S.IMPACT, S.METRICS, S.NARRATIVE, S.QUESTIONS}
_INCIDENT_WORDS = re.compile(
    r"\b(?:incident|outage|post-?mortem|root cause|went down|downtime|degrad\w*|fail\w*|"
    r"errors?|impact\w*|customers?|disruption|unavailable)\b",
    re.I,
)
# An id opening a file name ("PM2022-009_-_Bad_AMI.md"), ending where a word boundary does: an
# id-like start of a longer token ("danluu-0712be3e4b") is no id, and the stem is kept whole.
_FILE_ID = re.compile(
    r"^(?:[A-Za-z]{2,6}[-_]?\d{4}[-_]\d{1,6}|[A-Za-z]{2,6}-\d{2,7})(?=$|[\s_.]|-[A-Za-z_])"
)


_BULLET_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_FOOTNOTE = re.compile(r"\[\^?\w+\]")
_LINE_NO = re.compile(r"line (\d+)")


# sections whose running text may state the cause (not timelines, actions or lessons)
# sections whose dated lines are due dates, why steps or metadata, not events
_NOT_TIMELINE_KINDS = frozenset({S.ACTIONS, S.WHYS, S.RELATED, S.METADATA, S.METRICS})
_NARRATIVE_KINDS = frozenset({None, S.SUMMARY, S.NARRATIVE, S.ROOT_CAUSE, S.CONTRIBUTING})


def statements(lines: list[Line]) -> list[str]:
    """Each top-level bullet or paragraph of a section as one statement."""
    tables, rest = find_tables(lines)
    roots, paragraphs = parse_items(rest)
    blocks = sorted([*roots, *paragraphs], key=lambda it: it.no)
    out: list[str] = []
    for block in blocks:
        text = item_text(block)
        if not text or text.endswith(":") or text.startswith("!") or len(text) < 3:
            continue
        out.append(text)
    for table in tables:
        for _, cells in table.rows:
            text = " — ".join(clean_inline(c) for c in cells if clean_inline(c))
            if text:
                out.append(text)
    return out


def section_text(lines: list[Line]) -> str:
    """A section's prose with markup stripped, one line per source line."""
    out = []
    for line in lines:
        text = clean_inline(_BULLET_MARK.sub("", line.text))
        if text and not set(text) <= set("|-: "):
            out.append(text)
    return "\n".join(out)


def _default_status(section: Section) -> str | None:
    for _, heading in reversed(section.subheadings):
        low = heading.lower()
        if "complete" in low or "(done" in low or "done)" in low:
            return "done"
        if "in progress" in low or "in-progress" in low or "ongoing" in low:
            return "in-progress"
        if "planned" in low:
            return "open"
    return None


def document_id(meta_id: Any, title: str, path: str) -> str:
    """The document's own id: metadata, else an id at the start of the title or file name,
    else the file name stem."""
    if meta_id not in (None, ""):
        return str(meta_id).strip()
    found = title_id(title)
    if found:
        return found
    stem, suffix = os.path.splitext(os.path.basename(path))
    if suffix.lower() not in EXTENSIONS:
        stem += suffix  # "Outage on Friday.v2": the dot belongs to the name
    m = _FILE_ID.match(stem)
    if m and not _NOT_IDS.match(m.group(0)):
        return m.group(0)
    return stem or "unknown"


def title_id(title: str) -> str | None:
    """An id near the start of a title ("COE-2025-014: Payments outage")."""
    m = ID_PATTERN.search(title[:60]) if title else None
    if m and not _NOT_IDS.match(m.group(0)) and m.start() < 20:
        return m.group(0)
    return None


# What introduces a document's own id on a line of its header: "INCIDENT REPORT - INC-7734",
# "Developer Productivity -- DP-IR-2025-022", "[INCIDENT REPORT] FP-INC-2024-0419".
_ID_LEAD = re.compile(
    r"(?:\b(?:incident|report|review|post-?mortem|pir|coe|problem|ref|reference|ticket|id|no)"
    r"|--|[—–·\]#])\W{0,3}$",
    re.I,
)


def _preamble_id(preamble: list[Line]) -> str | None:
    """The id a document's header lines give it, where no metadata key names it."""
    seen = 0
    for line in preamble:
        text = line.text.strip()
        if not text:
            continue
        seen += 1
        if seen > 12:
            break
        if len(text) > 120:
            continue
        for m in ID_PATTERN.finditer(text):
            if not _NOT_IDS.match(m.group(0)) and _ID_LEAD.search(text[: m.start()]):
                return m.group(0)
    return None


_BARE_SEVERITY = re.compile(r"^(?:sev(?:erity)?[- ]?[0-5]|p[0-4])$", re.I)


def _byline_values(preamble: list[Line]) -> list[tuple[int, str, str]]:
    """``(line, field, value)`` from unkeyed segments of a one-line header such as
    "Warehouse Systems · incident WHS-INC-0932 · 2025-12-18 · SEV1": an id (bare or after a
    word such as "incident"), a date (bare or after "incident date") and a severity."""
    out: list[tuple[int, str, str]] = []
    seen = 0
    for line in preamble:
        if not line.text.strip():
            continue
        seen += 1
        if seen > 12:
            break
        segments = split_meta_line(line.text)
        for seg in segments or ():
            if split_key_value(seg) is not None:
                continue
            words = seg.split()
            if ID_VALUE.match(seg) or (
                len(words) == 2 and ID_VALUE.match(words[1]) and _ID_LEAD.search(words[0])
            ):
                out.append((line.no, "id", words[-1]))
            elif _BARE_SEVERITY.match(seg):
                out.append((line.no, "severity", seg))
            elif parse_date(seg):
                out.append((line.no, "date", seg))
            elif len(words) >= 3 and field_for(" ".join(words[:2])) == "date":
                rest = " ".join(words[2:])
                if parse_date(rest):
                    out.append((line.no, "date", rest))
    return out


def _id_or(field: str | None, value: Any) -> str | None:
    """``"id"`` for a title-like key whose value is an id ("Incident: WHS-INC-0932")."""
    if field == "title" and isinstance(value, str) and ID_VALUE.match(value.strip()):
        return "id"
    return field


def _meta_value(
    front: dict[str, Any], kv: dict[str, tuple[int, str]], field: str
) -> tuple[Any, int | None]:
    if field in front:
        return front[field], None
    if field in kv:
        return kv[field][1], kv[field][0]
    return None, None


def build_coe(
    doc: Document,
    front_matter: dict[str, Any],
    path: str,
    fmt: str,
    sha256: str,
    front_end_line: int = 0,
) -> COE:
    """The COE record of a split document.

    The incident's date is the first of: a date in the metadata (front matter, ``Date:``
    lines, a metadata table); a date in the title, then in the file name; the first date
    written in the opening prose and summary, then in the impact section; else the timeline's
    entries near the incident (:func:`~analytics.parsers.timeline.incident_date_of`: the
    largest run of entries close in time, in the file name's year when it names one), never
    simply the earliest timestamp, which is often a set-up step long before.

    Raises
    ------
    ParseError
        When the document has no recognisable COE section, metadata or incident prose.
    """
    warnings = list(doc.warnings)

    # front matter: map keys through the alias table
    front: dict[str, Any] = {}
    for key, value in front_matter.items():
        field = _id_or(field_for(str(key)), value)
        if field is None:
            if norm_key(str(key)) not in IGNORED_KEYS:
                warnings.append(f"line 1: front matter key '{key}' not recognised, ignored")
            continue
        front.setdefault(field, value)

    # Key: value lines: narrow fields only where metadata lives, metrics anywhere
    kv: dict[str, tuple[int, str]] = {}
    scopes: list[tuple[str | None, list[Line]]] = [(None, doc.preamble)]
    scopes += [(sec.kind, sec.lines) for sec in doc.sections]
    for kind, lines in scopes:
        for no, field, _key, value in read_key_values(lines):
            field = _id_or(field, value)
            if field in _NARROW_META and kind not in _META_KINDS:
                continue
            if field == "summary":
                continue
            kv.setdefault(field, (no, value))
        if kind is None:
            for no, field, value in _byline_values(lines):
                kv.setdefault(field, (no, value))
        if kind in _META_KINDS:
            for no, field, value in _table_key_values(lines):
                kv.setdefault(_id_or(field, value), (no, value))

    title_v, _ = _meta_value(front, {}, "title")
    title = (
        str(title_v).strip()
        if title_v
        else (doc.title or (kv["title"][1] if "title" in kv else ""))
    )
    if not title:
        title = _preamble_title(doc.preamble)
    if not title:
        # A section's name ("Summary") is no title: an unnamed section's heading is, else the
        # summary's first sentence (a plain-text draft often starts "Summary: ...").
        summary = next(
            (
                ln.text
                for sec in doc.sections
                if sec.kind == S.SUMMARY
                for ln in sec.lines
                if ln.text.strip()
            ),
            "",
        )
        title = (
            next((sec.heading for sec in doc.sections if sec.kind is None), "")
            or re.split(r"(?<=[.!?])\s", clean_inline(summary).strip(), maxsplit=1)[0][:120]
            or os.path.splitext(os.path.basename(path))[0]
        )

    meta_id, _ = _meta_value(front, kv, "id")
    if meta_id in (None, "") and title_id(title) is None:
        meta_id = _preamble_id(doc.preamble)
    coe_id = document_id(meta_id, title, path)
    if title.startswith(coe_id) and len(title) > len(coe_id) + 2:
        # "COE-2025-014: Payments outage" -> the id is kept in ``id``, the title is the rest
        rest = title[len(coe_id) :]
        if rest[:1] in ":-–—| ":
            title = rest.lstrip(" :-–—|")

    services_v, _ = _meta_value(front, kv, "services")
    services = normalize_services(services_v)
    team_v, _ = _meta_value(front, kv, "team")
    team = clean_inline(str(team_v)).lstrip("@") if team_v not in (None, "") else None
    sev_v, _ = _meta_value(front, kv, "severity")
    severity = normalize_severity(sev_v) if sev_v not in (None, "") else None

    by_kind: dict[str, list[Section]] = {}
    for sec in doc.sections:
        if sec.kind:
            by_kind.setdefault(sec.kind, []).append(sec)

    def lines_of(kind: str) -> list[Line]:
        return [line for sec in by_kind.get(kind, []) for line in sec.lines]

    prose = "\n".join([section_text(doc.preamble), section_text(lines_of(S.SUMMARY))])

    # incident date: the order the docstring states
    date_v, date_line = _meta_value(front, kv, "date")
    incident_date = parse_date(date_v) if date_v not in (None, "") else None
    if date_v not in (None, "") and incident_date is None:
        warnings.append(value_note(f"line {date_line or 1}: ", "date", date_v))
    if incident_date is None:
        incident_date = find_date(title)[0] or find_date(os.path.basename(path))[0]
    if incident_date is None:
        incident_date = find_date(prose[:2000])[0]
    if incident_date is None:
        incident_date = find_date(section_text(lines_of(S.IMPACT))[:2000])[0]

    # timeline
    zone_v, _ = _meta_value(front, kv, "timezone")
    ctx = TimeContext(
        incident_date=incident_date,
        zone=zone_in(f"in {zone_v}") if zone_v else None,
        default_year=int(incident_date[:4]) if incident_date else _year_in(path),
    )
    if ctx.zone is None:
        ctx.zone = zone_in(prose) if "times" in prose.lower() else None
    timeline: list[TimelineEvent] = []
    for sec in by_kind.get(S.TIMELINE, []):
        ctx.zone = zone_in(sec.heading) or ctx.zone
        ctx.last_date = None
        timeline.extend(parse_timeline(sec.lines, ctx, warnings))
    provenance: dict[str, str] = {}
    if S.TIMELINE not in by_kind:
        # no timeline section: the time-stamped lines wherever they are written
        stamped = [*doc.preamble]
        for sec in doc.sections:
            if sec.kind not in _NOT_TIMELINE_KINDS:
                stamped.extend(sec.lines)
        timeline = stamped_lines(stamped, ctx)
        if timeline:
            provenance["timeline"] = "prose"
    if incident_date is None:
        incident_date = incident_date_of(timeline, _year_in(path))

    # whys and root causes
    whys: list[Why] = []
    why_lines = lines_of(S.WHYS)
    rc_sections = by_kind.get(S.ROOT_CAUSE, [])
    rc_as_whys = [sec for sec in rc_sections if looks_like_whys(sec.lines)]
    for sec in rc_as_whys:
        why_lines = why_lines + sec.lines
    if why_lines:
        whys = parse_whys(why_lines, warnings)
    root_causes: list[str] = []
    for sec in rc_sections:
        if sec not in rc_as_whys or walks_in_prose(sec.lines):
            # a cause section that walks its whys in running prose still states the cause in
            # its paragraphs; a list of whys is only the chain
            root_causes.extend(statements(sec.lines))
    if not root_causes:
        root_causes = statements(lines_of(S.CONTRIBUTING))
    if not root_causes:
        root_causes = leaf_answers(whys)
    if not root_causes:
        # no cause section, or an empty one: the narrative's own statement of cause
        narrative = [*doc.preamble]
        for sec in doc.sections:
            if sec.kind in _NARRATIVE_KINDS:
                narrative.extend(sec.lines)
        root_causes = prose_causes(narrative)
        if root_causes:
            provenance["root_causes"] = "prose"

    actions: list[Action] = []
    for sec in by_kind.get(S.ACTIONS, []):
        actions.extend(parse_actions(sec.lines, warnings, _default_status(sec), incident_date))

    # impact
    impact_text = section_text(lines_of(S.IMPACT))
    summary_text = impact_text or section_text(lines_of(S.SUMMARY)) or section_text(doc.preamble)
    search_text = "\n".join([impact_text, prose])
    dur_v, dur_line = _meta_value(front, kv, "duration")
    duration = _minutes(dur_v, dur_line, "duration", warnings)
    if duration is None:
        duration = find_incident_duration(search_text)
    cust_v, cust_line = _meta_value(front, kv, "customers_affected")
    customers = parse_count(cust_v) if cust_v not in (None, "") else None
    if customers is None:
        note_if_invalid(f"line {cust_line or 1}: ", "customers affected", cust_v, warnings)
        m = _CUSTOMERS.search(search_text)
        customers = parse_count(m.group("n")) if m else None
        if m and customers is None:  # "1111...(400 digits) customers": past what a count holds
            note_if_invalid("", "customers affected", m.group("n"), warnings)
    pct_v, pct_line = _meta_value(front, kv, "requests_failed_pct")
    pct = parse_percent(pct_v) if pct_v not in (None, "") else None
    if pct is None:
        note_if_invalid(f"line {pct_line or 1}: ", "failed requests %", pct_v, warnings)
    if pct is None:
        m = _PERCENT.search(search_text)
        pct = float(m.group("p") or m.group("q")) if m else None

    metrics = Metrics(
        time_to_detect_minutes=_minutes(
            *_meta_value(front, kv, "time_to_detect"), "time to detect", warnings
        ),
        time_to_mitigate_minutes=_minutes(
            *_meta_value(front, kv, "time_to_mitigate"), "time to mitigate", warnings
        ),
        time_to_resolve_minutes=_minutes(
            *_meta_value(front, kv, "time_to_resolve"), "time to resolve", warnings
        ),
    )

    related = _related(front, kv, lines_of(S.RELATED), doc, coe_id, warnings)

    recognised = any(sec.kind not in (None,) for sec in doc.sections) or front or kv
    if recognised and not front and len(kv) == 1 and not doc.sections and not doc.title:
        # one "Key: value" line and nothing else is no COE (any line with a colon would be)
        ((no, _),) = kv.values()
        if not any(ln.text.strip() for ln in doc.preamble if ln.no != no):
            raise ParseError(
                path,
                no,
                "only one 'Key: value' line and nothing else: not a COE (expected a title and "
                "sections such as Summary, Timeline, 5 Whys, Root Cause, Action Items)",
            )
    if not recognised:
        body = prose.strip()
        if len(body.split()) >= 20 and _INCIDENT_WORDS.search(body):
            warnings.append(
                "line 1: no recognised COE sections; the whole text is kept as the summary"
            )
        else:
            raise ParseError(
                path,
                None,
                "no recognisable COE sections or content (expected headings such as Summary, "
                "Timeline, 5 Whys, Root Cause, Action Items)",
            )

    return COE(
        id=coe_id,
        title=clean_inline(title),
        services=services,
        team=team or None,
        severity=severity,
        date=incident_date,
        impact=Impact(
            summary=summary_text,
            duration_minutes=duration,
            customers_affected=customers,
            requests_failed_pct=pct,
        ),
        timeline=tuple(timeline),
        metrics=metrics,
        whys=tuple(whys),
        root_causes=tuple(dict.fromkeys(root_causes)),
        actions=tuple(actions),
        related=related,
        source=Source(path=str(path), format=fmt, sha256=sha256),
        warnings=tuple(sorted(warnings, key=_line_of)),
        provenance=provenance,
    )


def _table_key_values(lines: list[Line]) -> list[tuple[int, str, str]]:
    """``(line, field, value)`` from two-column ``| Field | Value |`` tables."""
    if not any(line.text.lstrip().startswith("|") for line in lines):
        return []
    out = []
    tables, _ = find_tables(lines)
    for table in tables:
        rows = [
            (table.no, table.headers),
            *((no, tuple(c.lower() for c in cells)) for no, cells in table.rows),
        ]
        for (no, _lower), cells in zip(
            rows, [table.headers, *(c for _, c in table.rows)], strict=True
        ):
            if len(cells) != 2:
                break
            field = field_for(clean_inline(cells[0]))
            if field is not None:
                out.append((no, field, clean_inline(cells[1])))
    return out


def _preamble_title(preamble: list[Line]) -> str:
    """A short first line before any heading (plain-text COEs open with their title)."""
    for line in preamble:
        text = line.text.strip()
        if not text:
            continue
        kv = split_key_value(text)
        if kv is not None and not ID_PATTERN.match(kv[0]):
            return ""
        return clean_inline(text) if len(text) <= 120 else ""
    return ""


def _line_of(warning: str) -> int:
    m = _LINE_NO.match(warning)
    return int(m.group(1)) if m else 0


def _year_in(path: str) -> int | None:
    m = re.search(r"(?<!\d)(19|20)\d{2}(?!\d)", os.path.basename(path))
    return int(m.group(0)) if m else None


def _minutes(value: Any, line: int | None, what: str, warnings: list[str]) -> float | None:
    if value is None:
        return None
    text = str(value).strip()
    if text.lower().rstrip(".") in _NA:
        return None
    minutes = parse_duration_minutes(_FOOTNOTE.sub("", text) if "[" in text else text)
    if minutes is None:
        warnings.append(value_note(f"line {line or 1}: ", what, text))
    return minutes


def _related(
    front: dict[str, Any],
    kv: dict[str, tuple[int, str]],
    lines: list[Line],
    doc: Document,
    own_id: str,
    warnings: list[str],
) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for item in split_list(front.get("related")) + split_list(kv.get("related", (0, ""))[1]):
        ids = ID_PATTERN.findall(item)
        for ident in ids or [item.strip()]:
            found.setdefault(ident, None)
    roots, paragraphs = parse_items(lines)
    for block in sorted([*roots, *paragraphs], key=lambda it: it.no):
        ids = [i for i in ID_PATTERN.findall(block.text) if not _NOT_IDS.match(i)]
        if not ids:
            warnings.append(
                f"line {block.no}: related item without a COE id, kept in raw text only"
            )
        for ident in ids:
            found.setdefault(ident, None)
    # id-like citations anywhere else in the document
    other = [doc.preamble, *(sec.lines for sec in doc.sections if sec.kind != S.RELATED)]
    text = "\n".join(line.text for lines_ in other for line in lines_)
    has_prefix = any(p in text for p in ("COE", "PM", "PIR", "INC", "POSTMORTEM"))
    for ident in _STRICT_REF.findall(text) if has_prefix else ():
        found.setdefault(ident, None)
    found.pop(own_id, None)
    return tuple(found)
