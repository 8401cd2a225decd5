"""XLSX output with openpyxl: one sheet per table, header frozen, readable widths, filters on.

Used by the report (one sheet per report table) and by the cluster exports.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from analytics.report.tables import Table, cell_text, report_tables

MIN_WIDTH, MAX_WIDTH = 8, 60
# Widths are measured on the first rows only: enough to be right, cheap on 10k-row sheets.
WIDTH_SAMPLE = 400
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F2933")


def _cell_value(value):
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return cell_text(value)


def write_sheet(
    wb: Workbook, title: str, columns: Sequence[tuple[str, str]], rows: Iterable[dict]
) -> None:
    """Append a sheet: a bold frozen header, one row per dict, column widths, an autofilter.

    Text is always stored as text, never as a formula, whatever it starts with: document text
    that begins with ``=`` must not run in the reader's spreadsheet.
    """
    ws = wb.create_sheet(_sheet_title(wb, title))
    ws.append([header for _, header in columns])
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    widths = [len(header) for _, header in columns]
    for n, row in enumerate(rows):
        values = [_cell_value(row.get(key)) for key, _ in columns]
        ws.append(values)
        for j, v in enumerate(values):
            if isinstance(v, str) and v.startswith("="):
                ws.cell(row=ws.max_row, column=j + 1).data_type = "s"
            if n < WIDTH_SAMPLE and v is not None:
                widths[j] = max(widths[j], len(cell_text(v)))
    for j, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(j + 1)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, width + 2)
        )
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(ws.max_row, 1)}"


def _sheet_title(wb: Workbook, title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "Sheet"
    name, k = clean, 2
    while name in wb.sheetnames:
        suffix = f" ({k})"
        name, k = clean[: 31 - len(suffix)] + suffix, k + 1
    return name


def tables_to_xlsx(tables: Sequence[Table]) -> bytes:
    """A workbook with one sheet per table, as bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    for t in tables:
        write_sheet(wb, t.name, t.columns, t.rows)
    return workbook_bytes(wb)


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report_xlsx(report: dict) -> bytes:
    """The report as a workbook: what it covers, then one sheet per table of :func:`report_tables`."""
    return tables_to_xlsx([about_table(report), *report_tables(report)])


def about_table(report: dict) -> Table:
    """What the report covers and what it was made from, as field / value rows."""
    corpus = report["corpus"]
    rows = [
        ("Report", report["title"]),
        ("Period", f"{report['period']['since']} to {report['period']['until']}"),
        ("Compared with", report["previous"]["label"]),
        ("Actions judged as of", report["as_of"]),
        ("COEs in the store", corpus["coes"]),
        ("Undated COEs (not reported)", corpus["undated"]),
        ("Analysis run", f"{corpus['run']} ({corpus['analysed_at']}, {corpus['embedder']})"),
        ("Names of people redacted", report["redacted"]),
    ]
    return Table(
        "About",
        "About this report",
        (("field", "Field"), ("value", "Value")),
        tuple({"field": k, "value": v} for k, v in rows),
    )
