"""The report as named tables, in reading order: sheets in XLSX, pipe tables in Markdown.

The HTML report uses the same tables for its listings, so every format shows the same columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics import severity

SEVERITIES = (*severity.SCALE, severity.UNRATED)

# Documents meant for reading (HTML, Markdown) show this many overdue actions, the most overdue
# first; the XLSX and JSON carry them all.
OVERDUE_SHOWN = 200


def shown(table: Table, limit: int) -> tuple[Table, str]:
    """The table cut to ``limit`` rows, and a note saying what was left out ("" if nothing).

    >>> t, note = shown(Table("x", "X", (("a", "A"),), ({"a": 1}, {"a": 2})), 1)
    >>> len(t.rows), note
    (1, 'The first 1 of 2 rows; the XLSX and JSON report list them all.')
    """
    if len(table.rows) <= limit:
        return table, ""
    note = f"The first {limit} of {len(table.rows)} rows; the XLSX and JSON report list them all."
    return Table(table.name, table.title, table.columns, table.rows[:limit]), note


@dataclass(frozen=True)
class Table:
    """One table of the report: a sheet in XLSX, a pipe table in Markdown."""

    name: str  # short, unique: the XLSX sheet name
    title: str
    columns: tuple[tuple[str, str], ...]  # (key, header)
    rows: tuple[dict, ...]


def report_tables(report: dict) -> list[Table]:
    """The report's content as tables, in reading order."""
    theme_cols = (
        ("id", "Theme"),
        ("label", "Label"),
        ("coes_in_period", "COEs in period"),
        ("coes_previous", "Previous period"),
        ("coes_total", "COEs to date"),
        ("services", "Services"),
        ("first_seen", "First seen"),
        ("trend", "Trend"),
        ("systemic", "Systemic"),
    )
    headline = [
        {
            "label": h["label"],
            "value": h["value"],
            "previous": h["previous"],
            "change": change(h["value"], h["previous"], h["unit"]),
            "unit": h["unit"],
        }
        for h in report["headline"]
    ]
    evidence = [
        {"theme": t["id"], "label": t["label"], **e}
        for t in report["systemic"]
        for e in t["evidence"]
    ]
    ft = report["follow_through"]
    tables = [
        Table(
            "Headline",
            "Headline figures",
            (
                ("label", "Measure"),
                ("value", report["period"]["label"]),
                ("previous", report["previous"]["label"]),
                ("change", "Change"),
                ("unit", "Unit"),
            ),
            tuple(headline),
        ),
        Table("New themes", "New themes", theme_cols, tuple(report["themes"]["new"])),
        Table(
            "Recurring themes", "Recurring themes", theme_cols, tuple(report["themes"]["recurring"])
        ),
        Table("Rising themes", "Rising themes", theme_cols, tuple(report["themes"]["rising"])),
        Table(
            "Systemic themes",
            "Systemic themes",
            (
                ("id", "Theme"),
                ("label", "Label"),
                ("score", "Score"),
                ("trend", "Trend"),
                ("coes_in_period", "COEs in period"),
                ("coes_total", "COEs to date"),
                ("services", "Services"),
                ("teams", "Teams"),
                ("first_seen", "First seen"),
                ("representative", "Representative root cause"),
            ),
            tuple(report["systemic"]),
        ),
        Table(
            "Evidence",
            "Systemic themes: evidence",
            (
                ("theme", "Theme"),
                ("coe", "COE"),
                ("date", "Date"),
                ("severity", "Severity"),
                ("title", "Title"),
                ("services", "Services"),
                ("root_cause", "Root cause"),
            ),
            tuple(evidence),
        ),
        Table(
            "Follow-through",
            f"Action follow-through (as of {ft['as_of']})",
            (
                ("id", "Theme"),
                ("label", "Label"),
                ("systemic", "Systemic"),
                ("actions", "Actions"),
                ("done", "Done"),
                ("open", "Open"),
                ("overdue", "Overdue"),
                ("done_pct", "Done %"),
                ("repeats_in_period", "Repeats despite action (period)"),
                ("repeats", "Repeats despite action (to date)"),
            ),
            tuple(ft["themes"]),
        ),
        Table(
            "Overdue actions",
            "Overdue actions of the period's systemic themes",
            (
                ("theme", "Theme"),
                ("coe", "COE"),
                ("action", "Action"),
                ("owner", "Owner"),
                ("priority", "Priority"),
                ("due", "Due"),
                ("days_overdue", "Days overdue"),
                ("status", "Status"),
            ),
            tuple(ft["overdue"]),
        ),
        Table(
            "Repeats",
            "Repeats despite action",
            (
                ("coe", "COE"),
                ("date", "Date"),
                ("title", "Title"),
                ("theme", "Theme"),
                ("after", "After COE"),
                ("after_date", "After date"),
                ("actions", "Actions it had promised"),
            ),
            tuple(ft["repeats"]),
        ),
        Table(
            "By quarter",
            "COEs and time to detect / mitigate by quarter",
            (
                ("quarter", "Quarter"),
                ("coes", "COEs"),
                *((s, s) for s in SEVERITIES),
                ("median_ttd", "Median TTD (min)"),
                ("median_ttm", "Median TTM (min)"),
            ),
            tuple(report["by_quarter"]),
        ),
    ]
    return tables


def change(value: float | None, previous: float | None, unit: str = "") -> str:
    """A change as text: ``"+20%"``; from zero, or of a share, the difference itself.

    >>> change(12, 10), change(3, 0), change(None, 4), change(40.0, 32.5, "%")
    ('+20%', '+3', '', '+7.5 pts')
    """
    if value is None or previous is None:
        return ""
    if unit == "%":
        return f"{value - previous:+.1f} pts"
    if not previous:
        return f"{value - previous:+g}" if value != previous else "0"
    return f"{100 * (value - previous) / previous:+.0f}%"


def plural(n: int, noun: str) -> str:
    """``"1 COE"``, ``"3 COEs"``.

    >>> plural(1, "COE"), plural(3, "COE")
    ('1 COE', '3 COEs')
    """
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def named(values, what: str) -> str:
    """Names joined, or a note that the documents name none: absent is not zero.

    >>> named(["api", "db"], "services"), named([], "services")
    ('api, db', 'services not named')
    """
    return cell_text(list(values)) if values else f"{what} not named"


def theme_facts(theme: dict) -> str:
    """One line on a systemic theme: this period, why it is systemic, where, its rank score."""
    return (
        f"{plural(theme['coes_in_period'], 'COE')} this period"
        f" ({theme['coes_previous']} the period before), {theme['coes_total']} to date since"
        f" {theme['first_seen']}; trend {theme['trend']}. Systemic: {theme['systemic_reason']}."
        f" Services: {named(theme['services'], 'services')}. Teams: {named(theme['teams'], 'teams')}."
        f" Score {theme['score']:.0f}."
    )


def cell_text(value) -> str:
    """A cell as text: lists joined, booleans as yes/no, None empty.

    >>> cell_text(["a", "b"]), cell_text(True), cell_text(None), cell_text(12.0)
    ('a, b', 'yes', '', '12')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
