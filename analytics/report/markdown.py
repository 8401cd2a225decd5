"""The report as Markdown that pastes into a wiki: headings, short paragraphs, pipe tables.

Document text is escaped so that a ``|`` in a root cause cannot break a table, and ``*``, ``_``,
backticks, brackets and angle brackets show as written instead of turning into formatting,
links or HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from analytics.report.tables import (
    OVERDUE_SHOWN,
    Table,
    cell_text,
    report_tables,
    shown,
    theme_facts,
)

_SPECIAL = re.compile(r"([\\|*_`<>\[\]#])")


def md_escape(text: str) -> str:
    """Escape Markdown syntax and fold newlines, for a table cell or a line of prose.

    >>> md_escape("a|b *c* <x>\\nnext")
    'a\\\\|b \\\\*c\\\\* \\\\<x\\\\> next'
    """
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def md_table(columns: Sequence[tuple[str, str]], rows: Iterable[dict]) -> str:
    """A pipe table; numbers right-aligned.

    >>> print(md_table([("id", "Theme"), ("n", "COEs")], [{"id": "T01", "n": 3}]))
    | Theme | COEs |
    | --- | ---: |
    | T01 | 3 |
    """
    rows = list(rows)

    def numeric(key: str) -> bool:
        vals = [r.get(key) for r in rows if r.get(key) is not None]
        return bool(vals) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals
        )

    head = "| " + " | ".join(md_escape(h) for _, h in columns) + " |"
    rule = "| " + " | ".join("---:" if numeric(k) else "---" for k, _ in columns) + " |"
    body = [
        "| " + " | ".join(md_escape(cell_text(r.get(k))) for k, _ in columns) + " |" for r in rows
    ]
    return "\n".join([head, rule, *body])


def _section(table: Table, empty: str, heading: str = "###") -> list[str]:
    out = [f"{heading} {md_escape(table.title)}", ""]
    out.append(md_table(table.columns, table.rows) if table.rows else f"_{empty}_")
    return [*out, ""]


def report_markdown(report: dict) -> str:
    """The whole report as one Markdown document."""
    t = {table.name: table for table in report_tables(report)}
    period, previous, corpus = report["period"], report["previous"], report["corpus"]
    out = [
        f"# {md_escape(report['title'])}",
        "",
        f"Period {period['since']} to {period['until']}, compared with {md_escape(previous['label'])}"
        f" ({previous['since']} to {previous['until']}). Actions judged as of {report['as_of']}."
        f" Analysis run {corpus['run']} ({md_escape(str(corpus['analysed_at']))},"
        f" {md_escape(str(corpus['embedder']))}) over {corpus['coes']} COEs"
        + (f", {corpus['undated']} of them undated and not reported" if corpus["undated"] else "")
        + "."
        + (" Names of people are redacted." if report["redacted"] else ""),
        "",
        "## Headline",
        "",
        md_table(t["Headline"].columns, t["Headline"].rows),
        "",
        "## Themes",
        "",
        "New: first seen in the period. Recurring: seen before and again in the period. Rising:"
        " seen in the period, with a rising trend over the quarters.",
        "",
    ]
    for name in ("New themes", "Recurring themes", "Rising themes"):
        out += _section(t[name], "None in this period.")
    out += ["## Systemic themes", ""]
    if not report["systemic"]:
        out += ["_No systemic theme recurred in this period._", ""]
    for theme in report["systemic"]:
        out += _systemic_theme(theme)
    out += ["## Action follow-through", ""]
    out += _section(t["Follow-through"], "No theme has overdue actions or repeats.")
    overdue, note = shown(t["Overdue actions"], OVERDUE_SHOWN)
    out += _section(overdue, "No overdue actions in systemic themes.")
    out += [f"_{md_escape(note)}_", ""] if note else []
    out += _section(t["Repeats"], "No repeat despite action in this period.")
    out += ["## By quarter", ""]
    out += [md_table(t["By quarter"].columns, t["By quarter"].rows), ""]
    return "\n".join(out).rstrip() + "\n"


def _systemic_theme(theme: dict) -> list[str]:
    facts = md_escape(theme_facts(theme))
    rows = [
        {**e, "root_cause": f"“{e['root_cause']}”" if e["root_cause"] else ""}
        for e in theme["evidence"]
    ]
    return [
        f"### {md_escape(theme['id'])} · {md_escape(theme['label'])}",
        "",
        facts,
        "",
        f"> {md_escape(theme['representative'])}" if theme["representative"] else "",
        "",
        md_table(
            (
                ("coe", "COE"),
                ("date", "Date"),
                ("severity", "Severity"),
                ("title", "Title"),
                ("services", "Services"),
                ("root_cause", "Root cause"),
            ),
            rows,
        ),
        "",
    ]
