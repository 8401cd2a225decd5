"""One severity scale for the whole project: ``Sev0`` (worst) > ``Sev1`` > ... > ``Sev4``.

Teams write severity in many vocabularies. :func:`canonical` maps the common ones onto the scale;
everything that weighs, counts, filters or colours severity reads the scale through this module,
so that a ``SEV0`` or a ``Critical`` is never filed as "other" or drawn grey.

Mapping (case-insensitive, the first word of the value decides, so that
``"Major (High Impact, Service Degradation)"`` reads as ``Major``):

====================================================  ========
written                                               scale
====================================================  ========
``SEV0``, ``Sev-0``, ``S0``, ``Severity 0``, ``P0``   ``Sev0``
``SEV1`` .. ``SEV4``, ``S1``, ``1`` .. ``4``,         ``Sev1`` .. ``Sev4``
``P1`` .. ``P4``
``SEV5`` (and any lower level)                        ``Sev4``
``Critical``, ``Blocker``, ``Emergency``, ``Urgent``  ``Sev1``
``Major``, ``High``, ``Severe``, ``Serious``           ``Sev2``
``Medium``, ``Moderate``, ``Normal``                  ``Sev3``
``Minor``, ``Low``, ``Trivial``, ``Cosmetic``          ``Sev4``
====================================================  ========

``Sev0`` is kept for what a team explicitly calls level 0 (SEV0 / P0); a word scale starts at
``Sev1`` because "Critical" is the top of a four-word scale, the same rank as SEV1 in the
vocabularies that use both. A value on none of these scales stays as written and counts as
*unrated* (:func:`rank` is ``None``).
"""

from __future__ import annotations

import re

SCALE: tuple[str, ...] = ("Sev0", "Sev1", "Sev2", "Sev3", "Sev4")
UNRATED = "unrated"
# The severities a review calls "high": the ones that page people at night.
HIGH: frozenset[str] = frozenset({"Sev0", "Sev1", "Sev2"})
HIGH_LABEL = "Sev0–Sev2"

# Systemic scoring weight of one COE: each step up the scale counts one more. An unrated COE
# counts as the lowest rated one: it happened, and nothing says it was worse.
WEIGHTS: dict[str, float] = {"Sev0": 5.0, "Sev1": 4.0, "Sev2": 3.0, "Sev3": 2.0, "Sev4": 1.0}
UNRATED_WEIGHT = 1.0

# One palette for charts in the dashboard and the report.
COLOURS: dict[str, str] = {
    "Sev0": "#7f1d1d",
    "Sev1": "#b91c1c",
    "Sev2": "#ea580c",
    "Sev3": "#eab308",  # yellow, not a second orange: Sev2 and Sev3 must tell apart
    "Sev4": "#65a30d",
    UNRATED: "#9aa5b1",
}

_CODE = re.compile(r"^(?:sev(?:erity)?|s|p(?:riority)?|level|l)?\s*[-_ .:#]?\s*(\d)\b", re.I)
_WORDS = {
    "critical": "Sev1",
    "blocker": "Sev1",
    "emergency": "Sev1",
    "urgent": "Sev1",
    "catastrophic": "Sev1",
    "major": "Sev2",
    "high": "Sev2",
    "severe": "Sev2",
    "serious": "Sev2",
    "medium": "Sev3",
    "moderate": "Sev3",
    "normal": "Sev3",
    "minor": "Sev4",
    "low": "Sev4",
    "trivial": "Sev4",
    "cosmetic": "Sev4",
}
_WORD = re.compile(r"[a-z]+")


def canonical(value: object) -> str | None:
    """The scale's name for a written severity; the text as written when it is on no scale.

    Examples
    --------
    >>> canonical("SEV-2"), canonical("sev0"), canonical("P1"), canonical("S3"), canonical("5")
    ('Sev2', 'Sev0', 'Sev1', 'Sev3', 'Sev4')
    >>> canonical("Critical"), canonical("Major (High Impact, Service Degradation)"), canonical("low")
    ('Sev1', 'Sev2', 'Sev4')
    >>> canonical("customer-facing") , canonical("  ") is None
    ('customer-facing', True)
    """
    if value is None:
        return None
    text = " ".join(str(value).split()).strip("*_`[]")
    if not text:
        return None
    m = _CODE.match(text)
    if m:
        return SCALE[min(int(m.group(1)), len(SCALE) - 1)]
    word = _WORD.match(text.lower())
    if word and word.group(0) in _WORDS:
        return _WORDS[word.group(0)]
    return text


def rank(value: object) -> int | None:
    """Position on the scale (0 for ``Sev0``, the worst); ``None`` when unrated.

    >>> rank("SEV1"), rank("Minor"), rank(None), rank("customer-facing")
    (1, 4, None, None)
    """
    sev = canonical(value)
    return SCALE.index(sev) if sev in SCALE else None


def bucket(value: object) -> str:
    """The scale name, or :data:`UNRATED`: what charts and counts group by.

    >>> bucket("sev 0"), bucket(None), bucket("customer-facing")
    ('Sev0', 'unrated', 'unrated')
    """
    sev = canonical(value)
    return sev if sev in SCALE else UNRATED


def is_high(value: object) -> bool:
    """Whether a severity is in :data:`HIGH` (``Sev0``..``Sev2``).

    >>> is_high("Critical"), is_high("SEV0"), is_high("Sev3"), is_high(None)
    (True, True, False, False)
    """
    return canonical(value) in HIGH


def weight(value: object) -> float:
    """Systemic-scoring weight: ``Sev0`` 5 .. ``Sev4`` 1; unrated 1.

    >>> weight("SEV0"), weight("Sev1"), weight("Minor"), weight(None)
    (5.0, 4.0, 1.0, 1.0)
    """
    return WEIGHTS.get(canonical(value) or "", UNRATED_WEIGHT)


def order(values) -> list[str]:
    """Buckets in scale order (worst first), :data:`UNRATED` last; for legends and filters.

    >>> order(["unrated", "Sev3", "Sev0"])
    ['Sev0', 'Sev3', 'unrated']
    """
    present = set(values)
    return [s for s in (*SCALE, UNRATED) if s in present]
