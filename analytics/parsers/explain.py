"""Where each part of a document went in its record, for ``coe parse --explain``.

For JSON, YAML, JSONL and CSV exports every source key (a dotted path for nested ones) is
listed with the record field it went to, or why it was ignored, as
:func:`analytics.parsers.mapping.normalise_export` decided. For Markdown, plain text, HTML and
Word documents the front matter keys, the ``Key: value`` metadata lines and every section
heading are listed with the record field they feed; fields taken from running prose rather
than a section (the record's ``provenance``) are listed last.
"""

from __future__ import annotations

import os
from itertools import count
from typing import Any

from analytics.parsers import MAX_BYTES, _decode, parse_bytes
from analytics.parsers import sections as S
from analytics.parsers.blocks import Line
from analytics.parsers.docx import docx_to_markdown
from analytics.parsers.html import html_to_markdown
from analytics.parsers.markdown import split_document
from analytics.parsers.metadata import field_for, read_key_values, split_front_matter
from analytics.parsers.reading import display_path, read_document
from analytics.record import COE

# What a section of each kind feeds in the record (build_coe).
_SECTION_FIELD = {
    S.SUMMARY: "impact.summary (when no impact section) and the search text",
    S.IMPACT: "impact",
    S.TIMELINE: "timeline",
    S.METRICS: "metrics",
    S.QUESTIONS: "read for metadata only",
    S.WHYS: "whys",
    S.ROOT_CAUSE: "root_causes (a list of whys in it: whys)",
    S.CONTRIBUTING: "root_causes (when no root cause section states one)",
    S.ACTIONS: "actions",
    S.LESSONS: "ignored (lessons: kept in raw text)",
    S.RELATED: "related",
    S.METADATA: "metadata (id, team, services, severity, date, ...)",
    S.NARRATIVE: "kept in raw text; read for sentences that state the cause",
    None: "ignored (heading not recognised; kept in raw text, read for stated causes)",
}
_PROVENANCE = {"prose": "sentences of the running text"}
_MARKUP = ("markdown", "text", "html", "docx")


def explain_path(
    path: str | os.PathLike, mapping: dict[str, str] | None = None
) -> tuple[list[COE], list[dict[str, Any]]]:
    """The records of a file and one row per source part: ``record``, ``line`` (where
    known), ``source`` (a key, a heading) and ``to`` (the record field, or why none).

    Raises
    ------
    ParseError
        As :func:`analytics.parsers.parse_path`.
    """
    raw = read_document(path, MAX_BYTES)
    name = display_path(path)
    rows: list[dict[str, Any]] = []
    coes = parse_bytes(raw, name, mapping=mapping, explain=rows)
    fmt = coes[0].source.format if coes else ""
    if fmt in _MARKUP:
        if fmt == "docx":
            text = docx_to_markdown(raw, name)
        else:
            text = _decode(raw, name)
            text = html_to_markdown(text, name) if fmt == "html" else text
        rows = markup_rows(text, name, fmt, coes[0])
        if fmt in ("html", "docx"):
            # lines of the Markdown they were converted to, which the user never sees
            rows = [{**r, "line": None} for r in rows]
    else:
        rows = [{"record": r["record"], "line": None, **r} for r in rows]
    return coes, rows


def markup_rows(text: str, path: str, fmt: str, coe: COE) -> list[dict[str, Any]]:
    """Rows for a Markdown or text document (HTML and Word converted to Markdown first)."""
    lines = list(map(Line, count(1), text.splitlines()))
    front, body = split_front_matter(lines, path)
    doc = split_document(body, labels=fmt == "text")
    rows: list[dict[str, Any]] = []

    def row(line: int | None, source: str, to: str) -> None:
        rows.append({"record": coe.id, "line": line, "source": source, "to": to})

    for key in front:
        row(1, f"front matter: {key}", field_for(str(key)) or "ignored (key not recognised)")
    if doc.title:
        row(doc.title_line, f"title: {doc.title}", "title (and id when it starts with one)")
    meta_scopes = [doc.preamble] + [
        sec.lines for sec in doc.sections if sec.kind in (S.METADATA, S.SUMMARY, S.IMPACT)
    ]
    for lines_ in meta_scopes:
        for no, field, key, _value in read_key_values(lines_):
            row(no, f"{key}:", field)
    for sec in doc.sections:
        what = _SECTION_FIELD.get(sec.kind, "ignored")
        if sec.kind is not None and not any(ln.text.strip() for ln in sec.lines):
            what += " (empty)"
        row(sec.line, f"section: {sec.heading}", what)
    if not doc.sections:
        row(None, "(no sections)", "whole text read as the summary and for stated causes")
    rows.sort(key=lambda r: r["line"] if r["line"] is not None else float("inf"))
    for field, where in coe.provenance.items():
        row(None, f"{_PROVENANCE.get(where, where)}", f"{field} (from {where})")
    return rows
