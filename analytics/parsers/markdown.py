"""Split a markdown (or labelled plain-text) COE into its sections.

Headings may be ATX (``#`` .. ``######``) or setext (underlined), bold-only lines
(``**Root causes:**``) and bare ``Label:`` lines whose label is a known section name act as
sub-headings. An unrecognised sub-heading inherits the kind of the section it sits in; an
unrecognised top-level heading is reported in the warnings and its text is kept only in raw form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analytics.parsers.blocks import LIST_ITEM, Line, clean_inline
from analytics.parsers.metadata import field_for
from analytics.parsers.sections import SUMMARY, classify_heading, classify_label

# An ATX heading, closing #s included in the text; _atx_heading strips them. Stripping in
# Python rather than with a lazy group before ``[ \t]*#*[ \t]*$`` spares the regex engine
# trying that tail after every character of the heading.
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BOLD_LABEL = re.compile(r"^\s*(?:\*\*|__)(?P<label>[^*_]{2,80}?)(?::\s*)?(?:\*\*|__)\s*:?\s*$")
_PLAIN_LABEL = re.compile(
    r"^\s*(?P<label>[A-Za-z0-9][A-Za-z0-9 ()/&'\-]{1,60}?)\s*:\s*(?P<rest>.*)$"
)
_UPPER_LABEL = re.compile(r"^\s*(?P<label>[A-Z][A-Z0-9 ()/&'\-]{2,60})\s*$")
_HTML_COMMENT_OPEN = "<!--"


@dataclass
class Section:
    """A run of lines under one heading; ``kind`` is None for unrecognised sections."""

    kind: str | None
    heading: str
    level: int
    line: int
    lines: list[Line] = field(default_factory=list)
    # the nearest heading text (this one or a sub-heading), used for status hints
    subheadings: list[tuple[int, str]] = field(default_factory=list)
    pseudo: bool = False


@dataclass
class Document:
    """A document split into front matter, title, preamble and sections."""

    title: str | None = None
    title_line: int | None = None
    preamble: list[Line] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    has_headings: bool = False


def split_document(lines: list[Line], labels: bool = False) -> Document:
    """Split body lines (front matter already removed) into a :class:`Document`.

    Parameters
    ----------
    lines : list of Line
        The document body.
    labels : bool
        Also treat ``Label: text`` lines whose label is a section name as headings with
        inline content (plain-text COEs), and upper-case lines such as ``SUMMARY``.
    """
    doc = Document()
    stack: list[Section] = []  # enclosing sections, outermost first
    current: Section | None = None
    in_fence = False
    fence_mark = ""
    in_comment = False
    n = len(lines)
    i = 0

    def open_section(text: str, level: int, no: int, pseudo: bool) -> Section:
        nonlocal current
        while stack and stack[-1].level >= level:
            stack.pop()
        kind = classify_heading(text)
        if kind is None and stack and stack[-1].kind is not None:
            kind = stack[-1].kind
        elif kind is None and not pseudo and not (stack and stack[-1].kind is None):
            doc.warnings.append(
                f"line {no}: section '{clean_inline(text)}' not recognised, kept in raw text only"
            )
        sec = Section(kind, clean_inline(text), level, no, pseudo=pseudo)
        sec.subheadings = [*(stack[-1].subheadings if stack else []), (level, sec.heading)]
        stack.append(sec)
        doc.sections.append(sec)
        current = sec
        return sec

    special = _lines_to_read(lines, labels)
    next_special = 0  # index into ``special`` of the first special line at or after i

    while i < n:
        if special is not None:
            # copy the run of body lines up to the next line that needs a look in one slice
            while next_special < len(special) and special[next_special] < i:
                next_special += 1
            j = special[next_special] if next_special < len(special) else n
            if j > i:
                if not (in_fence or in_comment):
                    (doc.preamble if current is None else current.lines).extend(lines[i:j])
                i = j
                continue
        line = lines[i]
        text = line.text
        stripped = text.strip()
        if in_comment:
            if "-->" in text:
                in_comment = False
            i += 1
            continue
        if in_fence:
            if stripped.startswith(fence_mark):
                in_fence = False
            i += 1
            continue
        # a fence line starts (after indentation) with ``` or ~~~; skip the regex otherwise
        fence = _FENCE.match(text) if stripped[:3] in ("```", "~~~") else None
        if fence:
            in_fence = True
            fence_mark = fence.group(1)
            i += 1
            continue
        if stripped.startswith(_HTML_COMMENT_OPEN):
            if "-->" not in stripped:
                in_comment = True
            i += 1
            continue
        if stripped.startswith("#"):
            atx = _atx_heading(text)
            if atx:
                level, heading = atx
                doc.has_headings = True
                if (
                    level == 1
                    and doc.title is None
                    and not doc.sections
                    and classify_label(heading) is None
                ):
                    doc.title, doc.title_line = clean_inline(heading), line.no
                    i += 1
                    continue
                open_section(heading, level, line.no, pseudo=False)
                i += 1
                continue
        if (
            stripped
            and i + 1 < n
            and lines[i + 1].text.lstrip(" ")[:1] in ("=", "-")
            and _SETEXT.match(lines[i + 1].text)
            and not LIST_ITEM.match(text)
            and "|" not in text
            and (
                i == 0 or not lines[i - 1].text.strip() or lines[i + 1].text.strip().startswith("=")
            )
        ):
            level = 1 if lines[i + 1].text.strip().startswith("=") else 2
            doc.has_headings = True
            if (
                level == 1
                and doc.title is None
                and not doc.sections
                and classify_label(stripped) is None
            ):
                doc.title, doc.title_line = clean_inline(stripped), line.no
            else:
                open_section(stripped, level, line.no, pseudo=False)
            i += 2
            continue
        if WHY_STEP.match(stripped) and (current is None or current.kind in (None, SUMMARY)):
            # A draft often writes "Why 1: ..." lines with no "Five whys" heading, after its
            # summary; inside another section (a timeline, an impact) they stay its text.
            level = 2 if not doc.sections else (stack[-1].level if stack else 2)
            open_section("Five whys", level, line.no, pseudo=True)
            current.lines.append(line)
            i += 1
            continue
        # outside plain text only bold lines and lines ending in ':' can be labels
        label = (
            _label_heading(stripped, labels)
            if labels or stripped.startswith(("**", "__")) or stripped.endswith(":")
            else None
        )
        if label is not None:
            heading, rest = label
            if labels and not doc.sections:
                level = 2
            else:
                while stack and stack[-1].pseudo:
                    stack.pop()
                level = stack[-1].level + 1 if stack else 2
            if labels:
                doc.has_headings = True
            sec = open_section(heading, level, line.no, pseudo=True)
            if rest:
                sec.lines.append(Line(line.no, rest))
            i += 1
            continue
        if current is None:
            doc.preamble.append(line)
        else:
            current.lines.append(line)
        i += 1
    return doc


def _atx_heading(text: str) -> tuple[int, str] | None:
    """``(level, text)`` of an ATX heading line with text (``## Impact ##`` -> 2, "Impact")."""
    m = _ATX.match(text)
    heading = m.group(2).rstrip(" \t").rstrip("#").rstrip(" \t") if m and m.group(2) else ""
    return (len(m.group(1)), heading) if heading else None


# What a line can start with (after whitespace) to be more than body text: a fence, an HTML
# comment, an ATX heading or a bold label.
_MARKUP_STARTS = ("```", "~~~", "<!--", "#", "**", "__")


# A line that opens a why-step: "Why 1: ...", "why #2) ..." ("Why 2.0 broke ..." does not).
WHY_STEP = re.compile(r"why\s*#?\s*\d+\s*[:.)-](?=\s|$)", re.I)


def _lines_to_read(lines: list[Line], labels: bool) -> list[int] | None:
    """Sorted indices of the lines split_document must read one by one, or None for all.

    Every other line is body text of the current section (or is skipped inside a fence), so
    runs of them are copied in bulk. The lines read are a superset of those that open a
    section, fence or comment: markup starts, lines ending in ':' (labels) and lines above a
    setext underline. Plain text and documents with an HTML comment are read line by line:
    any line may be a label there, or close the comment.
    """
    if labels:
        return None
    texts = [line.text for line in lines]
    if "-->" in "\n".join(texts):
        return None
    marks = []
    for i, stripped in enumerate(map(str.strip, texts)):
        if stripped.startswith(_MARKUP_STARTS) or stripped[-1:] == ":" or WHY_STEP.match(stripped):
            marks.append(i)
        elif stripped and i and not stripped.strip("=-"):
            marks.append(i - 1)
    return sorted(set(marks))


def _label_heading(stripped: str, labels: bool) -> tuple[str, str] | None:
    """``(heading, inline_rest)`` when the line is a label naming a known section."""
    if not stripped or len(stripped) > 200:
        return None
    if stripped.startswith(("**", "__")):
        m = _BOLD_LABEL.match(stripped)
        if m and classify_label(m.group("label")):
            return m.group("label").strip(), ""
        return None
    if labels:
        m = _PLAIN_LABEL.match(stripped) or _UPPER_LABEL.match(stripped)
        if m is None:
            return None
        label = m.group("label")
        if m.groupdict().get("rest") and field_for(label) not in (None, "summary"):
            return None
        short = len(label.split()) <= 6
        if classify_label(label) or (short and classify_heading(label)):
            rest = m.groupdict().get("rest") or ""
            return label, rest.strip()
        return None
    if stripped.endswith(":") and not LIST_ITEM.match(stripped):
        m = _PLAIN_LABEL.match(stripped)
        if m and not m.group("rest") and classify_label(m.group("label")):
            return m.group("label"), ""
    return None
