"""Themes: the sortable theme table and, for the selected theme, its evidence and follow-through."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from dashboard import data
from dashboard import figures as fig
from dashboard.components import (
    card,
    coe_href,
    export_options,
    graph,
    kpi,
    note,
    table,
    unavailable,
)
from dashboard.downloads import EXPORT_FORMATS, cluster_download
from dashboard.filters import STORE

dash.register_page(__name__, path="/themes", name="Themes", title="coegraph · Themes", order=1)

GRID = "themes-grid"
SELECTED = "themes-selected"
DETAIL = "themes-detail"
SCROLLED = "themes-scrolled"
MAP = "themes-map"
EXPORT_FORMAT = "themes-export-format"
REDACT = "themes-redact"
EXPORT_THEMES = "themes-export-themes"
EXPORT_ACTIONS = "themes-export-actions"
DOWNLOAD_THEMES = "themes-download-themes"
DOWNLOAD_ACTIONS = "themes-download-actions"
EXPORT_LABELS = {"themes": "Export themes", "actions": "Export action families"}

# A count the documents do not give (no service named) is absent, not 0.
ABSENT = {"function": "params.value == null ? '—' : params.value"}
COLUMNS = [
    # mechanism ids run to ~20 characters ("T-failover-untested"): show them whole
    {"field": "id", "headerName": "Theme", "width": 170, "pinned": "left", "tooltipField": "id"},
    {"field": "label", "headerName": "Label", "flex": 3, "minWidth": 240, "tooltipField": "label"},
    {
        "field": "score",
        "headerName": "Score",
        "width": 115,
        "filter": "agNumberColumnFilter",
        "sort": "desc",
    },
    {"field": "coes", "headerName": "COEs", "width": 90, "filter": "agNumberColumnFilter"},
    {
        "field": "services",
        "headerName": "Services",
        "width": 110,
        "filter": "agNumberColumnFilter",
        "valueFormatter": ABSENT,
    },
    {
        "field": "teams",
        "headerName": "Teams",
        "width": 95,
        "filter": "agNumberColumnFilter",
        "valueFormatter": ABSENT,
    },
    {
        "field": "trend",
        "headerName": "Trend",
        "width": 110,
        "cellClassRules": {
            "trend-rising": "params.value == 'rising'",
            "trend-falling": "params.value == 'falling'",
        },
    },
    {"field": "systemic", "headerName": "Systemic", "width": 110},
    {"field": "last_seen", "headerName": "Last seen", "width": 125},
]


def layout(theme: str | None = None, **_query) -> html.Div:
    return html.Div(
        className="page-themes",
        children=[
            dcc.Store(id=SELECTED, data=theme),
            dcc.Store(id=SCROLLED),
            html.Div(
                className="page-head page-head-row",
                children=[
                    html.Div(
                        [
                            html.H1("Themes"),
                            html.P(
                                "Root-cause themes: failure mechanisms that recur across COEs. "
                                "Sort or filter the table; click a row to see its evidence.",
                                className="lede",
                            ),
                        ]
                    ),
                    export_controls(),
                ],
            ),
            card(
                None,
                dag.AgGrid(
                    id=GRID,
                    columnDefs=COLUMNS,
                    rowData=[],
                    defaultColDef={"sortable": True, "filter": True, "resizable": True},
                    dashGridOptions={
                        "rowSelection": {
                            "mode": "singleRow",
                            "checkboxes": False,
                            "enableClickSelection": True,
                        },
                        "animateRows": False,
                        "tooltipShowDelay": 300,
                    },
                    getRowId="params.data.id",
                    className="ag-theme-quartz",
                    style={"height": "380px", "width": "100%"},
                ),
                className="card-flush",
            ),
            html.Div(id=DETAIL, className="theme-detail"),
        ],
    )


def export_controls() -> html.Div:
    """Format, redaction and the two export buttons (the files ``coe export clusters`` writes)."""
    return html.Div(
        className="head-controls",
        title="Every theme or action family with its members, as `coe export clusters` writes "
        "them: the whole store, page filters do not apply",
        children=[
            *export_options(EXPORT_FORMAT, EXPORT_FORMATS, "csv", REDACT),
            html.Button(EXPORT_LABELS["themes"], id=EXPORT_THEMES, n_clicks=0, className="button"),
            html.Button(
                EXPORT_LABELS["actions"],
                id=EXPORT_ACTIONS,
                n_clicks=0,
                className="button button-quiet",
            ),
            dcc.Download(id=DOWNLOAD_THEMES),
            dcc.Download(id=DOWNLOAD_ACTIONS),
        ],
    )


@callback(Output(GRID, "rowData"), Input(STORE, "data"))
def update_rows(filters_data: dict | None) -> list[dict]:
    snapshot = data.current()
    return fig.theme_grid_rows(snapshot.theme_rows(data.Filters.from_store(filters_data)))


def _export_callback(kind: str, button: str, download: str):
    # One callback per button, so each shows its own "Preparing…" while the file is built.
    @callback(
        Output(download, "data"),
        Input(button, "n_clicks"),
        State(EXPORT_FORMAT, "value"),
        State(REDACT, "value"),
        prevent_initial_call=True,
        running=[
            (Output(button, "disabled"), True, False),
            (Output(button, "children"), "Preparing…", EXPORT_LABELS[kind]),
        ],
    )
    def export(_clicks: int, fmt: str | None, redact: list | None):
        return cluster_download(data.current(), kind, fmt or "csv", redact_names=bool(redact))

    return export


export_themes = _export_callback("themes", EXPORT_THEMES, DOWNLOAD_THEMES)
export_actions = _export_callback("actions", EXPORT_ACTIONS, DOWNLOAD_ACTIONS)


@callback(Output(SELECTED, "data"), Input(GRID, "selectedRows"), prevent_initial_call=True)
def select(rows: list[dict] | None):
    return rows[0]["id"] if rows else dash.no_update


# The theme's panel is below the table: bring it into view, or a click seems to do nothing.
clientside_callback(
    f"""function (rows) {{
        const panel = document.getElementById("{DETAIL}");
        if (rows && rows.length && panel) {{
            panel.scrollIntoView({{behavior: "smooth", block: "start"}});
        }}
        return Date.now();
    }}""",
    Output(SCROLLED, "data"),
    Input(GRID, "selectedRows"),
    prevent_initial_call=True,
)


@callback(Output(DETAIL, "children"), Input(SELECTED, "data"), Input(STORE, "data"))
def update_detail(theme_id: str | None, filters_data: dict | None):
    return theme_detail(data.current(), theme_id, data.Filters.from_store(filters_data))


def theme_detail(snapshot: data.Snapshot, theme_id: str | None, filters: data.Filters) -> list:
    """The detail panel of one theme (the most systemic one when none is selected)."""
    rows = snapshot.theme_rows(filters)
    if not rows:
        return [note("No themes for these filters.")]
    by_id = {r["id"]: r for r in rows}
    auto = theme_id not in by_id
    row = rows[0] if auto else by_id[theme_id]
    quarters = _quarters(snapshot, filters)
    head = html.Div(
        className="detail-head",
        children=[
            html.Div(
                [
                    html.Span(row["id"], className="pill"),
                    html.H2(row["label"], className="detail-title"),
                    *(
                        [html.Span("systemic", className="badge badge-systemic")]
                        if row["systemic"]
                        else []
                    ),
                ],
                className="detail-title-row",
            ),
            html.P(
                "Showing the most systemic theme; click a row above to change."
                if auto
                else " · ".join(
                    [
                        fig.plural(row["coe_count"], "COE"),
                        # absent, not "0 services", when the documents name none
                        fig.plural(len(row["services"]), "service")
                        if row["services"]
                        else "services not named",
                        fig.plural(len(row["teams"]), "team")
                        if row["teams"]
                        else "teams not named",
                        f"{row['first_seen']} → {row['last_seen']}",
                    ]
                ),
                className="muted",
            ),
            html.Blockquote(row["representative"], className="representative"),
            html.Div([html.Span(k, className="chip") for k in row["keywords"]], className="chips"),
        ],
    )
    return [
        card(None, head),
        html.Div(
            className="grid-3",
            children=[
                card(
                    "Quarter trend",
                    graph(fig.theme_trend_figure(row, quarters)),
                    subtitle=f"Trend: {row['trend']} (slope {row['slope']:+g} COEs/quarter)",
                ),
                card("Action follow-through", followthrough_panel(snapshot, row["id"], filters)),
                card("Services and teams", _services(row)),
            ],
        ),
        html.Div(
            className="grid-2",
            children=[
                card(
                    "Root causes",
                    root_cause_table(snapshot, row),
                    subtitle="Each root cause in this theme, with the COE it comes from.",
                ),
                card(
                    "Root-cause map",
                    graph(
                        fig.embedding_map_figure(
                            snapshot.analysis, row["id"], points=snapshot.map_points
                        ),
                        MAP,
                    ),
                    subtitle="2-D projection of every root cause's embedding; this theme in colour.",
                ),
            ],
        ),
        card(
            "Representative why-chains",
            why_chains(snapshot, row),
            subtitle="How COEs in this theme got from symptom to root cause.",
        ),
    ]


def _quarters(snapshot: data.Snapshot, filters: data.Filters) -> list[str]:
    return [
        q
        for q in snapshot.quarters
        if (not filters.quarter_from or q >= filters.quarter_from)
        and (not filters.quarter_to or q <= filters.quarter_to)
    ]


def _services(row: dict):
    return html.Div(
        [
            html.H4("Services", className="mini-head"),
            html.Div(
                [html.Span(s, className="chip") for s in row["services"]] or "—", className="chips"
            ),
            html.H4("Teams", className="mini-head"),
            html.Div(
                [html.Span(t, className="chip") for t in row["teams"]] or "—", className="chips"
            ),
        ]
    )


def followthrough_panel(snapshot: data.Snapshot, theme_id: str, filters: data.Filters):
    """Promised / done / overdue / repeat despite action for one theme."""
    ft = snapshot.theme_followthrough(theme_id, filters)
    if snapshot.repeats is None:
        return unavailable("Action follow-through")
    if ft is None:
        return note("No COEs of this theme under these filters.")
    repeats = ft["repeats"]
    # When no action says whether it was done, done / overdue / repeat are unknown, not 0.
    blind = ft["actions"] > 0 and ft["unknown"] == ft["actions"]

    def count(n: int) -> str:
        return "—" if blind else str(n)

    return html.Div(
        [
            html.Div(
                className="kpis kpis-small",
                children=[
                    kpi(
                        "Promised",
                        str(ft["actions"]),
                        f"{ft['unknown']} without status" if ft["unknown"] else None,
                    ),
                    kpi(
                        "Done",
                        count(ft["done"]),
                        f"{ft['done_pct']:g}%"
                        if ft["done_pct"] is not None and not blind
                        else None,
                    ),
                    kpi("Overdue", count(ft["overdue"])),
                    kpi("Repeat despite action", count(len(repeats))),
                ],
            ),
            html.Div(
                [
                    html.Span("Came back after action: ", className="muted"),
                    *_links(repeats[:12]),
                    *(
                        [html.Span(f" +{len(repeats) - 12} more", className="muted")]
                        if len(repeats) > 12
                        else []
                    ),
                ],
                className="repeat-list",
            )
            if repeats
            else html.P(
                "No action of this theme records a status: whether they were done is unknown."
                if blind
                else "No repeat after action so far.",
                className="muted",
            ),
        ]
    )


def _links(ids: list[str]) -> list:
    out: list = []
    for i, cid in enumerate(ids):
        if i:
            out.append(", ")
        out.append(dcc.Link(cid, href=coe_href(cid)))
    return out


def root_cause_rows(snapshot: data.Snapshot, row: dict) -> list[dict]:
    """One row per root cause of the theme among the COEs ``row`` counts."""
    keep = set(row["coes"])
    theme = snapshot.themes.get(row["id"])
    out = []
    for sid in theme.statements if theme else ():
        s = snapshot.analysis.statement_by_id.get(sid)
        if s is None or s.coe not in keep:
            continue
        coe = snapshot.coe_by_id.get(s.coe)
        out.append(
            {
                "coe": s.coe,
                "date": coe.date if coe else None,
                "service": ", ".join(coe.services) if coe else "",
                "root_cause": s.text,
            }
        )
    out.sort(key=lambda r: (r["date"] or "", r["coe"]), reverse=True)
    return out


def root_cause_table(snapshot: data.Snapshot, row: dict, limit: int = 40):
    rows = root_cause_rows(snapshot, row)
    shown = table(
        rows[:limit],
        [("coe", "COE"), ("date", "Date"), ("service", "Services"), ("root_cause", "Root cause")],
        links={"coe": coe_href},
        className="table-compact",
    )
    more = (
        [html.P(f"… and {len(rows) - limit} more.", className="muted")] if len(rows) > limit else []
    )
    return html.Div([shown, *more], className="scroll-panel")


def why_chains(snapshot: data.Snapshot, row: dict, limit: int = 3):
    """The why chains of a few COEs of the theme, representative statement's COE first."""
    theme = snapshot.themes.get(row["id"])
    first = next(
        (
            snapshot.analysis.statement_by_id[s].coe
            for s in (theme.statements if theme else ())
            if s in snapshot.analysis.statement_by_id
            and snapshot.analysis.statement_by_id[s].text == row["representative"]
        ),
        None,
    )
    order = [c for c in [first, *reversed(row["coes"])] if c]
    seen, blocks = set(), []
    for cid in order:
        coe = snapshot.coe_by_id.get(cid)
        if cid in seen or coe is None or not coe.whys:
            continue
        seen.add(cid)
        chain = max(snapshot.why_chains(coe), key=len, default=[])
        rcs = [
            snapshot.analysis.statement_by_id[s].text
            for s in (theme.statements if theme else ())
            if s.startswith(f"{cid}#rc") and s in snapshot.analysis.statement_by_id
        ]
        blocks.append(
            html.Div(
                className="chain",
                children=[
                    html.Div(
                        [
                            dcc.Link(cid, href=coe_href(cid), className="coe-link"),
                            html.Span(coe.title, className="muted chain-title"),
                        ]
                    ),
                    html.Ol([html.Li(step) for step in chain], className="chain-steps"),
                    *[
                        html.Div(["Root cause: ", html.Strong(rc)], className="chain-rc")
                        for rc in rcs
                    ],
                ],
            )
        )
        if len(blocks) >= limit:
            break
    return html.Div(blocks, className="chains") if blocks else note("No why-chains recorded.")
