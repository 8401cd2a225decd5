"""The report as one self-contained HTML file: opens offline, prints cleanly.

plotly.js is inlined once, in the head; every chart is a ``plotly.io.to_html`` fragment made
with ``include_plotlyjs=False``. All document text is escaped with :func:`html.escape`. The
print stylesheet starts each major section on a new page, keeps cards, charts and table rows
whole, repeats table headers, and lets long cells wrap instead of overflowing the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from importlib.resources import files

import plotly.io as pio
from plotly.offline import get_plotlyjs

from analytics import severity
from analytics.report.charts import report_figures
from analytics.report.tables import (
    OVERDUE_SHOWN,
    Table,
    cell_text,
    change,
    report_tables,
    shown,
    theme_facts,
)

CHART_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
}

# The stylesheet is a file beside this module (package data), inlined so the report is one file.
CSS = files(__package__).joinpath("report.css").read_text(encoding="utf-8")

# Charts follow the page width on screen; printing changes the width without a resize event
# in every browser, so re-layout them before print.
PRINT_JS = """
window.addEventListener('beforeprint', function () {
  document.querySelectorAll('.js-plotly-plot').forEach(function (el) { Plotly.Plots.resize(el); });
});
"""

# A theme's services in a table cell; the full list is in the theme's section and the XLSX.
SERVICES_SHOWN = 4
_NUMERIC_KEYS = {
    "coes_in_period",
    "coes_previous",
    "coes_total",
    "score",
    "actions",
    "done",
    "open",
    "overdue",
    "done_pct",
    "repeats",
    "repeats_in_period",
    "days_overdue",
    "coes",
    "median_ttd",
    "median_ttm",
    "status_unknown",
    *severity.SCALE,
    severity.UNRATED,
}


def esc(value: object) -> str:
    """Escape any value for HTML text or an attribute, as :func:`cell_text` shows it."""
    return escape(cell_text(value), quote=True)


def _cell(key: str, value: object) -> str:
    cls = ""
    if key in _NUMERIC_KEYS:
        cls = "num"
    elif key in ("id", "coe", "theme", "after", "quarter"):
        cls = "id"
    elif key in ("date", "due", "first_seen", "after_date"):
        cls = "date"
    if key == "trend" and value:
        body = f'<span class="badge {esc(value)}">{esc(value)}</span>'
    elif key == "systemic":
        body = '<span class="badge systemic">systemic</span>' if value else ""
    elif key == "services" and isinstance(value, list) and len(value) > SERVICES_SHOWN:
        more = len(value) - SERVICES_SHOWN
        body = esc(value[:SERVICES_SHOWN]) + f' <span class="muted">+{more} more</span>'
    elif key == "root_cause" and value:
        body = f"<q>{esc(value)}</q>"
    else:
        body = esc(value)
    return f'<td class="{cls}">{body}</td>' if cls else f"<td>{body}</td>"


def html_table(columns: Sequence[tuple[str, str]], rows: Iterable[dict], empty: str = "") -> str:
    """An escaped HTML table; ``empty`` is said instead when there are no rows."""
    rows = list(rows)
    if not rows:
        return f'<p class="empty">{esc(empty)}</p>' if empty else ""
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if k in _NUMERIC_KEYS else f"<th>{esc(h)}</th>"
        for k, h in columns
    )
    body = "\n".join(
        "<tr>" + "".join(_cell(k, r.get(k)) for k, _ in columns) + "</tr>" for r in rows
    )
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


def _table(t: Table, empty: str) -> str:
    return html_table(t.columns, t.rows, empty)


def _chart(fig, div_id: str) -> str:
    fragment = pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        config=CHART_CONFIG,
        div_id=div_id,
        default_width="100%",
    )
    return f'<div class="chart">{fragment}</div>'


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{value:,.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    return f"{esc(text)}<small>{esc(unit)}</small>" if unit else esc(text)


def _card(h: dict, previous_label: str) -> str:
    value, prev = h["value"], h["previous"]
    delta = change(value, prev, h["unit"])
    mood = ""
    if value is not None and prev is not None and value != prev:
        mood = "good" if (value < prev) == (h["better"] == "lower") else "bad"
    badge = f'<span class="delta {mood}">{esc(delta)}</span>' if delta else ""
    prev_text = "—" if prev is None else f"{prev:g}{h['unit'] and ' ' + h['unit']}"
    return (
        f'<div class="card"><div class="label">{esc(h["label"])}</div>'
        f'<div class="value">{_number(value, h["unit"])}</div>'
        f'<div class="prev">{esc(previous_label)}: {esc(prev_text)} {badge}</div></div>'
    )


def _systemic_theme(theme: dict) -> str:
    trend = theme["trend"]
    chips = "".join(f'<span class="chip">{esc(k)}</span>' for k in theme["keywords"])
    facts = theme_facts(theme)
    quote = (
        f"<blockquote>{esc(theme['representative'])}</blockquote>"
        if theme["representative"]
        else ""
    )
    evidence = html_table(
        (
            ("coe", "COE"),
            ("date", "Date"),
            ("severity", "Sev"),
            ("title", "Title"),
            ("services", "Services"),
            ("root_cause", "Root cause"),
        ),
        theme["evidence"],
    )
    return (
        f'<article class="theme" id="theme-{esc(theme["id"])}"><div class="head">'
        f'<h3><span class="tid">{esc(theme["id"])}</span> {esc(theme["label"])}</h3>'
        f'<span class="badge {esc(trend)}">{esc(trend)}</span></div>'
        f'<p class="facts">{esc(facts)}</p><div class="chips">{chips}</div>'
        f"{quote}{evidence}</article>"
    )


def report_html(report: dict) -> str:
    """The whole report as one HTML document (a ``str``; plotly.js inlined once)."""
    t = {table.name: table for table in report_tables(report)}
    figs = {name: _chart(fig, f"chart-{name}") for name, fig in report_figures(report).items()}
    period, previous, corpus = report["period"], report["previous"], report["corpus"]
    meta = (
        f"{period['since']} to {period['until']}, compared with {previous['label']}"
        f" ({previous['since']} to {previous['until']}). Actions judged as of {report['as_of']}."
        f" Analysis run {corpus['run']} ({corpus['analysed_at']}, {corpus['embedder']}) over"
        f" {corpus['coes']} COEs"
        + (f", {corpus['undated']} undated and not reported" if corpus["undated"] else "")
        + "."
        + (" Names of people are redacted." if report["redacted"] else "")
    )
    cards = "".join(_card(h, previous["label"]) for h in report["headline"])
    themes = report["themes"]
    theme_blocks = "".join(
        f"<div><h4>{esc(title)} ({len(themes[key])})</h4>{_table(t[name], empty)}</div>"
        for key, name, title, empty in (
            ("new", "New themes", "New themes", "No theme was first seen in this period."),
            ("recurring", "Recurring themes", "Recurring themes", "No theme recurred."),
            ("rising", "Rising themes", "Rising themes", "No theme is rising."),
        )
    )
    systemic = "".join(_systemic_theme(theme) for theme in report["systemic"]) or (
        '<p class="empty">No systemic theme recurred in this period.</p>'
    )
    ft = report["follow_through"]
    overdue, overdue_note = shown(t["Overdue actions"], OVERDUE_SHOWN)
    parts = [
        '<header class="top"><p class="eyebrow">coegraph · quarterly ops review</p>',
        f"<h1>{esc(report['title'])}</h1>",
        f'<p class="meta">{esc(meta)}</p></header>',
        '<nav class="toc"><a href="#headline">Headline</a><a href="#themes">Themes</a>'
        '<a href="#systemic">Systemic themes</a><a href="#follow-through">Action follow-through</a>'
        '<a href="#by-quarter">By quarter</a></nav>',
        '<section id="headline"><h2>Headline</h2>',
        f'<div class="cards">{cards}</div>',
        '<div class="chart-grid">'
        + figs.get("volume", "")
        + figs.get("detection", "")
        + "</div></section>",
        '<section id="themes" class="major"><h2>Themes</h2>',
        '<p class="lede">New: first seen in the period. Recurring: seen before and again in the'
        " period. Rising: seen in the period, with a rising trend over the quarters.</p>",
        f'<div class="theme-lists">{theme_blocks}</div></section>',
        '<section id="systemic" class="major"><h2>Systemic themes</h2>',
        f'<p class="lede">{len(report["systemic"])} systemic themes recurred in the period, most'
        " systemic first (recurrence, breadth across services and teams, severity, recency)."
        " Evidence: the period's COEs of each theme, with the root cause each one gave.</p>",
        figs.get("systemic", ""),
        systemic,
        "</section>",
        '<section id="follow-through" class="major"><h2>Action follow-through</h2>',
        f'<p class="lede">Actions promised by each theme\'s COEs, judged as of {esc(ft["as_of"])};'
        " themes with overdue actions or a repeat despite action in the period. A repeat despite"
        " action is a COE whose theme had come back after earlier COEs' actions were done or"
        " due.</p>",
        figs.get("follow_through", ""),
        "<h4>By theme</h4>",
        _table(t["Follow-through"], "No theme has overdue actions or repeats."),
        "<h4>Overdue actions of the period's systemic themes</h4>",
        _table(overdue, "No overdue actions in systemic themes."),
        f'<p class="muted">{esc(overdue_note)}</p>' if overdue_note else "",
        "<h4>Repeats despite action in the period</h4>",
        _table(t["Repeats"], "No repeat despite action in this period."),
        "</section>",
        '<section id="by-quarter" class="major"><h2>By quarter</h2>',
        _table(t["By quarter"], "No dated COEs."),
        "</section>",
        "<footer>Made by coegraph from the store's analysis; every figure is reproducible with"
        f" <code>coe report</code>. Run {esc(corpus['run'])}.</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(report['title'])}</title><style>{CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        f"<script>{PRINT_JS}</script></head>\n"
        f'<body><main class="report">\n' + "\n".join(parts) + "\n</main></body></html>\n"
    )
