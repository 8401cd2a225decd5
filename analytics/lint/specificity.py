"""Is an action item specific and measurable, or a wish ("be more careful")?

The COE practice asks for SMART actions: a reader must be able to tell when the action is done.
An action is *not specific* when

1. it contains a known vague phrase (:data:`VAGUE_PHRASES`: "be more careful", "improve
   monitoring", "communicate better", "make sure to ...", "double check"), unless it also names a
   concrete mechanism, for example "Improve monitoring: add an alarm on p99 latency > 2 s"; or
2. it is very short and names no concrete object: after dropping filler words, fewer than three
   content words and no mechanism, identifier or number ("Investigate", "Fix it", "Review
   process", "Add more tests").

A *concrete mechanism* is a number, an identifier (``payments-api``, ``max_conns``, a path, a
ticket id), or one of the nouns in :data:`MECHANISM_WORDS` (alarm, canary, linter, rate limit,
checklist, ...) together with at least three content words.
"""

from __future__ import annotations

import re
from functools import lru_cache


def _words(block: str) -> list[str]:
    """The whitespace-separated words of a word-list block (keeps the lists readable)."""
    return block.split()


VAGUE_PHRASES: tuple[str, ...] = (
    "be more careful",
    "be careful",
    "more careful",
    "pay more attention",
    "pay attention",
    "be more vigilant",
    "be vigilant",
    "communicate better",
    "better communication",
    "improve communication",
    "improve monitoring",
    "improve alerting",
    "improve observability",
    "improve testing",
    "improve the process",
    "improve process",
    "improve processes",
    "improve documentation",
    "improve quality",
    "improve reliability",
    "better monitoring",
    "better testing",
    "better documentation",
    "more monitoring",
    "more testing",
    "more tests",
    "review process",
    "review the process",
    "review processes",
    "revisit the process",
    "double check",
    "double-check",
    "make sure to",
    "make sure that",
    "make sure we",
    "ensure this does not happen",
    "ensure this doesn't happen",
    "prevent this from happening",
    "avoid this in the future",
    "avoid similar issues",
    "not happen again",
    "remember to",
    "try to",
    "think about",
    "look into",
    "keep an eye",
    "raise awareness",
    "take more care",
    "follow best practices",
    "follow the process",
    "be more thorough",
    "work harder",
    "learn from this",
)

# Nouns naming a mechanism someone can build and verify.
MECHANISM_WORDS: frozenset[str] = frozenset(
    _words(
        """
    alarm alarms alert alerts alerting canary canaries linter lint checklist checklists gate
    gates guardrail guardrails validation validator schema threshold thresholds timeout
    timeouts retry retries backoff circuit breaker quota quotas limit limits budget budgets
    runbook playbook automation automate automated script test tests integration e2e unit
    dashboard slo sli metric metrics probe probes healthcheck health-check rollback rollout
    feature flag flags staging preflight pre-flight precommit pre-commit hook hooks ci
    pipeline policy policies rbac permission permissions least-privilege approval two-person
    review-bot codeowners expiry renewal rotation autoscaling replica replicas failover
    backup backups restore drill drills chaos load-test loadtest capacity fuzz fuzzing
        """
    )
)

_FILLER: frozenset[str] = frozenset(
    _words(
        """
    a an the and or to of for in on at by with from this that these those it its our we us
    all any some more most better be is are was were will should must can could would
    make sure ensure do does did done get got have has had team teams everyone people
    future again issue issues problem problems thing things stuff similar such same also
    properly carefully correctly always never new existing current related relevant etc
        """
    )
)

# Verbs that commit to building or changing something a reader can check.
CONCRETE_VERBS: frozenset[str] = frozenset(
    _words(
        """
    add adding create build implement enable configure set automate write enforce require
    block reject remove delete migrate upgrade downgrade pin rotate replace split move cap
    limit raise lower alarm alert page gate run schedule deploy roll document publish
    introduce install instrument track measure test validate verify deprecate disable shard
        """
    )
)

# Hyphenated words of everyday English, not identifiers of services or settings.
_PLAIN_HYPHENATED = frozenset(
    _words(
        """
    double-check follow-up follow-ups on-call re-check re-review cross-team well-known
    long-term short-term up-to-date day-to-day one-off post-mortem postmortem-ish re-evaluate
    re-think self-review e-mail
        """
    )
)

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*")
_IDENTIFIER_RE = re.compile(
    r"\d|`|\b[A-Za-z]\w*(?:[_/.:]\w+)+|\b[A-Z]{2,}-\d+|\b[a-z0-9]+(?:-[a-z0-9]+)+\b"
)


def content_words(title: str) -> list[str]:
    """The words of ``title`` that carry meaning (filler words dropped), lower case."""
    return [w for w in (m.lower() for m in _WORD_RE.findall(title)) if w not in _FILLER]


def _has_identifier(title: str) -> bool:
    return any(m.group(0).lower() not in _PLAIN_HYPHENATED for m in _IDENTIFIER_RE.finditer(title))


def has_mechanism(title: str) -> bool:
    """Whether ``title`` names something concrete: a number, an identifier or a mechanism."""
    if _has_identifier(title):
        return True
    words = set(content_words(title))
    return bool(words & MECHANISM_WORDS) and len(words) >= 3


# Action titles recur across COEs (a team's standard actions), so each is judged once.
@lru_cache(maxsize=1 << 13)
def vague_reason(title: str) -> str | None:
    """Why the action ``title`` is not specific, or None when it is specific enough.

    A vague phrase is forgiven only when the rest of the title commits to a concrete change:
    a concrete verb ("add", "enforce") together with a mechanism or identifier.

    Examples
    --------
    >>> vague_reason("Be more careful when deploying")
    'vague phrase "be more careful"'
    >>> vague_reason("Improve monitoring: add an alarm on pool saturation above 80%") is None
    True
    """
    low = " ".join(title.lower().split())
    for phrase in VAGUE_PHRASES:
        if phrase not in low:
            continue
        rest = low.replace(phrase, " ")
        if not (set(content_words(rest)) & CONCRETE_VERBS and has_mechanism(rest)):
            return f'vague phrase "{phrase}"'
    words = content_words(title)
    if len(words) < 3 and not has_mechanism(title):
        return "too short to say what will be built or changed"
    return None
