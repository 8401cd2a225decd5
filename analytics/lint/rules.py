"""The bar-raiser rules: one function per rule, each taking a COE and returning findings.

Every rule id is also a defect label of the synthetic corpus (labels.json ``defects``), so the
linter can be measured against ground truth. README text for each rule: notes/LINT_RULES.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Literal

from analytics.lint.filler import filler_reason, fold, same_text
from analytics.lint.names import find_person_names, person_mentions
from analytics.lint.specificity import vague_reason
from analytics.record import COE, Why, leaf_whys, why_depths, why_paths

Severity = Literal["error", "warning"]

MIN_WHYS = 5


@dataclass(frozen=True)
class Finding:
    """One bar-raiser finding: which rule, how bad, what is wrong, and where (1-based line)."""

    rule: str
    severity: Severity
    message: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class RuleSpec:
    """What a rule is called, how severe its findings are, and what it checks in one line."""

    id: str
    severity: Severity
    summary: str


RULES: tuple[RuleSpec, ...] = (
    RuleSpec("too-few-whys", "error", f"fewer than {MIN_WHYS} whys on the deepest why chain"),
    RuleSpec(
        "shallow-root-cause",
        "error",
        'the why chain stops at a person, "human error" or "a bug in the code"',
    ),
    RuleSpec("names-individual", "error", "a named individual is held responsible"),
    RuleSpec("impact-not-quantified", "warning", "the impact has no numbers"),
    RuleSpec("action-missing-owner", "warning", "an action item has no owner"),
    RuleSpec("action-missing-priority", "warning", "an action item has no priority"),
    RuleSpec("action-missing-due", "warning", "an action item has no due date"),
    RuleSpec("action-not-specific", "warning", "an action item is not specific or measurable"),
    RuleSpec(
        "missing-section",
        "warning",
        "impact, timeline, whys, root cause or action items are missing",
    ),
)

_SEVERITY = {spec.id: spec.severity for spec in RULES}


def finding(rule: str, message: str, line: int | None = None) -> Finding:
    """A finding of ``rule`` with the rule's own severity."""
    return Finding(rule=rule, severity=_SEVERITY[rule], message=message, line=line)


# --------------------------------------------------------------------------- locating text


class Locator:
    """Finds the 1-based line of a piece of a record in the document's source text."""

    def __init__(self, raw_text: str | None) -> None:
        self.text = raw_text or ""
        self._lines = raw_text.splitlines() if raw_text else []
        # The lines lower-cased, runs of spaces made one, in one text: a probe holds no line break,
        # so one search finds the first line holding it.
        self._folded = "\n".join(" ".join(line.split()) for line in self.text.lower().splitlines())

    def line_of(self, *needles: str | None) -> int | None:
        """The first line holding any of ``needles`` (whole, else its first words)."""
        for needle in needles:
            if not needle or not self._lines:
                continue
            folded = " ".join(needle.lower().split())
            for probe in (folded, folded[:60], " ".join(folded.split()[:5])):
                if len(probe) < 3:
                    continue
                at = self._folded.find(probe)
                if at >= 0:
                    return self._folded.count("\n", 0, at) + 1
        return None

    def line_at(self, offset: int) -> int | None:
        """The line of a character offset into the source text."""
        return self.text.count("\n", 0, offset) + 1 if self.text else None

    def heading_line(self, pattern: str) -> int | None:
        """The line of a heading or label matching ``pattern`` (a regex, case-insensitive)."""
        regex = re.compile(rf"^\s*(?:#+\s*|\*\*)?(?:{pattern})\b", re.IGNORECASE)
        for number, line in enumerate(self._lines, start=1):
            if regex.search(line):
                return number
        return None


# --------------------------------------------------------------------------- why tree


def why_depth(whys: Iterable[Why]) -> int:
    """Number of whys on the longest root-to-leaf path of the why tree.

    Examples
    --------
    >>> from analytics.record import Why
    >>> why_depth([Why("1", None, None, "a"), Why("2", "1", None, "b"), Why("2b", "1", None, "c")])
    2
    """
    return max(why_depths(tuple(whys)).values(), default=0)


def filler_whys(whys: tuple[Why, ...]) -> dict[str, str]:
    """Why id -> why its answer is filler: says nothing, or repeats its question or a why above.

    Examples
    --------
    >>> from analytics.record import Why
    >>> filler_whys((Why("1", None, None, "The pool ran dry."), Why("2", "1", None, "Because.")))
    {'2': 'filler "because"'}
    """
    return dict(_filler_whys(tuple(whys)))


# The linter asks for a COE's filler whys once per rule that reads the chain; each answer is
# folded once (comparing every pair of whys anew was most of the linter's time).
@lru_cache(maxsize=4096)
def _filler_whys(whys: tuple[Why, ...]) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    seen: dict[str, str] = {}  # folded answer -> id of the first why that gave it
    for why in whys:
        reason = filler_reason(why.answer, answer=True)
        if reason is None and same_text(why.answer, why.question):
            reason = "repeats its question"
        folded = fold(why.answer or "")
        if reason is None and folded and folded in seen:
            reason = f"repeats why {seen[folded]}"
        if reason is not None:
            out.setdefault(why.id, reason)
        if folded:
            seen.setdefault(folded, why.id)
    return tuple(out.items())


def substantive_depth(whys: tuple[Why, ...]) -> int:
    """Whys that say something on the deepest chain: :func:`why_depth` with filler not counted."""
    filler = filler_whys(whys)
    return max((sum(w.id not in filler for w in path) for path in why_paths(whys)), default=0)


def real_root_causes(coe: COE) -> list[str]:
    """The root-cause statements that are not filler."""
    return [rc for rc in coe.root_causes if filler_reason(rc, answer=True) is None]


def real_events(coe: COE) -> list[str]:
    """The timeline rows that are not filler or a template's placeholder."""
    rows = (" ".join(part for part in (e.at, e.event) if part) for e in coe.timeline)
    return [row for row in rows if filler_reason(row) is None]


# --------------------------------------------------------------------------- rules


def check_whys(coe: COE, where: Locator) -> list[Finding]:
    """too-few-whys: the deepest chain has fewer than five whys (no whys: missing-section)."""
    filler = filler_whys(coe.whys)
    depth = substantive_depth(coe.whys)
    if depth == 0 or depth >= MIN_WHYS:
        return []  # no why says anything: missing-section
    first = coe.whys[0]
    noted = "; ".join(f"why {i}: {reason}" for i, reason in list(filler.items())[:3])
    return [
        finding(
            "too-few-whys",
            f"the deepest why chain has {depth} why{'s' if depth != 1 else ''} that say something"
            f"{f' (filler not counted: {noted})' if filler else ''}; ask at least "
            f"{MIN_WHYS} to get from the symptom to the process that let it happen",
            where.line_of(first.question, first.answer),
        )
    ]


# Statements that stop at a person or at "we are human" instead of the process.
_SHALLOW_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"\bhuman errors?\b", "human error"),
    (r"\boperator errors?\b", "operator error"),
    (r"\buser errors?\b", "user error"),
    (
        r"\b(?:engineer|developer|operator|admin|person|someone|somebody)(?:'s)? (?:error|mistake)",
        "a person's mistake",
    ),
    (r"\bmade an? (?:mistake|typo)\b", "a person's mistake"),
    (
        r"\b(?:someone|somebody|an? engineer|the engineer|an? developer|the developer|an? operator|the operator|an? admin|the admin|they|he|she)\b[^.;]{0,40}?\b(?:forgot|neglected|failed to|did not|didn't|was careless|wasn't careful|was not careful|made a|mistyped|overlooked|missed)\b",
        "a person's slip",
    ),
    (r"\bforgot to\b", "someone forgetting"),
    (
        r"\b(?:carelessness|careless|negligence|not paying attention|lack of attention|inattention)\b",
        "carelessness",
    ),
    (r"\b(?:a|an|the) (?:\w+ )?bugs? in (?:the |our )?code\b", "a bug in the code"),
    (r"\b(?:a|an|the) software bug\b", "a software bug"),
    (r"\b(?:a|an|the) (?:coding|programming) (?:error|mistake)\b", "a coding error"),
    (r"^\s*(?:a |there was a |it was a )?(?:bug|typo)\.?\s*$", "a bug"),
    (r"\bwas (?:just )?a (?:simple )?(?:bug|typo)\b", "a bug"),
)
_SHALLOW_RES = tuple((re.compile(p, re.IGNORECASE), label) for p, label in _SHALLOW_PATTERNS)

# Words showing the statement already reaches the process that let the slip through.
_PROCESS_RE = re.compile(
    r"\b(?:no|lack(?:ed|s|ing)?|missing|absence|without|not caught|did not catch|didn't catch|"
    r"wasn't caught|was not caught|not detected|undetected|allowed|permitted|let (?:it|the)|"
    r"nothing (?:stopped|prevented|blocked|caught)|no (?:check|test|review|gate|guard)|"
    r"process|checklist|automation|automated|guardrail|safeguard|validation|review(?:ed)? "
    r"(?:process|step|gate)|policy|tooling|test coverage|pipeline|canary)\b",
    re.IGNORECASE,
)


# The same statements recur across COEs written from one template, and each costs a dozen searches.
@lru_cache(maxsize=1 << 13)
def shallow_reason(statement: str) -> str | None:
    """Why ``statement`` is a shallow root cause, or None when it reaches a process.

    Examples
    --------
    >>> shallow_reason("Human error during the deploy.")
    'human error'
    >>> shallow_reason("No validation step caught the human error before rollout.") is None
    True
    """
    for regex, label in _SHALLOW_RES:
        if regex.search(statement):
            return None if _PROCESS_RE.search(statement) else label
    return None


def check_root_cause_depth(
    coe: COE, where: Locator, ignore: tuple[str, ...], context: str
) -> list[Finding]:
    """shallow-root-cause: a root cause or a chain's last why blames a person or "a bug"."""
    statements: list[str] = []
    for text in (*coe.root_causes, *(w.answer for w in leaf_whys(coe.whys))):
        if text and text not in statements:
            statements.append(text)
    findings: list[Finding] = []
    for text in statements:
        reason = shallow_reason(text)
        if reason is None and find_person_names(text, ignore, context):
            reason = "a person"
        if reason is None:
            continue
        findings.append(
            finding(
                "shallow-root-cause",
                f'root cause stops at {reason}: "{_clip(text)}"; ask why the process let it '
                "through (review, tests, guardrails, alarms)",
                where.line_of(text),
            )
        )
    return findings


def _narrative(coe: COE) -> list[tuple[str, str, bool]]:
    """The parts of a record that tell what happened and why: (label, text, is causal).

    Whys and root causes are the causal chain; title, impact and timeline only tell the story.
    Action owners and attendee lists are not narrative: naming an owner is good practice.
    """
    parts = [("title", coe.title, False), ("impact", coe.impact.summary, False)]
    parts += [("timeline", e.event, False) for e in coe.timeline]
    for why in coe.whys:
        parts += [(f"why {why.id}", why.question or "", True), (f"why {why.id}", why.answer, True)]
    parts += [("root cause", rc, True) for rc in coe.root_causes]
    return [part for part in parts if part[1]]


def narrative_text(coe: COE) -> str:
    """The record's narrative as one text: the context for telling names from things."""
    return "\n".join(text for _, text, _ in _narrative(coe))


def check_named_individuals(
    coe: COE, where: Locator, ignore: tuple[str, ...], context: str
) -> list[Finding]:
    """names-individual: a person named in the why chain or root cause, or blamed anywhere.

    Any name in a why or root cause puts a person in the causal chain. In the title, impact and
    timeline, and in the rest of the source text (sections the parser may not have read), a name
    counts only in a blame context ("John Smith pushed ...", "caused by Priya"), so that "paged
    Priya" or an attendee list is not a finding.
    """
    findings: list[Finding] = []
    reported: set[str] = set()

    def report(name: str, label: str, line: int | None) -> None:
        if name in reported:
            return
        reported.add(name)
        findings.append(
            finding(
                "names-individual",
                f'names an individual, "{name}" ({label}); a COE is about process, never '
                "people: describe the role and the process instead",
                line,
            )
        )

    for label, text, causal in _narrative(coe):
        for mention in person_mentions(text, ignore, context):
            if causal or mention.blamed:
                report(mention.name, label, where.line_of(text, mention.name))
    for mention in person_mentions(where.text, ignore, context):
        if mention.blamed:
            report(mention.name, "blamed in the text", where.line_at(mention.start))
    return findings


# Digits, number words, and "an hour" / "a day": any of them quantifies an impact.
_NUMBER_RE = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundreds?|thousands?|millions?|dozens?|half|all|every|none|no one)\b|"
    r"\ban? (?:minute|hour|day|week|month)\b",
    re.IGNORECASE,
)


def _has_impact(coe: COE) -> bool:
    imp = coe.impact
    numbers = (imp.duration_minutes, imp.customers_affected, imp.requests_failed_pct)
    return filler_reason(imp.summary) is None or any(n is not None for n in numbers)


def check_impact(coe: COE, where: Locator) -> list[Finding]:
    """impact-not-quantified: neither the summary nor the impact fields hold a number."""
    imp = coe.impact
    if not _has_impact(coe):
        return []
    if any(n is not None for n in (imp.duration_minutes, imp.customers_affected)):
        return []
    if imp.requests_failed_pct is not None or _NUMBER_RE.search(imp.summary):
        return []
    return [
        finding(
            "impact-not-quantified",
            "impact has no numbers: say how many customers or requests, for how long, and how "
            "much failed",
            where.line_of(imp.summary) or where.heading_line("impact|customer impact"),
        )
    ]


def check_actions(coe: COE, where: Locator) -> list[Finding]:
    """action-missing-owner/-priority/-due and action-not-specific, one finding per action."""
    findings: list[Finding] = []
    for number, action in enumerate(coe.actions, start=1):
        name = f'action {action.id or number} "{_clip(action.title, 60)}"'
        line = where.line_of(action.title)
        for rule, value, what in (
            ("action-missing-owner", action.owner, "owner"),
            ("action-missing-priority", action.priority, "priority"),
            ("action-missing-due", action.due, "due date"),
        ):
            if not (value and str(value).strip()):
                findings.append(finding(rule, f"{name} has no {what}", line))
        reason = vague_reason(action.title)
        if reason:
            findings.append(
                finding(
                    "action-not-specific",
                    f"{name} is not specific ({reason}): say what will be built or changed and "
                    "how anyone will know it is done",
                    line,
                )
            )
    return findings


def check_sections(coe: COE, where: Locator) -> list[Finding]:
    """missing-section: one finding per missing part of the COE."""
    # Filler fills a slot, not the part: a section holding only filler is missing.
    present: tuple[tuple[str, bool, bool], ...] = (
        ("impact summary", _has_impact(coe), bool(coe.impact.summary.strip())),
        ("timeline", bool(real_events(coe)), bool(coe.timeline)),
        ("whys", substantive_depth(coe.whys) > 0, bool(coe.whys)),
        ("root cause", bool(real_root_causes(coe)), bool(coe.root_causes)),
        ("action items", bool(coe.actions), bool(coe.actions)),
    )
    return [
        finding(
            "missing-section",
            f"no {section}: a COE needs one"
            + (" (what is there is filler or a template's placeholder)" if written else ""),
            None,
        )
        for section, ok, written in present
        if not ok
    ]


def _clip(text: str, width: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."
