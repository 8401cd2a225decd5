"""Invalid values: what a document states that cannot be true, told apart from what is unread.

A warning is one of two kinds. Most say what the parser could not read ("due date 'next
sprint' not understood", "front matter key 'x' not recognised, ignored"): the document is
written in a way coegraph does not follow, and nothing in it is wrong. A few say the document
itself is damaged: a value that cannot be what it claims (``2024-02-30``, ``NaN`` minutes, a
count of 400 digits), text that cannot be encoded (lone surrogates), a name that is not UTF-8,
cells beyond a CSV row's columns. coegraph drops or replaces such a value so that nothing
downstream is poisoned, and its warning starts with ``invalid`` (after the ``line N:`` prefix)
so that :func:`is_damage` can tell the two kinds apart from the text alone, in memory and in a
stored record's warnings alike. ``coe ingest`` exits 1 when a document it read was damaged,
although the document lands (:mod:`analytics.ingest`).
"""

from __future__ import annotations

import math
import re
from datetime import date

# what a 64-bit integer holds: the store, numpy and the exports all read counts as one
_COUNT_LIMIT = 2**63
_NON_FINITE = frozenset(
    {"nan", ".nan", "inf", ".inf", "+inf", "+.inf", "-inf", "-.inf", "infinity", "-infinity"}
)
_NUMERIC_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d])")
_DIGITS = re.compile(r"[\d,]+")
_DAMAGE = re.compile(r"(?:line \d+: )?invalid ")
_SHOWN = 40


def invalid_reason(value: object) -> str | None:
    """Why ``value`` cannot be a value at all (not merely one coegraph does not read), or None.

    Examples
    --------
    >>> invalid_reason("2024-02-30"), invalid_reason(float("nan")), invalid_reason("next sprint")
    ('no such date', 'not a finite number', None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "not a finite number"
    if isinstance(value, int):
        return "too large a number" if abs(value) >= _COUNT_LIMIT else None
    text = str(value).strip()
    if text.lower() in _NON_FINITE:
        return "not a finite number"
    if _DIGITS.fullmatch(text) and int(text.replace(",", "") or 0) >= _COUNT_LIMIT:
        return "too large a number"
    if m := _NUMERIC_DATE.match(text):
        try:
            date(*map(int, m.groups()))
        except ValueError:
            return "no such date"
    return None


def value_note(where: str, what: str, value: object) -> str:
    """The warning for a ``what`` value that was not used: invalid (damage) or not understood.

    ``where`` is the location prefix (``"line 4: "`` or ``""``).
    """
    reason = invalid_reason(value)
    if reason is None:
        return f"{where}{what} '{value}' not understood"
    return f"{where}invalid {what} '{shown(value)}' ({reason}), dropped"


def shown(value: object) -> str:
    """``value`` as text short enough for a warning."""
    text = str(value)
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}... ({len(text)} characters)"


def is_damage(warning: str) -> bool:
    """Whether a warning says the document held an invalid value (see the module docstring)."""
    return _DAMAGE.match(warning) is not None


def note_if_invalid(where: str, what: str, value: object, warnings: list[str]) -> None:
    """Add the damage warning for a ``what`` value that was dropped, when it was invalid.

    For fields whose unread values are dropped without a word ("12abc" customers): an invalid
    one is still damage, and says so.
    """
    if value not in (None, "") and invalid_reason(value) is not None:
        warnings.append(value_note(where, what, value))
