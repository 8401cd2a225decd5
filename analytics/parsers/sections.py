"""Which part of a COE a heading (or a ``Label:`` line) introduces.

Headings are matched first against an exact alias table, then against keyword rules in a fixed
order (so that "Lessons learned" is never read as actions and "Root cause analysis (5 whys)" is
read as the why chain). FORMATS.md lists both; keep them in step.
"""

from __future__ import annotations

import re
from functools import lru_cache

SUMMARY = "summary"
IMPACT = "impact"
TIMELINE = "timeline"
METRICS = "metrics"
QUESTIONS = "questions"
WHYS = "whys"
ROOT_CAUSE = "root_cause"
CONTRIBUTING = "contributing"
ACTIONS = "actions"
LESSONS = "lessons"
RELATED = "related"
METADATA = "metadata"
NARRATIVE = "narrative"  # recognised, kept in raw text, nothing extracted

ALIASES: dict[str, str] = {
    # summary
    "summary": SUMMARY,
    "incident summary": SUMMARY,
    "executive summary": SUMMARY,
    "overview": SUMMARY,
    "tl dr": SUMMARY,
    "tldr": SUMMARY,
    "abstract": SUMMARY,
    "description": SUMMARY,
    "incident description": SUMMARY,
    "what happened": SUMMARY,
    "synopsis": SUMMARY,
    # impact
    "impact": IMPACT,
    "customer impact": IMPACT,
    "customer impacts": IMPACT,
    "incident impact": IMPACT,
    "business impact": IMPACT,
    "user impact": IMPACT,
    "scope": IMPACT,
    "blast radius": IMPACT,
    "who was affected": IMPACT,
    # timeline
    "timeline": TIMELINE,
    "incident timeline": TIMELINE,
    "timeline of events": TIMELINE,
    "chronology": TIMELINE,
    "sequence of events": TIMELINE,
    "event log": TIMELINE,
    # metrics
    "metrics": METRICS,
    "stats": METRICS,
    "statistics": METRICS,
    "key metrics": METRICS,
    "incident metrics": METRICS,
    "kpis": METRICS,
    # questions (AWS template)
    "incident questions": QUESTIONS,
    "questions": QUESTIONS,
    "detection": NARRATIVE,
    "diagnosis": NARRATIVE,
    "escalation": NARRATIVE,
    "recovery": NARRATIVE,
    "resolution": NARRATIVE,
    "mitigation": NARRATIVE,
    "response": NARRATIVE,
    "incident response": NARRATIVE,
    # whys
    "5 whys": WHYS,
    "five whys": WHYS,
    "whys": WHYS,
    "why analysis": WHYS,
    "the 5 whys": WHYS,
    "root cause analysis 5 whys": WHYS,
    # root cause
    "root cause": ROOT_CAUSE,
    "root causes": ROOT_CAUSE,
    "root cause analysis": ROOT_CAUSE,
    "rca": ROOT_CAUSE,
    "cause": ROOT_CAUSE,
    "causes": ROOT_CAUSE,
    "identified cause": ROOT_CAUSE,
    "why did it happen": ROOT_CAUSE,
    "why did this happen": ROOT_CAUSE,
    "trigger": ROOT_CAUSE,
    "underlying cause": ROOT_CAUSE,
    # contributing
    "contributing factors": CONTRIBUTING,
    "contributing factor": CONTRIBUTING,
    "contributing causes": CONTRIBUTING,
    "factors": CONTRIBUTING,
    # actions
    "action items": ACTIONS,
    "actions": ACTIONS,
    "action plan": ACTIONS,
    "follow ups": ACTIONS,
    "followups": ACTIONS,
    "follow up actions": ACTIONS,
    "follow up items": ACTIONS,
    "next steps": ACTIONS,
    "remediation": ACTIONS,
    "remediations": ACTIONS,
    "remediation items": ACTIONS,
    "corrective actions": ACTIONS,
    "preventive actions": ACTIONS,
    "preventative actions": ACTIONS,
    "prevention": ACTIONS,
    "todo": ACTIONS,
    "to do": ACTIONS,
    "tasks": ACTIONS,
    "improvements": ACTIONS,
    "how are we preventing it from happening again": ACTIONS,
    # lessons
    "lessons learned": LESSONS,
    "lessons learnt": LESSONS,
    "lessons": LESSONS,
    "learnings": LESSONS,
    "what went well": LESSONS,
    "what went wrong": LESSONS,
    "what went poorly": LESSONS,
    "what didn t go well": LESSONS,
    "what could have gone better": LESSONS,
    "where we got lucky": LESSONS,
    "key takeaways": LESSONS,
    "takeaways": LESSONS,
    "insights": LESSONS,
    "reflections": LESSONS,
    "moving forward": LESSONS,
    # related
    "related items": RELATED,
    "related": RELATED,
    "related incidents": RELATED,
    "related coes": RELATED,
    "related documents": RELATED,
    "see also": RELATED,
    "references": RELATED,
    "previous incidents": RELATED,
    "similar incidents": RELATED,
    # metadata
    "metadata": METADATA,
    "details": METADATA,
    "incident details": METADATA,
    "incident information": METADATA,
    "incident info": METADATA,
    "properties": METADATA,
    "incident lead": METADATA,
    # recognised but nothing to extract
    "attendees": NARRATIVE,
    "atendees": NARRATIVE,
    "participants": NARRATIVE,
    "appendix": NARRATIVE,
    "glossary": NARRATIVE,
    "background": NARRATIVE,
    "context": NARRATIVE,
    "notes": NARRATIVE,
    "anything else": NARRATIVE,
    "how did it happen": NARRATIVE,
    "what should you do": NARRATIVE,
    "investigation": NARRATIVE,
    "analysis": NARRATIVE,
    "data integrity": NARRATIVE,
    "authors": NARRATIVE,
    "reviewers": NARRATIVE,
    "acknowledgements": NARRATIVE,
    "acknowledgments": NARRATIVE,
    "derp checklist": NARRATIVE,
}

# (kind, keywords): the first rule with a keyword contained in the heading wins.
KEYWORD_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (WHYS, ("whys", "5 why", "five why", "why analysis", "why chain", "why s")),
    (
        LESSONS,
        (
            "lesson",
            "learning",
            "learnt",
            "went well",
            "went wrong",
            "go well",
            "gone better",
            "went poorly",
            "went badly",
            "takeaway",
            "insight",
            "reflection",
            "retrospective",
            "got lucky",
        ),
    ),
    (CONTRIBUTING, ("contributing",)),
    (ROOT_CAUSE, ("root cause", "cause ", "causes ", "rca ")),
    (
        ACTIONS,
        (
            "action",
            "follow up",
            "followup",
            "next step",
            "remediation",
            "improvement",
            "prevent",
            "to do",
            "todo",
            "corrective",
            "task",
            "fixes",
            "mitigations planned",
            # prose write-ups: "What we're changing", "What we are doing about it"
            "we re changing",
            "we are changing",
            "we re doing",
            "we are doing",
            "we will do",
            "we will change",
            "we re fixing",
            "we are fixing",
        ),
    ),
    (TIMELINE, ("timeline", "chronolog", "sequence of events")),
    (IMPACT, ("impact", "affected", "blast radius")),
    (METRICS, ("metric", "stats", "statistic", "time to", "kpi")),
    (SUMMARY, ("summary", "overview", "tl dr", "executive", "short version")),
    (RELATED, ("related", "see also", "previous incident", "similar incident")),
    (QUESTIONS, ("question",)),
    (
        NARRATIVE,
        (
            "attendee",
            "participant",
            "appendix",
            "detection",
            "escalation",
            "recovery",
            "resolution",
            "mitigation",
            "investigation",
            "background",
            "detect",
            "caught",
        ),
    ),
)

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*[.):]?|[a-z][.)]|section \d+[.:]?)\s+", re.I)


def normalize_heading(text: str) -> tuple[str, str]:
    """``(without_parentheses, full)`` lower-case word forms of a heading.

    Examples
    --------
    >>> normalize_heading("2. Root cause analysis (5 Whys)")
    ('root cause analysis', 'root cause analysis 5 whys')
    """
    text = _LINK.sub(lambda m: m.group(1), text).strip().strip("*_#: ").strip()
    text = _NUMBERING.sub("", text)
    full = _NON_WORD.sub(" ", text.lower()).strip()
    bare = _NON_WORD.sub(" ", _PAREN.sub(" ", text.lower())).strip()
    return bare, full


@lru_cache(maxsize=4096)
def classify_heading(text: str) -> str | None:
    """The section kind a heading introduces, or ``None`` when it is not recognised.

    Examples
    --------
    >>> classify_heading("Five Whys"), classify_heading("Lessons learned")
    ('whys', 'lessons')
    >>> classify_heading("Contributing Factors (findings)"), classify_heading("Follow-ups")
    ('contributing', 'actions')
    >>> classify_heading("Cake recipes") is None
    True
    """
    bare, full = normalize_heading(text)
    if not full:
        return None
    kind = ALIASES.get(full)
    if kind:
        return kind
    # Keyword rules look at the full heading so that "(5 whys)" counts; the why rule runs
    # before the exact match on the bare heading for the same reason.
    padded = f" {full} "
    if _matches(padded, KEYWORD_RULES[0][1]):
        return WHYS
    kind = ALIASES.get(bare)
    if kind:
        return kind
    for kind, words in KEYWORD_RULES[1:]:
        if _matches(padded, words):
            # "Root causes and contributing factors": the cause section, factors included
            if kind == CONTRIBUTING and " root cause" in padded:
                return ROOT_CAUSE
            return kind
    words = bare.split()
    if words[0] == "why" and 3 <= len(words) <= 12 and not words[1][0].isdigit():
        # "Why it broke", "Why did one number take down every market?": the cause, in prose
        return ROOT_CAUSE
    return None


def _matches(padded: str, words: tuple[str, ...]) -> bool:
    return any(f" {word}" in padded for word in words)


@lru_cache(maxsize=4096)
def classify_label(text: str) -> str | None:
    """Like :func:`classify_heading` but exact aliases only, for ``**Label:**`` lines inside
    prose, where a keyword match ("...add metrics around:") would be a false heading.

    Examples
    --------
    >>> classify_label("Root causes"), classify_label("We plan to add metrics around")
    ('root_cause', None)
    """
    bare, full = normalize_heading(text)
    return ALIASES.get(full) or ALIASES.get(bare)
