"""The why chain: numbered lists, ``Q:``/``A:`` pairs, ``Why 3:`` lines, arrows, tables and
nested bullets, into ``Why`` records whose parent links keep the document's branches.

Ids follow the contract: "1", "2", "3", and "3a"/"3b" for branches that share a parent. An id
written in the document ("Why 3b") is kept.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from analytics.parsers.blocks import LIST_ITEM, Line, Table, clean_inline, column, find_tables
from analytics.record import Why

_QUOTE = re.compile(r"^\s*>\s?")
_WHY_LABEL = re.compile(
    r"^(?:\*\*|__)?\s*why\s*(?:#|no\.?|number)?\s*(?P<id>\d{1,2}[a-z]?)\b(?![:.,]\d|\s*\?)"
    r"\s*(?:\*\*|__)?"
    r"\s*(?:[:.)?\-–—]+\s*)?(?:\*\*|__)?\s*(?P<rest>.*)$",
    re.I,
)
_Q_LABEL = re.compile(
    r"^(?:\*\*|__)?\s*(?:q|question)\s*(?P<id>\d{1,2}[a-z]?)?\s*(?:\*\*|__)?\s*[:.)\-–—]\s*"
    r"(?:\*\*|__)?\s*(?P<rest>.*)$",
    re.I,
)
_A_LABEL = re.compile(
    r"^(?:\*\*|__)?\s*(?:a|answer|because)\s*(?P<id>\d{1,2}[a-z]?)?\s*(?:\*\*|__)?\s*[:.)\-–—]\s*"
    r"(?:\*\*|__)?\s*(?P<rest>.*)$",
    re.I,
)
_BECAUSE = re.compile(r"^(?:a\s*:\s*|answer\s*:\s*|[-–—:]\s*)?because(?:\s+of)?\b[\s,:]*", re.I)
_ANSWER_LEAD = re.compile(r"^(?:[-–—:>]+|a\s*:|answer\s*:)\s*", re.I)
_ARROW = re.compile(r"\s*(?:->|→|=>|⟶|➔|-->)\s*")
_WHY_ID = re.compile(r"\d{1,2}[a-z]?")
_ID_NUM = re.compile(r"^(\d+)")
_WHY_LIKE = re.compile(r"^\W*(?:why\b|q\d*\s*[:.)]|question\s*\d*\s*:)", re.I)


# "We asked why the loader dropped the events: ...", "And we then asked why it couldn't. ..."
_ASKED_WHY = re.compile(
    r"(?:^|(?<=[.!?:;]\s))(?P<lead>(?:(?:and|then|so|next|separately|finally|also|first),?\s+)*)"
    r"(?:we|i)\s+(?:then\s+|also\s+|next\s+|first\s+|finally\s+)?asked(?:\s+ourselves)?\s+"
    r"why\b\s*",
    re.I,
)
# a sentence that is a why question: "Why were they stored that way? Because ..."
_WHY_SENTENCE = re.compile(r"(?:^|(?<=[.!?]\s))Why\b[^.?!]{1,300}\?")
# "Separately, we asked why ...": a second chain, not a deeper why
_SEPARATE = re.compile(
    r"^(?:separately|independently|in parallel|on a separate (?:note|track)|a second question)\b",
    re.I,
)
# "**Branch A**", "Branch B:": a label that groups the whys under it, not a why
_BRANCH_LABEL = re.compile(r"^(?:branch|path|thread)\s+[a-z0-9]{1,2}\s*:?$", re.I)
# "- 4a. Why wasn't this caught?": a numbered branch step written inside a bullet
_BODY_NUM = re.compile(r"^(?P<id>\d{1,2}[a-z]?)[.)]\s+(?=\S)")


def _prose_whys(lines: list[Line]) -> tuple[list[Line], set[int]]:
    """Paragraphs that ask several whys in running text ("We asked why X: Y. We asked why
    Y: Z.", "Why X? Because Y. Why Y? Because Z.") as one line per why, "Why X? Y".

    Returns the lines and the indexes of those that start a separate chain.
    """
    out: list[Line] = []
    separate: set[int] = set()
    para: list[Line] = []

    def flush() -> None:
        if not para:
            return
        text = " ".join(ln.text.strip() for ln in para)
        starts = sorted(
            {m.start() for m in _ASKED_WHY.finditer(text) if m.group(0).strip()}
            | {m.start() for m in _WHY_SENTENCE.finditer(text)}
        )
        if not starts or (starts == [0] and len(para) == 1 and text.startswith("Why")):
            out.extend(para)
            para.clear()
            return
        no = para[0].no
        if starts[0] > 0:
            out.append(Line(no, text[: starts[0]].strip()))
        for k, start in enumerate(starts):
            piece = text[start : starts[k + 1] if k + 1 < len(starts) else len(text)].strip()
            m = _ASKED_WHY.match(piece)
            if m:
                lead = m.group("lead") or ""
                body = piece[m.end() :]
                cut = re.search(r"[:?]\s|\.\s|[:?.]$", body)
                question = body[: cut.start()] if cut else body
                answer = body[cut.end() :] if cut else ""
                piece = f"Why {question.strip()}? {answer.strip()}".strip()
                if _SEPARATE.match(lead):
                    separate.add(len(out))
            out.append(Line(no, piece))
        para.clear()

    for line in lines:
        text = line.text.strip()
        if (
            not text
            or LIST_ITEM.match(line.text)
            or text.startswith(("|", ">", "#"))
            or _WHY_LABEL.match(text)
            or _Q_LABEL.match(text)
            or _A_LABEL.match(text)
        ):
            flush()
            out.append(line)
        else:
            para.append(line)
    flush()
    return out, separate


def _has_arrow(text: str) -> bool:
    # every arrow form holds '>' or a non-ASCII arrow, so most lines skip the unanchored search
    return (">" in text or not text.isascii()) and _ARROW.search(text) is not None


@dataclass
class _Raw:
    no: int
    question: str | None
    answer: str
    explicit: str | None
    parent: int | None  # index into the raw list; -1 = "resolve from the explicit id"
    depth: int


def looks_like_whys(lines: list[Line]) -> bool:
    """True when a section (e.g. "Root cause analysis") is written as a why chain."""
    count = 0
    for line in lines:
        m = LIST_ITEM.match(line.text)
        text = m.group("rest") if m else line.text
        if _WHY_LIKE.match(text.strip()):
            count += 1
        elif "asked" in text:
            count += sum(1 for m in _ASKED_WHY.finditer(text) if m.group(0).strip())
        if count >= 2:
            return True
    return False


def walks_in_prose(lines: list[Line]) -> bool:
    """True when a why chain is asked in running paragraphs, with no list or ``Why N:`` label."""
    for line in lines:
        text = line.text.strip()
        if LIST_ITEM.match(line.text) or _WHY_LABEL.match(text) or _Q_LABEL.match(text):
            return False
    return True


# Why lines recur across documents (the same question over a shared cause); the split depends
# on the text only.
@functools.lru_cache(maxsize=32768)
def split_question_answer(text: str) -> tuple[str | None, str]:
    """Split one why into ``(question, answer)``.

    Examples
    --------
    >>> split_question_answer("Why did the API fail? Because the pool was exhausted.")
    ('Why did the API fail?', 'the pool was exhausted.')
    >>> split_question_answer("The cert expired")
    (None, 'The cert expired')
    """
    text = text.strip()
    q_end = text.find("?")
    if 0 < q_end < 400:
        question = text[: q_end + 1].strip()
        answer = _strip_answer(text[q_end + 1 :])
        return question, answer
    low = text.lower()
    if low.startswith("why ") and " because " in low:
        cut = low.index(" because ")
        return text[:cut].rstrip(" ,;-–—") + "?", _strip_answer(text[cut:])
    return None, _strip_answer(text)


@functools.lru_cache(maxsize=32768)
def _strip_answer(text: str) -> str:
    text = text.strip()
    text = (
        _BECAUSE.sub("", text, count=1)
        if text[:12].lower().lstrip(" -–—:").startswith(("because", "a:", "answer:"))
        else text
    )
    text = _ANSWER_LEAD.sub("", text, count=1).strip()
    text = _BECAUSE.sub("", text, count=1)
    return text.strip()


def _table_whys(table: Table, raws: list[_Raw], warnings: list[str]) -> None:
    h = table.headers
    id_col = column(h, ("#", "no", "n", "id", "step", "level", "why #", "why no", "number"))
    q_col = column(h, ("why", "question", "q", "why?", "symptom"))
    a_col = column(h, ("answer", "because", "a", "reason", "cause", "response", "explanation"))
    p_col = column(h, ("parent", "parent id", "deepens", "follows"))
    if q_col is None and a_col is None:
        warnings.append(
            f"line {table.no}: why table has no Why/Answer column, kept in raw text only"
        )
        return
    for no, cells in table.rows:

        def cell(i: int | None, cells: tuple[str, ...] = cells) -> str:
            return clean_inline(cells[i]) if i is not None and i < len(cells) else ""

        explicit = cell(id_col).strip(".: ").lower() or None
        if explicit and not _WHY_ID.fullmatch(explicit):
            explicit = None
        if a_col is None:
            question, answer = split_question_answer(cell(q_col))
        else:
            question, answer = cell(q_col) or None, _strip_answer(cell(a_col))
        if not answer and not question:
            continue
        parent_txt = cell(p_col).strip(".: ").lower()
        raw = _Raw(no, question, answer, explicit, -1, 0)
        if parent_txt:
            raw.parent = _find_explicit(raws, parent_txt)
        raws.append(raw)


def _find_explicit(raws: list[_Raw], ident: str) -> int | None:
    for idx in range(len(raws) - 1, -1, -1):
        if raws[idx].explicit == ident:
            return idx
    return None


def parse_whys(lines: list[Line], warnings: list[str]) -> list[Why]:
    """Why records from a why section's lines, in document order."""
    raws: list[_Raw] = []
    tables, rest = find_tables(lines)
    for table in tables:
        _table_whys(table, raws, warnings)

    # (indent, raw index) of open list items, for nesting
    open_items: list[tuple[int, int | None]] = []
    last_top: int | None = None
    current: int | None = None
    blank = True
    rest, separate = _prose_whys(rest)
    for pos, line in enumerate(rest):
        text = _QUOTE.sub("", line.text) if line.text.lstrip().startswith(">") else line.text
        if not text.strip():
            blank = True
            continue
        item = LIST_ITEM.match(text)
        indent = 0
        label = None
        if item:
            indent = len(item.group("indent").expandtabs(4))
            label = item.group("label")
            body = item.group("rest").strip()
            if body.startswith("[") and body[2:3] == "]":
                body = body[3:].strip()
        else:
            body = text.strip()
        clean = clean_inline(body)
        if not clean:
            blank = False
            continue
        if item is not None and _BRANCH_LABEL.match(clean.rstrip(":")):
            # the whys under "Branch A" deepen the why the label hangs under
            while open_items and open_items[-1][0] >= indent:
                open_items.pop()
            open_items.append((indent, open_items[-1][1] if open_items else last_top))
            current = None
            blank = False
            continue
        body_num = _BODY_NUM.match(body) if item is not None and label is None else None
        if body_num:
            body = body[body_num.end() :]
            clean = clean_inline(body)

        a_match = _A_LABEL.match(body)
        if a_match and current is not None and not raws[current].answer:
            raws[current].answer = _strip_answer(clean_inline(a_match.group("rest")))
            blank = False
            continue
        if (
            item is None
            and current is not None
            and not raws[current].answer
            and not _WHY_LABEL.match(body)
            and not _Q_LABEL.match(body)
        ):
            raws[current].answer = _strip_answer(clean)
            blank = False
            continue
        if item is not None and current is not None and not body_num:
            # "- Why did X?" then "- Because Y" (or just "- Y"): one why, asked and answered
            cur = raws[current]
            if (
                cur.question
                and not cur.answer
                and (_BECAUSE.match(clean) or ("?" not in clean and not _WHY_LIKE.match(clean)))
            ):
                cur.answer = _strip_answer(clean)
                blank = False
                continue

        explicit = None
        why_m = _WHY_LABEL.match(body)
        q_m = _Q_LABEL.match(body) if why_m is None else None
        if why_m:
            explicit = why_m.group("id").lower()
            clean = clean_inline(why_m.group("rest"))
        elif q_m:
            explicit = (q_m.group("id") or "").lower() or None
            clean = clean_inline(q_m.group("rest"))
        elif item is None and current is not None and not blank and not _WHY_SENTENCE.match(clean):
            # a wrapped line continues the current why
            cur = raws[current]
            cur.answer = f"{cur.answer} {clean}".strip()
            continue
        elif item is None and "?" not in clean and not _has_arrow(clean):
            warnings.append(
                f"line {line.no}: text in Why section yields no why, kept in raw text only"
            )
            blank = False
            continue
        if explicit is None and item is not None and label and label[0].isdigit() and indent == 0:
            explicit = label.lower()
        if explicit is None and body_num:
            explicit = body_num.group("id").lower()

        # nesting: parent is the innermost open list item indented less than this one
        parent: int | None
        if item is not None:
            while open_items and open_items[-1][0] >= indent:
                open_items.pop()
            parent = open_items[-1][1] if open_items else last_top
            depth = len(open_items)
        else:
            open_items = []
            parent = None if pos in separate else last_top
            depth = 0
        if explicit is not None and (depth == 0 or body_num):
            parent = -1

        parts = [p for p in _ARROW.split(clean) if p.strip()] if _has_arrow(clean) else [clean]
        if len(parts) >= 2 and "?" not in clean:
            for k, part in enumerate(parts):
                raws.append(_Raw(line.no, None, part.strip(), None, parent, depth))
                parent = len(raws) - 1
                if k == 0 and explicit is not None:
                    raws[-1].explicit = explicit
        else:
            question, answer = split_question_answer(clean)
            if q_m and not why_m and "?" not in clean:
                question, answer = clean, ""
            raws.append(_Raw(line.no, question, answer, explicit, parent, depth))
        current = len(raws) - 1
        if item is not None:
            open_items.append((indent, current))
        if depth == 0:
            last_top = current
        blank = False

    for raw in raws:
        if not raw.answer:
            warnings.append(f"line {raw.no}: why has a question but no answer")
    return _assign_ids(raws)


def _number(ident: str | None) -> int | None:
    m = _ID_NUM.match(ident or "")
    return int(m.group(1)) if m else None


def _assign_ids(raws: list[_Raw]) -> list[Why]:
    levels: list[int] = []
    parents: list[int | None] = []
    for idx, raw in enumerate(raws):
        parent = raw.parent
        num = _number(raw.explicit)
        if parent == -1:
            parent = None
            if num is not None and num > 1:
                for j in range(idx - 1, -1, -1):
                    if levels[j] == num - 1:
                        parent = j
                        break
                else:
                    parent = idx - 1 if idx else None
            elif num is None:
                parent = idx - 1 if idx else None
        parents.append(parent)
        if num is not None and (parent is None or num == levels[parent] + 1):
            levels.append(num)
        else:
            levels.append(levels[parent] + 1 if parent is not None else 1)

    siblings: dict[int | None, list[int]] = {}
    for idx, parent in enumerate(parents):
        siblings.setdefault(parent, []).append(idx)
    ids: list[str] = []
    taken: set[str] = set()
    for idx, raw in enumerate(raws):
        group = siblings[parents[idx]]
        if raw.explicit and raw.explicit not in taken:
            ident = raw.explicit
        else:
            base = str(levels[idx])
            if len(group) > 1 and parents[idx] is not None:
                base += _letters(group.index(idx))
            ident = base
            k = 0
            while ident in taken:
                ident = base + _letters(k + (1 if len(group) > 1 else 0))
                k += 1
        taken.add(ident)
        ids.append(ident)
    return [
        Why(
            id=ids[idx],
            parent=ids[parents[idx]] if parents[idx] is not None else None,
            question=raw.question,
            answer=raw.answer,
        )
        for idx, raw in enumerate(raws)
    ]


def _letters(n: int) -> str:
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


def leaf_answers(whys: list[Why] | tuple[Why, ...]) -> list[str]:
    """Answers of the whys no other why deepens: the bottom of each branch."""
    parents = {w.parent for w in whys if w.parent is not None}
    return [w.answer for w in whys if w.id not in parents and w.answer]
