"""Word documents (``.docx``: Word, Google Docs "download as .docx") into COE records.

Like HTML exports, the document is turned into markdown and read by the markdown parser:
"Title" and "Heading N" styles become headings, numbered and bulleted paragraphs become list
items nested by their level, a paragraph that is bold throughout becomes a ``**label**`` line,
and tables become ``Key: value`` lines (two-column metadata) or pipe tables.
"""

from __future__ import annotations

import io
import re
import zipfile

from analytics.parsers.errors import ParseError
from analytics.parsers.html import table_markdown

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _numbering_formats(document) -> dict[tuple[str, str], str]:
    """``(numId, ilvl) -> numFmt`` ("decimal", "bullet", ...) from the numbering part."""
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    abstract: dict[str, dict[str, str]] = {}
    for an in numbering.iter(f"{_W}abstractNum"):
        levels = {}
        for lvl in an.iter(f"{_W}lvl"):
            fmt = lvl.find(f"{_W}numFmt")
            levels[lvl.get(f"{_W}ilvl")] = fmt.get(f"{_W}val") if fmt is not None else "decimal"
        abstract[an.get(f"{_W}abstractNumId")] = levels
    out = {}
    for num in numbering.iter(f"{_W}num"):
        ref = num.find(f"{_W}abstractNumId")
        if ref is None:
            continue
        for ilvl, fmt in abstract.get(ref.get(f"{_W}val"), {}).items():
            out[(num.get(f"{_W}numId"), ilvl)] = fmt
    return out


# A Word file's parts, unpacked, beyond which it is refused (real COEs are a few MB with images).
MAX_UNPACKED = 200 * 2**20


def docx_to_markdown(raw: bytes, path: str = "<docx>") -> str:
    """The markdown form of a ``.docx`` file's body."""
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError:  # pragma: no cover - a dependency of the project
        raise ParseError(path, None, "reading .docx needs python-docx") from None
    try:
        unpacked = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(raw)).infolist())
        if unpacked > MAX_UNPACKED:  # a zip bomb would take the process down, not just fail
            raise ParseError(
                path, None, f"unpacks to {unpacked // 2**20} MB, more than a document can hold"
            )
        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ParseError(path, None, f"not a readable .docx file: {exc}") from None
    formats = _numbering_formats(document)
    counters: dict[tuple[str, int], int] = {}
    out: list[str] = []
    in_list = False

    def end_block() -> None:
        nonlocal in_list
        if out and out[-1] != "":
            out.append("")
        in_list = False

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            end_block()
            grid = [
                [" ".join(c.text.split()).replace("|", "\\|") for c in row.cells]
                for row in block.rows
            ]
            # merged cells repeat their text in every grid position they span
            grid = [[c for i, c in enumerate(r) if i == 0 or c != r[i - 1]] for r in grid]
            grid = [r for r in grid if any(r)]
            if grid:
                out.append(table_markdown(grid))
                end_block()
            continue
        if not isinstance(block, Paragraph):
            continue
        text = " ".join(block.text.split())
        if not text:
            end_block()
            continue
        style = (block.style.name if block.style is not None else "") or ""
        m = _HEADING_STYLE.match(style)
        if style.lower() == "title" or m:
            end_block()
            out.append(f"{'#' * (int(m.group(1)) if m else 1)} {text}")
            end_block()
            continue
        num_pr = block._p.pPr.numPr if block._p.pPr is not None else None
        is_list = num_pr is not None or style.lower().startswith("list")
        if is_list:
            num_id = num_pr.numId.val if num_pr is not None and num_pr.numId is not None else 0
            level = num_pr.ilvl.val if num_pr is not None and num_pr.ilvl is not None else 0
            fmt = formats.get((str(num_id), str(level)))
            ordered = fmt not in (None, "bullet") if fmt else "number" in style.lower()
            if not in_list:
                end_block()
            key = (str(num_id), level)
            counters[key] = counters.get(key, 0) + 1
            for deeper in [k for k in counters if k[0] == key[0] and k[1] > level]:
                del counters[deeper]
            marker = f"{counters[key]}." if ordered else "-"
            out.append(f"{'    ' * level}{marker} {text}")
            in_list = True
            continue
        runs = [r for r in block.runs if r.text.strip()]
        bold = bool(runs) and all(r.bold for r in runs) and len(text) <= 80
        end_block()
        out.append(f"**{text}**" if bold else text)
        end_block()
    md = "\n".join(out).strip()
    if not md:
        raise ParseError(path, None, ".docx file has no text")
    return md + "\n"


def parse_docx(raw: bytes, path: str, sha256: str) -> list:
    """One COE from a ``.docx`` file."""
    from analytics.parsers.text import parse_markup

    return [parse_markup(docx_to_markdown(raw, path), path, "docx", sha256)]
