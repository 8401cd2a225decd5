"""Causal graph: how why-step clusters lead into root-cause themes; click a theme to open it."""

from __future__ import annotations

import dash
import dash_cytoscape as cyto
from dash import Input, Output, State, callback, dcc, html

from analytics import graph_schema as gs
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

# Default view: the top themes and only their strongest steps, so that at 1440x900 every label
# is legible without zooming (the sliders open it up).
DEFAULT_THEMES = 5
PER_NODE = 2
MAX_NODES = 20
DEPTH = 2

# Left to right, like a why chain read back from the root cause: earlier steps on the left,
# themes on the right. Labels sit beside their node and count in its size, so dagre spaces
# the columns by the labels and nothing overlaps.
LAYOUT = {
    "name": "dagre",
    "rankDir": "LR",
    "nodeDimensionsIncludeLabels": True,
    "nodeSep": 12,
    "rankSep": 90,
    "edgeSep": 8,
    "padding": 16,
    "fit": True,
}

STYLESHEET = [
    {
        "selector": "node",
        "style": {
            "label": "data(label)",
            "width": "data(size)",
            "height": "data(size)",
            "font-size": 14,
            "line-height": 1.2,
            "color": "#1f2933",
            "text-wrap": "wrap",
            "text-max-width": 200,
            "text-valign": "center",
            "text-halign": "right",
            "text-margin-x": 6,
            "text-background-color": "#ffffff",
            "text-background-opacity": 0.85,
            "text-background-padding": 2,
            "background-color": "#94a3b8",
            "border-width": 1,
            "border-color": "#ffffff",
        },
    },
    {
        "selector": ".theme",
        "style": {
            "background-color": "#2563eb",
            "shape": "round-rectangle",
            "font-size": 14,
            "font-weight": 600,
            "color": "#1e3a8a",
            "text-max-width": 220,
        },
    },
    {
        "selector": "edge",
        "style": {
            "width": "data(width)",
            "line-color": "#b6c2d1",
            "target-arrow-color": "#b6c2d1",
            "target-arrow-shape": "triangle",
            "curve-style": "bezier",
            "arrow-scale": 0.8,
            "opacity": 0.8,
        },
    },
    {"selector": "node:selected", "style": {"border-width": 3, "border-color": "#f59e0b"}},
]


def layout(**_query) -> html.Div:
    C = data.current().causal
    first = (
        note("Click a node.")
        if C is None or any(kind == gs.WHY for _, kind in C.nodes(data=gs.KIND))
        # Many real postmortems list contributing factors instead of a why chain.
        else note("None of these COEs writes a why chain, so only their themes are drawn.")
    )
    return html.Div(
        className="page-causal",
        children=[
            dcc.Location(id=GO, refresh="callback-nav"),
            html.Div(
                className="page-head",
                children=[
                    html.H1("Causal graph"),
                    html.P(
                        "Why-steps (grey) that why chains pass through on their way to a root-cause "
                        "theme (blue); edge width = chains. Click a theme to open it.",
                        className="lede",
                    ),
                ],
            ),
            html.Div(
                className="grid-graph-side",
                children=[
                    card(
                        None,
                        cyto.Cytoscape(
                            id=GRAPH,
                            elements=[],
                            layout=LAYOUT,
                            stylesheet=STYLESHEET,
                            # The graph fills what is left of the window below the filter bar and heading,
                            # so the whole graph is in view at 1440x900 without scrolling.
                            style={
                                "width": "100%",
                                "height": "calc(100vh - 250px)",
                                "minHeight": "460px",
                            },
                            minZoom=0.2,
                            maxZoom=1.4,
                            wheelSensitivity=0.2,
                        ),
                        className="card-flush",
                    ),
                    html.Div(
                        [
                            card(
                                None,
                                html.Div(
                                    className="controls-stack",
                                    children=[
                                        html.Label("Themes shown", htmlFor=THEMES),
                                        dcc.Slider(
                                            id=THEMES,
                                            min=3,
                                            max=30,
                                            step=1,
                                            value=DEFAULT_THEMES,
                                            marks={
                                                n: str(n) for n in (3, DEFAULT_THEMES, 10, 20, 30)
                                            },
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
                            ),
                            card("Selected", html.Div(id=INFO, children=first)),
                        ]
                    ),
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
    n = n_themes or DEFAULT_THEMES
    nodes, edges = fig.causal_subgraph(
        C,
        [r["id"] for r in rows[:n]],
        min_weight=min_weight or 1,
        per_node=PER_NODE,
        depth=DEPTH,
        # More themes asked for, more room: about four steps per theme shown.
        max_nodes=min(60, max(MAX_NODES, 4 * n)),
    )
    return fig.causal_elements(nodes, edges)


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
