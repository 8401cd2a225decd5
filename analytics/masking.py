"""Mask the entities a corpus names so that clusters form around mechanisms, not names.

Two COEs of ``payments-api`` with different failure mechanisms share the service's name and
often its hosts and region; embedded as written, that shared vocabulary pulls them together.
Before root causes, why-steps and actions are embedded or clustered, every service and team the
corpus itself names (in the forms people write them: ``payments-api``, ``payments api``,
``Payments API``) and every host name, URL, IP address, cloud region, date, time, version,
ticket/COE id and number is replaced by a neutral placeholder. What is left is the mechanism.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_GENERIC = [
    (re.compile(r"https?://\S+"), "the url"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?:/\d+)?\b"), "the address"),
    (
        re.compile(
            r"\b[a-z0-9][\w-]*(?:\.[\w-]+)+\.(?:com|net|org|io|internal|local|cloud|dev|svc)\b",
            re.I,
        ),
        "the host",
    ),
    (
        re.compile(
            r"\b(?:us|eu|ap|sa|ca|me|af)-(?:north|south|east|west|central|northeast|southeast)-\d\b",
            re.I,
        ),
        "the region",
    ),
    (re.compile(r"\b(?:COE|PM|INC|SEV|JIRA|OPS)[-_ ]?\d{2,4}(?:-\d+)?\b", re.I), "the incident"),
    (re.compile(r"\b[A-Z]{2,}-\d+\b"), "the ticket"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?Z?)?\b"), "the date"),
    (re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:UTC|GMT|[AP]M)?\b", re.I), "the time"),
    (re.compile(r"\bv\d+(?:\.\d+)+\b|\b\d+\.\d+\.\d+\b"), "the version"),
    (
        re.compile(
            r"\b\d+(?:,\d{3})*(?:\.\d+)?"
            r"(?:\s*(?:ms|s|m|h|min|mins|minutes|hours|seconds|gb|mb|kb|tb)\b|%)?",
            re.I,
        ),
        "N",
    ),
]
_DOUBLE_THE = re.compile(r"\bthe the\b", re.I)


def entity_variants(name: str) -> set[str]:
    """The ways people write one entity name: ``payments-api`` -> payments-api, payments api, ..."""
    base = name.strip()
    if not base:
        return set()
    spaced = re.sub(r"[-_]+", " ", base)
    return {base, spaced, base.replace("-", "_"), spaced.replace(" ", "")}


def entity_pattern(names: Iterable[str]) -> re.Pattern | None:
    """One case-insensitive pattern matching every variant of every name, longest first.

    >>> entity_pattern(["pay", "payments-api"]).sub("X", "pay, payments-api, payments apis")
    'X, X, payments apis'
    """
    variants = {v.lower() for n in names for v in entity_variants(n) if len(v) >= 3}
    if not variants:
        return None
    # The trie nests one group per character: a pasted paragraph in a services field would nest
    # past the regex compiler's limits, so such names are plain alternatives, tried first.
    long = sorted((v for v in variants if len(v) > _TRIE_DEPTH), key=lambda v: (-len(v), v))
    short = _trie(v for v in variants if len(v) <= _TRIE_DEPTH)
    arms = "|".join([*map(re.escape, long), *([short] if short else [])])
    return re.compile(r"(?<![\w-])(?:" + arms + r")(?![\w-])", re.I)


_TRIE_DEPTH = 100


def _trie(words: Iterable[str]) -> str:
    """A regex matching exactly ``words``, longest first, with shared prefixes factored out.

    A plain alternation of every variant is tried alternative by alternative at each position of
    a text: with a corpus's hundreds of names, masking whole documents took most of the precedent
    index's build. Here one character picks one branch, and a longer word is tried before a
    shorter one it extends, as the alternation sorted longest first did.

    >>> _trie(["ab", "abc", "ad"])
    'a(?:b(?:c)?|d)'
    """
    root: dict = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def branch(node: dict) -> str:
        arms = [re.escape(ch) + branch(child) for ch, child in sorted(node.items()) if ch]
        if not arms:
            return ""
        body = arms[0] if len(arms) == 1 else "(?:" + "|".join(arms) + ")"
        return f"(?:{body})?" if "" in node else body

    return branch(root)


# A one-word name that this many COEs which do not name it use as a word is a common word.
COMMON_WORD_COES = 3
_PLAIN_WORD = re.compile(r"[a-z]+")


def names_to_mask(named: Iterable[tuple[Iterable[str], str]]) -> frozenset[str]:
    """The entity names worth masking, from ``(names a COE gives, that COE's text)`` pairs.

    Multi-word, hyphenated and numbered names are always names. A one-word name is not masked
    when more COEs use it as a plain word without naming it than name it (and at least
    ``COMMON_WORD_COES`` do): a "Networking, Storage" services field must not erase "storage"
    from every cause that says the storage filled up.

    >>> docs = [(["storage", "pay-api"], "storage filled"), ([], "the storage array"),
    ...         ([], "storage quota"), ([], "storage latency"), (["edge"], "edge nodes")]
    >>> sorted(names_to_mask(docs))
    ['edge', 'pay-api']
    """
    named = [
        (frozenset(n.strip().lower() for n in names if n and n.strip()), t) for names, t in named
    ]
    names = frozenset().union(*(n for n, _ in named)) if named else frozenset()
    plain = {n for n in names if _PLAIN_WORD.fullmatch(n)}
    if not plain:
        return names
    finder = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, plain)) + r")(?![\w-])", re.I)
    used_by: dict[str, int] = {}
    named_by: dict[str, int] = {}
    for own, text in named:
        for word in own & plain:
            named_by[word] = named_by.get(word, 0) + 1
        for word in {w.lower() for w in finder.findall(text)} - own:
            used_by[word] = used_by.get(word, 0) + 1
    return frozenset(
        n for n in names if used_by.get(n, 0) < max(COMMON_WORD_COES, named_by.get(n, 0))
    )


def mask(text: str, pattern: re.Pattern | None = None) -> str:
    """Replace the corpus's entities and the generic ones by placeholders.

    >>> p = entity_pattern(["payments-api"])
    >>> mask("Payments API in us-east-1 ran out of memory at 10:42 UTC on 2025-03-04", p)
    'the service in the region ran out of memory at the time on the date'
    """
    # URLs, addresses and hosts first: a host name often contains a service's name.
    for regex, placeholder in _GENERIC[:3]:
        text = regex.sub(placeholder, text)
    if pattern is not None:
        text = pattern.sub("the service", text)
    for regex, placeholder in _GENERIC[3:]:
        text = regex.sub(placeholder, text)
    text = _DOUBLE_THE.sub("the", text)
    return re.sub(r"\s+", " ", text).strip()
