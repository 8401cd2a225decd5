"""``coe report``: the quarterly ops review as HTML, Markdown, XLSX or JSON.

``build_report`` (in :mod:`analytics.report.data`) makes the content, a plain dict; the writers
render it. ``report_bytes`` is what a dashboard download button needs; ``write_report`` what the
command line needs.
"""

from __future__ import annotations

import json
from pathlib import Path

from analytics.report.data import Period, build_report
from analytics.report.tables import report_tables

FORMATS = ("html", "md", "xlsx", "json")
MEDIA_TYPES = {
    "html": "text/html",
    "md": "text/markdown",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def report_bytes(report: dict, fmt: str) -> bytes:
    """The report rendered as ``html``, ``md``, ``xlsx`` or ``json``.

    Raises
    ------
    ValueError
        For any other format.
    """
    if fmt == "html":
        from analytics.report.html import report_html

        return report_html(report).encode("utf-8")
    if fmt == "md":
        from analytics.report.markdown import report_markdown

        return report_markdown(report).encode("utf-8")
    if fmt == "xlsx":
        from analytics.report.xlsx import report_xlsx

        return report_xlsx(report)
    if fmt == "json":
        return (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")


def format_for(path: str | Path, fmt: str | None = None) -> str:
    """The format given, else the one the file name says (``.markdown`` and ``.htm`` too).

    >>> format_for("review.markdown"), format_for("r.out", "json")
    ('md', 'json')
    """
    if fmt:
        return fmt
    suffix = Path(path).suffix.lower().lstrip(".")
    guessed = {"htm": "html", "markdown": "md"}.get(suffix, suffix)
    if guessed not in FORMATS:
        raise ValueError(f"cannot tell the report format from {str(path)!r}: give one")
    return guessed


def write_report(report: dict, path: str | Path, fmt: str | None = None) -> Path:
    """Write the report to ``path`` (format from ``fmt``, else the file name); returns the path.

    The file is written whole to a temporary name and then renamed, so a reader never sees half
    a report.
    """
    path = Path(path)
    data = report_bytes(report, format_for(path, fmt))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "Period",
    "build_report",
    "format_for",
    "report_bytes",
    "report_tables",
    "write_report",
]
