"""Wiki exports in HTML (Confluence, Notion, Google Docs "download as HTML") into COE records.

The page is turned into the markdown the markdown parser already reads, so that headings,
lists, tables and ``Key: value`` metadata follow one set of rules whatever the source:

- ``h1``..``h6`` become ATX headings; the page title (``<title>``, or the first ``h1``) leads;
- ``ul``/``ol`` become nested bullets and numbered items (Google Docs nests by a
  ``lst-kix_..-N`` class instead of nesting the lists);
- a table whose rows are all ``header cell, value cell`` (a wiki's metadata panel) becomes
  ``Key: value`` lines; any other table becomes a pipe table with its first row as header;
- page furniture (navigation, breadcrumbs, bylines, footers, scripts, styles) is dropped.

Line numbers in warnings are lines of that markdown, not of the HTML source.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from analytics.parsers.errors import ParseError
from analytics.parsers.metadata import field_for
from analytics.parsers.sections import classify_label

_SKIP_TAGS = frozenset(
    {"script", "style", "nav", "footer", "head", "noscript", "template", "svg", "button", "form"}
)
_FURNITURE = re.compile(
    r"breadcrumb|page-metadata|byline|footer|sidebar|navigation|\bnav\b|comment-|likes-|"
    r"labels-section|page-tree|pagetree|plugin_",
    re.I,
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = frozenset(
    {"p", "div", "section", "article", "main", "blockquote", "pre", "figure", "details", "body"}
    | set(_HEADINGS)
    | {"ul", "ol", "table", "hr", "header", "aside", "dl"}
)
_GDOCS_LEVEL = re.compile(r"lst-kix_\w+-(\d+)")
_SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")
# "Space name : Page title", the form of a Confluence export's <title>
_SPACE_PREFIX = re.compile(r"^[^:]{1,40}\s:\s(?=\S)")


def _classes(el: etree._Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _inline(el: etree._Element) -> str:
    """The text of an inline run, ``<br>`` kept as a line break, whitespace collapsed."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _SKIP_TAGS:
            return
        if tag == "br":
            parts.append("\n")
        elif node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    lines = (_SPACE.sub(" ", ln).strip() for ln in "".join(parts).split("\n"))
    return "\n".join(ln for ln in lines if ln)


def _cell(el: etree._Element) -> str:
    return _inline(el).replace("\n", " ").replace("|", "\\|")


class _Writer:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.title: str | None = None

    def block(self, text: str) -> None:
        if text.strip():
            self.out.append(text)
            self.out.append("")

    def element(self, el: etree._Element, list_depth: int = 0) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP_TAGS or (tag and _FURNITURE.search(_classes(el))):
            return
        if tag in _HEADINGS:
            text = _inline(el).replace("\n", " ")
            if text:
                self.block(f"{'#' * _HEADINGS[tag]} {text}")
            return
        if tag in ("ul", "ol"):
            self.list(el, list_depth)
            return
        if tag == "table":
            self.table(el)
            return
        if tag == "pre":
            self.block("\n".join(ln.rstrip() for ln in el.text_content().splitlines()))
            return
        if tag == "hr":
            return
        if tag == "p" and _GDOCS_LEVEL.search(el.get("class") or ""):
            return self.block(_inline(el))
        if any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in el):
            # mixed content: text runs between block children are paragraphs of their own
            run: list[str] = [el.text or ""]
            for child in el:
                if isinstance(child.tag, str) and child.tag in _BLOCKS:
                    self.block(_SPACE.sub(" ", "".join(run)).strip())
                    run = []
                    self.element(child, list_depth)
                elif isinstance(child.tag, str) and child.tag not in _SKIP_TAGS:
                    run.append(_inline_with_tail(child))
                    continue
                run.append(child.tail or "")
            self.block(_SPACE.sub(" ", "".join(run)).strip())
            return
        self.block(_inline(el))

    def list(self, el: etree._Element, depth: int) -> None:
        ordered = el.tag == "ol"
        start = int(el.get("start") or 1) if (el.get("start") or "1").isdigit() else 1
        level = depth
        m = _GDOCS_LEVEL.search(el.get("class") or "")
        if m:
            level = int(m.group(1))
        n = start
        lines: list[str] = []
        for li in el:
            if not isinstance(li.tag, str) or li.tag != "li":
                continue
            nested = [c for c in li if isinstance(c.tag, str) and c.tag in ("ul", "ol")]
            for c in nested:
                li.remove(c)
            text = _inline(li).replace("\n", " ")
            marker = f"{n}." if ordered else "-"
            n += 1
            if text:
                lines.append(f"{'    ' * level}{marker} {text}")
            self.flush_list(lines)
            lines = []
            for c in nested:
                self.list(c, level + 1)
        self.flush_list(lines)
        if depth == 0:
            self.out.append("")

    def flush_list(self, lines: list[str]) -> None:
        # a list is one block: no blank line between items, so that nesting holds
        if lines:
            if self.out and self.out[-1] == "" and len(self.out) > 1 and _is_item(self.out[-2]):
                self.out.pop()
            self.out.extend(lines)

    def table(self, el: etree._Element) -> None:
        rows = [
            tr
            for tr in el.iter("tr")
            if _nearest_table(tr) is el and any(isinstance(c.tag, str) for c in tr)
        ]
        grid = [[c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")] for tr in rows]
        grid = [r for r in grid if r]
        if grid:
            th_keys = all(len(r) == 2 and r[0].tag == "th" and r[1].tag == "td" for r in grid)
            self.block(table_markdown([[_cell(c) for c in r] for r in grid], th_keys))


def table_markdown(grid: list[list[str]], keyed: bool = False) -> str:
    """A table as markdown: ``Key: value`` lines for a two-column metadata table (``keyed``,
    or when most first cells name a known field), else a pipe table headed by its first row.

    >>> print(table_markdown([["Severity", "SEV2"], ["Team", "Edge"]]))
    Severity: SEV2
    Team: Edge
    """
    if not keyed and all(len(r) == 2 for r in grid) and len(grid) >= 2:
        known = sum(field_for(r[0].rstrip(": ")) is not None for r in grid)
        keyed = known * 2 >= len(grid)
    if keyed:
        return "\n".join(f"{k.rstrip(': ')}: {v}" for k, v in grid if k.strip())
    width = max(len(r) for r in grid)
    lines = ["| " + " | ".join(grid[0] + [""] * (width - len(grid[0]))) + " |"]
    lines.append("|" + "---|" * width)
    for r in grid[1:]:
        lines.append("| " + " | ".join(r + [""] * (width - len(r))) + " |")
    return "\n".join(lines)


def _is_item(line: str) -> bool:
    s = line.lstrip()
    return s.startswith("- ") or bool(re.match(r"\d+\. ", s))


def _inline_with_tail(el: etree._Element) -> str:
    tail, el.tail = el.tail, None
    text = " ".join(_inline(el).split("\n"))
    el.tail = tail
    return text


def _nearest_table(el: etree._Element) -> etree._Element | None:
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def html_to_markdown(text: str, path: str = "<html>") -> str:
    """The markdown form of an HTML page (see the module docstring).

    Examples
    --------
    >>> print(html_to_markdown("<h1>Outage</h1><ol><li>Why? <b>Because</b> x</li></ol>"), end="")
    # Outage
    <BLANKLINE>
    1. Why? Because x
    """
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(path, None, f"malformed HTML: {exc}") from None
    w = _Writer()
    title_el = root.find(".//title")
    page_title = _inline(title_el).replace("\n", " ") if title_el is not None else ""
    body = root.find("body")
    w.element(body if body is not None else root)
    md = "\n".join(w.out).strip()
    if not md:
        raise ParseError(path, None, "HTML page has no text")
    # The first heading is the title when it names no section ("Summary"); else <title> is.
    first, _, rest = md.partition("\n")
    if first.startswith("# ") and classify_label(first[2:]) is None:
        return f"# {_SPACE_PREFIX.sub('', first[2:]).strip()}\n{rest}\n"
    title = _SPACE_PREFIX.sub("", page_title).strip()
    return f"# {title}\n\n{md}\n" if title else md + "\n"


def parse_html(text: str, path: str, sha256: str) -> list:
    """One COE from an HTML wiki export."""
    from analytics.parsers.text import parse_markup

    return [parse_markup(html_to_markdown(text, path), path, "html", sha256)]
