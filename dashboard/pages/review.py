"""Quarterly review: what happened in a quarter, what is new or recurring, which actions are late."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import dash
from dash import Input, Output, State, callback, dcc, html

from analytics import severity
from analytics.output import spreadsheet_safe
from dashboard import data
from dashboard import figures as fig
from dashboard.components import card, export_options, graph, grid, kpi, note, theme_href
from dashboard.components import table as html_table
from dashboard.downloads import REPORT_FORMATS, report_download
from dashboard.filters import STORE

dash.register_page(
    __name__, path="/review", name="Quarterly review", title="coegraph · Quarterly review", order=4
)

QUARTER = "review-quarter"
BODY = "review-body"
EXPORT = "review-export"
DOWNLOAD = "review-download"
REPORT = "review-report"
REPORT_FORMAT = "review-report-format"
REDACT = "review-redact"
REPORT_DOWNLOAD = "review-report-download"
REPORT_LABEL = "Download report"
DUE = "review-due"
OVERDUE = "review-overdue"
UNKNOWN = "review-unknown"
RECURRING = "review-recurring"

THEME_COLUMNS = [
    ("id", "Theme"),
    ("label", "Label"),
    ("coes_in_quarter", "This qtr"),
    ("coes_total", "All time"),
    ("services", "Svcs"),
    ("trend", "Trend"),
]
# Recurring themes are a grid, not an HTML table: rows are data, so a quarter with a hundred
# recurring themes costs the server nothing to lay out.
THEME_GRID = [
    {"field": "id", "headerName": "Theme", "cellRenderer": "ThemeLink", "width": 170},
    {"field": "label", "headerName": "Label", "flex": 1, "minWidth": 120, "tooltipField": "label"},
    {"field": "coes_in_quarter", "headerName": "This qtr", "width": 120, "sort": "desc"},
    {"field": "coes_total", "headerName": "All time", "width": 115},
    {
        "field": "services",
        "headerName": "Svcs",
        "width": 100,
        # a theme whose COEs name no service: absent, not 0
        "valueFormatter": {"function": "params.value == null ? '—' : params.value"},
    },
    {
        "field": "trend",
        "headerName": "Trend",
        "width": 98,
        "cellClassRules": {
            "trend-rising": "params.value == 'rising'",
            "trend-falling": "params.value == 'falling'",
        },
    },
]
ACTION_GRID = [
    {"field": "coe", "headerName": "COE", "cellRenderer": "CoeLink", "width": 175},
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
                            html.Button(
                                "Tables (CSV)",
                                id=EXPORT,
                                n_clicks=0,
                                className="button button-quiet",
                                title="The tables on this page, with the page filters, as CSV",
                            ),
                            html.Div(
                                className="export-group",
                                title="The quarterly report `coe report --quarter` writes: "
                                "the whole store, page filters do not apply",
                                children=[
                                    *export_options(REPORT_FORMAT, REPORT_FORMATS, "html", REDACT),
                                    html.Button(
                                        REPORT_LABEL, id=REPORT, n_clicks=0, className="button"
                                    ),
                                ],
                            ),
                            dcc.Download(id=DOWNLOAD),
                            dcc.Download(id=REPORT_DOWNLOAD),
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

    def build() -> dict:
        return {
            "quarter": q,
            "summary": fig.quarter_summary(snapshot.quarter_coes(q, scope), q),
            "themes": fig.theme_items(snapshot.quarter_themes(q, scope)),
            "actions": snapshot.quarter_actions(q, scope),
        }

    # The page and its CSV export ask for the same review: build it once per quarter and scope.
    return snapshot.memo(("review", q, scope), build)


@callback(Output(BODY, "children"), Input(QUARTER, "value"), Input(STORE, "data"))
def update(q: str | None, filters_data: dict | None):
    if not q:
        return html.P("No dated COEs in this store.", className="muted")
    review = review_data(data.current(), q, data.Filters.from_store(filters_data))
    return review_body(review)


def review_body(review: dict) -> list:
    s, themes, actions = review["summary"], review["themes"], review["actions"]
    severe = sum(n for k, n in s["severity"].items() if severity.is_high(k))
    # COEs that give no severity leave the high-severity count unknown, not 0.
    rated = sum(n for k, n in s["severity"].items() if k != severity.UNRATED)

    def minutes(v):
        # "2825.5 min" is unreadable at a glance; a median of days reads as days
        if v is None:
            return "—"
        if v < 120:
            return f"{v:.0f} min"
        if v < 48 * 60:
            return f"{v / 60:.1f} h"
        return f"{v / 1440:.1f} days"

    def theme_table(items, empty):
        # New and rising are short lists in narrow cards, where a wrapping table reads better
        # than a grid; ``limit`` caps the components a long one would cost.
        return html.Div(
            html_table(
                items,
                THEME_COLUMNS,
                links={"id": theme_href},
                empty=empty,
                className="table-compact",
                limit=25,
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
                kpi(
                    severity.HIGH_LABEL,
                    str(severe) if rated else "—",
                    "high severity"
                    if rated == s["coes"]
                    else f"high severity; {s['coes'] - rated} COEs not rated"
                    if rated
                    else "no COE states a severity",
                ),
                kpi("Median time to detect", minutes(s["median_ttd"])),
                kpi("Median time to mitigate", minutes(s["median_ttm"])),
                kpi("New themes", str(len(themes["new"]))),
                kpi(
                    "Actions overdue",
                    str(len(actions["overdue"])),
                    f"{len(actions['unknown'])} more past due with no status"
                    if actions["unknown"]
                    else "still open past their due date",
                ),
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
            grid(RECURRING, themes["recurring"], THEME_GRID, height=320)
            if themes["recurring"]
            else note("Nothing recurred this quarter."),
            subtitle="Seen this quarter and before it.",
        ),
        card(
            f"Actions due in {review['quarter']} ({len(actions['due'])})",
            action_table(DUE, actions["due"], "No actions due this quarter."),
        ),
        card(
            f"Actions overdue at quarter end ({len(actions['overdue'])})",
            action_table(OVERDUE, actions["overdue"], "Nothing overdue."),
            subtitle="Marked open or in progress and due before the quarter's last day (or "
            "today, while the quarter runs). Actions without a status are listed below, not "
            "counted as overdue.",
        ),
        card(
            f"Past due, status unknown ({len(actions['unknown'])})",
            action_table(UNKNOWN, actions["unknown"], "Every past-due action has a status."),
            subtitle="The document gives no status: nothing says whether these were done.",
        ),
    ]


def review_csv(review: dict) -> str:
    """The review's tables as one CSV, a ``table`` column saying which table a row is from."""
    fields = list(dict.fromkeys(k for k, _ in THEME_COLUMNS + ACTION_COLUMNS))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", *fields])
    for name in ("new", "recurring", "rising"):
        for row in review["themes"][name]:
            writer.writerow([f"{name} themes", *(_csv_cell(row.get(k)) for k in fields)])
    for name in ("due", "overdue", "unknown"):
        for row in review["actions"][name]:
            writer.writerow([f"actions {name}", *(_csv_cell(row.get(k)) for k in fields)])
    return out.getvalue()


def _csv_cell(value) -> object:
    # document text must not run as a formula in the spreadsheet that opens the file
    return spreadsheet_safe(value) if isinstance(value, str) else ("" if value is None else value)


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


@callback(
    Output(REPORT_DOWNLOAD, "data"),
    Input(REPORT, "n_clicks"),
    State(QUARTER, "value"),
    State(REPORT_FORMAT, "value"),
    State(REDACT, "value"),
    prevent_initial_call=True,
    running=[
        (Output(REPORT, "disabled"), True, False),
        (Output(REPORT, "children"), "Preparing…", REPORT_LABEL),
    ],
)
def export_report(_clicks: int, q: str | None, fmt: str | None, redact: list | None):
    if not q:
        return dash.no_update
    return report_download(data.current(), q, fmt or "html", redact_names=bool(redact))
