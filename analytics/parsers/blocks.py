"""Line-level building blocks shared by the markdown and plain-text parsers.

A section body is a list of ``Line`` (number + text). These helpers turn it into list items,
tables and paragraphs, and strip inline markdown so that extracted statements read as prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple


class Line(NamedTuple):
    """One source line, 1-based ``no``."""

    # A NamedTuple rather than a frozen dataclass: one is built per source line and a frozen
    # dataclass's __init__ costs several times more.
    no: int
    text: str


@dataclass
class Item:
    """A list item (or paragraph) with its continuation text and nested items."""

    no: int
    indent: int
    marker: str
    text: str
    checked: bool | None = None
    children: list[Item] = field(default_factory=list)
    parent: Item | None = field(default=None, repr=False)
    # The marker's own label for ordered lists ("3", "3a"), None for bullets.
    label: str | None = None

    @property
    def ordered(self) -> bool:
        return self.label is not None


_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_EMPHASIS = re.compile(r"(\*\*|__|~~)(.+?)\1")
_SINGLE_EMPH = re.compile(
    r"(?<![\w*])\*(?!\s)([^*]+?)(?<!\s)\*(?!\w)|(?<!\w)_(?!\s)([^_]+?)(?<!\s)_(?!\w)"
)
_CODE = re.compile(r"`([^`]*)`")
_EMOJI_MARKS = re.compile(r"[\u2705\u274c\u2714\u2716\u2611\u2610\u26a0\ufe0f\u2b55\u274e]")
_SPACES = re.compile(r"\s+")
# text without any markup character needs no cleaning beyond whitespace
_PLAIN = re.compile(r"^[^\[<`*_~&\n\t\u2000-\uffff]*$")


def clean_inline(text: str) -> str:
    """Strip inline markdown (links keep their text, emphasis and code marks dropped).

    Examples
    --------
    >>> clean_inline("**Retry limits**: see [PR](https://x/1) and `envoy`")
    'Retry limits: see PR and envoy'
    """
    if not text:
        return ""
    return _clean_inline(text)


# Headings, table cells and labels repeat within and across documents, and callers often clean
# the same text twice; the result depends on the text only.
@lru_cache(maxsize=32768)
def _clean_inline(text: str) -> str:
    if _PLAIN.match(text):
        return text.strip() if "  " not in text else _SPACES.sub(" ", text).strip()
    if "[" in text:
        text = _LINK.sub(lambda m: m.group(1), text)
    if "<" in text:
        text = _AUTOLINK.sub(lambda m: m.group(1), text)
        text = _HTML_TAG.sub("", text)
    if "`" in text:
        text = _CODE.sub(lambda m: m.group(1), text)
    if "*" in text or "_" in text or "~" in text:
        text = _EMPHASIS.sub(lambda m: m.group(2), text)
        text = _SINGLE_EMPH.sub(lambda m: m.group(1) or m.group(2), text)
        text = text.replace("**", "")
    if not text.isascii():
        text = _EMOJI_MARKS.sub("", text)
    if "&" in text:
        text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return _SPACES.sub(" ", text).strip()


LIST_ITEM = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[-*+•]|(?P<label>\d{1,3}[a-z]?|[a-z])[.)])[ \t]+(?P<rest>.*)$"
)
_CHECKBOX = re.compile(r"^\[(?P<mark>[ xX✓✔-]?)\][ \t]*")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$|^\s*[^|\s][^|]*\|[^|]*")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_QUOTE = re.compile(r"^\s*>\s?")
_CELL_SEP = re.compile(r"(?<!\\)\|")


def indent_width(ws: str) -> int:
    return len(ws.expandtabs(4))


# Lists nested deeper than this are read as if at this depth: the readers of an item tree
# recurse, and no COE nests an action list 30 levels deep (a thousand-level list, hostile or
# generated, raised RecursionError and cost the whole ingest).
MAX_LIST_DEPTH = 30


def parse_items(lines: list[Line]) -> tuple[list[Item], list[Item]]:
    """Group lines into list items (with nesting) and paragraphs.

    Items nested deeper than :data:`MAX_LIST_DEPTH` become siblings at that depth.

    Returns
    -------
    tuple
        ``(roots, paragraphs)``: top-level list items in order (each with ``children``) and
        paragraphs that are not part of any list (``marker == ""``). A paragraph directly
        after a list item with no blank line in between continues that item (lazy
        continuation, as markdown does).
    """
    roots: list[Item] = []
    paragraphs: list[Item] = []
    stack: list[Item] = []
    current: Item | None = None
    blank_before = True
    for line in lines:
        raw = _QUOTE.sub("", line.text) if line.text.lstrip().startswith(">") else line.text
        if not raw.strip():
            blank_before = True
            continue
        m = LIST_ITEM.match(raw)
        if m:
            indent = indent_width(m.group("indent"))
            rest = m.group("rest")
            checked = None
            cb = _CHECKBOX.match(rest)
            if cb:
                checked = cb.group("mark") not in ("", " ")
                rest = rest[cb.end() :]
            label = m.group("label")
            item = Item(line.no, indent, m.group("marker"), rest.strip(), checked, label=label)
            while stack and stack[-1].indent >= indent:
                stack.pop()
            if len(stack) >= MAX_LIST_DEPTH:
                stack.pop()  # a sibling of the deepest item instead of its child
            if stack and indent > stack[-1].indent:
                item.parent = stack[-1]
                stack[-1].children.append(item)
            else:
                roots.append(item)
            stack.append(item)
            current = item
            blank_before = False
            continue
        stripped = raw.strip()
        indent = indent_width(raw[: len(raw) - len(raw.lstrip())])
        target = None
        if current is not None and not blank_before:
            target = stack[-1] if stack else current
        elif stack and indent > stack[0].indent:
            # an indented paragraph after a blank line belongs to the deepest item it is
            # indented under
            while len(stack) > 1 and indent <= stack[-1].indent:
                stack.pop()
            target = stack[-1]
        if target is not None:
            target.text = f"{target.text}\n{stripped}" if target.text else stripped
            blank_before = False
            continue
        if paragraphs and not blank_before and current is None:
            paragraphs[-1].text += "\n" + stripped
        else:
            paragraphs.append(Item(line.no, indent, "", stripped))
            stack = []
            current = None
        blank_before = False
    return roots, paragraphs


def split_cells(row: str) -> list[str]:
    """Cells of a markdown table row (escaped pipes kept)."""
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    if "\\" not in row:  # no escaped pipes: a plain split gives the same cells
        return [c.strip() for c in row.split("|")]
    return [c.strip().replace("\\|", "|") for c in _CELL_SEP.split(row)]


@dataclass(frozen=True)
class Table:
    """A markdown table: lower-cased clean headers and rows of cleaned cells."""

    no: int
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


def find_tables(lines: list[Line]) -> tuple[list[Table], list[Line]]:
    """Split out pipe tables (header row + rule row + body) from the other lines."""
    tables: list[Table] = []
    rest: list[Line] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if (
            "|" in line.text
            and i + 1 < n
            and _TABLE_RULE.match(lines[i + 1].text)
            and "-" in lines[i + 1].text
        ):
            headers = tuple(clean_inline(c).lower() for c in split_cells(line.text))
            rows: list[tuple[int, tuple[str, ...]]] = []
            j = i + 2
            while j < n and "|" in lines[j].text and lines[j].text.strip():
                rows.append((lines[j].no, tuple(split_cells(lines[j].text))))
                j += 1
            tables.append(Table(line.no, headers, tuple(rows)))
            i = j
            continue
        rest.append(line)
        i += 1
    return tables, rest


def column(headers: tuple[str, ...], aliases: tuple[str, ...]) -> int | None:
    """Index of the first header that equals or starts with one of ``aliases``."""
    for alias in aliases:
        for idx, header in enumerate(headers):
            if header == alias:
                return idx
    for alias in aliases:
        for idx, header in enumerate(headers):
            if header.startswith(alias + " ") or header.startswith(alias + "("):
                return idx
    return None


def item_text(item: Item) -> str:
    """The item's own text, inline markdown stripped, lines joined."""
    return clean_inline(item.text.replace("\n", " "))


def walk(items: list[Item]) -> list[Item]:
    """All items depth-first, parents before their children."""
    out: list[Item] = []
    stack = list(reversed(items))
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(item.children))
    return out
