"""Is a piece of a COE filler: text that fills a slot without saying anything?

A why answered "because", a root cause "not sure", a timeline row left as the template's
"Short event description", a why that repeats an earlier one: the slot is filled, the part is
not. The linter counts filler as missing (a chain of five whys, two of them "because", is three
whys deep), so filler costs what the missing part costs in the quality score.

Text is filler when, lower-cased and stripped of punctuation, it

1. is empty or one of :data:`FILLER_TEXTS` ("because", "not sure", "tbd", "n/a", "see above");
2. starts with a non-answer ("because", "not sure", "unknown", "tbd") and says nothing more
   than two words;
3. holds a template placeholder (:data:`PLACEHOLDERS`: "short event description", "20xx",
   "lorem ipsum", "<...>"); or
4. for answers (whys, root causes), has fewer than two content words ("Because.", "Timeout.").
"""

from __future__ import annotations

import re
from functools import lru_cache

from analytics.lint.specificity import content_words

FILLER_TEXTS: frozenset[str] = frozenset(
    {
        "because",
        "because of that",
        "because it did",
        "not sure",
        "unsure",
        "unknown",
        "unclear",
        "no idea",
        "idk",
        "i don't know",
        "i do not know",
        "don't know",
        "dunno",
        "tbd",
        "tbc",
        "to be determined",
        "to be confirmed",
        "todo",
        "to do",
        "n/a",
        "na",
        "none",
        "nothing",
        "see above",
        "same as above",
        "as above",
        "same",
        "etc",
        "placeholder",
        "fill in",
        "it broke",
        "it failed",
        "it happened",
        "something went wrong",
    }
)

# Non-answers that may trail a word or two ("Because it did.", "Not sure yet").
_NON_ANSWER_RE = re.compile(r"^(?:because|not sure|unsure|unknown|unclear|tbd|tbc|todo|n/a)\b")

PLACEHOLDERS: tuple[str, ...] = (
    "short event description",
    "incident title",
    "20xx",
    "yyyy-mm-dd",
    "lorem ipsum",
    "fromtheteam",
    "[insert",
    "<insert",
    "{{",
    "xxx",
)
_ANGLE_PLACEHOLDER_RE = re.compile(r"<[a-z][a-z _-]{2,40}>")
_PUNCT_RE = re.compile(r"[^\w\s'/?-]+")


def fold(text: str) -> str:
    """``text`` as words only: case, spacing and punctuation aside."""
    return " ".join(_PUNCT_RE.sub(" ", text.lower()).split()).strip(" -?")


@lru_cache(maxsize=1 << 13)
def filler_reason(text: str | None, *, answer: bool = False) -> str | None:
    """Why ``text`` is filler, or None when it says something.

    ``answer`` asks for the stricter rule of a why's answer or a root cause (two content words
    at least); a timeline row or an impact line may be short and still be a fact.

    Examples
    --------
    >>> filler_reason("Because.", answer=True)
    'filler "because"'
    >>> filler_reason("20xx-MM-DD HH:mm Short event description")
    'template placeholder "short event description"'
    >>> filler_reason("The pool was exhausted by a retry storm.", answer=True) is None
    True
    """
    raw = (text or "").lower()
    folded = fold(text or "")
    if not folded:
        return "empty"
    if folded in FILLER_TEXTS:
        return f'filler "{folded}"'
    for placeholder in PLACEHOLDERS:
        if placeholder in raw:
            return f'template placeholder "{placeholder}"'
    if _ANGLE_PLACEHOLDER_RE.search(raw):
        return "template placeholder"
    words = content_words(folded)
    start = _NON_ANSWER_RE.match(folded)
    if start and len(folded.split()) <= 3:
        return f'filler "{folded}"'
    if answer and len(words) < 2:
        return f'says too little: "{folded}"'
    return None


def same_text(a: str | None, b: str | None) -> bool:
    """Whether two pieces of text say the same words (case, spacing and punctuation aside)."""
    return bool(a and b) and fold(a) == fold(b)
