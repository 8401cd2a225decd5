"""Quarters and reporting periods: the one definition the dashboard, the report and the CLI use.

Dates are ISO ``YYYY-MM-DD`` strings throughout, so they compare as text. A quarter is written
``2026Q3``; a :class:`Period` is a quarter or any ``since``..``until`` range, both ends included.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")


def quarter(date: str | None) -> str | None:
    """``'2025-08-14'`` -> ``'2025Q3'``; ``None`` without a date.

    >>> quarter("2025-08-14"), quarter(None)
    ('2025Q3', None)
    """
    if not date or len(date) < 7:
        return None
    return f"{date[:4]}Q{(int(date[5:7]) - 1) // 3 + 1}"


def quarter_range(first: str, last: str) -> list[str]:
    """Every quarter from ``first`` to ``last`` inclusive.

    >>> quarter_range("2024Q4", "2025Q2")
    ['2024Q4', '2025Q1', '2025Q2']
    """
    y, q = int(first[:4]), int(first[-1])
    out = []
    while f"{y}Q{q}" <= last:
        out.append(f"{y}Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def quarter_end(q: str) -> str:
    """Last day of a quarter.

    >>> quarter_end("2025Q3"), quarter_end("2024Q1")
    ('2025-09-30', '2024-03-31')
    """
    return Period.of_quarter(q).until


def parse_date(value: str | dt.date, what: str = "date") -> dt.date:
    """A date from ``YYYY-MM-DD`` (a longer ISO timestamp is cut), with a clear error."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError(f"{what} must be a date like 2026-07-01, not {value!r}") from None


@dataclass(frozen=True)
class Period:
    """A reporting period: ``since``..``until`` inclusive, ISO dates."""

    label: str
    since: str
    until: str

    @classmethod
    def of_quarter(cls, q: str) -> Period:
        """``Period.of_quarter("2026Q3")`` -> 2026-07-01 .. 2026-09-30.

        >>> Period.of_quarter("2026Q3")
        Period(label='2026Q3', since='2026-07-01', until='2026-09-30')
        """
        m = _QUARTER_RE.match(q or "")
        if not m:
            raise ValueError(f"quarter must look like 2026Q3, not {q!r}")
        y, n = int(m[1]), int(m[2])
        end = dt.date(y + (n == 4), 1 if n == 4 else 3 * n + 1, 1) - dt.timedelta(days=1)
        return cls(q, f"{y}-{3 * n - 2:02d}-01", end.isoformat())

    @classmethod
    def of_range(cls, since: str | dt.date, until: str | dt.date) -> Period:
        """A date range; the label names both ends.

        >>> Period.of_range("2025-01-01", "2025-06-30").label
        '2025-01-01 to 2025-06-30'
        """
        a, b = parse_date(since, "since"), parse_date(until, "until")
        if a > b:
            raise ValueError(f"since ({since}) is after until ({until})")
        return cls(f"{a} to {b}", a.isoformat(), b.isoformat())

    def previous(self) -> Period:
        """The quarter before, or the equally long range that ends the day before ``since``.

        >>> Period.of_quarter("2026Q1").previous().label
        '2025Q4'
        >>> Period.of_range("2025-03-01", "2025-03-10").previous()
        Period(label='2025-02-19 to 2025-02-28', since='2025-02-19', until='2025-02-28')
        """
        m = _QUARTER_RE.match(self.label)
        if m:
            y, n = int(m[1]), int(m[2])
            return Period.of_quarter(f"{y - 1}Q4" if n == 1 else f"{y}Q{n - 1}")
        a, b = dt.date.fromisoformat(self.since), dt.date.fromisoformat(self.until)
        end = a - dt.timedelta(days=1)
        return Period.of_range((end - (b - a)).isoformat(), end.isoformat())

    def holds(self, date: str | None) -> bool:
        """Whether a date falls in the period (an undated thing is in no period)."""
        return bool(date) and self.since <= date[:10] <= self.until
