"""Quarterly review: what happened in a quarter, what is new or recurring, which actions are late."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import data
from dashboard import figures as fig
from dashboard.components import card, graph, grid, kpi, note, theme_href
from dashboard.components import table as html_table
from dashboard.filters import STORE

dash.register_page(
    __name__, path="/review", name="Quarterly review", title="coegraph · Quarterly review", order=4
)

QUARTER = "review-quarter"
BODY = "review-body"
EXPORT = "review-export"
DOWNLOAD = "review-download"
DUE = "review-due"
OVERDUE = "review-overdue"

THEME_COLUMNS = [
    ("id", "Theme"),
    ("label", "Label"),
    ("coes_in_quarter", "This qtr"),
    ("coes_total", "All time"),
    ("services", "Svcs"),
    ("trend", "Trend"),
]
ACTION_GRID = [
    {"field": "coe", "headerName": "COE", "cellRenderer": "CoeLink", "width": 150},
    {
        "field": "action",
        "headerName": "Action",
        "flex": 1,
        "minWidth": 220,
        "tooltipField": "action",
    },
    {"field": "owner", "headerName": "Owner", "width": 130},
    {"field": "priority", "headerName": "Pri.", "width": 80},
    {"field": "due", "headerName": "Due", "width": 115, "sort": "asc"},
    {"field": "status", "headerName": "Status", "width": 115},
]
ACTION_COLUMNS = [
    ("coe", "COE"),
    ("action", "Action"),
    ("owner", "Owner"),
    ("priority", "Priority"),
    ("due", "Due"),
    ("status", "Status"),
]


def layout(quarter: str | None = None, **_query) -> html.Div:
    quarters = data.current().quarters
    value = quarter if quarter in quarters else (quarters[-1] if quarters else None)
    return html.Div(
        className="page-review",
        children=[
            html.Div(
                className="page-head page-head-row",
                children=[
                    html.Div(
                        [
                            html.H1("Quarterly review"),
                            html.P(
                                "What happened this quarter, what is new, what keeps coming "
                                "back, and which actions are late.",
                                className="lede",
                            ),
                        ]
                    ),
                    html.Div(
                        className="head-controls",
                        children=[
                            dcc.Dropdown(
                                id=QUARTER,
                                options=quarters[::-1],
                                value=value,
                                clearable=False,
                                className="quarter-dropdown",
                            ),
                            html.Button("Export CSV", id=EXPORT, n_clicks=0, className="button"),
                            dcc.Download(id=DOWNLOAD),
                        ],
                    ),
                ],
            ),
            html.Div(id=BODY),
        ],
    )


def review_data(snapshot: data.Snapshot, q: str, filters: data.Filters) -> dict:
    """Everything the review shows for quarter ``q``: pure data, also what the export writes.

    The global quarter range is ignored here (the page picks its own quarter, and "new" needs
    the history before it); service, team and severity filters apply.
    """
    scope = replace(filters, quarter_from=None, quarter_to=None)
    coes = snapshot.filtered(scope)
    rows = snapshot.theme_rows(scope)
    return {
        "quarter": q,
        "summary": fig.quarter_summary(coes, q),
        "themes": fig.quarter_themes(rows, q),
        "actions": fig.quarter_actions(coes, q),
    }


@callback(Output(BODY, "children"), Input(QUARTER, "value"), Input(STORE, "data"))
def update(q: str | None, filters_data: dict | None):
    if not q:
        return html.P("No dated COEs in this store.", className="muted")
    review = review_data(data.current(), q, data.Filters.from_store(filters_data))
    return review_body(review)


def review_body(review: dict) -> list:
    s, themes, actions = review["summary"], review["themes"], review["actions"]
    severe = sum(n for k, n in s["severity"].items() if k in ("Sev1", "Sev2"))

    def minutes(v):
        return "—" if v is None else f"{v:g} min"

    def theme_table(items, empty):
        return html.Div(
            html_table(
                items,
                THEME_COLUMNS,
                links={"id": theme_href},
                empty=empty,
                className="table-compact",
            ),
            className="scroll-panel",
        )

    def action_table(cid, items, empty):
        return grid(cid, items, ACTION_GRID) if items else note(empty)

    return [
        html.Div(
            className="kpis",
            children=[
                kpi("COEs", str(s["coes"]), review["quarter"]),
                kpi("Sev1 + Sev2", str(severe)),
                kpi("Median time to detect", minutes(s["median_ttd"])),
                kpi("Median time to mitigate", minutes(s["median_ttm"])),
                kpi("New themes", str(len(themes["new"]))),
                kpi("Actions overdue", str(len(actions["overdue"])), "open at quarter end"),
            ],
        ),
        html.Div(
            className="grid-3",
            children=[
                card("Severity", graph(fig.severity_donut(s["severity"]))),
                card(
                    "New themes",
                    theme_table(themes["new"], "No new themes this quarter."),
                    subtitle="First seen this quarter.",
                ),
                card(
                    "Rising themes",
                    theme_table(themes["rising"], "No rising theme this quarter."),
                    subtitle="Seen this quarter, trend rising.",
                ),
            ],
        ),
        card(
            "Recurring themes",
            theme_table(themes["recurring"], "Nothing recurred this quarter."),
            subtitle="Seen this quarter and before it.",
        ),
        card(
            f"Actions due in {review['quarter']} ({len(actions['due'])})",
            action_table(DUE, actions["due"], "No actions due this quarter."),
        ),
        card(
            f"Actions overdue at quarter end ({len(actions['overdue'])})",
            action_table(OVERDUE, actions["overdue"], "Nothing overdue."),
            subtitle="Due on or before the quarter's last day and not done (or without a status).",
        ),
    ]


def review_csv(review: dict) -> str:
    """The review's tables as one CSV, a ``table`` column saying which table a row is from."""
    fields = ["table", *dict.fromkeys(k for k, _ in THEME_COLUMNS + ACTION_COLUMNS)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for name in ("new", "recurring", "rising"):
        for row in review["themes"][name]:
            writer.writerow({"table": f"{name} themes", **row})
    for name in ("due", "overdue"):
        for row in review["actions"][name]:
            writer.writerow({"table": f"actions {name}", **row})
    return out.getvalue()


@callback(
    Output(DOWNLOAD, "data"),
    Input(EXPORT, "n_clicks"),
    State(QUARTER, "value"),
    State(STORE, "data"),
    prevent_initial_call=True,
)
def export(_clicks: int, q: str | None, filters_data: dict | None):
    if not q:
        return dash.no_update
    review = review_data(data.current(), q, data.Filters.from_store(filters_data))
    return {"content": review_csv(review), "filename": f"coe-review-{q}.csv", "type": "text/csv"}
