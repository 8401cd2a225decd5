"""The text precedent search reads: a COE's whole document, cut into passages.

Real write-ups are long (the median DFDS or PostHog report is ~560 tokens) and a sentence model
reads 256 tokens, so a document is searched as passages of at most :data:`PASSAGE_WORDS` words,
each embedded on its own, and BM25 reads the whole text. The whole text is the document as
written when its file holds this one COE (markup removed): sections the parsers do not read,
such as "Lessons learned" or free prose, often say the most about the mechanism. A file holding
several COEs (a CSV export) gives each its record's fields instead.

>>> passages("One two three. Four five six. Seven eight.", words=5)
['One two three.', 'Four five six. Seven eight.']
"""

from __future__ import annotations

import hashlib
import html
import json
import re

from analytics.record import COE

PASSAGE_WORDS = 120
MAX_PASSAGES = 32  # ~3,800 words: the rest of a very long document is read by BM25 only

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*(?:[-*#|]|\d+[.)]))")
_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.S | re.I)


def record_text(coe: COE) -> str:
    """Every field of a record that says what happened, one per line."""
    parts = [coe.title, coe.impact.summary]
    parts += [e.event for e in coe.timeline]
    for w in coe.whys:
        parts += [w.question or "", w.answer]
    parts += list(coe.root_causes)
    parts += [a.title for a in coe.actions]
    return "\n".join(p.strip() for p in parts if p and p.strip())


def plain(raw: str) -> str:
    """Document text without HTML markup (other formats are read as they are)."""
    if re.search(r"<(?:html|body|div|p|h[1-6]|table|td|li)\b", raw[:20000], re.I):
        raw = html.unescape(_TAG.sub("\n", raw))
        raw = re.sub(r"[ \t]+", " ", raw)
        raw = re.sub(r"\n\s*\n+", "\n\n", raw)
    return raw.strip()


def whole_text(coe: COE, raw: str | None) -> str:
    """What a COE is searched by: its document as written (``raw``, the only COE of its file),
    else its record's fields; the title always first."""
    body = plain(raw) if raw else record_text(coe)
    return body if body.startswith(coe.title) else f"{coe.title}\n{body}"


def content_hash(coe: COE) -> str:
    """A record's content, whatever its id and file: one draft pasted twice hashes the same."""
    data = coe.to_dict()
    for key in ("id", "source", "warnings"):
        data.pop(key, None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]


def passages(text: str, words: int = PASSAGE_WORDS, limit: int = MAX_PASSAGES) -> list[str]:
    """``text`` cut at sentence and paragraph ends into runs of at most ``words`` words (a longer
    sentence is cut inside), at most ``limit`` of them."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in _SENTENCE.split(text):
        tokens = sentence.split()
        while len(tokens) > words:  # a table or a run-on line
            if current:
                out.append(" ".join(current))
                current, size = [], 0
            out.append(" ".join(tokens[:words]))
            tokens = tokens[words:]
        if not tokens:
            continue
        if size + len(tokens) > words and current:
            out.append(" ".join(current))
            current, size = [], 0
        current.append(" ".join(tokens))
        size += len(tokens)
    if current:
        out.append(" ".join(current))
    return out[:limit]
