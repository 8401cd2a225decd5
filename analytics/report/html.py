"""The report as one self-contained HTML file: opens offline, prints cleanly.

In: the report dict of :func:`analytics.report.data.build_report`. Out: one HTML document, made
from the jinja2 templates in ``templates/`` (``report.html``, its pieces in ``macros.html``) with
the stylesheet ``report.css`` and plotly.js inlined once, in the head; every chart is a
``plotly.io.to_html`` fragment made with ``include_plotlyjs=False``. Autoescaping is on: every
value a template prints is escaped, and only the stylesheet, plotly.js and the chart fragments,
which this module makes, are passed as markup. The print stylesheet starts each major section on
a new page, keeps cards, charts and table rows whole, repeats table headers, and lets long cells
wrap instead of overflowing the page.
"""

from __future__ import annotations

from html import escape
from importlib.resources import files

import plotly.io as pio
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from analytics import severity
from analytics.report.charts import report_figures
from analytics.report.tables import (
    OVERDUE_SHOWN,
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


def cell_class(key: str) -> str:
    """The CSS class of a table column: numbers align right, ids and dates do not wrap.

    >>> cell_class("coes_total"), cell_class("coe"), cell_class("due"), cell_class("title")
    ('num', 'id', 'date', '')
    """
    if key in _NUMERIC_KEYS:
        return "num"
    if key in ("id", "coe", "theme", "after", "quarter"):
        return "id"
    if key in ("date", "due", "first_seen", "after_date"):
        return "date"
    return ""


def _finalize(value: object) -> object:
    """What a template prints for a value: the text :func:`cell_text` makes of it, escaped.

    Lists read as "a, b" and None as nothing, as in the tables of every format. The escaping is
    :func:`html.escape`'s, which the report has always used (markupsafe, left to itself, spells
    quotes ``&#34;`` and ``&#39;``); markup from the templates' own macros passes as it is.
    """
    if hasattr(value, "__html__"):
        return value
    return Markup(escape(cell_text(value), quote=True))


_ENV = Environment(
    loader=PackageLoader(__package__, "templates"),
    autoescape=True,
    undefined=StrictUndefined,  # a misspelt name fails the render instead of printing nothing
    finalize=_finalize,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.globals.update(cell_class=cell_class, theme_facts=theme_facts, services_shown=SERVICES_SHOWN)
_ENV.tests["list"] = lambda value: isinstance(value, list)


def _chart(fig, div_id: str) -> Markup:
    fragment = pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        config=CHART_CONFIG,
        div_id=div_id,
        default_width="100%",
    )
    return Markup(f'<div class="chart">{fragment}</div>')


def _number(value: float | None) -> str | None:
    if value is None:
        return None
    return f"{value:,.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


def _card(h: dict, previous_label: str) -> dict:
    """A headline figure as its card shows it: value, previous value, change and its mood."""
    value, prev = h["value"], h["previous"]
    mood = ""
    if value is not None and prev is not None and value != prev:
        mood = "good" if (value < prev) == (h["better"] == "lower") else "bad"
    return {
        "label": h["label"],
        "value": _number(value),
        "unit": h["unit"],
        "previous_label": previous_label,
        "previous": "—" if prev is None else f"{prev:g}{h['unit'] and ' ' + h['unit']}",
        "delta": change(value, prev, h["unit"]),
        "mood": mood,
    }


def _meta(report: dict) -> str:
    period, previous, corpus = report["period"], report["previous"], report["corpus"]
    return (
        f"{period['since']} to {period['until']}, compared with {previous['label']}"
        f" ({previous['since']} to {previous['until']}). Actions judged as of {report['as_of']}."
        f" Analysis run {corpus['run']} ({corpus['analysed_at']}, {corpus['embedder']}) over"
        f" {corpus['coes']} COEs"
        + (f", {corpus['undated']} undated and not reported" if corpus["undated"] else "")
        + "."
        + (" Names of people are redacted." if report["redacted"] else "")
    )


def report_html(report: dict) -> str:
    """The whole report as one HTML document (a ``str``; plotly.js inlined once)."""
    tables = {table.name: table for table in report_tables(report)}
    overdue, overdue_note = shown(tables["Overdue actions"], OVERDUE_SHOWN)
    return _ENV.get_template("report.html").render(
        report=report,
        meta=_meta(report),
        cards=[_card(h, report["previous"]["label"]) for h in report["headline"]],
        tables=tables,
        overdue=overdue,
        overdue_note=overdue_note,
        charts={name: _chart(fig, f"chart-{name}") for name, fig in report_figures(report).items()},
        css=Markup(CSS),
        plotlyjs=Markup(get_plotlyjs()),
    )
