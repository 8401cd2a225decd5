"""Normalisation of the values COE authors write by hand: dates, durations, priorities,
severities, service names and statuses.

Every function is pure and returns ``None`` for a value it cannot read, so that a parser can
record a warning instead of guessing.
"""

from __future__ import annotations

import functools
import math
import re
from datetime import date

from analytics import severity

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"

# One alternation per written form; named groups are read by _date_from_match.
_DATE_FORMS = [
    re.compile(r"(?<!\d)(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),
    re.compile(
        r"\b" + _MONTH + r"\s+" + _DAY + r"(?:\s*[-–]\s*\d{1,2}(?:st|nd|rd|th)?)?"
        r"(?:,?\s+" + _YEAR + r")?(?![\d:])",
        re.I,
    ),
    re.compile(r"(?<!\d)" + _DAY + r"(?:\s+of)?\s+" + _MONTH + r"(?:,?\s+" + _YEAR + r")?", re.I),
    # Day-first numeric dates (31/12/2024, 31.12.2024): the common form outside the US; a
    # month > 12 in the second place makes it month-first.
    re.compile(r"(?<![\d:])(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4})(?!\d)"),
]
_MONTH_ABBR = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec", re.I)
# Case-insensitive searches cost several times more than case-sensitive ones, so ASCII text
# (nearly all of it) is searched lower-cased, which keeps every offset; the patterns above are
# written in lower case, so without re.I they match the lower-cased text at the same places.
_FOLDED_FORMS = [re.compile(p.pattern, p.flags & ~re.I) for p in _DATE_FORMS]
_FOLDED_MONTH_ABBR = re.compile(_MONTH_ABBR.pattern)
_NAMED_FORMS = (_DATE_FORMS[1], _DATE_FORMS[2], _FOLDED_FORMS[1], _FOLDED_FORMS[2])
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HAS_DIGIT = re.compile(r"\d")


def _date_from_match(m: re.Match[str], default_year: int | None) -> str | None:
    groups = m.groupdict()
    year = groups.get("year")
    year_n = int(year) if year else default_year
    if year_n is None:
        return None
    month = _MONTHS[groups["mon"].lower()[:3]] if groups.get("mon") else int(groups["month"])
    day = int(groups["day"])
    if month is not None and month > 12 and day <= 12 and not groups.get("mon"):
        month, day = day, month
    try:
        return date(year_n, month or 0, day).isoformat()
    except ValueError:
        return None


def find_date(
    text: str, default_year: int | None = None
) -> tuple[str | None, re.Match[str] | None]:
    """Find the first date written in ``text``.

    Parameters
    ----------
    text : str
        Free text.
    default_year : int, optional
        Year used for forms without one ("Oct 29").

    Returns
    -------
    tuple
        ``(iso_date, match)``; ``(None, None)`` when no date is found. The match may be made
        on the lower-cased text: read its offsets, not its text.

    Examples
    --------
    >>> find_date("On Tuesday 22nd June 2021, the ALB failed")[0]
    '2021-06-22'
    """
    best: tuple[str | None, re.Match[str] | None] = (None, None)
    if not _HAS_DIGIT.search(text):
        return best
    # the month-name forms need a month abbreviation (same case folding); looking for one is far
    # cheaper than running those two searches on every text
    if text.isascii():
        text, forms, month_abbr = text.lower(), _FOLDED_FORMS, _FOLDED_MONTH_ABBR
    else:
        forms, month_abbr = _DATE_FORMS, _MONTH_ABBR
    has_month = month_abbr.search(text) is not None
    for pattern in forms:
        if not has_month and pattern in _NAMED_FORMS:
            continue
        m = pattern.search(text)
        if m is None or (best[1] is not None and m.start() >= best[1].start()):
            continue
        iso = _date_from_match(m, default_year)
        if iso is not None:
            best = (iso, m)
            if m.start() == 0:
                break  # nothing can start earlier
    return best


MONTH_STARTS = frozenset(k for k in _MONTHS if len(k) == 3)


def may_start_date(text: str) -> bool:
    """Whether ``find_date`` could find a date at the very start of ``text``.

    Every written form begins with a digit or a month name, so this cheap test spares callers
    that only want a date at the start the full search.
    """
    return text[:1].isdigit() or text[:3].lower() in MONTH_STARTS


def parse_date(value: object, default_year: int | None = None) -> str | None:
    """Read a date as ``YYYY-MM-DD``.

    Accepts ISO dates (also with a time), ``2025/03/03``, ``March 3, 2025``, ``3 Mar 2025``,
    ``Tuesday 22nd June 2021`` and day-first ``03/03/2025``.

    Examples
    --------
    >>> parse_date("March 3, 2025"), parse_date("3 Mar 2025"), parse_date("2025/03/03")
    ('2025-03-03', '2025-03-03', '2025-03-03')
    >>> parse_date("soon") is None
    True
    """
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    text = str(value).strip()
    if _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    return find_date(text, default_year)[0]


_DURATION_UNIT = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|"
    r"seconds?|secs?|s)\b\.?",
    re.I,
)
_CLOCK = re.compile(r"^(?P<h>\d{1,3}):(?P<m>\d{2})(?::(?P<s>\d{2}))?$")
_UNIT_MINUTES = {"w": 10080.0, "d": 1440.0, "h": 60.0, "m": 1.0, "s": 1 / 60}
_BARE_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*$")
_DURATION_SPAN = re.compile(
    r"(?:\d+(?:[.,]\d+)?\s*(?:weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b"
    r"\.?(?:\s*(?:,|and)?\s*)?)+",
    re.I,
)


def parse_duration_minutes(value: object) -> float | None:
    """Read a duration in minutes.

    Accepts "25 minutes", "1h 20m", "2 hours", "1 hour and 48 minutes", "01:20" (h:mm) and bare
    numbers (taken as minutes).

    Examples
    --------
    >>> parse_duration_minutes("1h 20m"), parse_duration_minutes("2 hours")
    (80.0, 120.0)
    >>> parse_duration_minutes("1 hour and 48 minutes")
    108.0
    >>> parse_duration_minutes("?") is None
    True
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _finite(value)
    return _text_minutes(str(value))


# Durations ("15 minutes", "1h 20m") recur within and across documents, and every metric line
# and impact paragraph is read for one; the result depends on the text only.
@functools.lru_cache(maxsize=8192)
def _text_minutes(text: str) -> float | None:
    text = text.strip()
    bare = _BARE_NUMBER.match(text)
    if bare:
        return _finite(float(bare.group(1)))
    clock = _CLOCK.match(text)
    if clock:
        seconds = int(clock.group("s") or 0)
        return int(clock.group("h")) * 60 + int(clock.group("m")) + seconds / 60
    span = _DURATION_SPAN.search(text)
    if span is None:
        return None
    total = 0.0
    for m in _DURATION_UNIT.finditer(span.group(0)):
        unit = m.group("unit").lower()
        total += float(m.group("num").replace(",", ".")) * _UNIT_MINUTES[unit[0]]
    return _finite(round(total, 4))


def _finite(number: float) -> float | None:
    """``number`` as a float, or None for infinity and NaN (a 400-digit number, ``.inf`` in
    YAML): a record's numbers are stored as JSON and summed, and neither survives them."""
    try:
        number = float(number)
    except OverflowError:  # an int past the float range
        return None
    return number if math.isfinite(number) else None


def find_duration(text: str) -> tuple[float | None, re.Match[str] | None]:
    """Find the first written duration ("3 hours", "1h 20m") in free text, in minutes."""
    m = _DURATION_SPAN.search(text)
    if m is None:
        return None, None
    return parse_duration_minutes(m.group(0)), m


_PRIORITY_WORDS = {
    "critical": "P0",
    "urgent": "P0",
    "blocker": "P0",
    "highest": "P0",
    "high": "P1",
    "medium": "P2",
    "med": "P2",
    "normal": "P2",
    "moderate": "P2",
    "low": "P3",
    "lowest": "P3",
    "minor": "P3",
}
_PRIORITY_CODE = re.compile(r"^p(?:riority)?\s*[-_ ]?\s*([0-4])$", re.I)


def normalize_priority(value: object) -> str | None:
    """Map a written priority onto ``P0``..``P3`` (``P4`` is kept when written).

    Examples
    --------
    >>> normalize_priority("High"), normalize_priority("p 2"), normalize_priority("Critical")
    ('P1', 'P2', 'P0')
    >>> normalize_priority("whenever") is None
    True
    """
    if value is None:
        return None
    text = str(value).strip().strip("[]()*").strip()
    if not text:
        return None
    m = _PRIORITY_CODE.match(text)
    if m:
        return f"P{m.group(1)}"
    return _PRIORITY_WORDS.get(text.lower().removesuffix(" priority"))


def normalize_severity(value: object) -> str | None:
    """Normalise a severity onto the one scale of :mod:`analytics.severity`, else as written.

    Examples
    --------
    >>> normalize_severity("SEV-2"), normalize_severity("sev 2"), normalize_severity("S2")
    ('Sev2', 'Sev2', 'Sev2')
    >>> normalize_severity("Major"), normalize_severity("SEV0"), normalize_severity("P1")
    ('Sev2', 'Sev0', 'Sev1')
    """
    return severity.canonical(value)


_KEBAB_DROP = re.compile(r"[`*_\"']")
_KEBAB_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def normalize_service(value: str) -> str:
    """Service name in lower-kebab-case.

    Examples
    --------
    >>> normalize_service("Payments API"), normalize_service("paymentsApi"), normalize_service("auth_svc")
    ('payments-api', 'payments-api', 'auth-svc')
    """
    text = _KEBAB_DROP.sub(" ", str(value)).strip()
    text = _CAMEL.sub("-", text).lower()
    return _KEBAB_SPLIT.sub("-", text).strip("-")


_LIST_SPLIT = re.compile(r"\s*(?:[,;|\n]|\s\band\b\s|\s&\s)\s*")


def split_list(value: object) -> list[str]:
    """Split a comma, semicolon, pipe or newline separated value (or a list) into items."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:
            out.extend(split_list(item))
        return out
    return [part for part in _LIST_SPLIT.split(str(value).strip()) if part.strip()]


def normalize_services(value: object) -> tuple[str, ...]:
    """Normalised, de-duplicated service names from a list or a separated string."""
    seen: dict[str, None] = {}
    for item in split_list(value):
        name = normalize_service(item)
        if name:
            seen.setdefault(name, None)
    return tuple(seen)


_STATUS_WORDS = {
    "open": "open",
    "todo": "open",
    "to do": "open",
    "new": "open",
    "planned": "open",
    "not started": "open",
    "pending": "open",
    "backlog": "open",
    "proposed": "open",
    "in progress": "in-progress",
    "in-progress": "in-progress",
    "inprogress": "in-progress",
    "started": "in-progress",
    "ongoing": "in-progress",
    "doing": "in-progress",
    "wip": "in-progress",
    "in review": "in-progress",
    "underway": "in-progress",
    "done": "done",
    "closed": "done",
    "complete": "done",
    "completed": "done",
    "resolved": "done",
    "fixed": "done",
    "finished": "done",
    "shipped": "done",
    "merged": "done",
    "released": "done",
    "wont do": "wont-do",
    "won't do": "wont-do",
    "wontdo": "wont-do",
    "wont-do": "wont-do",
    "won't fix": "wont-do",
    "wontfix": "wont-do",
    "wont fix": "wont-do",
    "cancelled": "wont-do",
    "canceled": "wont-do",
    "rejected": "wont-do",
    "dropped": "wont-do",
    "declined": "wont-do",
    "obsolete": "wont-do",
}


def normalize_status(value: object) -> str | None:
    """Map a written action status onto ``open|in-progress|done|wont-do``, else keep it.

    Examples
    --------
    >>> normalize_status("Completed"), normalize_status("In Progress"), normalize_status("Won't fix")
    ('done', 'in-progress', 'wont-do')
    """
    if value is None:
        return None
    text = str(value).strip().strip("*_`[]()").strip()
    if not text:
        return None
    key = text.lower().replace("_", " ")
    return _STATUS_WORDS.get(key) or _STATUS_WORDS.get(key.replace("-", " ")) or text


_NUMBER_WORD = re.compile(r"^(?P<num>\d[\d,. ]*)\s*(?P<mult>k|m|thousand|million)?\b", re.I)


def parse_count(value: object) -> int | None:
    """Read a count such as ``12,400``, ``1.2k`` or ``3 million``.

    Examples
    --------
    >>> parse_count("12,400 customers"), parse_count("1.5k")
    (12400, 1500)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _count(value)
    text = str(value).strip().lstrip("~≈>< ").removeprefix("about ").removeprefix("approximately ")
    m = _NUMBER_WORD.match(text)
    if not m:
        return None
    digits = m.group("num").strip().replace(",", "").replace(" ", "")
    mult = (m.group("mult") or "").lower()
    try:
        number = float(digits)
    except ValueError:
        return None
    if mult in ("k", "thousand"):
        number *= 1000
    elif mult in ("m", "million"):
        number *= 1_000_000
    return _count(number)


def _count(number: float) -> int | None:
    """A whole count, or None when ``number`` is not finite or past what a 64-bit integer
    holds (the store, numpy and the exports all read counts as one)."""
    if isinstance(number, int):
        return number if abs(number) < 2**63 else None
    if not math.isfinite(number) or abs(number) >= 2**63:
        return None
    return int(round(number))


def parse_percent(value: object) -> float | None:
    """Read a percentage (``"3.2%"``, ``3.2``) as a float in 0..100."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _finite(value)
    m = re.search(r"(\d+(?:\.\d+)?)\s*%?", str(value))
    return _finite(float(m.group(1))) if m else None
