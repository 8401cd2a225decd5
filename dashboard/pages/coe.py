"""One COE: the parsed document, its why tree, actions, lint findings and closest precedents."""

from __future__ import annotations

from urllib.parse import unquote

import dash
import dash_cytoscape as cyto
from dash import Input, Output, callback, dcc, html

from dashboard import data
from dashboard import figures as fig
from dashboard.components import (
    card,
    coe_href,
    kpi,
    note,
    severity_badge,
    status_badge,
    theme_href,
    unavailable,
)

dash.register_page(
    __name__, path_template="/coe/<coe_id>", name="COE", title="coegraph · COE", order=9
)

ID = "coe-id"
WHY_GRAPH = "coe-why-graph"
PRECEDENTS = "coe-precedents"
WHY_DETAIL = "coe-why-detail"

cyto.load_extra_layouts()

WHY_STYLESHEET = [
    {
        "selector": "node",
        "style": {
            "label": "data(label)",
            "shape": "round-rectangle",
            "width": 240,
            "height": "label",
            "padding": "10px",
            "text-wrap": "wrap",
            "text-max-width": 220,
            "text-valign": "center",
            "font-size": 11,
            "color": "#1f2933",
            "background-color": "#eef2ff",
            "border-width": 1,
            "border-color": "#c7d2fe",
        },
    },
    {
        "selector": ".coe",
        "style": {
            "background-color": "#1e3a8a",
            "color": "#ffffff",
            "border-color": "#1e3a8a",
            "font-weight": 600,
        },
    },
    {
        "selector": ".root-cause",
        "style": {"background-color": "#fef3c7", "border-color": "#f59e0b", "font-weight": 600},
    },
    {
        "selector": "edge",
        "style": {
            "width": 1.5,
            "line-color": "#94a3b8",
            "target-arrow-color": "#94a3b8",
            "target-arrow-shape": "triangle",
            "curve-style": "bezier",
        },
    },
    {
        "selector": ".rc",
        "style": {"line-style": "dashed", "line-color": "#f59e0b", "target-arrow-color": "#f59e0b"},
    },
]


def layout(coe_id: str | None = None, **_query) -> html.Div:
    snapshot = data.current()
    # the path arrives as written in the URL: "Outage on Friday" as "Outage%20on%20Friday"
    # (coe_href quotes every id); a hand-typed URL may hold the id as it is
    coe = snapshot.coe_by_id.get(coe_id or "")
    if coe is None and coe_id:
        coe_id = unquote(coe_id)
        coe = snapshot.coe_by_id.get(coe_id)
    if coe is None:
        return html.Div(
            className="page-coe",
            children=[
                html.H1("COE not found"),
                note(f"There is no COE {coe_id!r} in this store."),
                dcc.Link("Back to the overview", href="/"),
            ],
        )
    return html.Div(
        className="page-coe", children=[dcc.Store(id=ID, data=coe.id), *coe_body(snapshot, coe)]
    )


def coe_body(snapshot: data.Snapshot, coe) -> list:
    """The page body for one COE (everything but the precedents, which load after)."""
    theme = snapshot.analysis.coe_theme.get(coe.id) if snapshot.analysis else None
    theme_label = snapshot.themes[theme].label if theme in snapshot.themes else None
    lint = snapshot.lint(coe.id)
    m, imp = coe.metrics, coe.impact
    return [
        html.Div(
            className="page-head",
            children=[
                html.Div(
                    [html.Span(coe.id, className="pill"), severity_badge(coe.severity)],
                    className="detail-title-row",
                ),
                html.H1(coe.title or coe.id),
                html.Div(
                    className="meta",
                    children=[
                        html.Span(coe.date or "undated"),
                        html.Span(coe.team or "no team"),
                        *[html.Span(s, className="chip") for s in coe.services],
                        *(
                            [
                                dcc.Link(
                                    f"Theme {theme}: {theme_label}",
                                    href=theme_href(theme),
                                    className="theme-link",
                                )
                            ]
                            if theme
                            else []
                        ),
                    ],
                ),
            ],
        ),
        html.Div(
            className="grid-main-side",
            children=[
                html.Div(
                    [
                        card(
                            "Why tree",
                            cyto.Cytoscape(
                                id=WHY_GRAPH,
                                elements=fig.why_tree_elements(coe),
                                layout={
                                    "name": "dagre",
                                    "rankDir": "TB",
                                    "nodeSep": 30,
                                    "rankSep": 40,
                                },
                                stylesheet=WHY_STYLESHEET,
                                style={"width": "100%", "height": f"{fig.why_height(coe)}px"},
                                userZoomingEnabled=True,
                                minZoom=0.3,
                                maxZoom=2,
                                wheelSensitivity=0.2,
                            ),
                            html.P(
                                "Click a why or a root cause to read it in full.",
                                id=WHY_DETAIL,
                                className="muted why-detail",
                            ),
                            subtitle="Each why deepens its parent; root causes in amber.",
                            className="card-flush-body",
                        ),
                        card("Actions", actions_table(coe)),
                        card("Impact and timeline", impact_block(imp, m), timeline_block(coe)),
                    ],
                ),
                html.Div(
                    [
                        card("Quality", lint_block(lint)),
                        card(
                            "Closest precedents",
                            html.Div(id=PRECEDENTS, children=note("Searching…")),
                        ),
                        *(
                            [card("Parser warnings", html.Ul([html.Li(w) for w in coe.warnings]))]
                            if coe.warnings
                            else []
                        ),
                    ],
                ),
            ],
        ),
    ]


def impact_block(imp, m):
    def minutes(v):
        return "—" if v is None else f"{v:g} min"

    return html.Div(
        [
            html.P(imp.summary or "No impact summary.", className="impact-summary"),
            html.Div(
                className="kpis kpis-small",
                children=[
                    kpi("Duration", minutes(imp.duration_minutes)),
                    kpi(
                        "Customers",
                        "—" if imp.customers_affected is None else f"{imp.customers_affected:,}",
                    ),
                    kpi(
                        "Failed requests",
                        "—" if imp.requests_failed_pct is None else f"{imp.requests_failed_pct:g}%",
                    ),
                    kpi("Time to detect", minutes(m.time_to_detect_minutes)),
                    kpi("Time to mitigate", minutes(m.time_to_mitigate_minutes)),
                ],
            ),
        ]
    )


def timeline_block(coe):
    if not coe.timeline:
        return html.P("No timeline.", className="muted")
    return html.Ol(
        [
            html.Li([html.Span(e.at or "", className="time"), html.Span(e.event)])
            for e in coe.timeline
        ],
        className="timeline",
    )


def actions_table(coe):
    if not coe.actions:
        return note("No actions recorded.", "warn")
    head = html.Thead(
        html.Tr([html.Th(h) for h in ("Action", "Priority", "Owner", "Due", "Status")])
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(a.title),
                    html.Td(a.priority or "—"),
                    html.Td(a.owner or "—"),
                    html.Td(a.due or "—"),
                    html.Td(status_badge(a.status)),
                ]
            )
            for a in coe.actions
        ]
    )
    return html.Table([head, body], className="table")


def lint_block(lint):
    if lint is None:
        return unavailable("The COE linter")
    score, findings, *rest = lint
    tone = "good" if score >= 80 else "fair" if score >= 50 else "poor"
    return html.Div(
        [
            html.Div(
                [
                    html.Span(str(score), className=f"score score-{tone}"),
                    html.Span("/ 100 quality score", className="muted"),
                ],
                className="score-row",
            ),
            *([score_parts(rest[0])] if rest and rest[0] else []),
            html.Ul(
                [
                    html.Li(
                        [
                            html.Span(f["severity"], className=f"badge badge-{f['severity']}"),
                            html.Code(f["rule"]),
                            html.Span(f["message"]),
                            *(
                                [html.Span(f"line {f['line']}", className="muted")]
                                if f.get("line")
                                else []
                            ),
                        ],
                        className="finding",
                    )
                    for f in findings
                ],
                className="findings",
            )
            if findings
            else html.P("No findings: this COE meets every bar-raiser check.", className="muted"),
        ]
    )


def score_parts(parts: list[dict]) -> html.Table:
    """What the quality score is made of: each part's points out of its share, and why."""
    rows = [
        html.Tr(
            [
                html.Td(p["name"]),
                html.Td(f"{p['points']:g} / {p['max']}" if p["max"] else f"{p['points']:g}"),
                html.Td(p["why"], className="muted"),
            ]
        )
        for p in parts
    ]
    head = html.Thead(html.Tr([html.Th("part"), html.Th("points"), html.Th("because")]))
    return html.Table([head, html.Tbody(rows)], className="table score-parts")


@callback(
    Output(WHY_DETAIL, "children"), Input(WHY_GRAPH, "tapNodeData"), prevent_initial_call=True
)
def show_why(node: dict | None):
    """The full text of the clicked node (the tree's labels are cut short)."""
    return (node or {}).get("full") or "Click a why or a root cause to read it in full."


@callback(Output(PRECEDENTS, "children"), Input(ID, "data"))
def update_precedents(coe_id: str | None):
    snapshot = data.current()
    coe = snapshot.coe_by_id.get(coe_id or "")
    if coe is None:
        return note("Unknown COE.")
    index = snapshot.precedents
    if index is None:
        return unavailable("Precedent search")
    found = index.search(coe, 5, exclude_id=coe.id)
    if not found:
        return note("No precedents found.")
    return html.Ol(
        [
            html.Li(
                [
                    html.Div(
                        [
                            dcc.Link(p.coe_id, href=coe_href(p.coe_id), className="coe-link"),
                            html.Span(f"{p.score:.0f}/100", className="score-chip"),
                        ]
                    ),
                    html.Div(p.title, className="precedent-title"),
                    html.Div(
                        " · ".join(x for x in (p.date or "", ", ".join(p.services)) if x)
                        + (f" · shares theme {p.theme.id}" if p.theme and p.theme.shared else ""),
                        className="muted",
                    ),
                ],
                className="precedent",
            )
            for p in found
        ],
        className="precedents",
    )
