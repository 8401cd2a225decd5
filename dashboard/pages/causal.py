"""Causal graph: how why-step clusters lead into root-cause themes; click a theme to open it."""

from __future__ import annotations

import dash
import dash_cytoscape as cyto
from dash import Input, Output, State, callback, dcc, html

from dashboard import data
from dashboard import figures as fig
from dashboard.components import card, note, theme_href, unavailable
from dashboard.filters import STORE

dash.register_page(
    __name__, path="/causal", name="Causal graph", title="coegraph · Causal graph", order=2
)

GRAPH = "causal-graph"
THEMES = "causal-themes"
WEIGHT = "causal-weight"
INFO = "causal-info"
GO = "causal-go"

cyto.load_extra_layouts()  # dagre: layered layout that reads top-down like a why chain

STYLESHEET = [
    {
        "selector": "node",
        "style": {
            "label": "data(label)",
            "width": "data(size)",
            "height": "data(size)",
            "font-size": 12,
            "color": "#1f2933",
            "text-wrap": "wrap",
            "text-max-width": 120,
            "text-valign": "bottom",
            "text-margin-y": 4,
            "background-color": "#94a3b8",
            "border-width": 1,
            "border-color": "#ffffff",
        },
    },
    {
        "selector": ".theme",
        "style": {"background-color": "#2563eb", "shape": "round-rectangle", "font-weight": 600},
    },
    {
        "selector": "edge",
        "style": {
            "width": "data(width)",
            "line-color": "#cbd5e1",
            "target-arrow-color": "#cbd5e1",
            "target-arrow-shape": "triangle",
            "curve-style": "bezier",
            "arrow-scale": 0.8,
        },
    },
    {"selector": "node:selected", "style": {"border-width": 3, "border-color": "#f59e0b"}},
]


def layout(**_query) -> html.Div:
    return html.Div(
        className="page-causal",
        children=[
            dcc.Location(id=GO, refresh="callback-nav"),
            html.Div(
                className="page-head",
                children=[
                    html.H1("Causal graph"),
                    html.P(
                        "Every COE's why chain, collapsed into clusters of similar why-steps (grey) "
                        "leading to root-cause themes (blue). Edge width = chains taking that step. "
                        "Click a theme to open it; click a step to see where it leads.",
                        className="lede",
                    ),
                ],
            ),
            html.Div(
                className="controls",
                children=[
                    html.Label("Themes shown", htmlFor=THEMES),
                    dcc.Slider(
                        id=THEMES,
                        min=3,
                        max=30,
                        step=1,
                        value=8,
                        marks={3: "3", 10: "10", 20: "20", 30: "30"},
                        allow_direct_input=False,
                    ),
                    html.Label("Min. chains per step", htmlFor=WEIGHT),
                    dcc.Slider(
                        id=WEIGHT,
                        min=1,
                        max=6,
                        step=1,
                        value=2,
                        marks={i: str(i) for i in range(1, 7)},
                        allow_direct_input=False,
                    ),
                ],
            ),
            html.Div(
                className="grid-main-side",
                children=[
                    card(
                        None,
                        cyto.Cytoscape(
                            id=GRAPH,
                            elements=[],
                            layout={
                                "name": "dagre",
                                "rankDir": "TB",
                                "nodeSep": 70,
                                "rankSep": 110,
                                "padding": 20,
                            },
                            stylesheet=STYLESHEET,
                            style={"width": "100%", "height": "640px"},
                            minZoom=0.2,
                            maxZoom=2.5,
                            wheelSensitivity=0.2,
                        ),
                        className="card-flush",
                    ),
                    card("Selected", html.Div(id=INFO, children=note("Click a node."))),
                ],
            ),
        ],
    )


@callback(
    Output(GRAPH, "elements"),
    Input(STORE, "data"),
    Input(THEMES, "value"),
    Input(WEIGHT, "value"),
)
def update_graph(filters_data: dict | None, n_themes: int | None, min_weight: int | None):
    snapshot = data.current()
    C = snapshot.causal
    if C is None:
        return []
    rows = snapshot.theme_rows(data.Filters.from_store(filters_data))
    nodes, edges = fig.causal_subgraph(
        C, [r["id"] for r in rows[: n_themes or 8]], min_weight=min_weight or 1, max_nodes=40
    )
    labels = {n["id"]: n["label"] for n in nodes}
    return fig.causal_elements(nodes, edges, labels)


@callback(
    Output(INFO, "children"),
    Output(GO, "href"),
    Input(GRAPH, "tapNodeData"),
    State(GO, "href"),
    prevent_initial_call=True,
)
def open_node(node: dict | None, _href):
    if not node:
        return dash.no_update, dash.no_update
    if node["id"].startswith("T"):
        return dash.no_update, theme_href(node["id"])
    return step_info(data.current(), node["id"]), dash.no_update


def step_info(snapshot: data.Snapshot, cluster_id: str):
    """What a why-step cluster says and which themes its chains lead to."""
    C = snapshot.causal
    if C is None:
        return unavailable("The causal graph")
    if cluster_id not in C:
        return note(f"{cluster_id} is not in this analysis run.")
    attrs = C.nodes[cluster_id]
    cluster = snapshot.analysis.cluster_by_id.get(cluster_id)
    leads = sorted(C.out_edges(cluster_id, data="weight", default=1), key=lambda e: -e[2])[:8]
    return html.Div(
        [
            html.Div(
                [html.Span(cluster_id, className="pill"), html.Strong(attrs.get("label", ""))]
            ),
            html.P(
                f"{attrs.get('coe_count', 0)} COEs · mean depth {attrs.get('depth', 0):g}",
                className="muted",
            ),
            *(
                [html.Blockquote(cluster.representative, className="representative")]
                if cluster
                else []
            ),
            html.H4("Leads to", className="mini-head"),
            html.Ul(
                [
                    html.Li(
                        [
                            dcc.Link(v, href=theme_href(v)) if v.startswith("T") else html.Span(v),
                            f" {C.nodes[v].get('label', '')} ({w} chains)",
                        ]
                    )
                    for _u, v, w in leads
                ]
            )
            if leads
            else html.P("Nothing deeper.", className="muted"),
        ]
    )
