"""Timeline events from tables, bullet lists and time-stamped lines.

``at`` is an ISO-8601 string when the time can be resolved to a date: from the row itself, from
the last dated row above it, else from the incident date. A zone written in the section
("All times in UTC", "Time (CET)") becomes the offset. Unresolvable times keep their text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analytics.normalize import find_date, may_start_date
from analytics.parsers.blocks import (
    Line,
    Table,
    clean_inline,
    column,
    find_tables,
    parse_items,
    walk,
)
from analytics.parsers.metadata import field_for, split_key_value
from analytics.record import TimelineEvent

ZONES = {
    "utc": "Z",
    "gmt": "Z",
    "z": "Z",
    "cet": "+01:00",
    "cest": "+02:00",
    "bst": "+01:00",
    "est": "-05:00",
    "edt": "-04:00",
    "cst": "-06:00",
    "cdt": "-05:00",
    "mst": "-07:00",
    "mdt": "-06:00",
    "pst": "-08:00",
    "pdt": "-07:00",
    "ist": "+05:30",
    "jst": "+09:00",
    "aest": "+10:00",
}
_ZONE_WORDS = "|".join(sorted(ZONES, key=len, reverse=True))
_TIME = re.compile(
    r"(?P<h>[01]?\d|2[0-3]):(?P<mi>[0-5]\d)(?::(?P<s>[0-5]\d))?(?:\.\d+)?"
    r"(?:\s*(?P<ampm>[ap]\.?m\.?)(?![a-z]))?"
    # "-11:45" followed by a zone is the end of a range ("02:10-11:45 UTC"), not an offset
    r"(?:\s*(?P<tz>(?:" + _ZONE_WORDS + r")(?![a-z])"
    r"|[+-]\d{2}:?\d{2}(?!\s*(?:" + _ZONE_WORDS + r")(?![a-z]))))?",
    re.I,
)
_ZONE_NOTE = re.compile(
    r"\b(?:all\s+)?times?\s+(?:are\s+|is\s+)?(?:in\s+|is\s+)?(?P<tz>"
    + _ZONE_WORDS
    + r")\b|\((?P<tz2>"
    + _ZONE_WORDS
    + r")\)|\bin\s+(?P<tz3>"
    + _ZONE_WORDS
    + r")\b",
    re.I,
)
_LEAD = re.compile(r"^[\s~≈\[(*_>]+")
_SEP = re.compile(r"^[\s\])*_]*(?:[-–—:|=>]+|\bat\b)?[\s*_]*")
_AFTER_DATE = re.compile(r"[\s,T]*(?:at\s+)?")
_PAREN_DATE = re.compile(r"^\s*(?:\(|,|on\b)\s*")


@dataclass
class TimeContext:
    """What a time without a date is resolved against."""

    incident_date: str | None = None
    last_date: str | None = None
    zone: str | None = None
    default_year: int | None = None


def zone_in(text: str) -> str | None:
    """The UTC offset a note such as "All times in UTC" or a header "Time (CET)" declares."""
    m = _ZONE_NOTE.search(text)
    if not m:
        return None
    name = (m.group("tz") or m.group("tz2") or m.group("tz3")).lower()
    return ZONES.get(name)


def _iso(day: str | None, m: re.Match[str] | None, ctx: TimeContext) -> str | None:
    if m is None:
        return day
    if day is None:
        return None
    hour = int(m.group("h"))
    ampm = (m.group("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    out = f"{day}T{hour:02d}:{m.group('mi')}"
    if m.group("s"):
        out += f":{m.group('s')}"
    tz = m.group("tz")
    zone = (ZONES.get(tz.lower()) if tz and tz.lower() in ZONES else tz) or ctx.zone
    if zone:
        out += zone if zone == "Z" or zone[-3] == ":" else f"{zone[:3]}:{zone[3:]}"
    return out


def leading_time(text: str, ctx: TimeContext) -> tuple[bool, str | None, str]:
    """Read a date and/or time at the start of ``text``.

    Returns
    -------
    tuple
        ``(found, at, rest)``: whether the text starts with a time stamp, the ISO string when
        it resolves, and the text after the stamp.

    Examples
    --------
    >>> leading_time("2021-06-22 08:21: VPC CNI replaced", TimeContext(zone="Z"))
    (True, '2021-06-22T08:21Z', 'VPC CNI replaced')
    >>> leading_time("08:29 UTC - alert fired", TimeContext(incident_date="2021-06-22"))
    (True, '2021-06-22T08:29Z', 'alert fired')
    """
    first = text[:1]
    body = _LEAD.sub("", text, count=1) if first in "~≈[(*_>" or first.isspace() else text
    day, dm = None, None
    if may_start_date(body):
        day, dm = find_date(body[:48], ctx.default_year)
    if dm is not None and dm.start() == 0:
        rest = body[dm.end() :]
        tm = _AFTER_DATE.match(rest)
        rest_t = rest[tm.end() :] if tm else rest
        m = _TIME.match(rest_t)
        if m:
            rest = rest_t[m.end() :]
        ctx.last_date = day
        return True, _iso(day, m, ctx), _SEP.sub("", rest, count=1).strip()
    m = _TIME.match(body)
    if m is None or (m.end() < len(body) and body[m.end()].isdigit()):
        return False, None, text
    rest = body[m.end() :]
    pm = _PAREN_DATE.match(rest)
    if pm:
        d2, dm2 = find_date(rest[pm.end() : pm.end() + 32], ctx.default_year)
        if dm2 is not None and dm2.start() == 0:
            day = d2
            rest = rest[pm.end() + dm2.end() :].lstrip(")")
            ctx.last_date = day
    if day is None:
        day = ctx.last_date or ctx.incident_date
    return True, _iso(day, m, ctx), _SEP.sub("", rest, count=1).strip()


_TIME_HEADERS = (
    "time",
    "date",
    "when",
    "timestamp",
    "date and time",
    "datetime",
    "date time",
    "time utc",
    "at",
    "hour",
)
_EVENT_HEADERS = (
    "event",
    "events",
    "description",
    "what happened",
    "what",
    "details",
    "activity",
    "update",
    "action",
    "summary",
    "note",
    "notes",
    "message",
)


def _table_events(table: Table, ctx: TimeContext, warnings: list[str]) -> list[TimelineEvent]:
    headers = table.headers
    zone = None
    for h in headers:
        zone = zone or zone_in(h) or (ZONES.get(h.split()[-1]) if h else None)
    if zone:
        ctx.zone = zone
    time_cols = [
        i
        for i, h in enumerate(headers)
        if any(h == a or h.startswith(a + " ") for a in _TIME_HEADERS) or "time" in h.split()
    ]
    event_col = column(headers, _EVENT_HEADERS)
    if event_col is None:
        rest = [i for i in range(len(headers)) if i not in time_cols]
        event_col = rest[-1] if rest else None
    if event_col is None:
        warnings.append(
            f"line {table.no}: timeline table has no event column, kept in raw text only"
        )
        return []
    events = []
    for no, cells in table.rows:
        text = clean_inline(cells[event_col]) if event_col < len(cells) else ""
        stamp = " ".join(cells[i].strip() for i in time_cols if i < len(cells) and i != event_col)
        if not text and not stamp:
            continue
        at = None
        if stamp:
            found, at, rest = leading_time(clean_inline(stamp), ctx)
            if not found:
                warnings.append(f"line {no}: timeline time '{stamp}' not understood, event kept")
                text = f"{stamp} {text}".strip()
            elif at is None:
                text = f"{clean_inline(stamp)} {text}".strip()
        events.append(TimelineEvent(at=at, event=text))
    return events


def parse_timeline(lines: list[Line], ctx: TimeContext, warnings: list[str]) -> list[TimelineEvent]:
    """Events from a timeline section's lines (tables, lists, time-stamped lines)."""
    events: list[TimelineEvent] = []
    tables, rest = find_tables(lines)
    for line in rest:
        zone = zone_in(line.text) if "time" in line.text.lower() or "(" in line.text else None
        if zone:
            ctx.zone = zone
            break
    for table in tables:
        events.extend(_table_events(table, ctx, warnings))
    roots, paragraphs = parse_items(rest)
    # list items and paragraphs in source order
    blocks = sorted([*walk(roots), *paragraphs], key=lambda it: it.no)
    for block in blocks:
        first, _, more = block.text.partition("\n")
        found, at, body = leading_time(clean_inline(first), ctx)
        if block.marker:
            text = body if found else clean_inline(first)
            if more and not found:
                text = clean_inline(block.text.replace("\n", " "))
            elif more:
                text = f"{text} {clean_inline(more.replace(chr(10), ' '))}".strip()
            if found and at is None:
                text = clean_inline(first)
            if text:
                events.append(TimelineEvent(at=at, event=text))
            continue
        # a paragraph: every line that starts with a time stamp is an event
        any_event = False
        for offset, raw in enumerate(block.text.split("\n")):
            found, at, body = leading_time(clean_inline(raw), ctx)
            if found and body:
                events.append(TimelineEvent(at=at, event=body if at else clean_inline(raw)))
                any_event = True
            elif not any_event and offset == 0 and _is_ignorable(raw):
                any_event = True
        if not any_event:
            warnings.append(
                f"line {block.no}: text in Timeline section is not an event, kept in raw text only"
            )
    return events


def _is_ignorable(text: str) -> bool:
    """Zone notes and metadata lines inside a timeline are read elsewhere."""
    if zone_in(text):
        return True
    kv = split_key_value(text)
    return kv is not None and field_for(kv[0]) is not None


# How far apart two dated timeline entries may be and still belong to one episode: an
# investigation that runs a week or two is one incident; a script written 18 months before it
# (dfds PM2022-006) is not.
EPISODE_GAP_DAYS = 14
_INCIDENT_WORDS = re.compile(
    r"\b(?:alert\w*|detect\w*|paged?|outage|incident|errors?|fail\w*|down|impact\w*|"
    r"report\w*|began|started|broke|degraded|unavailable|5\d\d)\b",
    re.I,
)


def incident_date_of(
    events: list[TimelineEvent] | tuple[TimelineEvent, ...], year: int | None = None
) -> str | None:
    """The incident's day from its timeline, when nothing better dates it.

    A timeline often starts with set-up steps long before the incident ("2020-12-21 created
    the script") and ends with follow-ups after it. Its dated entries are grouped into
    episodes (entries at most :data:`EPISODE_GAP_DAYS` days apart, in date order); the
    incident is the episode with the most entries - among those of ``year`` (the year a file
    name gives) when any is - ties going to one whose entries speak of the incident (alerts,
    errors, outage, detection), then to the earliest. Its first day is the incident's date.

    >>> from analytics.record import TimelineEvent as E
    >>> incident_date_of([E("2020-12-21T00:00", "Created the script"),
    ...     E("2022-06-02T09:00", "Pods OOM killed"), E("2022-06-07T08:30", "Fix deployed")])
    '2022-06-02'
    """
    from datetime import date

    dated = sorted(
        (e.at[:10], e.event)
        for e in events
        if e.at and len(e.at) >= 10 and e.at[4] == "-" and e.at[:4].isdigit()
    )
    if not dated:
        return None
    episodes: list[list[tuple[str, str]]] = []
    last: date | None = None
    for day, text in dated:
        try:
            d = date.fromisoformat(day)
        except ValueError:
            continue
        if last is None or (d - last).days > EPISODE_GAP_DAYS:
            episodes.append([])
        episodes[-1].append((day, text))
        last = d
    if not episodes:
        return None
    pool = [ep for ep in episodes if any(day[:4] == str(year) for day, _ in ep)] or episodes
    best = max(
        pool,
        key=lambda ep: (
            len(ep),
            any(_INCIDENT_WORDS.search(t) for _, t in ep),
            -episodes.index(ep),
        ),
    )
    return best[0][0]


_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")


def stamped_lines(lines: list[Line], ctx: TimeContext) -> list[TimelineEvent]:
    """The timeline of a document without a timeline section: its lines (bullets or not) that
    start with a date or time and say something after it. Fewer than two such lines are no
    timeline (a lone "2022-05-01: ..." is a sentence, not a sequence of events), and so are
    stamps that resolve to no date.

    >>> stamped_lines([Line(1, "Notes"), Line(2, "- 2022-06-02 11:00 pods OOM killed"),
    ...     Line(3, "11:40 limitrange deleted")], TimeContext())
    [TimelineEvent(at='2022-06-02T11:00', event='pods OOM killed'), \
TimelineEvent(at='2022-06-02T11:40', event='limitrange deleted')]
    """
    events = []
    for line in lines:
        text = line.text
        if not text.strip() or not (text.lstrip()[:1].isdigit() or _BULLET.match(text)):
            continue  # cheapest check first: a stamp starts with a digit, after any bullet
        body = _BULLET.sub("", text, count=1)
        if not body[:1].isdigit():
            continue
        found, at, rest = leading_time(clean_inline(body), ctx)
        if found and at and rest:
            events.append(TimelineEvent(at=at, event=rest))
    return events if len(events) >= 2 else []
