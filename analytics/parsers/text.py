"""Markdown and plain-text COEs: lines -> sections -> record.

Plain text is read like markdown with one addition: ``Label:`` lines ("SUMMARY:",
"Five Whys:", "Root cause: the cert expired") whose label names a section open that section,
with any text after the colon as its first line.
"""

from __future__ import annotations

from itertools import count

from analytics.parsers.blocks import Line
from analytics.parsers.document import build_coe
from analytics.parsers.markdown import split_document
from analytics.parsers.metadata import split_front_matter
from analytics.parsers.reading import with_repair_warning
from analytics.record import COE


def parse_markup(text: str, path: str, fmt: str, sha256: str) -> COE:
    """Parse a markdown (``fmt="markdown"``) or plain-text (``fmt="text"``) COE."""
    lines = list(map(Line, count(1), text.splitlines()))
    repairs: list[int] = []
    front, body = split_front_matter(lines, path, repairs)
    doc = split_document(body, labels=fmt == "text")
    return with_repair_warning([build_coe(doc, front, path, fmt, sha256)], sum(repairs))[0]
