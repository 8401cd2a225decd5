"""Document parsers: markdown, plain text, JSON, YAML, JSONL and CSV into COE records.

>>> from analytics.parsers import parse_text
>>> coe = parse_text("# COE-2025-007: Cert expired\\n\\n## Root cause\\n\\nThe cert expired.\\n")[0]
>>> coe.id, coe.root_causes
('COE-2025-007', ('The cert expired.',))

Use :func:`parse_path` for files (CSV and JSONL give one record per row) and
:func:`parse_text` for text already in memory. Whole-file failures raise :class:`ParseError`;
what could not be read inside a document is listed in the record's ``warnings``. The accepted
headings, field aliases and CSV columns are documented in ``FORMATS.md`` beside this file.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from analytics.parsers.docx import parse_docx
from analytics.parsers.errors import ParseError
from analytics.parsers.extensions import EXTENSIONS
from analytics.parsers.html import parse_html
from analytics.parsers.markdown import WHY_STEP
from analytics.parsers.reading import (
    decode_utf16,
    display_path,
    read_document,
    sanitise_text,
    with_repair_warning,
)
from analytics.parsers.structured import parse_csv, parse_json, parse_jsonl, parse_yaml
from analytics.parsers.text import parse_markup
from analytics.record import COE

__all__ = ["FORMATS", "MAX_BYTES", "ParseError", "parse_bytes", "parse_path", "parse_text"]

MAX_BYTES = 20 * 1024 * 1024
FORMATS = ("markdown", "text", "json", "yaml", "jsonl", "csv", "html", "docx")

_MD_HEADING = re.compile(r"^ {0,3}#{1,6}\s+\S|^\s*(?:=+|-{3,})\s*$", re.M)
_HTML_START = re.compile(r"(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_YAML_KEY = re.compile(r"^[A-Za-z_][\w -]{0,40}:(?:\s|$)")


def sniff_format(text: str, path: str = "<text>") -> str:
    """The format of a document, from its file extension or else its content."""
    ext = os.path.splitext(path)[1].lower()  # Path(path).suffix builds a Path: slower
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    head = text.lstrip()[:4096]
    if _HTML_START.match(head):
        return "html"
    if head.startswith(("{", "[")):
        first = head.split("\n", 1)[0].strip()
        if head.startswith("{") and first.endswith("}") and "\n{" in head:
            return "jsonl"
        return "json"
    if _MD_HEADING.search(head):
        return "markdown"
    lines = [ln for ln in head.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if lines and lines[0].strip() == "---":
        return "markdown"
    if any(WHY_STEP.match(ln.strip()) for ln in lines[:40]):
        return "text"  # "Why 1: ..." lines read like YAML keys, but they are a why chain
    if lines and sum(
        bool(_YAML_KEY.match(ln)) or ln.startswith(("  ", "- ")) for ln in lines[:20]
    ) == min(len(lines), 20):
        return "yaml"
    return "text"


def document_suffixes() -> frozenset[str]:
    """The file extensions the parsers read (a folder walk takes these)."""
    return frozenset(EXTENSIONS)


def looks_like_document(head: bytes) -> bool:
    """Whether a file without an extension reads as a document, from its first bytes: text
    in a structured format (Markdown, HTML, JSON, YAML) or a Word file. Plain text is not
    enough: folders hold many extension-less files (scripts, notes) that are no COE."""
    if head[:4] == b"PK\x03\x04":
        return b"word/" in head
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sniff_format(text) != "text"


def _is_docx(raw: bytes, path: str) -> bool:
    """A Word document: by extension, or a ZIP archive holding ``word/document.xml``."""
    if path.lower().endswith(".docx"):
        return True
    return raw[:4] == b"PK\x03\x04" and b"word/" in raw[:4096]


def _decode(raw: bytes, path: str) -> str:
    if len(raw) > MAX_BYTES:
        raise ParseError(path, None, f"file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if not raw.strip():
        raise ParseError(path, None, "empty file")
    utf16 = decode_utf16(raw, path)
    if utf16 is not None:
        return utf16
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise ParseError(path, line, f"binary file (NUL byte at offset {nul}), not a document")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ParseError(
            path, line, f"invalid UTF-8 at byte offset {exc.start}: {exc.reason}"
        ) from None
    return text.removeprefix("\ufeff")


def parse_bytes(
    raw: bytes,
    path: str = "<bytes>",
    fmt: str | None = None,
    sha256: str | None = None,
    mapping: dict[str, str] | None = None,
    explain: list[dict] | None = None,
) -> list[COE]:
    """Parse a document's raw bytes (checked for size, NUL bytes and UTF-8 first).

    Parameters
    ----------
    raw : bytes
        The file's content.
    path : str
        Name used in the record's source and in error messages.
    fmt : str, optional
        The format; sniffed if None.
    sha256 : str, optional
        The hex SHA-256 of ``raw`` when the caller has already computed it (ingest does, to
        skip unchanged files), so that it is not hashed twice.
    mapping : dict, optional
        A user's ``{"source.key": record field}`` for JSON, YAML, JSONL and CSV exports whose
        field names coegraph does not know (:func:`analytics.parsers.mapping.load_mapping`).
    explain : list, optional
        Receives, for those exports, one ``{"record", "source", "to"}`` row per source key:
        the record field it went to, or why it was ignored.
    """
    if fmt == "docx" or (fmt is None and _is_docx(raw, path)):
        if len(raw) > MAX_BYTES:
            raise ParseError(path, None, f"file is larger than {MAX_BYTES // (1024 * 1024)} MB")
        return parse_docx(raw, path, sha256 or hashlib.sha256(raw).hexdigest())
    text = _decode(raw, path)
    return _dispatch(
        text, path, fmt, sha256 or hashlib.sha256(raw).hexdigest(), mapping=mapping, explain=explain
    )


def parse_path(
    path: str | Path, mapping: dict[str, str] | None = None, explain: list[dict] | None = None
) -> list[COE]:
    """Parse one file into its COE record(s).

    Parameters
    ----------
    path : str or Path
        A ``.md``, ``.txt``, ``.json``, ``.yaml``/``.yml``, ``.jsonl`` or ``.csv`` file (other
        names are sniffed from the content).
    mapping, explain
        As for :func:`parse_bytes`.

    Returns
    -------
    list of COE
        One record, or one per row for CSV/JSONL (and per element of a JSON array).

    Raises
    ------
    ParseError
        When the file is empty, binary, not UTF-8, larger than 20 MB, malformed, or holds no
        recognisable COE content.
    """
    return parse_bytes(
        read_document(path, MAX_BYTES), display_path(path), mapping=mapping, explain=explain
    )


def parse_text(text: str, path: str = "<text>", fmt: str | None = None) -> list[COE]:
    """Parse a document held in memory.

    Parameters
    ----------
    text : str
        The document.
    path : str
        Name used in the record's source and in error messages; its extension picks the
        format when ``fmt`` is None.
    fmt : str, optional
        One of ``markdown``, ``text``, ``json``, ``yaml``, ``jsonl``, ``csv``; sniffed if None.
    """
    if "\x00" in text:
        raise ParseError(
            path,
            text.count("\n", 0, text.index("\x00")) + 1,
            "binary content (NUL byte), not a document",
        )
    raw = text.encode("utf-8", errors="surrogatepass")
    if len(raw) > MAX_BYTES:
        raise ParseError(path, None, f"file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if not text.strip():
        raise ParseError(path, None, "empty file")
    # text from memory may hold lone surrogates (bytes decoded as UTF-8 cannot)
    text, repaired = sanitise_text(text)
    coes = _dispatch(text.removeprefix("\ufeff"), path, fmt, hashlib.sha256(raw).hexdigest())
    return with_repair_warning(coes, repaired)


def _dispatch(text: str, path: str, fmt: str | None, sha256: str, **options) -> list[COE]:
    """``options``: ``mapping`` and ``explain`` for the structured formats (parse_bytes)."""
    options = {k: v for k, v in options.items() if v is not None}
    fmt = fmt or sniff_format(text, path)
    if fmt in ("markdown", "text"):
        return [parse_markup(text, path, fmt, sha256)]
    if fmt == "json":
        return parse_json(text, path, sha256, **options)
    if fmt == "yaml":
        return parse_yaml(text, path, sha256, **options)
    if fmt == "jsonl":
        return parse_jsonl(text, path, sha256, **options)
    if fmt == "html":
        return parse_html(text, path, sha256)
    if fmt == "docx":
        raise ParseError(
            path, None, "a .docx file is binary: read it with parse_path or parse_bytes"
        )
    if fmt == "csv":
        return parse_csv(
            text,
            path,
            sha256,
            delimiter="\t" if path.lower().endswith(".tsv") else None,
            **options,
        )
    raise ParseError(path, None, f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
