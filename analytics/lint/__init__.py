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
from analytics.record import COE

__all__ = ["RULES", "Finding", "RuleSpec", "find_person_names", "lint_coe", "quality_score"]

# quality_score weights: the first finding of a rule costs its full weight, each further finding
# of the same rule a little, up to a cap (ten actions without owners are one habit, not ten).
ERROR_WEIGHT = 20
WARNING_WEIGHT = 5
REPEAT_WEIGHT = 1
MAX_REPEAT_PENALTY = 5
# Except where each finding names a different gap: a draft with no impact, no timeline and no
# action items lacks three parts, and scored 93 as if it had one habit.
EACH_COUNTS = frozenset({"missing-section"})


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


def quality_score(findings: Iterable[Finding]) -> int:
    """A 0..100 score for a COE from its findings: 100 means no findings.

    Each rule that fires costs 20 points for an error rule and 5 for a warning rule; every further
    finding of the same rule costs 1 point more, at most 5 more per rule, except for
    :data:`EACH_COUNTS` rules (each missing section costs in full). The score never drops below 0.

    Examples
    --------
    >>> quality_score([])
    100
    >>> quality_score([Finding("too-few-whys", "error", "3 whys")])
    80
    """
    first: dict[str, int] = {}
    repeats: dict[str, int] = {}
    for item in findings:
        if item.rule in EACH_COUNTS:
            key = f"{item.rule}: {item.message}"
            first[key] = ERROR_WEIGHT if item.severity == "error" else WARNING_WEIGHT
        elif item.rule in first:
            repeats[item.rule] = min(MAX_REPEAT_PENALTY, repeats.get(item.rule, 0) + REPEAT_WEIGHT)
        else:
            first[item.rule] = ERROR_WEIGHT if item.severity == "error" else WARNING_WEIGHT
    return max(0, 100 - sum(first.values()) - sum(repeats.values()))
