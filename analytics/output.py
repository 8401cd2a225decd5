"""Render listings as an aligned text table, JSON or CSV: the one way every command prints."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

FORMATS = ("table", "json", "csv")

# A cell that starts like a formula and calls something is run by spreadsheets that open the
# CSV; a leading apostrophe makes it text. Plain text starting with "-" or "@" is left alone.
_FORMULA_RE = re.compile(r"^(?:=|[+\-@].*[(!|])", re.S)


def spreadsheet_safe(text: str) -> str:
    """``text``, with an apostrophe in front when a spreadsheet would run it as a formula.

    The one escaping of every CSV the product writes (listings, exports, the dashboard's
    downloads); XLSX cells are typed as text instead (:mod:`analytics.report.xlsx`).

    >>> spreadsheet_safe("=HYPERLINK(\\"x\\")"), spreadsheet_safe("@edge-oncall")
    ('\\'=HYPERLINK("x")', '@edge-oncall')
    """
    return "'" + text if _FORMULA_RE.match(text) else text


def render(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None) -> str:
    """Rows of dicts as ``table`` (only ``columns``), ``json`` (every field) or ``csv``.

    >>> print(render([{"id": "COE-1", "n": 3}], "table"))
    id     n
    -----  -
    COE-1  3
    """
    if fmt == "json":
        return json.dumps(list(rows), indent=2, ensure_ascii=False)
    columns = list(columns or (rows[0].keys() if rows else []))
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([spreadsheet_safe(c) for c in row] for row in cells)
        return buf.getvalue().rstrip("\n")
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)
