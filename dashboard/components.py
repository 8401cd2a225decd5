"""Small layout pieces shared by the pages: cards, headline numbers, notes, links.

Every piece renders document text as Dash text children, which React escapes: a COE that
contains ``<script>`` shows those characters and runs nothing. Nothing here uses
``dangerously_allow_html`` or raw HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from dash import dcc, html

# Figures carry their own height; plotly fits their width to the container when drawn. (With
# ``responsive`` on, plotly takes the height from the container instead, which squashes or
# stretches charts whose container height depends on the page around them.)
GRAPH_CONFIG = {"displaylogo": False, "displayModeBar": False}


def card(title: str | None, *children, className: str = "", subtitle: str | None = None):
    """A white panel with an optional heading."""
    head = []
    if title:
        head.append(html.H3(title, className="card-title"))
    if subtitle:
        head.append(html.P(subtitle, className="card-subtitle"))
    return html.Section(className=f"card {className}".strip(), children=[*head, *children])


def kpi(label: str, value: str, hint: str | None = None, cid: str | None = None):
    """One headline number."""
    kwargs = {"id": cid} if cid else {}
    return html.Div(
        className="kpi",
        children=[
            html.Div(value, className="kpi-value", **kwargs),
            html.Div(label, className="kpi-label"),
            *([html.Div(hint, className="kpi-hint")] if hint else []),
        ],
    )


def note(text: str, kind: str = "info"):
    """A quiet message in place of a missing piece (``kind``: info, warn)."""
    return html.Div(text, className=f"note note-{kind}")


def unavailable(what: str):
    """The note shown where an analytics module this panel needs is not installed yet."""
    return note(f"{what} is not available in this build.", "warn")


def coe_href(coe_id: str) -> str:
    return "/coe/" + quote(coe_id, safe="")


def coe_link(coe_id: str, text: str | None = None):
    return dcc.Link(text or coe_id, href=coe_href(coe_id), className="coe-link")


def theme_href(theme_id: str) -> str:
    return "/themes?theme=" + quote(theme_id, safe="")


def graph(figure, cid: str | None = None, **kwargs):
    kw = {"id": cid} if cid else {}
    return dcc.Graph(figure=figure, config=GRAPH_CONFIG, **kw, **kwargs)


def table(
    rows: Sequence[dict],
    columns: Sequence[tuple[str, str]],
    *,
    links: dict | None = None,
    empty: str = "Nothing to show.",
    className: str = "",
    limit: int = 50,
):
    """A plain HTML table: ``columns`` are (key, heading); ``links`` maps a key to an href
    builder for cells that link (COE ids to their page, say).

    At most ``limit`` rows: every cell is a Dash component, and the renderer slows down badly
    past a few thousand of them; long lists belong in :func:`grid`.
    """
    if not rows:
        return note(empty)
    more = len(rows) - limit
    rows = rows[:limit]
    links = links or {}
    head = html.Thead(html.Tr([html.Th(h) for _k, h in columns]))
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(
                        dcc.Link(str(r.get(k, "")), href=links[k](r[k]))
                        if k in links and r.get(k)
                        else _cell(r.get(k)),
                        className=f"col-{k}",
                    )
                    for k, _h in columns
                ]
            )
            for r in rows
        ]
    )
    tail = [html.P(f"… and {more} more.", className="muted")] if more > 0 else []
    return html.Div([html.Table([head, body], className=f"table {className}".strip()), *tail])


def grid(cid: str, rows: Sequence[dict], columns: Sequence[dict], height: int = 360):
    """A sortable, filterable dash-ag-grid table; rows are data, not components, so it scales.

    A column ``{"field": "coe", "cellRenderer": "CoeLink"}`` links COE ids to their page.
    """
    import dash_ag_grid as dag

    return dag.AgGrid(
        id=cid,
        rowData=list(rows),
        columnDefs=list(columns),
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        dashGridOptions={"animateRows": False, "tooltipShowDelay": 300},
        className="ag-theme-quartz",
        style={"height": f"{height}px", "width": "100%"},
    )


def _cell(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def status_badge(status: str | None):
    s = (status or "unknown").lower()
    return html.Span(s, className=f"badge badge-{s.replace(' ', '-')}")


def severity_badge(severity: str | None):
    s = severity or "unknown"
    return html.Span(s, className=f"badge sev sev-{s.lower()}")


def export_options(format_id: str, formats: Sequence[str], default: str, redact_id: str) -> list:
    """A file-format dropdown and a "Redact names" checkbox, as every export button uses."""
    return [
        dcc.Dropdown(
            id=format_id,
            options=[{"label": f.upper(), "value": f} for f in formats],
            value=default,
            clearable=False,
            searchable=False,
            className="format-dropdown",
        ),
        dcc.Checklist(
            id=redact_id,
            options=[{"label": " Redact names", "value": "redact"}],
            value=[],
            className="redact-check",
        ),
    ]
