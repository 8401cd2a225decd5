"""The quality score: what a COE is made of, part by part, out of 100.

A score counted down from 100 by findings gave the blank template 80 (nothing there to find
fault with) and a filler-whys draft 100. This one is counted up: each part of a COE earns its
share only when it is there and says something, so a missing or filler part costs its whole
share, and a finding about a part costs within that share.

=============  ===  ==========================================================================
part           max  earns
=============  ===  ==========================================================================
impact          15  10 when stated, 5 more when it has numbers (impact-not-quantified)
timeline        10  in thirds: 1, 2, 3 or more rows that are not filler or placeholders
root cause      30  20 when stated, plus one per content word up to 10 more; 10 in all when it
                    stops at a person or "a bug" (shallow-root-cause)
why chain       15  3 per why that says something on the deepest chain, up to 5 whys
action items    30  shares of the actions: specific 18, with owner 5, due date 5, priority 2
blame            0  20 off when the COE names an individual (names-individual)
=============  ===  ==========================================================================

The parts are read from the record and the linter's findings, so the score and the findings
never disagree (filler is what :mod:`analytics.lint.filler` says it is).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from analytics.lint.rules import (
    MIN_WHYS,
    Finding,
    filler_whys,
    real_events,
    real_root_causes,
    substantive_depth,
)
from analytics.lint.specificity import content_words
from analytics.record import COE

BLAME_COST = 20


@dataclass(frozen=True)
class Part:
    """One part of the score: what it is, points earned out of ``max``, and why."""

    name: str
    points: float
    max: int
    why: str

    def to_dict(self) -> dict:
        return {**asdict(self), "points": round(self.points, 1)}


@dataclass(frozen=True)
class Quality:
    """A COE's 0..100 quality score and the parts it is the sum of."""

    score: int
    parts: tuple[Part, ...]

    def to_dict(self) -> dict:
        return {"score": self.score, "parts": [p.to_dict() for p in self.parts]}


def _missing(findings: list[Finding], section: str) -> bool:
    return any(
        f.rule == "missing-section" and f.message.startswith(f"no {section}") for f in findings
    )


def quality(coe: COE, findings: Iterable[Finding]) -> Quality:
    """Score ``coe`` from its record and its lint findings (:func:`analytics.lint.lint_coe`).

    Examples
    --------
    >>> from analytics.lint import lint_coe
    >>> q = quality(COE(id="C", title="Blank"), lint_coe(COE(id="C", title="Blank")))
    >>> q.score, [p.name for p in q.parts]
    (0, ['impact', 'timeline', 'root cause', 'why chain', 'action items'])
    """
    found = list(findings)
    rules = Counter(f.rule for f in found)
    parts = [
        _impact(found, rules),
        _timeline(coe, found),
        _root_cause(coe, found, rules),
        _why_chain(coe, found),
        _actions(coe, rules),
    ]
    if rules["names-individual"]:
        parts.append(Part("blame", -BLAME_COST, 0, "names an individual"))
    return Quality(max(0, round(sum(p.points for p in parts))), tuple(parts))


def _impact(found: list[Finding], rules: Counter) -> Part:
    if _missing(found, "impact"):
        return Part("impact", 0, 15, "missing")
    if rules["impact-not-quantified"]:
        return Part("impact", 10, 15, "stated, without numbers")
    return Part("impact", 15, 15, "stated, with numbers")


def _timeline(coe: COE, found: list[Finding]) -> Part:
    if _missing(found, "timeline"):
        return Part("timeline", 0, 10, "missing")
    rows = len(real_events(coe))
    return Part("timeline", 10 * min(rows, 3) / 3, 10, f"{rows} row{'s' * (rows != 1)}")


def _root_cause(coe: COE, found: list[Finding], rules: Counter) -> Part:
    if _missing(found, "root cause"):
        return Part("root cause", 0, 30, "missing")
    if rules["shallow-root-cause"]:
        return Part("root cause", 10, 30, "stops at a person or a bug")
    words = len({w for rc in real_root_causes(coe) for w in content_words(rc)})
    return Part("root cause", 20 + min(words, 10), 30, f"stated in {words} content words")


def _why_chain(coe: COE, found: list[Finding]) -> Part:
    if _missing(found, "whys"):
        return Part("why chain", 0, 15, "missing")
    depth = min(substantive_depth(coe.whys), MIN_WHYS)
    filler = len(filler_whys(coe.whys))
    note = f"{depth} of {MIN_WHYS} whys deep" + (f", {filler} filler not counted" if filler else "")
    return Part("why chain", 3 * depth, 15, note)


# Shares of the action items' 30 points: a specific action is most of what an action is worth.
ACTION_SHARES = (
    ("action-not-specific", 18, "specific"),
    ("action-missing-owner", 5, "with owner"),
    ("action-missing-due", 5, "with due date"),
    ("action-missing-priority", 2, "with priority"),
)


def _actions(coe: COE, rules: Counter) -> Part:
    total = len(coe.actions)
    if not total:
        return Part("action items", 0, 30, "missing")
    points, notes = 0.0, []
    for rule, share, label in ACTION_SHARES:
        ok = max(0, total - rules[rule])
        points += share * ok / total
        notes.append(f"{ok} {label}")
    return Part("action items", points, 30, f"{total} actions: " + ", ".join(notes))
