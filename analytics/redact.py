"""Blameless exports: the names of people replaced by a role placeholder.

COEs are about process, never people, yet drafts name the engineer who "pushed the change". A
report or export made with ``--redact-names`` must not carry those names anywhere: in a root
cause, an action owner, a COE title or a theme label.

Names are found per COE by :func:`analytics.lint.names.find_person_names` over the record's whole
text (the context that tells people from systems), with the COE's services and team ignored.
The names found in *any* COE are then replaced in *every* text of the output, so a name the
detector recognised in one document's blame sentence is also removed where another document
mentions it in passing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from analytics.lint.names import find_person_names
from analytics.record import COE

PLACEHOLDER = "[engineer]"


def coe_text(coe: COE) -> str:
    """Every piece of prose in one record, one per line: the context for name detection.

    >>> from analytics.record import Why
    >>> coe_text(COE("C1", "Outage", whys=(Why("1", None, "Why?", "Ana Silva pushed it"),)))
    'Outage\\nWhy?\\nAna Silva pushed it'
    """
    parts = [coe.title, coe.impact.summary]
    parts += [e.event for e in coe.timeline]
    for why in coe.whys:
        parts += [why.question or "", why.answer]
    parts += list(coe.root_causes)
    for action in coe.actions:
        parts += [action.title, action.owner or ""]
    return "\n".join(p for p in parts if p)


def person_names(coes: Iterable[COE]) -> list[str]:
    """The names of people mentioned anywhere in ``coes``, longest first.

    Parameters
    ----------
    coes : iterable of COE
        The records whose text is searched.

    Returns
    -------
    list of str
        Each name as written ("Michael White", "Priya"), without duplicates; longest first so
        that a full name is replaced before its given name alone.

    Examples
    --------
    >>> from analytics.record import Why
    >>> c = COE("C1", "Outage", services=("payments-api",),
    ...         whys=(Why("1", None, None, "Michael White pushed the config to payments-api"),))
    >>> person_names([c])
    ['Michael White']
    """
    found: set[str] = set()
    for coe in coes:
        found.update(_names_in(coe))
    return sorted(found, key=lambda n: (-len(n), n))


@lru_cache(maxsize=65536)
def _names_in(coe: COE) -> tuple[str, ...]:
    # Detection reads the whole record (milliseconds per COE); a dashboard exporting again and
    # again over the same records should pay for it once. Records are frozen, so hashable.
    text = coe_text(coe)
    return tuple(find_person_names(text, ignore=(*coe.services, coe.team or ""), context=text))


@lru_cache(maxsize=16)
def _pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    if not names:
        return None
    alternatives = sorted({re.escape(n) for n in names if n}, key=lambda n: (-len(n), n))
    # Letters, digits, hyphens and handles' @ around a name make it part of another word.
    return re.compile(r"(?<![\w@-])(?:" + "|".join(alternatives) + r")(?![\w-])")


def redact_text(text: str, names: Iterable[str], placeholder: str = PLACEHOLDER) -> str:
    """``text`` with each of ``names`` (whole words, as written) replaced by ``placeholder``.

    >>> redact_text("Rollback started by Michael White; Michael approved.", ["Michael White", "Michael"])
    'Rollback started by [engineer]; [engineer] approved.'
    >>> redact_text("Michaelson and @michael are not names here", ["Michael"])
    'Michaelson and @michael are not names here'
    """
    pattern = _pattern(tuple(names))
    return pattern.sub(placeholder, text) if pattern and text else text


def redact(obj: Any, names: Iterable[str], placeholder: str = PLACEHOLDER) -> Any:
    """A copy of ``obj`` (nested dicts, lists, tuples, strings) with every string redacted.

    Dictionary keys are left alone: they are field names and ids, not prose.

    >>> redact({"owner": "Ana Silva", "tags": ["Ana Silva's change", 3]}, ["Ana Silva"])
    {'owner': '[engineer]', 'tags': ["[engineer]'s change", 3]}
    """
    pattern = _pattern(tuple(names))
    if pattern is None:
        return obj

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(placeholder, value)
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, tuple):
            return tuple(walk(v) for v in value)
        return value

    return walk(obj)
