"""The COE linter: bar-raiser checks from the COE practice (DESIGN.md, "Bar-raiser checks").

>>> from analytics.record import COE
>>> [f.rule for f in lint_coe(COE(id="COE-1", title="Checkout outage"))][:2]
['missing-section', 'missing-section']

Rules, their severities and the fix for each: notes/LINT_RULES.md (README "Lint rules").
"""

from __future__ import annotations

from collections.abc import Iterable

from analytics.lint.names import find_person_names
from analytics.lint.rules import (
    RULES,
    Finding,
    Locator,
    RuleSpec,
    check_actions,
    check_impact,
    check_named_individuals,
    check_root_cause_depth,
    check_sections,
    check_whys,
    narrative_text,
)
from analytics.lint.score import Part, Quality, quality
from analytics.record import COE

__all__ = [
    "RULES",
    "Finding",
    "Part",
    "Quality",
    "RuleSpec",
    "find_person_names",
    "lint_coe",
    "quality",
    "quality_score",
]


def lint_coe(coe: COE, raw_text: str | None = None) -> list[Finding]:
    """Run every bar-raiser rule on one COE.

    Parameters
    ----------
    coe : COE
        The parsed record.
    raw_text : str, optional
        The document's source text; when given, findings carry the 1-based line of the text
        they are about (findings about something missing have no line).

    Returns
    -------
    list of Finding
        Errors first, then warnings, each group in document order (findings without a line last).
    """
    where = Locator(raw_text)
    # Services and team are names of things, so a capitalised "Payments" is not a person.
    ignore = (*coe.services, *((coe.team,) if coe.team else ()))
    # Words the document writes in lower case or as system names are not people's names.
    context = raw_text or narrative_text(coe)
    findings = [
        *check_whys(coe, where),
        *check_root_cause_depth(coe, where, ignore, context),
        *check_named_individuals(coe, where, ignore, context),
        *check_impact(coe, where),
        *check_actions(coe, where),
        *check_sections(coe, where),
    ]
    return sorted(
        findings,
        key=lambda f: (f.severity != "error", f.line is None, f.line or 0),
    )


def quality_score(coe: COE, findings: Iterable[Finding]) -> int:
    """The 0..100 quality score of ``coe`` (:func:`analytics.lint.score.quality`).

    Examples
    --------
    >>> blank = COE(id="COE-1", title="Checkout outage")
    >>> quality_score(blank, lint_coe(blank))
    0
    """
    return quality(coe, findings).score
