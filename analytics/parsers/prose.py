"""Causes stated in running text, for write-ups that have no cause section.

A wiki incident report often says what caused the incident in one sentence of its narrative
("The root cause was an expired certificate.", "This was triggered by a config push."). Such
sentences are ranked by how plainly they state a cause, and only the strongest kind found is
kept: one "the root cause was" sentence beats every "because" in the document, and a document
with only "because"/"due to" sentences gives its first two, not all of them.
"""

from __future__ import annotations

import re

from analytics.parsers.blocks import Line, clean_inline

# strongest first; a sentence counts at the first tier it matches
_TIERS: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"\broot[- ]causes?\b(?:\s+(?:of|for)\s+[^.]{1,80}?)?\s*(?:was|were|is|are|:)", re.I
    ),
    re.compile(
        r"\b(?:(?:was|were|is|are)\s+(?:ultimately\s+|actually\s+|mainly\s+)?"
        r"(?:caused|triggered)\s+by|the (?:underlying |direct |main |primary )?cause\s+"
        r"(?:was|is|were)|we (?:found|discovered|determined|identified) that|"
        r"(?:this|it) (?:happened|occurred|failed) because)\b",
        re.I,
    ),
    re.compile(r"\b(?:caused\s+by|because(?!\s+of\s+this)|due\s+to|as a result of)\b", re.I),
)
_KEEP = (1, 2, 2)  # sentences kept from the tier found
_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z\"'(\[`])")
_TIME_LEAD = re.compile(r"^\s*(?:[-*+]\s+)?(?:\[?\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2})")


def _paragraphs(lines: list[Line]) -> list[str]:
    out: list[str] = []
    para: list[str] = []
    for line in lines:
        text = line.text.strip()
        # a timestamped log line is an event, not a statement of cause
        if not text or text.startswith(("|", "#", "```")) or _TIME_LEAD.match(text):
            if para:
                out.append(" ".join(para))
                para = []
            continue
        para.append(clean_inline(re.sub(r"^\s*(?:[-*+]|\d{1,2}[.)])\s+", "", text)))
    if para:
        out.append(" ".join(para))
    return out


def prose_causes(lines: list[Line]) -> list[str]:
    """Sentences of ``lines`` that state a cause, strongest kind only, in document order.

    >>> from analytics.parsers.blocks import Line
    >>> text = ["Checkout failed because the pool was full.", "",
    ...         "The root cause was a retry loop holding connections. It ran for hours."]
    >>> prose_causes([Line(i, t) for i, t in enumerate(text, 1)])
    ['The root cause was a retry loop holding connections.']
    """
    found: list[list[str]] = [[] for _ in _TIERS]
    for para in _paragraphs(lines):
        for sentence in _SENTENCE.split(para):
            sentence = sentence.strip()
            if not 20 <= len(sentence) <= 600 or sentence.endswith("?"):
                continue
            for tier, pattern in enumerate(_TIERS):
                if pattern.search(sentence):
                    found[tier].append(sentence)
                    break
    for tier, sentences in enumerate(found):
        if sentences:
            return list(dict.fromkeys(sentences))[: _KEEP[tier]]
    return []


__all__ = ["prose_causes"]
